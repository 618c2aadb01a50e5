"""Per-credential budgets: an operator raises or lowers a stored credential's rate budget.

Two gateway replicas share one PostgreSQL database in front of a TrustCaller simulator whose own
limit is out of the way, so every 429 here is the gateway's shaping: a budget set through one
replica is what the other shapes with.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from policies.sql import database_url
from simulators.server import RunningServer, start_in_thread
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app
from tests.databases import migrated
from tests.integration.conftest import (
    GatewayStack,
    Simulators,
    TenantHandle,
    create_sim_account,
    new_tenant,
    running_gateway,
    settings_for,
)
from tests.postgres_server import PostgresServer

DEFAULT_LIMIT = 60
"""TrustCaller's documented limit: 60 requests a minute."""
BUDGET = "/v1/admin/tenants/{tenant}/credentials/{vendor}/budgets/{budget}"


@dataclass
class Stack:
    """Two replicas (``first``, ``second``) sharing a database, and the simulator's control."""

    first: GatewayStack
    second: GatewayStack
    sim_control: httpx.Client
    simulators: Simulators


@pytest.fixture(scope="module")
def vendor_sim() -> Iterator[RunningServer]:
    """A TrustCaller simulator that admits far more than any budget set here."""
    server = start_in_thread(create_simulator_app(SimulatorConfig(rate_limit=10_000)))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(
    shared_simulators: Simulators,
    vendor_sim: RunningServer,
    postgres_server: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    if postgres_server.process is None:
        postgres_server.start()
    data_dir = tmp_path_factory.mktemp("budgets") / "data"
    url = database_url(postgres_server.new_database(), data_dir)

    async def migrate() -> None:
        database = await migrated(url, data_dir)
        await database.close()

    asyncio.run(migrate())
    base = settings_for(shared_simulators, data_dir)
    vendors = dict(base.vendors)
    vendors["trustcaller"] = dataclasses.replace(
        vendors["trustcaller"], base_url=vendor_sim.url + "/api/v1"
    )
    settings = dataclasses.replace(
        base,
        stores=dataclasses.replace(base.stores, database_url=url),
        policies=dataclasses.replace(base.policies, shaping_max_wait=0.0),
        vendors=vendors,
    )
    with (
        running_gateway(settings, vendor_sim.url) as first,
        running_gateway(settings, vendor_sim.url) as second,
        httpx.Client(base_url=vendor_sim.url + "/_sim", timeout=5) as control,
    ):
        yield Stack(first, second, control, shared_simulators)


def _tenant(stack: Stack, name: str) -> TenantHandle:
    """A tenant (stored through the first replica) whose TrustCaller credential names a fresh
    account of this module's simulator."""
    tenant = new_tenant(stack.first, stack.simulators, name=name, all_vendors=True)
    account = create_sim_account(stack.sim_control)
    stored = stack.first.admin().put(
        f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller",
        params={"verify": "false"},
        json={"secret": {"token": account["token"]}},
    )
    assert stored.status_code == 200, stored.text
    tenant.accounts["trustcaller"] = account
    return tenant


def _calls_until_refused(
    client: httpx.Client, number: str, most: int
) -> tuple[int, httpx.Response]:
    """How many live checks succeed in a row (up to ``most``), and the first refusal."""
    for done in range(most):
        response = client.get("/v1/calls/live", params={"number": number})
        if response.status_code != 200:
            return done, response
    raise AssertionError(f"{most} calls were all admitted")


def _on(stack: GatewayStack, tenant: TenantHandle) -> httpx.Client:
    return stack.client(tenant.key)


def _budgets(admin: httpx.Client, tenant: TenantHandle) -> dict[str, dict[str, object]]:
    listed = admin.get(f"/v1/admin/tenants/{tenant.id}/credentials")
    assert listed.status_code == 200, listed.text
    by_vendor = {c["vendor"]: c for c in listed.json()["data"]}
    return {b["name"]: b for b in by_vendor["trustcaller"]["budgets"]}


def test_a_raised_budget_admits_more_than_the_default_on_every_replica(stack: Stack) -> None:
    raised, default = _tenant(stack, "raised"), _tenant(stack, "default")
    path = BUDGET.format(tenant=raised.id, vendor="trustcaller", budget="default")

    answer = stack.first.admin().put(path, json={"limit": 75, "period_seconds": 60})

    assert answer.status_code == 200, answer.text
    shown = {b["name"]: b for b in answer.json()["budgets"]}["default"]
    assert shown == {
        "name": "default",
        "limit": 75,
        "period_seconds": 60.0,
        "overridden": True,
        "default": {"limit": DEFAULT_LIMIT, "period_seconds": 60.0},
        "ceiling": None,
    }
    admitted, refused = _calls_until_refused(
        _on(stack.second, raised), raised.vendor_numbers[0], 100
    )
    assert admitted == 75
    assert refused.status_code == 429
    assert "75 per 60 s" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) > 0
    health = _on(stack.second, raised).get("/v1/vendors")  # the replica that counted them
    assert health.status_code == 200, health.text
    trustcaller = next(v for v in health.json()["data"] if v["vendor"] == "trustcaller")
    assert {(b["name"], b["limit"], b["remaining"]) for b in trustcaller["budgets"]} == {
        ("default", 75, 0)
    }
    admitted, _ = _calls_until_refused(_on(stack.second, default), default.vendor_numbers[0], 100)
    assert admitted == DEFAULT_LIMIT
    assert _budgets(stack.second.admin(), default)["default"]["overridden"] is False


