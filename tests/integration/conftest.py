"""Integration fixtures: real servers on local ports, reached over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SpanExporter

from gateway.app import create_app
from gateway.auth.keys import Scope, generate_api_key
from gateway.settings import PolicySettings, Settings, StoreSettings, VendorHttpSettings
from policies.vault import Keyring, generate_key_spec
from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig as TopCallsConfig
from simulators.topcalls.app import create_simulator_app as create_topcalls_app
from simulators.truecaller.app import SimulatorConfig as TruecallerConfig
from simulators.truecaller.app import create_simulator_app as create_truecaller_app

ALL_SCOPES = tuple(scope.value for scope in Scope)
TOPCALLS_FAST = TopCallsConfig(
    queue_seconds=0.2,
    talk_seconds=0.5,
    post_processing_seconds=0.3,
    rate_limit=1_000_000,
    webhook_retry_delays=(0.05, 0.05, 0.05, 0.05),
)
TRUECALLER_FAST = TruecallerConfig(
    number_processing_seconds=0.3,
    batch_processing_seconds=0.3,
    callback_retry_delays_seconds=(0.05, 0.05, 0.05),
)
VENDOR_READ_TIMEOUT = 1.0
BREAKER_OPEN_SECONDS = 1.0


@pytest.fixture(scope="session")
def shared_topcalls_sim() -> Iterator[RunningServer]:
    """One TopCalls simulator for the session (tests that count its requests start their own)."""
    server = start_in_thread(create_topcalls_app(TOPCALLS_FAST))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def shared_truecaller_sim() -> Iterator[RunningServer]:
    """One Truecaller simulator for the session, business API and profile host together."""
    server = start_in_thread(create_truecaller_app(TRUECALLER_FAST))
    yield server
    server.stop()


@pytest.fixture
def sim_control(trustcaller_sim: RunningServer) -> Iterator[httpx.Client]:
    """A client on the simulator's ``/_sim/`` control surface."""
    with httpx.Client(base_url=trustcaller_sim.url + "/_sim", timeout=5) as client:
        yield client


@dataclass
class TenantHandle:
    """A tenant with a key, and the simulator account whose credential it stores."""

    id: str
    key: str
    client: httpx.Client
    vendor_token: str = field(repr=False)
    vendor_numbers: list[str]
    vendor_account_id: int
    topcalls_account: dict[str, Any] | None = field(default=None, repr=False)
    truecaller_account: dict[str, Any] | None = field(default=None, repr=False)


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


@pytest.fixture
def gateway_settings(
    trustcaller_sim: RunningServer,
    shared_topcalls_sim: RunningServer,
    shared_truecaller_sim: RunningServer,
    tmp_path: Path,
) -> Settings:
    """Settings pointing the gateway at the simulators, with a fresh vault and data dir."""
    timeouts = {"connect_timeout": 1.0, "read_timeout": VENDOR_READ_TIMEOUT}
    return Settings(
        stores=StoreSettings(
            data_dir=tmp_path / "data",
            admin_key=generate_api_key(),
            vault_keys=Keyring.from_spec(generate_key_spec()),
        ),
        policies=PolicySettings(breaker_open_seconds=BREAKER_OPEN_SECONDS),
        verification_endpoints=(shared_truecaller_sim.url,),
        vendors={
            "trustcaller": VendorHttpSettings(base_url=trustcaller_sim.url + "/api/v1", **timeouts),
            "topcalls": VendorHttpSettings(base_url=shared_topcalls_sim.url, **timeouts),
            "truecaller": VendorHttpSettings(base_url=shared_truecaller_sim.url, **timeouts),
            "truecaller_profile": VendorHttpSettings(
                base_url=shared_truecaller_sim.url, **timeouts
            ),
        },
    )


@pytest.fixture
def span_exporter() -> SpanExporter | None:
    """Where the gateway exports spans (none unless a test module overrides this)."""
    return None


@pytest.fixture
def gateway(
    gateway_settings: Settings, trustcaller_sim: RunningServer, span_exporter: SpanExporter | None
) -> Iterator[GatewayStack]:
    """The gateway as a real HTTP server in front of the TrustCaller simulator."""
    server = start_in_thread(create_app(gateway_settings, span_exporter=span_exporter))
    stack = GatewayStack(
        url=server.url,
        admin_key=gateway_settings.stores.admin_key or "",
        sim_url=trustcaller_sim.url,
        data_dir=gateway_settings.stores.data_dir,
    )
    yield stack
    for client in stack.clients:
        client.close()
    server.stop()


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


@pytest.fixture
def make_tenant(
    gateway: GatewayStack,
    sim_control: httpx.Client,
    shared_topcalls_sim: RunningServer,
    shared_truecaller_sim: RunningServer,
) -> Callable[..., TenantHandle]:
    """Create a tenant with a key of the given scopes and a working TrustCaller credential;
    with ``all_vendors``, also TopCalls (a demo account) and both Truecaller credentials."""

    def make(
        name: str = "acme",
        scopes: tuple[str, ...] = ALL_SCOPES,
        all_vendors: bool = False,
        **account: object,
    ) -> TenantHandle:
        admin = gateway.admin()
        tenant = admin.post("/v1/admin/tenants", json={"name": name})
        assert tenant.status_code == 201, tenant.text
        tenant_id = tenant.json()["id"]
        key = admin.post(
            f"/v1/admin/tenants/{tenant_id}/keys", json={"name": "tests", "scopes": list(scopes)}
        )
        assert key.status_code == 201, key.text
        sim_account = create_sim_account(sim_control, **account)
        secrets = {"trustcaller": {"token": str(sim_account["token"])}}
        topcalls = truecaller = None
        if all_vendors:
            topcalls = httpx.post(
                shared_topcalls_sim.url + "/_sim/accounts", json={"name": name, "demo": True}
            ).json()
            truecaller = httpx.post(
                shared_truecaller_sim.url + "/_sim/accounts", json={"name": name}
            ).json()
            secrets["topcalls"] = {"api_key": topcalls["api_key"]}
            secrets["truecaller"] = {
                "client_account_id": truecaller["client_account_id"],
                "key_id": truecaller["key_id"],
                "api_key": truecaller["api_key"],
            }
            secrets["truecaller_profile"] = {"partner_key": "pk", "partner_name": name}
        for vendor, secret in secrets.items():
            stored = admin.put(
                f"/v1/admin/tenants/{tenant_id}/credentials/{vendor}", json={"secret": secret}
            )
            assert stored.status_code == 200, stored.text
        return TenantHandle(
            id=tenant_id,
            key=key.json()["key"],
            client=gateway.client(key.json()["key"]),
            vendor_token=str(sim_account["token"]),
            vendor_numbers=["+" + n for n in sim_account["numbers"]],  # type: ignore[union-attr]
            vendor_account_id=int(sim_account["account_id"]),  # type: ignore[arg-type]
            topcalls_account=topcalls,
            truecaller_account=truecaller,
        )

    return make


@pytest.fixture
def tenant(make_tenant: Callable[..., TenantHandle]) -> TenantHandle:
    """One tenant with every scope and a TrustCaller credential."""
    return make_tenant()
