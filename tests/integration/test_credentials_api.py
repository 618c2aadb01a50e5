"""Vendor credentials: write-only storage, deletion, and rotation that never loses a credential."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from simulators.server import start_in_thread
from tests.integration.conftest import GatewayStack, TenantHandle, create_sim_account
from tests.integration.webhook_receiver import poll


@pytest.fixture
def admin(gateway: GatewayStack) -> httpx.Client:
    """The operator's client."""
    return gateway.admin()


def vendor_keys(gateway: GatewayStack, token: str) -> httpx.Response:
    """The vendor account's API keys, asked of the simulator directly with ``token``."""
    return httpx.get(
        f"{gateway.sim_url}/api/v1/auth/keys",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )


def credential(admin: httpx.Client, tenant: TenantHandle) -> dict:
    listed = admin.get(f"/v1/admin/tenants/{tenant.id}/credentials").json()["data"]
    assert len(listed) == 1
    return listed[0]


def test_a_stored_secret_is_never_returned(
    admin: httpx.Client, tenant: TenantHandle, sim_control: httpx.Client
) -> None:
    token = str(create_sim_account(sim_control)["token"])

    stored = admin.put(
        f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller",
        json={"secret": {"token": token}},
    )
    listed = admin.get(f"/v1/admin/tenants/{tenant.id}/credentials")

    assert stored.status_code == 200
    body = stored.json()
    verification = body.pop("verification")
    assert set(body) == {"vendor", "fingerprint", "created_at", "rotated_at", "labels", "budgets"}
    assert verification["status"] == "verified"
    assert body["fingerprint"].startswith("sha256:")
    assert body["rotated_at"] is not None
    assert body["labels"] == {"vendor_key_id": token.split("|")[0]}
    for response in (stored, listed):
        assert token not in response.text
        assert token.split("|")[1] not in response.text
    assert listed.json() == {"data": [body]}


