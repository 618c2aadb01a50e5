"""Gateway keys over HTTP: 401 for bad keys, 403 for missing scopes, keys shown once."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.integration.conftest import GatewayStack, TenantHandle


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-gateway-key", "Bearer gw_unknown0000000"],
)
def test_missing_or_bad_keys_are_401(gateway: GatewayStack, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = httpx.get(gateway.url + "/v1/numbers", headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_at_once(gateway: GatewayStack, tenant: TenantHandle) -> None:
    admin = gateway.admin()
    keys = admin.get(f"/v1/admin/tenants/{tenant.id}/keys").json()["data"]
    assert tenant.client.get("/v1/numbers").status_code == 200

    revoked = admin.delete(f"/v1/admin/tenants/{tenant.id}/keys/{keys[0]['id']}")

    assert revoked.status_code == 204
    assert tenant.client.get("/v1/numbers").status_code == 401
    listed = admin.get(f"/v1/admin/tenants/{tenant.id}/keys").json()["data"]
    assert listed[0]["revoked_at"] is not None
    again = admin.delete(f"/v1/admin/tenants/{tenant.id}/keys/{keys[0]['id']}")
    assert again.status_code == 204


@pytest.mark.parametrize(
    ("scopes", "path", "status"),
    [
        (("numbers:read",), "/v1/numbers", 200),
        (("numbers:read",), "/v1/test-numbers", 200),
        (("numbers:read",), "/v1/calls", 403),
        (("calls:read",), "/v1/calls", 200),
        (("calls:read",), "/v1/numbers", 403),
        (("calls:read",), "/v1/test-numbers", 403),
        (("calls:read", "numbers:read"), "/v1/admin/tenants", 403),
    ],
)
def test_scopes_gate_routes(
    make_tenant: Callable[..., TenantHandle], scopes: tuple[str, ...], path: str, status: int
) -> None:
    tenant = make_tenant(scopes=scopes)

    response = tenant.client.get(path)

    assert response.status_code == status, response.text
    if status == 403:
        assert "scope" in response.json()["detail"]


def test_operator_key_administers_but_does_not_act_as_a_tenant(gateway: GatewayStack) -> None:
    response = gateway.admin().get("/v1/numbers")

    assert response.status_code == 403
    assert "tenant" in response.json()["detail"]


def test_tenant_admin_cannot_create_tenants(tenant: TenantHandle) -> None:
    response = tenant.client.post("/v1/admin/tenants", json={"name": "mine"})

    assert response.status_code == 403


def test_a_new_key_is_shown_once_and_stored_only_as_a_prefix(
    gateway: GatewayStack, tenant: TenantHandle
) -> None:
    admin = gateway.admin()
    created = admin.post(
        f"/v1/admin/tenants/{tenant.id}/keys",
        json={"name": "ci", "scopes": ["calls:read", "calls:read"]},
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("gw_") and len(key) >= 40
    assert created.json()["scopes"] == ["calls:read"]

    listed = admin.get(f"/v1/admin/tenants/{tenant.id}/keys")

    assert key not in listed.text
    entry = next(k for k in listed.json()["data"] if k["id"] == created.json()["id"])
    assert key.startswith(entry["prefix"].rstrip("."))
    assert gateway.client(key).get("/v1/calls").status_code == 200


def test_probes_and_schema_need_no_key(gateway: GatewayStack) -> None:
    anonymous = gateway.client(None)

    assert anonymous.get("/healthz").json() == {"status": "ok"}
    ready = anonymous.get("/readyz").json()
    assert ready["status"] == "ready"
    assert {c["name"]: c["status"] for c in ready["checks"]} == {
        "database": "ok",
        "vault_keys": "ok",
        "vendor:trustcaller": "ok",
        "vendor:topcalls": "ok",
        "vendor:truecaller": "ok",
        "vendor:truecaller_profile": "ok",
    }
    spec = anonymous.get("/schema/openapi.json")
    assert spec.status_code == 200
    assert "/v1/numbers" in spec.json()["paths"]
