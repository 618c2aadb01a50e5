"""A client generated from the committed OpenAPI document works against a running gateway."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.integration.conftest import GatewayStack, create_sim_account

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "generated_gateway_client"


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Generate the client package from the committed document and make it importable."""
    root = tmp_path_factory.mktemp("client")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(DOCUMENT),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert (root / PACKAGE / "__init__.py").exists(), result.stdout + result.stderr
    sys.path.insert(0, str(root))
    yield PACKAGE
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
        del sys.modules[name]


def _module(package: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


def test_a_generated_client_runs_a_whole_session(
    client_package: str, gateway: GatewayStack, sim_control: httpx.Client
) -> None:
    client_module = _module(client_package, "client")
    models = _module(client_package, "models")
    admin_api = {
        name: _module(client_package, f"api.admin.{name}")
        for name in ("create_tenant", "list_tenants", "create_key", "put_credential")
    }
    numbers_api = {
        name: _module(client_package, f"api.numbers.{name}")
        for name in ("list_numbers", "list_test_numbers")
    }
    calls_api = {
        name: _module(client_package, f"api.calls.{name}")
        for name in ("list_calls", "check_live_call")
    }
    admin = client_module.AuthenticatedClient(base_url=gateway.url, token=gateway.admin_key)

    tenant = admin_api["create_tenant"].sync(client=admin, body=models.TenantCreate(name="gen"))
    assert isinstance(tenant, models.TenantOut)
    tenants = admin_api["list_tenants"].sync(client=admin)
    assert isinstance(tenants, models.TenantList)
    assert tenant.id in {listed.id for listed in tenants.data}
    created = admin_api["create_key"].sync(
        tenant.id,
        client=admin,
        body=models.KeyCreate(
            name="generated",
            scopes=[models.Scope.NUMBERSREAD, models.Scope.CALLSREAD, models.Scope.ACCOUNTREAD],
        ),
    )
    assert isinstance(created, models.KeyCreated) and created.key.startswith("gw_")
    token = create_sim_account(sim_control)["token"]
    stored = admin_api["put_credential"].sync(
        tenant.id,
        "trustcaller",
        client=admin,
        body=models.CredentialPut(secret=models.CredentialPutSecret.from_dict({"token": token})),
    )
    assert isinstance(stored, models.CredentialStored)
    assert stored.verification.status == models.VerificationStatus.VERIFIED
    assert stored.fingerprint.startswith("sha256:")

    client = client_module.AuthenticatedClient(base_url=gateway.url, token=created.key)
    first = numbers_api["list_numbers"].sync(client=client, limit=3)
    assert isinstance(first, models.NumberPage) and len(first.data) == 3
    second = numbers_api["list_numbers"].sync(client=client, cursor=first.next_cursor)
    assert isinstance(second, models.NumberPage) and len(second.data) == 2
    assert second.next_cursor is None
    numbers = [n.number for n in [*first.data, *second.data]]
    assert all(isinstance(n.status, models.NumberStatus) for n in first.data)

    test_numbers = numbers_api["list_test_numbers"].sync(client=client, prefix="+86")
    assert isinstance(test_numbers, models.TestNumberList)
    assert test_numbers.data and all(t.number.startswith("+86") for t in test_numbers.data)

    calls = calls_api["list_calls"].sync(client=client, limit=5)
    assert isinstance(calls, models.CallPage) and len(calls.data) == 5
    assert isinstance(calls.data[0].started_at, datetime)
    assert calls.data[0].status in set(models.CallStatus)

    live = calls_api["check_live_call"].sync(client=client, number=numbers[0])
    assert isinstance(live, models.LiveCallCheck) and live.live_call is False

    vendors = _module(client_package, "api.vendors.list_vendors").sync(client=client)
    assert isinstance(vendors, models.VendorStatusList)
    health = {v.vendor: v for v in vendors.data}
    assert health["trustcaller"].credential.fingerprint == stored.fingerprint
    assert health["trustcaller"].breaker.state == models.CircuitState.CLOSED
    assert health["trustcaller"].cache.misses == 1
    assert health["topcalls"].credential is None

    problem = calls_api["check_live_call"].sync(client=client, number="12")
    assert isinstance(problem, models.Problem)
    assert problem.status == 422
    assert problem.errors[0].field == "query.number"