@pytest.mark.parametrize(
    "payload",
    [{}, {"secret": {}}, {"secret": {"token": ""}}, {"secret": {"tok": "1|x"}}, {"token": "1|x"}],
)
def test_malformed_credentials_are_422(
    admin: httpx.Client, tenant: TenantHandle, payload: dict
) -> None:
    response = admin.put(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller", json=payload)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_vendor_is_404(admin: httpx.Client, tenant: TenantHandle) -> None:
    response = admin.put(
        f"/v1/admin/tenants/{tenant.id}/credentials/acme", json={"secret": {"token": "x"}}
    )

    assert response.status_code == 404


def test_deleting_a_credential_stops_vendor_calls(
    admin: httpx.Client, tenant: TenantHandle
) -> None:
    path = f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller"

    assert admin.delete(path).status_code == 204
    assert admin.delete(path).status_code == 404
    assert admin.get(f"/v1/admin/tenants/{tenant.id}/credentials").json()["data"] == []
    response = tenant.client.get("/v1/calls", params={"vendor": "trustcaller"})
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/vendor-not-configured"


def test_rotation_replaces_the_vendor_key_and_revokes_the_old_one(
    gateway: GatewayStack, admin: httpx.Client, tenant: TenantHandle
) -> None:
    before = credential(admin, tenant)

    rotated = admin.post(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate")

    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["previous_revoked"] is True and body["warnings"] == []
    assert body["credential"]["fingerprint"] != before["fingerprint"]
    assert body["credential"]["created_at"] == before["created_at"]
    assert body["credential"]["rotated_at"] is not None
    new_key_id = body["credential"]["labels"]["vendor_key_id"]
    assert new_key_id != tenant.vendor_token.split("|")[0]
    assert vendor_keys(gateway, tenant.vendor_token).status_code == 401
    assert tenant.client.get("/v1/numbers?vendor=trustcaller").status_code == 200
    assert credential(admin, tenant) == body["credential"]


def test_rotation_that_cannot_create_a_key_changes_nothing(
    gateway: GatewayStack,
    admin: httpx.Client,
    tenant: TenantHandle,
    inject: Callable[..., None],
) -> None:
    before = credential(admin, tenant)
    inject(status=500, count=1, path_prefix="/auth/keys")

    rotated = admin.post(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate")

    assert rotated.status_code == 502
    assert credential(admin, tenant) == before
    assert vendor_keys(gateway, tenant.vendor_token).json()["count"] == 1
    assert tenant.client.get("/v1/numbers?vendor=trustcaller").status_code == 200


def test_rotation_without_key_permission_says_the_credential_cannot(
    admin: httpx.Client, make_tenant: Callable[..., TenantHandle]
) -> None:
    tenant = make_tenant(permissions=["api_access"])
    before = credential(admin, tenant)

    rotated = admin.post(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate")

    assert rotated.status_code == 502
    assert rotated.json()["vendor_status"] == 403
    assert credential(admin, tenant) == before


def test_rotation_whose_new_key_fails_verification_keeps_and_cleans_up(
    gateway: GatewayStack,
    admin: httpx.Client,
    tenant: TenantHandle,
    inject: Callable[..., None],
) -> None:
    before = credential(admin, tenant)
    inject(status=503, count=3, path_prefix="/numbers", method="GET")

    rotated = admin.post(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate")

    assert rotated.status_code == 502
    assert credential(admin, tenant) == before
    remaining = vendor_keys(gateway, tenant.vendor_token).json()
    assert [str(k["id"]) for k in remaining["data"]] == [before["labels"]["vendor_key_id"]]


def test_rotation_that_cannot_revoke_the_old_key_keeps_the_new_one_and_warns(
    gateway: GatewayStack,
    admin: httpx.Client,
    tenant: TenantHandle,
    inject: Callable[..., None],
) -> None:
    inject(status=500, count=1, path_prefix="/auth/keys/")

    rotated = admin.post(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate")

    assert rotated.status_code == 200
    body = rotated.json()
    assert body["previous_revoked"] is False
    assert "revoke it" in body["warnings"][0]
    assert vendor_keys(gateway, tenant.vendor_token).json()["count"] == 2
    assert tenant.client.get("/v1/numbers?vendor=trustcaller").status_code == 200


def test_rotation_needs_a_stored_credential_and_a_rotating_vendor(
    admin: httpx.Client, tenant: TenantHandle
) -> None:
    base = f"/v1/admin/tenants/{tenant.id}/credentials"
    assert admin.post(f"{base}/acme/rotate").status_code == 404
    assert admin.delete(f"{base}/trustcaller").status_code == 204
    assert admin.post(f"{base}/trustcaller/rotate").status_code == 404


def test_concurrent_rotations_on_two_replicas_leave_one_key(
    gateway: GatewayStack,
    gateway_settings: Settings,
    admin: httpx.Client,
    tenant: TenantHandle,
    inject: Callable[..., None],
    sim_control: httpx.Client,
) -> None:
    replica = start_in_thread(create_app(gateway_settings))
    path = f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate"
    headers = {"Authorization": f"Bearer {gateway.admin_key}"}

    def checks() -> int:  # each rotation checks its new key with GET /numbers
        return int(sim_control.get("/requests").json()["by_endpoint"].get("GET /numbers", 0))

    # The first rotation's check is held long enough for the second to read the credential
    # it replaces: both then write over the same fingerprint, and the second write must lose.
    inject(latency_ms=2000, count=2, path_prefix="/numbers", method="GET")
    before = checks()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            slow = pool.submit(httpx.post, gateway.url + path, headers=headers, timeout=20)
            poll(checks, lambda count: count > before)
            fast = pool.submit(httpx.post, replica.url + path, headers=headers, timeout=20)
            statuses = sorted([slow.result().status_code, fast.result().status_code])
    finally:
        replica.stop()

    assert statuses == [200, 409]
    stored_key_id = credential(admin, tenant)["labels"]["vendor_key_id"]
    live_keys = httpx.get(f"{gateway.sim_url}/_sim/accounts/{tenant.vendor_account_id}/keys")
    assert [str(k["id"]) for k in live_keys.json()["data"]] == [stored_key_id]
    assert tenant.client.get("/v1/numbers?vendor=trustcaller").status_code == 200


def test_a_rotation_retried_with_its_idempotency_key_rotates_once(
    admin: httpx.Client, tenant: TenantHandle, sim_control: httpx.Client
) -> None:
    path = f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate"
    headers = {"Idempotency-Key": "rotate-2026-11-23"}

    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(lambda _: admin.post(path, headers=headers), range(3)))
    again = admin.post(path, headers=headers)

    assert {r.status_code for r in [*responses, again]} == {200}
    assert len({r.content for r in [*responses, again]}) == 1
    assert again.headers["idempotent-replayed"] == "true"
    created = sim_control.get("/requests").json()["by_endpoint"]["POST /auth/keys"]
    assert created == 1
    live_keys = sim_control.get(f"/accounts/{tenant.vendor_account_id}/keys").json()["data"]
    assert len(live_keys) == 1
