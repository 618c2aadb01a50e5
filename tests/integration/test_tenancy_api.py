"""One tenant can never read, list or change another tenant's objects, on any route."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.integration.conftest import GatewayStack, TenantHandle


@dataclass
class TwoTenants:
    owner: TenantHandle
    intruder: TenantHandle
    owner_key_id: str
    owner_number_id: str
    owner_call_id: str


@pytest.fixture
def two_tenants(gateway: GatewayStack, make_tenant: Callable[..., TenantHandle]) -> TwoTenants:
    owner = make_tenant(name="owner")
    intruder = make_tenant(name="intruder")
    return TwoTenants(
        owner=owner,
        intruder=intruder,
        owner_key_id=gateway.admin().get(f"/v1/admin/tenants/{owner.id}/keys").json()[0]["id"],
        owner_number_id=owner.client.get("/v1/numbers").json()["data"][0]["id"],
        owner_call_id=owner.client.get("/v1/calls?limit=1").json()["data"][0]["id"],
    )


# Every route whose path names an object, with how the intruder addresses the owner's object.
CROSS_TENANT_REQUESTS = {
    ("GET", "/v1/numbers/{number_id:str}"): ("GET", "/v1/numbers/{number}", None),
    ("GET", "/v1/calls/{call_id:str}"): ("GET", "/v1/calls/{call}", None),
    ("GET", "/v1/admin/tenants/{tenant_id:str}/keys"): ("GET", "/v1/admin/tenants/{t}/keys", None),
    ("POST", "/v1/admin/tenants/{tenant_id:str}/keys"): (
        "POST",
        "/v1/admin/tenants/{t}/keys",
        {"name": "x", "scopes": ["admin"]},
    ),
    ("DELETE", "/v1/admin/tenants/{tenant_id:str}/keys/{key_id:str}"): (
        "DELETE",
        "/v1/admin/tenants/{t}/keys/{key}",
        None,
    ),
    ("GET", "/v1/admin/tenants/{tenant_id:str}/credentials"): (
        "GET",
        "/v1/admin/tenants/{t}/credentials",
        None,
    ),
    ("PUT", "/v1/admin/tenants/{tenant_id:str}/credentials/{vendor:str}"): (
        "PUT",
        "/v1/admin/tenants/{t}/credentials/trustcaller",
        {"secret": {"token": "1|" + "a" * 40}},
    ),
    ("DELETE", "/v1/admin/tenants/{tenant_id:str}/credentials/{vendor:str}"): (
        "DELETE",
        "/v1/admin/tenants/{t}/credentials/trustcaller",
        None,
    ),
    ("POST", "/v1/admin/tenants/{tenant_id:str}/credentials/{vendor:str}/rotate"): (
        "POST",
        "/v1/admin/tenants/{t}/credentials/trustcaller/rotate",
        None,
    ),
}


def test_every_route_with_an_object_in_its_path_is_in_the_sweep(
    gateway_settings: Settings,
) -> None:
    app = create_app(gateway_settings)
    addressed = {
        (method, route.path)
        for route in app.routes
        if "{" in route.path and route.path.startswith("/v1/")
        for method in getattr(route, "methods", ())
        if method not in ("OPTIONS", "HEAD")
    }

    assert addressed == set(CROSS_TENANT_REQUESTS)


@pytest.mark.parametrize("route", list(CROSS_TENANT_REQUESTS), ids=lambda r: f"{r[0]} {r[1]}")
def test_the_intruder_gets_404_and_changes_nothing(
    gateway: GatewayStack, two_tenants: TwoTenants, route: tuple[str, str]
) -> None:
    method, template, body = CROSS_TENANT_REQUESTS[route]
    path = template.format(
        t=two_tenants.owner.id,
        key=two_tenants.owner_key_id,
        number=two_tenants.owner_number_id,
        call=two_tenants.owner_call_id,
    )
    admin = gateway.admin()
    before_keys = admin.get(f"/v1/admin/tenants/{two_tenants.owner.id}/keys").json()
    before_credentials = admin.get(f"/v1/admin/tenants/{two_tenants.owner.id}/credentials").json()

    response = two_tenants.intruder.client.request(method, path, json=body)

    assert response.status_code == 404, response.text
    assert two_tenants.owner.id not in response.text
    assert admin.get(f"/v1/admin/tenants/{two_tenants.owner.id}/keys").json() == before_keys
    after_credentials = admin.get(f"/v1/admin/tenants/{two_tenants.owner.id}/credentials").json()
    assert after_credentials == before_credentials
    assert two_tenants.owner.client.get("/v1/numbers").status_code == 200


def test_revoking_by_key_id_under_ones_own_tenant_cannot_reach_anothers_key(
    two_tenants: TwoTenants,
) -> None:
    response = two_tenants.intruder.client.delete(
        f"/v1/admin/tenants/{two_tenants.intruder.id}/keys/{two_tenants.owner_key_id}"
    )

    assert response.status_code == 404
    assert two_tenants.owner.client.get("/v1/numbers").status_code == 200


def test_lists_never_include_another_tenants_items(two_tenants: TwoTenants) -> None:
    intruder = two_tenants.intruder.client
    numbers = {n["id"] for n in intruder.get("/v1/numbers?limit=1000").json()["data"]}
    calls = {c["id"] for c in intruder.get("/v1/calls?limit=1000").json()["data"]}
    tenants = [t["id"] for t in intruder.get("/v1/admin/tenants").json()]

    assert two_tenants.owner_number_id not in numbers
    assert two_tenants.owner_call_id not in calls
    assert tenants == [two_tenants.intruder.id]
    assert len(numbers) == 5 and len(calls) == 240


def test_the_operator_sees_every_tenant(gateway: GatewayStack, two_tenants: TwoTenants) -> None:
    listed = {t["id"] for t in gateway.admin().get("/v1/admin/tenants").json()}

    assert {two_tenants.owner.id, two_tenants.intruder.id} <= listed
