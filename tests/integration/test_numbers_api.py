"""``/v1/numbers`` and ``/v1/test-numbers`` through the gateway, against the simulator."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.integration.conftest import GatewayStack, TenantHandle


def _walk(client: httpx.Client, path: str, **params: object) -> tuple[list[dict], int]:
    items: list[dict] = []
    pages = 0
    cursor = None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def test_numbers_are_listed_in_e164_across_cursor_pages(tenant: TenantHandle) -> None:
    items, pages = _walk(tenant.client, "/v1/numbers", limit=2)

    assert sorted(n["number"] for n in items) == sorted(tenant.vendor_numbers)
    assert pages == 3  # 5 numbers, 2 per page
    assert all(n["id"].startswith("trustcaller:") and n["status"] == "active" for n in items)
    assert all(n["created_at"].endswith("Z") for n in items)


def test_one_number_by_its_opaque_id(tenant: TenantHandle) -> None:
    listed = tenant.client.get("/v1/numbers", params={"limit": 1}).json()["data"][0]

    response = tenant.client.get(f"/v1/numbers/{listed['id']}")

    assert response.status_code == 200
    assert response.json() == listed


def test_unknown_and_malformed_number_ids_are_404(tenant: TenantHandle) -> None:
    for number_id in ("trustcaller:999999999", "trustcaller:abc", "nope", "othervendor:1"):
        response = tenant.client.get(f"/v1/numbers/{number_id}")
        assert response.status_code == 404, number_id
        assert response.headers["content-type"] == "application/problem+json"


def test_vendor_filter_must_name_a_vendor_serving_numbers(tenant: TenantHandle) -> None:
    response = tenant.client.get("/v1/numbers", params={"vendor": "acme-telecom"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.vendor"


def test_a_cursor_is_bound_to_its_filters_and_garbage_is_refused(tenant: TenantHandle) -> None:
    first = tenant.client.get("/v1/numbers", params={"limit": 2}).json()

    other_filter = tenant.client.get(
        "/v1/numbers", params={"cursor": first["next_cursor"], "vendor": "trustcaller"}
    )
    forged = tenant.client.get("/v1/numbers", params={"cursor": "not-a-cursor"})

    for response in (other_filter, forged):
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.cursor"


def test_limit_outside_1_to_1000_is_422_naming_the_field(tenant: TenantHandle) -> None:
    for limit in (0, 1001, "ten"):
        response = tenant.client.get("/v1/numbers", params={"limit": limit})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.limit"


def test_test_numbers_filter_by_prefix_with_or_without_plus(tenant: TenantHandle) -> None:
    plus = tenant.client.get("/v1/test-numbers", params={"prefix": "+8613"})
    digits = tenant.client.get("/v1/test-numbers", params={"prefix": "8613"})
    everything = tenant.client.get("/v1/test-numbers")

    assert plus.status_code == digits.status_code == everything.status_code == 200
    assert plus.json() == digits.json()
    numbers = [n["number"] for n in plus.json()["data"]]
    assert numbers and all(n.startswith("+8613") for n in numbers)
    assert len(everything.json()["data"]) > len(numbers)


def test_test_numbers_prefix_must_be_digits(tenant: TenantHandle) -> None:
    response = tenant.client.get("/v1/test-numbers", params={"prefix": "86a"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.prefix"


def test_a_tenant_without_credentials_gets_empty_lists_and_clear_409s(
    gateway: GatewayStack,
) -> None:
    admin = gateway.admin()
    tenant_id = admin.post("/v1/admin/tenants", json={"name": "bare"}).json()["id"]
    key = admin.post(
        f"/v1/admin/tenants/{tenant_id}/keys", json={"name": "k", "scopes": ["numbers:read"]}
    ).json()["key"]
    client = gateway.client(key)

    listed = client.get("/v1/numbers")
    filtered = client.get("/v1/numbers", params={"vendor": "trustcaller"})
    test_numbers = client.get("/v1/test-numbers")

    assert listed.status_code == 200
    assert listed.json() == {"data": [], "next_cursor": None, "errors": []}
    assert filtered.status_code == test_numbers.status_code == 409
    assert filtered.json()["type"] == "/problems/vendor-not-configured"


def test_a_merged_list_reports_the_tightest_budget_whatever_vendor_answered_last(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    tenant = make_tenant(name="budgets", all_vendors=True)

    policies = set()
    for _ in range(4):
        response = tenant.client.get("/v1/numbers")
        assert response.status_code == 200, response.text
        assert {n["vendor"] for n in response.json()["data"]} >= {"trustcaller", "topcalls"}
        policies.add(response.headers["RateLimit-Policy"])

    assert policies == {"60;w=60"}, "Truecaller's 100/s budget is never the one reported"
