"""``GET /v1/vendors`` over the real gateway, its Redis and every registered vendor's simulator.

One gateway (Redis-backed) serves the module; each test that moves figures gives its tenant a
fresh TrustCaller account, so its budget, breaker and figures are its own, and checks that a
bystander tenant's answer did not move at all.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from adapters.registry import VENDORS
from tests.integration.conftest import (
    FRESH_VENDOR,
    GatewayStack,
    Simulators,
    TenantHandle,
    new_tenant,
    running_gateway,
    settings_for,
    simulator_module_of,
)
from tests.redis_server import RedisServer

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text()
)
BREAKER_OPEN_SECONDS = 60.0
"""Long enough that an opened breaker is still open when the test reads it."""
ON_TRUSTCALLER = {"vendor": FRESH_VENDOR}


def statuses(tenant: TenantHandle) -> dict[str, dict[str, Any]]:
    """The tenant's ``GET /v1/vendors`` by vendor, checked against the committed document."""
    response = tenant.client.get("/v1/vendors")
    assert response.status_code == 200, response.text
    body = response.json()
    schema = {"$ref": "#/components/schemas/VendorStatusList", **DOCUMENT}
    errors = [e.message for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)]
    assert errors == []
    return {status["vendor"]: status for status in body["data"]}


def budget(status: dict[str, Any], name: str = "default") -> dict[str, Any]:
    return next(b for b in status["budgets"] if b["name"] == name)


@pytest.fixture(scope="module")
def module_simulators(shared_simulators: Simulators) -> Iterator[Simulators]:
    """The session's simulators with a TrustCaller simulator of this module's own (its faults
    are injected here)."""
    module = simulator_module_of(FRESH_VENDOR)
    fresh = importlib.import_module(module).start_for_tests()
    yield shared_simulators.with_fresh(module, fresh)
    fresh.server.stop()


@pytest.fixture(scope="module")
def gateway(
    module_simulators: Simulators,
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GatewayStack]:
    settings = (
        settings_for(module_simulators, tmp_path_factory.mktemp("vendors") / "data")
        .with_stores(redis_url=redis_server.url)
        .with_policies(breaker_open_seconds=BREAKER_OPEN_SECONDS)
    )
    with running_gateway(settings, module_simulators.server_for(FRESH_VENDOR).url) as stack:
        yield stack


