"""A fifth vendor is one adapter package, one simulator and one registry entry.

EchoCall (``tests/fifth_vendor/``) is known to nothing under ``gateway/`` or ``policies/``. Added
to the registry's list, it gets its settings variable, its sandbox simulator, and the unified
routes serve it beside the real vendors: numbers, calls, problem+json errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.registry import VENDORS, VendorEntry
from gateway.app import create_app
from gateway.auth.keys import generate_api_key
from gateway.sandbox import start_sandbox
from gateway.settings import Settings, StoreSettings, VendorHttpDefaults
from policies.vault import Keyring, generate_key_spec
from simulators.server import RunningServer, start_in_thread
from tests.fifth_vendor.echocall.adapter import EchoCallAdapter
from tests.integration.conftest import Simulators, start_simulators, stop_simulators

WITH_ECHOCALL = (*VENDORS, VendorEntry(EchoCallAdapter.declaration, EchoCallAdapter))
"""The registry's list plus one entry: all it takes to add a vendor."""


@pytest.fixture(scope="module")
def simulators() -> Iterator[Simulators]:
    """Every simulator the list with EchoCall names: the test fixtures follow the registry."""
    started = start_simulators(WITH_ECHOCALL)
    yield started
    stop_simulators(started)


@pytest.fixture
def echocall_sim(simulators: Simulators) -> RunningServer:
    return simulators.server_for("echocall")


