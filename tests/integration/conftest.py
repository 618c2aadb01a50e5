"""Integration fixtures: real servers on local ports, reached over real HTTP."""

from __future__ import annotations

import functools
import importlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SpanExporter

from adapters.registry import VENDORS, VendorEntry
from gateway.app import create_app
from gateway.auth.keys import Scope, generate_api_key
from gateway.sandbox import simulator_modules
from gateway.settings import PolicySettings, Settings, StoreSettings, VendorHttpSettings
from policies.vault import Keyring, generate_key_spec
from simulators.sandbox import SimulatorAccount, StartedSimulator
from simulators.server import RunningServer, start_in_thread

ALL_SCOPES = tuple(scope.value for scope in Scope)
VENDOR_READ_TIMEOUT = 1.0
BREAKER_OPEN_SECONDS = 1.0
FRESH_VENDOR = "trustcaller"
"""The vendor whose simulator each test gets fresh (the ``trustcaller_sim`` fixture): the
suite's fault injection and request counting target it. Every other registered vendor's
simulator is shared by the session (tests that count its requests start their own)."""


def unlisted_number() -> str:
    """An Indian mobile number no other test lists: the Truecaller simulator is shared by the
    session, and a number another account listed is refused to the next one."""
    return f"+91981{secrets.randbelow(10**7):07d}"


@dataclass(frozen=True)
class Simulators:
    """The running simulators of the registered vendors, by the module that serves them."""

    started: dict[str, StartedSimulator]
    """By simulator module name (one simulator may serve several vendors)."""

    def base_urls(self) -> dict[str, str]:
        """Every served vendor's base URL."""
        return {v: url for s in self.started.values() for v, url in s.base_urls.items()}

    def verification_origins(self) -> tuple[str, ...]:
        """Origins the gateway must allow as verification profile endpoints."""
        return tuple(s.verification_origin for s in self.started.values() if s.verification_origin)

    def server_for(self, vendor: str) -> RunningServer:
        """The simulator serving ``vendor``."""
        return next(s.server for s in self.started.values() if vendor in s.base_urls)

    def with_fresh(self, module: str, started: StartedSimulator) -> Simulators:
        """These simulators with ``module``'s replaced by ``started``."""
        return Simulators({**self.started, module: started})

    def new_accounts(
        self, name: str, only: str | None, options_for: str, **options: object
    ) -> dict[str, SimulatorAccount]:
        """A fresh account on each simulator (or only on the one serving vendor ``only``), by
        module; ``options`` go to the one serving vendor ``options_for``."""
        accounts: dict[str, SimulatorAccount] = {}
        for module, started in self.started.items():
            if only is None or only in started.base_urls:
                extra = options if options_for in started.base_urls else {}
                accounts[module] = importlib.import_module(module).new_account(
                    started.server.url, name, **extra
                )
        return accounts


def start_simulators(vendors: Sequence[VendorEntry] = VENDORS) -> Simulators:
    """Every simulator the registered ``vendors`` name, with timings compressed for tests."""
    modules = simulator_modules(vendors)
    return Simulators({module.__name__: module.start_for_tests() for module in modules.values()})


def stop_simulators(simulators: Simulators) -> None:
    """Stop every simulator in ``simulators``."""
    for started in simulators.started.values():
        started.server.stop()


def simulator_module_of(vendor: str, vendors: Sequence[VendorEntry] = VENDORS) -> str:
    """The module of the simulator serving ``vendor``."""
    module = next(v.declaration.simulator for v in vendors if v.name == vendor)
    assert module is not None, f"{vendor} has no simulator"
    return module


@pytest.fixture(scope="session")
def shared_simulators() -> Iterator[Simulators]:
    """One simulator per registered vendor for the session."""
    simulators = start_simulators()
    yield simulators
    stop_simulators(simulators)


