"""Every route that reads a body refuses one it cannot read with a 4xx problem, never a 500.

The routes come from the app's own route table, so a route added later is covered without
editing this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from litestar.routes import HTTPRoute

from gateway.app import create_app
from gateway.bodies import MAX_DEPTH
from gateway.settings import Settings
from tests.integration.conftest import TenantHandle
from tests.integration.test_errors_api import assert_problem

_PATH_PARAMETER = re.compile(r"\{(?P<name>\w+):\w+\}")


@dataclass(frozen=True)
class BodyRoute:
    """One method and path template of the app whose handler takes a JSON body."""

    method: str
    template: str

    def path(self, tenant_id: str) -> str:
        """The path with its parameters filled (the body is read before they are looked up)."""
        return _PATH_PARAMETER.sub(
            lambda m: tenant_id if m["name"] == "tenant_id" else "trustcaller", self.template
        )


def body_routes() -> list[BodyRoute]:
    """Every route of the gateway whose handler declares a ``data`` (body) parameter."""
    app = create_app(Settings())
    return sorted(
        {
            BodyRoute(method, route.path)
            for route in app.routes
            if isinstance(route, HTTPRoute)
            for handler in route.route_handlers
            if "data" in handler.parsed_fn_signature.parameters
            for method in handler.http_methods
        },
        key=lambda r: (r.template, r.method),
    )


BODY_ROUTES = body_routes()


def test_the_route_table_has_the_body_routes_we_know() -> None:
    """A guard on the discovery itself: it must find the public callback and the admin PUT."""
    found = {(r.method, r.template) for r in BODY_ROUTES}
    assert ("POST", "/v1/verifications/{vendor:str}/callback") in found
    assert ("PUT", "/v1/admin/tenants/{tenant_id:str}/credentials/{vendor:str}") in found
    assert ("POST", "/v1/calls") in found


def _send(
    tenant: TenantHandle, route: BodyRoute, body: bytes, content_type: str | None
) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    return tenant.client.request(route.method, route.path(tenant.id), content=body, headers=headers)


UNREADABLE_BODIES = {
    "nested 1000 deep": b"[" * 1000 + b"]" * 1000,
    "objects nested past the limit": b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "a lone surrogate's bytes": b'{"name": "\xed\xa0\x80"}',
    "not JSON": b"{nope",
}


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_an_unreadable_body_is_a_400_problem(tenant: TenantHandle, route: BodyRoute) -> None:
    for label, body in UNREADABLE_BODIES.items():
        response = _send(tenant, route, body, "application/json")

        problem = assert_problem(response, 400, "bad-request")
        assert "Error" not in problem["detail"], label


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_a_body_that_is_not_declared_json_is_a_415_problem(
    tenant: TenantHandle, route: BodyRoute
) -> None:
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded", "text/json"):
        response = _send(tenant, route, b'{"name": "x"}', content_type)

        problem = assert_problem(response, 415, "unsupported-media-type")
        assert "application/json" in problem["detail"]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_media_types_with_parameters_or_capitals_are_read(
    tenant: TenantHandle, content_type: str
) -> None:
    response = tenant.client.post(
        "/v1/admin/tenants", content=b'{"name": "cased"}', headers={"content-type": content_type}
    )

    assert response.status_code != 415, response.text


def test_a_problem_json_body_type_is_read_as_json(tenant: TenantHandle) -> None:
    """``+json`` types are JSON (RFC 6839), so they are read, not refused."""
    response = tenant.client.post(
        "/v1/carriers",
        content=b'{"name": "x"}',
        headers={"content-type": "application/merge-patch+json"},
    )

    assert_problem(response, 422, "validation-failed")


def test_every_route_with_a_body_documents_its_400_and_415() -> None:
    document = create_app(Settings()).openapi_schema.to_schema()
    for route in BODY_ROUTES:
        path = _PATH_PARAMETER.sub(lambda m: "{" + m["name"] + "}", route.template)
        responses = document["paths"][path][route.method.lower()]["responses"]
        assert {"400", "415"} <= responses.keys(), (route, sorted(responses))
