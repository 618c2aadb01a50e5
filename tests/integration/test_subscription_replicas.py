"""Deliveries from replicas on one PostgreSQL: each row is sent by one replica at a time, and a
delivery pending when every replica stops is sent after they start again.

The replicas are real ``gateway serve`` processes; the receiver is a real local HTTP server.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from gateway.auth.keys import generate_api_key
from policies.vault import generate_key_spec
from simulators.server import RunningServer, start_in_thread
from tests.integration.webhook_receiver import (
    WebhookReceiver,
    poll,
    send_callback_request,
    truecaller_endpoint,
)
from tests.processes import clean_env, free_port, stop, wait_until_up

GATEWAY = [sys.executable, "-m", "gateway.cli"]


@dataclass
class Replicas:
    """Two gateway processes on one database, which a test may stop and start again."""

    env: dict[str, str] = field(repr=False)
    logs: Path
    ports: list[int] = field(default_factory=lambda: [free_port(), free_port()])
    running: dict[subprocess.Popen[bytes], Path] = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def start(self) -> None:
        for port in self.ports:
            log = self.logs / f"replica-{port}-{len(self.running)}.log"
            process = subprocess.Popen(
                [*GATEWAY, "serve", "--port", str(port)],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
            )
            self.running[process] = log
        for url in self.urls:
            wait_until_up(url)

    def stop(self) -> None:
        running, self.running = self.running, {}
        stop(running)


@pytest.fixture
def replicas(tmp_path: Path, redis_url: str, postgres_url: str) -> Iterator[Replicas]:
    env = clean_env(
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=generate_api_key(),
        GATEWAY_REDIS_URL=redis_url,
        GATEWAY_DATABASE_URL=postgres_url,
        GATEWAY_LOG_LEVEL="WARNING",
        GATEWAY_LOG_FORMAT="json",
        GATEWAY_WEBHOOK_ALLOW_HTTP="true",
        GATEWAY_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        GATEWAY_WEBHOOK_RETRY_SCHEDULE="0,0.3,1,1,1,1,1,1,1,1,1,1",
        GATEWAY_WEBHOOK_TIMEOUT_SECONDS="2",
    )
    subprocess.run([*GATEWAY, "db", "upgrade"], env=env, check=True, timeout=60)
    running = Replicas(env, tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    app = WebhookReceiver()
    server: RunningServer = start_in_thread(app)
    yield app, server.url + "/events"
    server.stop()


def tenant_with_subscription(replicas: Replicas, url: str) -> tuple[httpx.Client, str]:
    """A tenant made on replica 0, subscribed to ``url``: its key's client, its inbound URL."""
    admin_key = replicas.env["GATEWAY_ADMIN_KEY"]
    with httpx.Client(
        base_url=replicas.urls[0], headers={"Authorization": f"Bearer {admin_key}"}, timeout=15
    ) as admin:
        tenant = admin.post("/v1/admin/tenants", json={"name": "subs"}).json()["id"]
        key = admin.post(
            f"/v1/admin/tenants/{tenant}/keys",
            json={"name": "app", "scopes": ["events:read", "events:write"]},
        ).json()["key"]
        inbound = truecaller_endpoint(replicas.urls[0], admin, tenant)
    client = httpx.Client(
        base_url=replicas.urls[1], headers={"Authorization": f"Bearer {key}"}, timeout=15
    )
    made = client.post("/v1/subscriptions", json={"url": url, "types": ["caller_id.*"]})
    assert made.status_code == 201, made.text
    return client, inbound


def test_two_replicas_deliver_each_event_once(
    replicas: Replicas, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, url = receiver
    client, inbound = tenant_with_subscription(replicas, url)
    count = 40

    for n in range(count):
        other = inbound.replace(replicas.urls[0], replicas.urls[n % 2])
        send_callback_request(other, f"race-{n}")
    got = poll(lambda: app.at("/events"), lambda got: len(got) >= count, timeout=30)
    recorded = client.get("/v1/events", params={"limit": 200}).json()["data"]

    received = Counter(r.headers["webhook-id"] for r in got)
    assert len(recorded) == count
    assert set(received) == {e["id"] for e in recorded}
    assert [n for n in received.values() if n > 1] == [], "a row was sent by two replicas"


def test_a_delivery_pending_when_every_replica_stops_is_sent_after_they_start(
    replicas: Replicas, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, url = receiver
    app.answer("/events", then=503)
    _, inbound = tenant_with_subscription(replicas, url)
    send_callback_request(inbound, "pending-across-restart")
    poll(lambda: app.at("/events"), lambda got: got)

    replicas.stop()
    app.answer("/events", then=200)
    tried_before = len(app.at("/events"))
    replicas.start()
    got = poll(lambda: app.at("/events")[tried_before:], lambda got: got, timeout=30)

    assert got, "the pending delivery was sent once the replicas were back"
    assert got[0].json["type"] == "caller_id.callback_requested"
    assert {r.headers["webhook-id"] for r in app.at("/events")} == {got[0].headers["webhook-id"]}
