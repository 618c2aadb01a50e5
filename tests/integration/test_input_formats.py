"""Validated input is matched whole and refused in words a person can act on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.test_errors_api import assert_problem

NEWLINE_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("GET", "/v1/calls/live", {"params": {"number": "+4915112345678\n"}}, "query.number"),
    ("GET", "/v1/numbers", {"params": {"vendor": "trustcaller\n"}}, "query.vendor"),
    ("GET", "/v1/test-numbers", {"params": {"prefix": "49\n"}}, "query.prefix"),
    ("GET", "/v1/calls", {"params": {"cursor": "abc\n"}}, "query.cursor"),
    ("GET", "/v1/admin/audit", {"params": {"since": "2026-11-01T00:00:00Z\n"}}, "query.since"),
    ("POST", "/v1/verifications", {"json": {"language": "en\n"}}, "body.language"),
    ("POST", "/v1/admin/tenants", {"json": {"name": "acme\n"}}, "body.name"),
    (
        "POST",
        "/v1/vendor-webhooks",
        {"json": {"event": "call.completed\n", "url": "https://example.com/hook"}},
        "body.event",
    ),
    (
        "POST",
        "/v1/vendor-webhooks",
        {"json": {"event": "call.completed", "url": "https://example.com/hook\n"}},
        "body.url",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "request_args", "field"),
    NEWLINE_CASES,
    ids=[f"{c[0]} {c[1]} {c[3]}" for c in NEWLINE_CASES],
)
def test_a_trailing_newline_is_refused_naming_the_field(
    tenant: TenantHandle, method: str, path: str, request_args: dict[str, Any], field: str
) -> None:
    response = tenant.client.request(method, path, **request_args)

    problem = assert_problem(response, 422, "validation-failed")
    assert [e["field"] for e in problem["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "params", "field", "words"),
    [
        ("/v1/calls/live", {"number": "12ab"}, "query.number", "E.164"),
        ("/v1/calls", {"from_date": "2026-13-01"}, "query.from_date", "YYYY-MM-DD"),
        ("/v1/calls", {"to_date": "yesterday"}, "query.to_date", "YYYY-MM-DD"),
        ("/v1/calls", {"limit": "ten"}, "query.limit", "whole number"),
        ("/v1/calls", {"limit": "0"}, "query.limit", "at least 1"),
        ("/v1/admin/audit", {"since": "monday"}, "query.since", "RFC 3339"),
    ],
)
def test_a_bad_query_parameter_is_explained_without_library_jargon(
    tenant: TenantHandle, path: str, params: dict[str, str], field: str, words: str
) -> None:
    problem = assert_problem(tenant.client.get(path, params=params), 422, "validation-failed")

    (error,) = problem["errors"]
    assert error["field"] == field
    assert words in error["message"]
    assert words in problem["detail"]
    for jargon in ("regex", "Expected `", "RFC3339 encoded", "\\\\"):
        assert jargon not in response_text(problem), jargon


def response_text(problem: dict[str, Any]) -> str:
    return f"{problem['detail']} {problem['errors']}"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"to_number": "12ab"}, "body.to_number", "E.164"),
        ({"to_number": 4915112345678}, "body.to_number", "must be a string"),
        ({}, "body.to_number", "is required"),
        ({"to_number": "+4915112345678", "colour": "red"}, "body.colour", "not a field"),
    ],
)
def test_a_bad_body_field_is_named_and_explained(
    tenant: TenantHandle, body: dict[str, Any], field: str, words: str
) -> None:
    problem = assert_problem(tenant.client.post("/v1/calls", json=body), 422, "validation-failed")

    assert [(e["field"], words in e["message"]) for e in problem["errors"]] == [(field, True)]
    assert "Expected `" not in response_text(problem)


def test_a_missing_body_is_named_as_the_body(tenant: TenantHandle) -> None:
    response = tenant.client.post("/v1/calls", headers={"content-type": "application/json"})

    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"] == [{"field": "body", "message": "is required (send a JSON body)"}]


def test_a_callback_of_the_wrong_shape_is_explained(gateway: GatewayStack) -> None:
    response = httpx.post(
        f"{gateway.url}/v1/verifications/truecaller_profile/callback", json={"requestId": 5}
    )

    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"] == [{"field": "body.requestId", "message": "must be a string"}]


@pytest.mark.parametrize(
    ("vendor", "secret"),
    [
        ("trustcaller", {"token": "7|t\u00f6ken-\u20ac"}),
        ("trustcaller", {"token": "7|token\r\nX-Injected: 1"}),
        ("topcalls", {"api_key": "tc_live_\u00e9"}),
        ("topcalls", {"api_key": "tc_live_a b"}),
    ],
    ids=["trustcaller-not-latin-1", "trustcaller-crlf", "topcalls-not-ascii", "topcalls-space"],
)
def test_a_credential_that_cannot_travel_in_a_header_is_refused_when_stored(
    tenant: TenantHandle, gateway: GatewayStack, vendor: str, secret: dict[str, str]
) -> None:
    stored = gateway.admin().put(
        f"/v1/admin/tenants/{tenant.id}/credentials/{vendor}", json={"secret": secret}
    )

    problem = assert_problem(stored, 422, "validation-failed")
    assert "visible ASCII" in problem["detail"]
    for value in secret.values():
        assert value not in stored.text
    numbers = tenant.client.get("/v1/numbers", params={"vendor": "trustcaller"})
    assert numbers.status_code == 200, numbers.text