@pytest.fixture(scope="module")
def control(module_simulators: Simulators) -> Iterator[httpx.Client]:
    """The module's TrustCaller simulator's ``/_sim/`` control surface."""
    url = module_simulators.server_for(FRESH_VENDOR).url + "/_sim"
    with httpx.Client(base_url=url, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def bystander(gateway: GatewayStack, module_simulators: Simulators) -> TenantHandle:
    """A tenant with a TrustCaller credential that never calls a vendor."""
    return new_tenant(gateway, module_simulators, name="bystander")


@pytest.fixture
def tenant(gateway: GatewayStack, module_simulators: Simulators) -> TenantHandle:
    """A tenant with a fresh TrustCaller account of its own (its own budget and breaker)."""
    return new_tenant(gateway, module_simulators, name="caller")


@pytest.fixture
def faults(control: httpx.Client) -> Iterator[httpx.Client]:
    yield control
    control.delete("/faults")


def test_every_vendor_is_listed_and_a_stored_credential_shows_without_its_secret(
    gateway: GatewayStack, module_simulators: Simulators
) -> None:
    admin = gateway.admin()
    tenant_id = admin.post("/v1/admin/tenants", json={"name": "bare"}).json()["id"]
    key = admin.post(
        f"/v1/admin/tenants/{tenant_id}/keys", json={"name": "read", "scopes": ["account:read"]}
    ).json()["key"]
    bare = TenantHandle(id=tenant_id, key=key, client=gateway.client(key), accounts={})

    before = statuses(bare)

    assert list(before) == [entry.name for entry in VENDORS]
    for entry in VENDORS:
        status = before[entry.name]
        declaration = entry.declaration
        assert status["display_name"] == declaration.display_name
        assert status["capabilities"] == [op.value for op in declaration.operations]
        assert status["credential"] is None
        assert [(b["name"], b["limit"], b["remaining"]) for b in status["budgets"]] == [
            (name, b.limit, None) for name, b in declaration.budgets.items()
        ]
        assert all(b["used_per_minute"] == [0] * 10 for b in status["budgets"])
        assert status["breaker"] == {"state": "closed", "retry_after_seconds": None}
        assert status["cache"]["hit_ratio"] is None
        assert status["last_error"] is None

    made = module_simulators.new_accounts("bare", None, FRESH_VENDOR)
    secrets = {v: secret for account in made.values() for v, secret in account.secrets.items()}
    stored = {}
    for vendor, secret in secrets.items():
        put = admin.put(
            f"/v1/admin/tenants/{tenant_id}/credentials/{vendor}", json={"secret": secret}
        )
        assert put.status_code == 200, put.text
        stored[vendor] = put.json()
    response = bare.client.get("/v1/vendors")
    after = statuses(bare)

    assert set(secrets) == set(after)
    for vendor, put in stored.items():
        credential = after[vendor]["credential"]
        assert credential["fingerprint"] == put["fingerprint"]
        assert credential["labels"] == put["labels"]
        assert credential["verification"] == put["verification"]
        assert credential["rotated_at"] is None
        assert all(b["remaining"] is not None for b in after[vendor]["budgets"])
    assert after[FRESH_VENDOR]["credential"]["verification"]["status"] == "verified"
    assert after[FRESH_VENDOR]["credential"]["labels"] != {}
    # Truecaller's check exchanged the key pair for a token: one of its account's 10 creations
    token = budget(after["truecaller"], "token")
    assert (token["remaining"], sum(token["used_per_minute"])) == (token["limit"] - 1, 1)
    for vendor, secret in secrets.items():
        labels = set(after[vendor]["credential"]["labels"].values())
        hidden = [value for value in secret.values() if value not in labels]
        assert hidden
        for value in hidden:
            assert value not in response.text

    rotated = admin.post(f"/v1/admin/tenants/{tenant_id}/credentials/{FRESH_VENDOR}/rotate")
    assert rotated.status_code == 200, rotated.text
    credential = statuses(bare)[FRESH_VENDOR]["credential"]

    assert credential["fingerprint"] == rotated.json()["credential"]["fingerprint"]
    assert credential["fingerprint"] != stored[FRESH_VENDOR]["fingerprint"]
    assert credential["rotated_at"] is not None
    assert credential["verification"]["status"] == "verified"


def test_operator_keys_and_keys_without_the_scope_are_refused(
    gateway: GatewayStack, bystander: TenantHandle
) -> None:
    operator = gateway.admin().get("/v1/vendors")
    admin = gateway.admin()
    narrow = admin.post(
        f"/v1/admin/tenants/{bystander.id}/keys", json={"name": "n", "scopes": ["calls:read"]}
    ).json()["key"]
    unscoped = gateway.client(narrow).get("/v1/vendors")

    assert operator.status_code == 403
    assert operator.headers["content-type"] == "application/problem+json"
    assert unscoped.status_code == 403


def test_a_cached_read_and_its_repeat_count_a_miss_and_a_hit(
    tenant: TenantHandle, bystander: TenantHandle
) -> None:
    untouched = statuses(bystander)

    for _ in range(2):
        assert tenant.client.get("/v1/test-numbers").status_code == 200
    cache = statuses(tenant)[FRESH_VENDOR]["cache"]

    assert (cache["hits"], cache["misses"], cache["stale"]) == (1, 1, 0)
    assert cache["hit_ratio"] == 0.5
    assert cache["window_seconds"] == 600
    assert statuses(bystander) == untouched


def test_a_vendor_call_is_counted_and_spends_the_budget(
    tenant: TenantHandle, bystander: TenantHandle
) -> None:
    untouched = statuses(bystander)
    before = budget(statuses(tenant)[FRESH_VENDOR])

    assert tenant.client.get("/v1/numbers", params=ON_TRUSTCALLER).status_code == 200
    after = budget(statuses(tenant)[FRESH_VENDOR])

    assert before["remaining"] == before["limit"]
    assert after["remaining"] == before["remaining"] - 1
    assert sum(before["used_per_minute"]) == 0
    assert sum(after["used_per_minute"]) == 1
    assert after["used_per_minute"][-1] in (0, 1)
    assert statuses(bystander) == untouched


def test_vendor_failures_set_the_last_error_and_open_the_breaker(
    tenant: TenantHandle, bystander: TenantHandle, faults: httpx.Client
) -> None:
    untouched = statuses(bystander)
    assert (
        faults.post("/faults", json={"status": 500, "path_prefix": "/numbers"}).status_code == 201
    )

    first = tenant.client.get("/v1/numbers", params=ON_TRUSTCALLER)
    failed = statuses(tenant)[FRESH_VENDOR]
    second = tenant.client.get("/v1/numbers", params=ON_TRUSTCALLER)
    third = tenant.client.get("/v1/numbers", params=ON_TRUSTCALLER)
    opened = statuses(tenant)[FRESH_VENDOR]

    assert first.status_code == 502
    error = failed["last_error"]
    assert (error["operation"], error["status"], error["type"], error["vendor_status"]) == (
        "list_numbers",
        502,
        first.json()["type"],
        500,
    )
    assert failed["breaker"]["state"] == "closed"
    assert third.status_code == 503, (second.status_code, third.text)
    assert opened["breaker"]["state"] == "open"
    assert 1 <= opened["breaker"]["retry_after_seconds"] <= BREAKER_OPEN_SECONDS
    assert opened["last_error"]["type"] == third.json()["type"] == "/problems/vendor-circuit-open"
    assert opened["last_error"]["status"] == 503
    assert statuses(bystander) == untouched
