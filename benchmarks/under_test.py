"""G: the gateway as it runs in production (``gateway serve``, a real process), every policy on.

API-key auth, shaping on the credential's budget (raised through the admin API, as an operator
would), the circuit breaker, Prometheus metrics, and tracing exported over OTLP to a local sink.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.processes import PROXY_CORE, Processes, Started, bench_env, free_port, wait_until_up
from gateway.auth.keys import generate_api_key
from policies.vault import generate_key_spec

RAISED_BUDGET = {"limit": 20_000, "period_seconds": 1}
"""The TrustCaller credential's budget for the run (its default, 60 a minute, would turn the
benchmark into a test of shaping)."""
SCOPES = ["numbers:read", "calls:read"]


@dataclass(frozen=True)
class Mode:
    """How one gateway process is configured."""

    name: str
    data_dir: Path
    transport: str
    otlp_endpoint: str | None
    """Where spans are exported (OTLP over HTTP); ``None``: tracing without an exporter."""
    redis_url: str | None = None
    database_url: str | None = None


@dataclass(frozen=True)
class Gateway:
    """A running gateway process and its operator key."""

    started: Started
    url: str
    admin_key: str


@dataclass(frozen=True)
class Tenant:
    """A tenant ready to call: its key and a number of its vendor account (E.164)."""

    id: str
    key: str
    number: str

    @property
    def live_path(self) -> str:
        """The uncached route: is a call live on this number?"""
        return f"/v1/calls/live?number={quote(self.number)}"


def environment(mode: Mode, vendor_url: str) -> dict[str, str]:
    """The gateway's environment for ``mode``, with a new operator key and vault key."""
    env = bench_env(
        GATEWAY_DATA_DIR=str(mode.data_dir),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=generate_api_key(),
        GATEWAY_TRUSTCALLER_BASE_URL=vendor_url + "/api/v1",
        GATEWAY_VENDOR_TRANSPORT=mode.transport,
        GATEWAY_LOG_LEVEL="WARNING",
        GATEWAY_LOG_FORMAT="json",
        OTEL_SERVICE_NAME="caller-gateway-bench",
    )
    if mode.otlp_endpoint is not None:
        env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = mode.otlp_endpoint + "/v1/traces"
    if mode.redis_url is not None:
        env["GATEWAY_REDIS_URL"] = mode.redis_url
    if mode.database_url is not None:
        env["GATEWAY_DATABASE_URL"] = mode.database_url
    return env


def start(
    running: Processes, mode: Mode, vendor_url: str, env: dict[str, str] | None = None
) -> Gateway:
    """``gateway serve`` on the proxy core (its shared database migrated first), in ``env``
    (default: a new :func:`environment`)."""
    env = env if env is not None else environment(mode, vendor_url)
    if mode.database_url is not None:
        subprocess.run(
            [sys.executable, "-m", "gateway.cli", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = free_port()
    command = [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)]
    started = running.start(f"gateway-{mode.name}", command, PROXY_CORE, env)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(started, url + "/healthz")
    return Gateway(started, url, env["GATEWAY_ADMIN_KEY"])


def onboard(gateway: Gateway, token: str, number_digits: str, name: str = "bench") -> Tenant:
    """A tenant, its key and its TrustCaller credential through the admin API, the credential's
    budget raised to :data:`RAISED_BUDGET` the same way."""
    with httpx.Client(
        base_url=gateway.url,
        headers={"Authorization": f"Bearer {gateway.admin_key}"},
        timeout=30,
    ) as admin:
        tenant = _ok(admin.post("/v1/admin/tenants", json={"name": name}))["id"]
        key = _ok(
            admin.post(f"/v1/admin/tenants/{tenant}/keys", json={"name": name, "scopes": SCOPES})
        )["key"]
        credentials = f"/v1/admin/tenants/{tenant}/credentials/trustcaller"
        _ok(admin.put(credentials, params={"verify": "false"}, json={"secret": {"token": token}}))
        _ok(admin.put(credentials + "/budgets/default", json=RAISED_BUDGET))
    return Tenant(tenant, key, "+" + number_digits)


@dataclass(frozen=True)
class Collections:
    """The garbage collections a gateway process went through, from its ``/metrics``."""

    count: int
    full: int
    full_seconds: float
    seconds: float

    def since(self, before: Collections) -> Collections:
        """The collections after ``before`` was read."""
        return Collections(
            self.count - before.count,
            self.full - before.full,
            self.full_seconds - before.full_seconds,
            self.seconds - before.seconds,
        )

    def line(self, mode: str) -> str:
        """One line of the report."""
        mean = self.full_seconds / self.full * 1000 if self.full else 0.0
        return (
            f"- Garbage collections during the {mode} rows: {self.count:,} "
            f"({self.seconds:.2f} s in all), {self.full} of them full, "
            f"{mean:.1f} ms each on average."
        )


def collections(gateway: Gateway) -> Collections:
    """What ``gateway_gc_pause_seconds`` counted so far."""
    text = httpx.get(gateway.url + "/metrics", timeout=30).text
    count = full = 0
    seconds = full_seconds = 0.0
    for family in text_string_to_metric_families(text):
        if family.name != "gateway_gc_pause_seconds":
            continue
        for sample in family.samples:
            is_full = sample.labels.get("generation") == "2"
            if sample.name.endswith("_count"):
                count += int(sample.value)
                full += int(sample.value) if is_full else 0
            elif sample.name.endswith("_sum"):
                seconds += sample.value
                full_seconds += sample.value if is_full else 0.0
    return Collections(count, full, full_seconds, seconds)


def _ok(response: httpx.Response) -> dict[str, str]:
    if response.status_code >= 300:
        request = response.request
        raise RuntimeError(
            f"{request.method} {request.url.path}: {response.status_code} {response.text[:300]}"
        )
    body: dict[str, str] = response.json()
    return body