@pytest.fixture
def gateway_url(simulators: Simulators, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A gateway serving EchoCall and the registered vendors; its URL and operator key."""
    admin_key = generate_api_key()
    defaults = VendorHttpDefaults(connect_timeout=1.0, read_timeout=2.0)
    settings = Settings(
        stores=StoreSettings(
            data_dir=tmp_path / "data",
            admin_key=admin_key,
            vault_keys=Keyring.from_spec(generate_key_spec()),
        ),
        verification_endpoints=simulators.verification_origins(),
        vendors={
            vendor: defaults.for_vendor(url) for vendor, url in simulators.base_urls().items()
        },
    )
    server = start_in_thread(create_app(settings, vendors=WITH_ECHOCALL))
    yield server.url, admin_key
    server.stop()


def tenant_with(gateway_url: tuple[str, str], secrets: dict[str, dict[str, str]]) -> httpx.Client:
    url, admin_key = gateway_url
    admin = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_key}"})
    tenant = admin.post("/v1/admin/tenants", json={"name": "fifth"}).json()["id"]
    scopes = ["numbers:read", "calls:read", "calls:write", "account:read"]
    key = admin.post(
        f"/v1/admin/tenants/{tenant}/keys", json={"name": "t", "scopes": scopes}
    ).json()["key"]
    for vendor, secret in secrets.items():
        stored = admin.put(
            f"/v1/admin/tenants/{tenant}/credentials/{vendor}", json={"secret": secret}
        )
        assert stored.status_code == 200, stored.text
        assert "api_key" not in stored.text
    admin.close()
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def echocall_account(echocall_sim: RunningServer) -> dict[str, str]:
    return httpx.post(echocall_sim.url + "/_sim/accounts").json()


def test_the_settings_variable_follows_from_the_registry() -> None:
    settings = Settings.from_env(
        {"GATEWAY_ECHOCALL_BASE_URL": "http://127.0.0.1:9999/v2/"}, WITH_ECHOCALL
    )
    defaults = Settings.from_env({}, WITH_ECHOCALL)

    assert settings.vendors["echocall"].base_url == "http://127.0.0.1:9999/v2"
    assert defaults.vendors["echocall"].base_url == "https://api.echocall.example/v2"
    assert "echocall" not in Settings.from_env({}).vendors


def test_the_unified_routes_serve_the_new_vendor(
    gateway_url: tuple[str, str], simulators: Simulators
) -> None:
    accounts = simulators.new_accounts("fifth", only=None, options_for="echocall")
    account = accounts["tests.fifth_vendor.echocall_sim.sandbox"].details
    secrets = {v: s for made in accounts.values() for v, s in made.secrets.items()}
    client = tenant_with(gateway_url, secrets)

    own = client.get("/v1/numbers", params={"vendor": "echocall"})
    merged = client.get("/v1/numbers", params={"limit": 1000})
    one = client.get(f"/v1/numbers/echocall:{account['lines'][0]}")

    assert own.status_code == 200, own.text
    assert [n["id"] for n in own.json()["data"]] == [f"echocall:{i}" for i in account["lines"]]
    assert {"echocall", "trustcaller", "topcalls"} <= {n["vendor"] for n in merged.json()["data"]}
    assert one.json()["number"].startswith("+4930")

    placed = client.post(
        "/v1/calls",
        json={"vendor": "echocall", "to_number": "+4915112345678"},
        headers={"Idempotency-Key": "fifth-vendor-call-1"},
    )
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["id"]
    assert call_id.startswith("echocall:") and placed.json()["status"] == "ringing"
    assert client.get(f"/v1/calls/{call_id}").json()["to_number"] == "+4915112345678"
    assert call_id in [c["id"] for c in client.get("/v1/calls").json()["data"]]
    stopped = client.post(f"/v1/calls/{call_id}/stop")
    assert stopped.status_code == 200, stopped.text
    assert client.get(f"/v1/calls/{call_id}").json()["status"] == "completed"


def test_the_new_vendor_fails_as_problem_json(
    gateway_url: tuple[str, str], echocall_sim: RunningServer
) -> None:
    account = echocall_account(echocall_sim)
    client = tenant_with(gateway_url, {"echocall": {"api_key": account["api_key"]}})

    missing = client.get("/v1/numbers/echocall:nope")
    refused = client.post(
        "/v1/calls", json={"vendor": "echocall", "to_number": "+4915112345678", "task": "hi"}
    )
    httpx.post(echocall_sim.url + "/_sim/fail", json={"times": 3})
    before = httpx.get(echocall_sim.url + "/_sim/requests").json()["total"]
    failed = client.get("/v1/calls/echocall:D0")
    tried = httpx.get(echocall_sim.url + "/_sim/requests").json()["total"] - before
    health = {v["vendor"]: v for v in client.get("/v1/vendors").json()["data"]}

    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert (missing.json()["vendor"], missing.json()["vendor_status"]) == ("echocall", 404)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.task"]
    assert failed.status_code == 502
    assert failed.json()["type"] == "/problems/vendor-error"
    assert failed.json()["vendor_status"] == 500
    assert tried == 3, "a read is retried on the vendor's 5xx, as its declaration allows"
    assert list(health) == [entry.name for entry in WITH_ECHOCALL]
    assert health["echocall"]["credential"]["fingerprint"]
    assert health["echocall"]["last_error"]["type"] == "/problems/vendor-error"
    assert health["echocall"]["last_error"]["vendor_status"] == 500


def test_a_bad_stored_key_is_the_vendors_refusal_not_ours(
    gateway_url: tuple[str, str],
) -> None:
    client = tenant_with(gateway_url, {"echocall": {"api_key": "ek_" + "0" * 24}})

    refused = client.get("/v1/numbers", params={"vendor": "echocall"})

    assert refused.status_code == 502
    assert refused.json()["type"] == "/problems/vendor-credential-rejected"


def test_the_sandbox_starts_its_simulator_and_stores_its_demo_credential(
    tmp_path: Path,
) -> None:
    settings = Settings(stores=StoreSettings(data_dir=tmp_path / "sandbox"))

    sandbox = asyncio.run(start_sandbox(settings, vendors=WITH_ECHOCALL))
    try:
        echocall = next(v for v in sandbox.vendors if v.vendor == "echocall")
        assert sandbox.settings.vendors["echocall"].base_url == echocall.base_url
        lines = httpx.get(
            echocall.base_url + "/lines",
            headers={"Authorization": f"Bearer {echocall.secret['api_key']}"},
        )
        assert lines.status_code == 200
        server = start_in_thread(create_app(sandbox.settings, vendors=WITH_ECHOCALL))
        try:
            numbers = httpx.get(
                server.url + "/v1/numbers",
                params={"vendor": "echocall"},
                headers={"Authorization": f"Bearer {sandbox.demo_key}"},
            )
        finally:
            server.stop()
        assert numbers.status_code == 200, numbers.text
        assert echocall.sample_number in [n["number"] for n in numbers.json()["data"]]
    finally:
        for vendor in sandbox.vendors:
            vendor.server.stop()