@pytest.fixture
def simulators(shared_simulators: Simulators, trustcaller_sim: RunningServer) -> Simulators:
    """The session's simulators, with the fresh-per-test one of :data:`FRESH_VENDOR`."""
    module = simulator_module_of(FRESH_VENDOR)
    base = shared_simulators.started[module].base_urls[FRESH_VENDOR]
    path = base.removeprefix(shared_simulators.server_for(FRESH_VENDOR).url)
    fresh = StartedSimulator(
        server=trustcaller_sim, base_urls={FRESH_VENDOR: trustcaller_sim.url + path}
    )
    return shared_simulators.with_fresh(module, fresh)


@pytest.fixture(scope="session")
def shared_topcalls_sim(shared_simulators: Simulators) -> RunningServer:
    """The session's TopCalls simulator (for tests that speak to it directly)."""
    return shared_simulators.server_for("topcalls")


@pytest.fixture(scope="session")
def shared_truecaller_sim(shared_simulators: Simulators) -> RunningServer:
    """The session's Truecaller simulator, business API and profile host together."""
    return shared_simulators.server_for("truecaller")


@pytest.fixture
def sim_control(trustcaller_sim: RunningServer) -> Iterator[httpx.Client]:
    """A client on the simulator's ``/_sim/`` control surface."""
    with httpx.Client(base_url=trustcaller_sim.url + "/_sim", timeout=5) as client:
        yield client


@dataclass
class TenantHandle:
    """A tenant with a key, and the simulator accounts whose credentials it stores."""

    id: str
    key: str
    client: httpx.Client
    accounts: dict[str, dict[str, Any]] = field(repr=False)
    """Each simulator's answer for the account this tenant's credential names, by vendor."""

    @property
    def vendor_token(self) -> str:
        """The TrustCaller account's API token."""
        return str(self.accounts["trustcaller"]["token"])

    @property
    def vendor_numbers(self) -> list[str]:
        """The TrustCaller account's numbers in E.164."""
        return ["+" + n for n in self.accounts["trustcaller"]["numbers"]]

    @property
    def vendor_account_id(self) -> int:
        """The TrustCaller account's id."""
        return int(self.accounts["trustcaller"]["account_id"])

    @property
    def topcalls_account(self) -> dict[str, Any] | None:
        """The TopCalls demo account, when the tenant has every vendor."""
        return self.accounts.get("topcalls")

    @property
    def truecaller_account(self) -> dict[str, Any] | None:
        """The Truecaller client account, when the tenant has every vendor."""
        return self.accounts.get("truecaller")


@dataclass
class GatewayStack:
    """A running gateway wired to the simulator, with its operator key."""

    url: str
    admin_key: str = field(repr=False)
    sim_url: str
    data_dir: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, key: str | None) -> httpx.Client:
        """An HTTP client on the gateway, authenticated with ``key`` when given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=10)
        self.clients.append(client)
        return client

    def admin(self) -> httpx.Client:
        """A client holding the operator key."""
        return self.client(self.admin_key)


def settings_for(simulators: Simulators, data_dir: Path) -> Settings:
    """Settings pointing a gateway at every registered vendor's simulator, with a fresh vault
    and ``data_dir``."""
    timeouts = {"connect_timeout": 1.0, "read_timeout": VENDOR_READ_TIMEOUT}
    return Settings(
        stores=StoreSettings(
            data_dir=data_dir,
            admin_key=generate_api_key(),
            vault_keys=Keyring.from_spec(generate_key_spec()),
        ),
        policies=PolicySettings(breaker_open_seconds=BREAKER_OPEN_SECONDS),
        verification_endpoints=simulators.verification_origins(),
        vendors={
            vendor: VendorHttpSettings(base_url=url, **timeouts)
            for vendor, url in simulators.base_urls().items()
        },
    )


@pytest.fixture
def gateway_settings(simulators: Simulators, tmp_path: Path) -> Settings:
    """Settings pointing the gateway at every registered vendor's simulator, with a fresh vault
    and data dir."""
    return settings_for(simulators, tmp_path / "data")


@pytest.fixture
def span_exporter() -> SpanExporter | None:
    """Where the gateway exports spans (none unless a test module overrides this)."""
    return None


@contextmanager
def running_gateway(
    settings: Settings, sim_url: str, span_exporter: SpanExporter | None = None
) -> Iterator[GatewayStack]:
    """A gateway serving ``settings`` as a real HTTP server, stopped afterwards."""
    server = start_in_thread(create_app(settings, span_exporter=span_exporter))
    stack = GatewayStack(
        url=server.url,
        admin_key=settings.stores.admin_key or "",
        sim_url=sim_url,
        data_dir=settings.stores.data_dir,
    )
    try:
        yield stack
    finally:
        for client in stack.clients:
            client.close()
        server.stop()


@pytest.fixture
def gateway(
    gateway_settings: Settings, trustcaller_sim: RunningServer, span_exporter: SpanExporter | None
) -> Iterator[GatewayStack]:
    """The gateway as a real HTTP server in front of the simulators."""
    with running_gateway(gateway_settings, trustcaller_sim.url, span_exporter) as stack:
        yield stack


@pytest.fixture
def inject(sim_control: httpx.Client) -> Iterator[Callable[..., None]]:
    """Queue a fault on the simulator's vendor API; all faults are cleared afterwards."""

    def add(**fault: object) -> None:
        assert sim_control.post("/faults", json=fault).status_code == 201

    yield add
    sim_control.delete("/faults")


