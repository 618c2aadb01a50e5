"""``include=vendor_data``: the vendor's own object beside each unified one, only when asked.

Over the real gateway and every registered vendor's simulator: a read with the include carries
the fields the unified shape drops (TrustCaller's ``ivr_id``, ``call_acceptable``,
``short_call``), a read without it carries none, and an unknown include is a 422 problem.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from adapters.capabilities import CallSource, NumberSource
from adapters.registry import VENDORS
from simulators.server import RunningServer
from tests.integration.conftest import GatewayStack, TenantHandle, unlisted_number
from tests.openapi_schemas import reads_with_vendor_objects

INCLUDE = {"include": "vendor_data"}
DROPPED_BY_THE_SCHEMA = {
    ("numbers", "trustcaller"): {"ivr_id"},
    ("calls", "trustcaller"): {"call_acceptable", "short_call"},
}
"""Vendor fields the unified shape has no place for, which ``vendor_data`` must carry."""


def serving(capability: type) -> list[str]:
    return [
        entry.name
        for entry in VENDORS
        if isinstance(entry.factory(httpx.AsyncClient()), capability)
    ]


NOT_SEEDED = {("numbers", "truecaller")}
"""A new simulator account holds none of these (its numbers are registered first)."""
CASES = [
    case
    for case in [("numbers", v) for v in serving(NumberSource)]
    + [("calls", v) for v in serving(CallSource)]
    if case not in NOT_SEEDED
]


@pytest.fixture
def tenant_all(make_tenant: Callable[..., TenantHandle]) -> TenantHandle:
    return make_tenant("vendordata", all_vendors=True)


@pytest.mark.parametrize(("resource", "vendor"), CASES, ids=lambda x: str(x))
def test_vendor_data_is_there_when_asked_and_only_then(
    tenant_all: TenantHandle, resource: str, vendor: str
) -> None:
    plain = tenant_all.client.get(f"/v1/{resource}", params={"vendor": vendor})
    asked = tenant_all.client.get(f"/v1/{resource}", params={"vendor": vendor, **INCLUDE})

    assert plain.status_code == asked.status_code == 200, (plain.text, asked.text)
    assert asked.json()["data"], f"the {vendor} simulator account has no {resource}"
    assert all(item["vendor_data"] is None for item in plain.json()["data"])
    for item in asked.json()["data"]:
        assert isinstance(item["vendor_data"], dict) and item["vendor_data"]
        assert DROPPED_BY_THE_SCHEMA.get((resource, vendor), set()) <= set(item["vendor_data"])
    first = asked.json()["data"][0]
    one = tenant_all.client.get(f"/v1/{resource}/{first['id']}", params=INCLUDE)
    bare = tenant_all.client.get(f"/v1/{resource}/{first['id']}")
    assert one.status_code == bare.status_code == 200, (one.text, bare.text)
    assert isinstance(one.json()["vendor_data"], dict) and one.json()["vendor_data"]
    assert DROPPED_BY_THE_SCHEMA.get((resource, vendor), set()) <= set(one.json()["vendor_data"])
    assert bare.json()["vendor_data"] is None
    secrets = [
        str(details[name])
        for details in tenant_all.accounts.values()
        for name in ("token", "api_key")
        if details.get(name)
    ]
    assert secrets
    for secret in secrets:
        assert secret not in asked.text


@pytest.mark.parametrize("path", ["/v1/numbers", "/v1/calls"])
def test_an_unknown_include_is_a_422_problem(tenant_all: TenantHandle, path: str) -> None:
    answer = tenant_all.client.get(path, params={"include": "everything"})

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["query.include"]


# --- every read route that answers unified objects ----------------------------------------------

SECRET_NAMED = re.compile(r"token|secret|password|api_?key|partner_?key|authori[sz]ation", re.I)


def settle(fetch: Callable[[], dict[str, Any]], settled: Callable[[dict[str, Any]], bool]) -> None:
    """Ask again until ``settled`` holds (the vendor works after answering); fail after 200."""
    for _ in range(200):
        if settled(fetch()):
            return
        time.sleep(0.05)
    raise AssertionError(f"never settled: {fetch()!r}")


def vendor_objects(body: Any) -> list[Any]:
    """Every ``vendor_data`` value in ``body``, at any depth."""
    if isinstance(body, list):
        return [found for item in body for found in vendor_objects(item)]
    if not isinstance(body, dict):
        return []
    own = [body["vendor_data"]] if "vendor_data" in body else []
    return own + [
        found
        for key, value in body.items()
        if key != "vendor_data"
        for found in vendor_objects(value)
    ]


def secret_names(value: Any) -> list[str]:
    """Keys naming a secret, at any depth."""
    if isinstance(value, list):
        return [name for item in value for name in secret_names(item)]
    if not isinstance(value, dict):
        return []
    return [k for k in value if SECRET_NAMED.search(k)] + [
        name for item in value.values() for name in secret_names(item)
    ]


@pytest.fixture
def walked_tenant(
    make_tenant: Callable[..., TenantHandle],
    gateway: GatewayStack,
    shared_truecaller_sim: RunningServer,
) -> tuple[TenantHandle, dict[str, str]]:
    """A tenant with an object behind every read route, and the path of each one to read."""
    tenant = make_tenant("vendorwalk", all_vendors=True)
    client = tenant.client
    truecaller = tenant.accounts["truecaller"]
    feature_set = "truecaller:" + truecaller["feature_sets"][0]["id"]
    label = next(x for x in truecaller["labels"] if x["label_type"] == "dynamic")
    listed = unlisted_number()
    registered = client.post(
        "/v1/numbers",
        json={"vendor": "truecaller", "feature_set_id": feature_set, "numbers": [listed]},
    )
    assert registered.status_code == 202, registered.text
    operation = registered.json()["id"]
    settle(
        lambda: client.get(f"/v1/operations/{operation}").json(), lambda o: o["status"] != "pending"
    )

    starts = datetime.now(UTC) + timedelta(minutes=1)
    batch = client.post(
        "/v1/caller-id/personalization-batches",
        json={
            "records": [
                {
                    "caller_number": "+919800000001",
                    "receiver_number": "+919800000002",
                    "label_id": "truecaller:" + label["id"],
                    "call_reason": "Your parcel is on its way",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(minutes=30)).isoformat(),
                }
            ]
        },
    )
    assert batch.status_code == 202, batch.text
    batch_id = batch.json()["id"]
    settle(
        lambda: client.get(f"/v1/caller-id/personalization-batches/{batch_id}").json(),
        lambda b: b["status"] != "pending",
    )

    control = httpx.Client(base_url=shared_truecaller_sim.url + "/_sim", timeout=5)
    user = control.post(
        "/profiles",
        json={
            "first_name": "Asha",
            "phone_numbers": ["919999900001"],
            "city": "Pune",
            "street": "12 MG Road",
            "zipcode": "411001",
            "country": "in",
        },
    ).json()
    started = client.post("/v1/verifications", json={"language": "en"})
    assert started.status_code == 201, started.text
    request_id = started.json()["request_id"]
    played = control.post(
        "/verifications",
        json={
            "callback_url": f"{gateway.url}/v1/verifications/truecaller_profile/callback",
            "request_id": request_id,
            "outcome": "approve",
            "user_id": user["user_id"],
        },
    )
    assert played.status_code == 202, played.text
    control.close()
    settle(
        lambda: client.get(f"/v1/verifications/{request_id}").json(),
        lambda v: v["status"] != "pending",
    )

    hook = client.post(
        "/v1/vendor-webhooks", json={"event": "call.completed", "url": "https://example.com/hook"}
    )
    assert hook.status_code == 201, hook.text
    placed = client.post(
        "/v1/calls",
        json={
            "vendor": "topcalls",
            "to_number": "+14155550123",
            "task": "Say hello to the customer",
        },
    )
    assert placed.status_code == 201, placed.text
    carrier = client.post(
        "/v1/carriers", json={"name": "trunk", "sip_gateway": {"address": "203.0.113.10"}}
    )
    assert carrier.status_code == 201, carrier.text
    for written in (registered, batch, started, hook, placed, carrier):
        assert all(v is None for v in vendor_objects(written.json())), (
            "an answer to a write carries no vendor object unasked",
            written.request.url,
            written.text,
        )

    first = {
        resource: client.get(f"/v1/{resource}").json()["data"][0]["id"]
        for resource in ("numbers", "calls", "campaigns")
    }
    paths = {
        "/v1/numbers/{number_id}": f"/v1/numbers/truecaller:{listed.removeprefix('+')}",
        "/v1/calls/{call_id}": f"/v1/calls/{first['calls']}",
        "/v1/campaigns/{campaign_id}": f"/v1/campaigns/{first['campaigns']}",
        "/v1/operations/{operation_id}": f"/v1/operations/{operation}",
        "/v1/caller-id/personalization-batches/{batch_id}": (
            f"/v1/caller-id/personalization-batches/{batch_id}"
        ),
        "/v1/verifications/{request_id}": f"/v1/verifications/{request_id}",
    }
    return tenant, paths


def test_every_read_of_unified_objects_offers_the_vendor_object(
    walked_tenant: tuple[TenantHandle, dict[str, str]], gateway: GatewayStack
) -> None:
    tenant, concrete = walked_tenant
    document = httpx.get(f"{gateway.url}/schema/openapi.json", timeout=10).json()
    routes = reads_with_vendor_objects(document)
    assert len(routes) >= 15, routes
    unreachable = [p for p in routes if "{" in p and p not in concrete]
    assert unreachable == [], "give the walk an object behind these routes"
    secrets = [
        str(value)
        for details in tenant.accounts.values()
        for name, value in details.items()
        if SECRET_NAMED.search(name) and value
    ]
    assert secrets

    for route in routes:
        path = concrete.get(route, route)
        plain = tenant.client.get(path)
        asked = tenant.client.get(path, params=INCLUDE)

        assert plain.status_code == asked.status_code == 200, (route, plain.text, asked.text)
        assert vendor_objects(asked.json()), f"{route}: nothing to check"
        assert all(v is None for v in vendor_objects(plain.json())), route
        for found in vendor_objects(asked.json()):
            assert isinstance(found, dict) and found, (route, asked.text)
            assert secret_names(found) == [], (route, found)
        for secret in secrets:
            assert secret not in asked.text, route

    number = tenant.client.get(concrete["/v1/numbers/{number_id}"], params=INCLUDE).json()
    assert {"phone_type", "call_me_back"} <= set(number["vendor_data"]), number
    verified = tenant.client.get(concrete["/v1/verifications/{request_id}"], params=INCLUDE)
    address = verified.json()["profile"]["vendor_data"]["addresses"][0]
    assert (address["street"], address["zipcode"]) == ("12 MG Road", "411001")


@pytest.mark.parametrize(
    "path", ["/v1/caller-id/labels", "/v1/caller-id/feature-sets", "/v1/voices", "/v1/test-numbers"]
)
def test_a_cached_answer_holds_the_vendor_object_for_both_ways(
    tenant_all: TenantHandle, path: str
) -> None:
    plain = tenant_all.client.get(path)
    cached = tenant_all.client.get(path, params=INCLUDE)

    assert plain.status_code == cached.status_code == 200, (plain.text, cached.text)
    assert cached.headers["x-cache"] == "HIT", "the first answer was cached without the include"
    assert vendor_objects(cached.json()) and all(vendor_objects(cached.json()))
    assert all(v is None for v in vendor_objects(tenant_all.client.get(path).json()))
