"""Every failure leaves as problem+json with a request id: vendor faults, bad input, bad routes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from policies.vault import Keyring, generate_key_spec
from simulators.server import start_in_thread
from tests.integration.conftest import (
    VENDOR_READ_TIMEOUT,
    GatewayStack,
    TenantHandle,
    create_sim_account,
)

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"/problems/{slug}"
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize("vendor_status", [500, 503])
def test_vendor_5xx_is_502(
    tenant: TenantHandle, inject: Callable[..., None], vendor_status: int
) -> None:
    inject(status=vendor_status, count=3, path_prefix="/numbers")

    body = assert_problem(tenant.client.get("/v1/numbers?vendor=trustcaller"), 502, "vendor-error")

    assert body["vendor"] == "trustcaller"
    assert body["vendor_status"] == vendor_status


def test_vendor_429_is_429_with_its_retry_after(
    tenant: TenantHandle, inject: Callable[..., None]
) -> None:
    inject(status=429, retry_after=7, count=1, path_prefix="/calls")

    response = tenant.client.get("/v1/calls", params={"vendor": "trustcaller"})

    body = assert_problem(response, 429, "rate-limited")
    assert response.headers["retry-after"] == "7"
    assert body["retry_after"] == 7


def test_slow_vendor_is_504(tenant: TenantHandle, inject: Callable[..., None]) -> None:
    inject(latency_ms=int(VENDOR_READ_TIMEOUT * 1000) + 500, count=3, path_prefix="/calls/check")

    response = tenant.client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0]})

    assert assert_problem(response, 504, "vendor-timeout")["vendor"] == "trustcaller"


def test_dropped_connection_is_502_unreachable(
    tenant: TenantHandle, inject: Callable[..., None]
) -> None:
    inject(drop=True, count=3, path_prefix="/test-numbers")

    assert_problem(tenant.client.get("/v1/test-numbers"), 502, "vendor-unreachable")


def test_when_no_vendor_can_answer_a_list_its_error_is_the_response(
    tenant: TenantHandle, inject: Callable[..., None], sim_control: httpx.Client
) -> None:
    inject(status=429, retry_after=9, count=1, path_prefix="/numbers")

    response = tenant.client.get("/v1/numbers")

    assert_problem(response, 429, "rate-limited")
    assert response.headers["retry-after"] == "9"


def test_a_vendor_429_pauses_the_credential_instead_of_hammering_the_vendor(
    tenant: TenantHandle, inject: Callable[..., None], sim_control: httpx.Client
) -> None:
    inject(status=429, retry_after=30, count=1, path_prefix="/calls")
    assert tenant.client.get("/v1/calls").status_code == 429
    seen_before = sim_control.get("/requests").json()["total"]

    again = tenant.client.get("/v1/calls")
    live = tenant.client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0]})

    assert again.status_code == live.status_code == 429
    assert 25 <= int(again.headers["retry-after"]) <= 31
    assert sim_control.get("/requests").json()["total"] == seen_before


def test_a_revoked_vendor_token_says_the_stored_credential_is_bad(
    tenant: TenantHandle, gateway: GatewayStack
) -> None:
    key_id = tenant.vendor_token.split("|")[0]
    revoked = httpx.delete(
        f"{gateway.sim_url}/api/v1/auth/keys/{key_id}",
        headers={"Authorization": f"Bearer {tenant.vendor_token}", "Accept": "application/json"},
    )
    assert revoked.status_code == 200

    body = assert_problem(
        tenant.client.get("/v1/calls?vendor=trustcaller"), 502, "vendor-credential-rejected"
    )

    assert body["vendor_status"] == 401
    assert "credentials/trustcaller" in body["detail"]
    assert tenant.vendor_token not in str(body)


def test_a_vendor_account_without_permission_is_a_rejected_credential(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    tenant = make_tenant(permissions=[])

    body = assert_problem(
        tenant.client.get("/v1/numbers/trustcaller:1"), 502, "vendor-credential-rejected"
    )
    assert body["vendor_status"] == 403


def test_unknown_route_and_wrong_method(tenant: TenantHandle) -> None:
    assert_problem(tenant.client.get("/v1/no-such-thing"), 404, "not-found")
    assert_problem(tenant.client.get("/nowhere"), 404, "not-found")
    assert_problem(tenant.client.get("/schema/nope"), 404, "not-found")
    wrong = tenant.client.delete("/v1/numbers")
    assert_problem(wrong, 405, "method-not-allowed")
    assert "GET" in wrong.headers["allow"]


def test_bad_bodies_are_400_or_422_naming_fields(gateway: GatewayStack) -> None:
    admin = gateway.admin()

    not_json = admin.post(
        "/v1/admin/tenants", content=b"{nope", headers={"content-type": "application/json"}
    )
    missing = admin.post("/v1/admin/tenants", json={})
    empty = admin.post("/v1/admin/tenants", json={"name": ""})
    bad_scope = admin.post("/v1/admin/tenants", json={"name": "x", "colour": "red"})

    assert_problem(not_json, 400, "bad-request")
    for response in (missing, empty, bad_scope):
        body = assert_problem(response, 422, "validation-failed")
        assert body["errors"] and body["errors"][0]["field"].startswith("body")


def test_the_callers_request_id_is_echoed(tenant: TenantHandle) -> None:
    response = tenant.client.get("/v1/nope", headers={"X-Request-ID": "trace-1234-abcd"})

    assert response.headers["x-request-id"] == "trace-1234-abcd"
    assert response.json()["request_id"] == "trace-1234-abcd"


def test_an_undecryptable_credential_is_a_500_without_internals(
    tenant: TenantHandle, gateway_settings: Settings
) -> None:
    wrong_keys = gateway_settings.with_stores(vault_keys=Keyring.from_spec(generate_key_spec(9)))
    other = start_in_thread(create_app(wrong_keys))
    try:
        response = httpx.get(
            other.url + "/v1/numbers?vendor=trustcaller",
            headers={"Authorization": f"Bearer {tenant.key}"},
        )
    finally:
        other.stop()

    body = assert_problem(response, 500, "internal-error")
    assert "vault" in body["detail"]
    assert "CredentialDecryptError" not in response.text


def test_sim_accounts_are_isolated_from_each_other(sim_control: httpx.Client) -> None:
    first = create_sim_account(sim_control)
    second = create_sim_account(sim_control)

    assert set(first["numbers"]).isdisjoint(second["numbers"])