def test_a_lowered_budget_admits_fewer_and_deleting_it_restores_the_default(
    stack: Stack,
) -> None:
    tenant = _tenant(stack, "lowered")
    path = BUDGET.format(tenant=tenant.id, vendor="trustcaller", budget="default")
    admin = stack.first.admin()
    assert admin.put(path, json={"limit": 3, "period_seconds": 60}).status_code == 200
    client = _on(stack.first, tenant)

    admitted, refused = _calls_until_refused(client, tenant.vendor_numbers[0], 10)

    assert admitted == 3 and refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert admin.delete(path).status_code == 204
    assert _budgets(admin, tenant)["default"]["limit"] == DEFAULT_LIMIT
    assert _budgets(admin, tenant)["default"]["overridden"] is False
    again = client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0]})
    assert again.status_code == 200, again.text  # 4 of the default 60 in this minute
    assert admin.delete(path).status_code == 204  # already the default: nothing changes


def test_a_budget_past_the_vendors_documented_ceiling_is_refused_naming_it(
    stack: Stack,
) -> None:
    tenant = _tenant(stack, "ceiling")
    path = BUDGET.format(tenant=tenant.id, vendor="truecaller", budget="token")
    admin = stack.first.admin()

    for past in ({"limit": 11, "period_seconds": 1800}, {"limit": 5, "period_seconds": 60}):
        refused = admin.put(path, json=past)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "10 per 1800 s" in problem["detail"]
        assert problem["errors"][0]["field"] == "body.limit"
    lower = admin.put(path, json={"limit": 4, "period_seconds": 1800})
    assert lower.status_code == 200, lower.text
    credentials = admin.get(f"/v1/admin/tenants/{tenant.id}/credentials").json()["data"]
    truecaller = next(c for c in credentials if c["vendor"] == "truecaller")
    token = next(b for b in truecaller["budgets"] if b["name"] == "token")
    assert token["limit"] == 4
    assert token["ceiling"] == {"limit": 10, "period_seconds": 1800.0}


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 0, "period_seconds": 60},
        {"limit": -5, "period_seconds": 60},
        {"limit": 10, "period_seconds": 0},
        {"limit": 10, "period_seconds": -1},
        {"limit": 10, "period_seconds": 10**9},
        {"limit": 10**12, "period_seconds": 60},
        {"limit": 10},
        {"limit": 10, "period_seconds": 60, "burst": 5},
    ],
)
def test_nonsense_budgets_are_refused(stack: Stack, body: dict[str, object]) -> None:
    tenant = _tenant(stack, "nonsense")
    path = BUDGET.format(tenant=tenant.id, vendor="trustcaller", budget="default")

    refused = stack.first.admin().put(path, json=body)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert _budgets(stack.first.admin(), tenant)["default"]["overridden"] is False


def test_unknown_budgets_vendors_and_missing_credentials_are_not_found(stack: Stack) -> None:
    tenant = _tenant(stack, "unknown")
    admin = stack.first.admin()
    body = {"limit": 10, "period_seconds": 60}

    unknown_budget = admin.put(
        BUDGET.format(tenant=tenant.id, vendor="trustcaller", budget="turbo"), json=body
    )
    assert unknown_budget.status_code == 404
    assert "its budgets: default" in unknown_budget.json()["detail"]
    unknown_vendor = BUDGET.format(tenant=tenant.id, vendor="nope", budget="default")
    assert admin.put(unknown_vendor, json=body).status_code == 404
    assert admin.delete(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller").status_code in (
        200,
        204,
    )
    gone = BUDGET.format(tenant=tenant.id, vendor="trustcaller", budget="default")
    assert admin.put(gone, json=body).status_code == 404
    assert admin.delete(gone).status_code == 404


def test_a_tenant_cannot_touch_another_tenants_budget(stack: Stack) -> None:
    owner, other = _tenant(stack, "owner"), _tenant(stack, "intruder")
    path = BUDGET.format(tenant=owner.id, vendor="trustcaller", budget="default")
    as_other = _on(stack.first, other)  # a tenant admin key of the other tenant

    assert as_other.put(path, json={"limit": 1000, "period_seconds": 1}).status_code == 404
    assert as_other.delete(path).status_code == 404
    own = BUDGET.format(tenant=other.id, vendor="trustcaller", budget="default")
    assert as_other.put(own, json={"limit": 7, "period_seconds": 60}).status_code == 200

    assert _budgets(stack.first.admin(), owner)["default"]["overridden"] is False
    assert _budgets(stack.first.admin(), other)["default"]["limit"] == 7


def test_budget_changes_are_audited(stack: Stack) -> None:
    tenant = _tenant(stack, "audited")
    admin = stack.first.admin()
    path = BUDGET.format(tenant=tenant.id, vendor="trustcaller", budget="default")
    assert admin.put(path, json={"limit": 120, "period_seconds": 30}).status_code == 200
    assert admin.delete(path).status_code == 204
    ceiling = BUDGET.format(tenant=tenant.id, vendor="truecaller", budget="token")
    assert admin.put(ceiling, json={"limit": 99, "period_seconds": 1800}).status_code == 422

    entries = admin.get("/v1/admin/audit", params={"tenant_id": tenant.id}).json()["data"]
    budget_entries = [
        (e["action"], e["target"], e["outcome"], e["detail"])
        for e in entries
        if e["action"].startswith("credential.budget")
    ]

    assert budget_entries[::-1] == [
        (
            "credential.budget_set",
            "trustcaller",
            "ok",
            {"budget": "default", "limit": "120", "period_seconds": "30"},
        ),
        ("credential.budget_reset", "trustcaller", "ok", {"budget": "default"}),
        (
            "credential.budget_set",
            "truecaller",
            "failed",
            {
                "budget": "token",
                "limit": "99",
                "period_seconds": "1800",
                "problem": "validation-failed",
            },
        ),
    ]