def create_sim_account(sim_control: httpx.Client, **options: object) -> dict[str, object]:
    """A new TrustCaller account on the simulator (its token, key id and numbers)."""
    response = sim_control.post("/accounts", json={"name": "acct", **options})
    assert response.status_code == 201, response.text
    return response.json()


def new_tenant(
    gateway: GatewayStack,
    simulators: Simulators,
    name: str = "acme",
    scopes: tuple[str, ...] = ALL_SCOPES,
    all_vendors: bool = False,
    verify: bool = False,
    **account: object,
) -> TenantHandle:
    """A tenant with a key of ``scopes`` and a working credential for :data:`FRESH_VENDOR`;
    with ``all_vendors``, one for every registered vendor. ``account`` options go to the fresh
    vendor's simulator account. Credentials are stored with ``verify=false`` unless ``verify``
    is set, so setup spends none of the vendor requests, budgets and quotas that tests count
    (the check has its own tests)."""
    admin = gateway.admin()
    tenant = admin.post("/v1/admin/tenants", json={"name": name})
    assert tenant.status_code == 201, tenant.text
    tenant_id = tenant.json()["id"]
    key = admin.post(
        f"/v1/admin/tenants/{tenant_id}/keys", json={"name": "tests", "scopes": list(scopes)}
    )
    assert key.status_code == 201, key.text
    only = None if all_vendors else FRESH_VENDOR
    made = simulators.new_accounts(name, only, FRESH_VENDOR, **account)
    accounts: dict[str, dict[str, Any]] = {}
    for created in made.values():
        for vendor, secret in created.secrets.items():
            accounts[vendor] = created.details
            stored = admin.put(
                f"/v1/admin/tenants/{tenant_id}/credentials/{vendor}",
                params={"verify": str(verify).lower()},
                json={"secret": secret},
            )
            assert stored.status_code == 200, stored.text
    return TenantHandle(
        id=tenant_id,
        key=key.json()["key"],
        client=gateway.client(key.json()["key"]),
        accounts=accounts,
    )


@pytest.fixture
def make_tenant(gateway: GatewayStack, simulators: Simulators) -> Callable[..., TenantHandle]:
    """:func:`new_tenant` on this test's gateway and simulators."""
    return functools.partial(new_tenant, gateway, simulators)


@pytest.fixture
def tenant(make_tenant: Callable[..., TenantHandle]) -> TenantHandle:
    """One tenant with every scope and a TrustCaller credential."""
    return make_tenant()
