"""Events only the gateway sees: settled operations and batches, completed verifications.

The gateway runs in front of the session's Truecaller simulator (listings and batches settle in
about 0.3 s there) with its poller's interval compressed. Tests read ``GET /v1/events`` only,
unless they race a consumer's GET against the poller on purpose.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.auth.keys import generate_api_key
from gateway.settings import Settings
from policies.vault import generate_key_spec
from simulators.server import RunningServer
from tests.integration.conftest import GatewayStack, Simulators, TenantHandle, unlisted_number
from tests.integration.webhook_receiver import poll
from tests.processes import clean_env, free_port, stop, wait_until_up

POLL_SECONDS = 0.1


@pytest.fixture
def gateway_settings(gateway_settings: Settings) -> Settings:
    """The suite's settings with the poller looking every :data:`POLL_SECONDS`."""
    policies = dataclasses.replace(gateway_settings.policies, event_poll_seconds=POLL_SECONDS)
    return dataclasses.replace(gateway_settings, policies=policies)


def events_of(client: httpx.Client, type_: str) -> list[dict[str, Any]]:
    answer = client.get("/v1/events", params={"type": type_})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def one_event(client: httpx.Client, type_: str) -> dict[str, Any]:
    """The one event of ``type_``, once it is there."""
    found = poll(lambda: events_of(client, type_), bool)
    assert len(found) == 1, found
    return dict(found[0])


def feature_set(tenant: TenantHandle) -> str:
    return "truecaller:" + (tenant.truecaller_account or {})["feature_sets"][0]["id"]


def list_numbers(client: httpx.Client, feature_set_id: str, numbers: list[str]) -> dict[str, Any]:
    answer = client.post(
        "/v1/numbers",
        json={"vendor": "truecaller", "feature_set_id": feature_set_id, "numbers": numbers},
    )
    assert answer.status_code == 202, answer.text
    operation: dict[str, Any] = answer.json()
    assert operation["status"] == "pending"
    return operation


@pytest.fixture
def caller_id_tenant(make_tenant: Callable[..., TenantHandle]) -> TenantHandle:
    return make_tenant("observed", all_vendors=True)


def test_a_listing_settles_with_nobody_polling_and_is_one_event(
    caller_id_tenant: TenantHandle,
) -> None:
    client = caller_id_tenant.client
    operation = list_numbers(client, feature_set(caller_id_tenant), [unlisted_number()])

    event = one_event(client, "number.operation.completed")

    assert (event["subject"], event["vendor"]) == (operation["id"], "truecaller")
    assert event["data"]["status"] == "succeeded"
    assert event["data"] == client.get(f"/v1/operations/{operation['id']}").json()
    assert len(events_of(client, "number.operation.completed")) == 1


def test_a_personalization_batch_settles_with_nobody_polling_and_is_one_event(
    caller_id_tenant: TenantHandle,
) -> None:
    client = caller_id_tenant.client
    starts = datetime.now(UTC) + timedelta(minutes=1)
    records = [
        {
            "caller_number": "+919800000001",
            "receiver_number": f"+91980000010{i}",
            "label_name": "Acme Deliveries",
            "call_reason": "Your parcel is on its way",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=30)).isoformat(),
        }
        for i in range(3)
    ]
    created = client.post("/v1/caller-id/personalization-batches", json={"records": records})
    assert created.status_code == 202, created.text
    batch = created.json()
    assert batch["status"] == "pending"

    event = one_event(client, "caller_id.personalization_batch.completed")

    assert event["subject"] == batch["id"]
    assert event["data"]["status"] == "succeeded"
    answered = client.get(f"/v1/caller-id/personalization-batches/{batch['id']}").json()
    assert event["data"] == answered
    assert len(events_of(client, "caller_id.personalization_batch.completed")) == 1


def test_consumers_polling_while_the_poller_runs_still_make_one_event(
    caller_id_tenant: TenantHandle, gateway: GatewayStack
) -> None:
    operation = list_numbers(
        caller_id_tenant.client, feature_set(caller_id_tenant), [unlisted_number()]
    )
    seen: list[dict[str, Any]] = []

    def consumer() -> None:
        with gateway.client(caller_id_tenant.key) as client:
            seen.append(
                poll(
                    lambda: client.get(f"/v1/operations/{operation['id']}").json(),
                    lambda op: op["status"] != "pending",
                )
            )

    threads = [threading.Thread(target=consumer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    event = one_event(caller_id_tenant.client, "number.operation.completed")
    assert len(seen) == 3
    assert all(answer == event["data"] for answer in seen), "every poll answers what was recorded"


def start_verification(tenant: TenantHandle) -> str:
    started = tenant.client.post("/v1/verifications", json={"language": "en"})
    assert started.status_code == 201, started.text
    return str(started.json()["request_id"])


def play_user(
    sim: RunningServer, gateway: GatewayStack, request_id: str, outcome: str, **extra: Any
) -> None:
    answer = httpx.post(
        sim.url + "/_sim/verifications",
        json={
            "callback_url": f"{gateway.url}/v1/verifications/truecaller_profile/callback",
            "request_id": request_id,
            "outcome": outcome,
            **extra,
        },
        timeout=5,
    )
    assert answer.status_code == 202, answer.text


def test_an_approved_verification_records_one_completed_event_without_the_profile(
    caller_id_tenant: TenantHandle, gateway: GatewayStack, shared_truecaller_sim: RunningServer
) -> None:
    user = httpx.post(
        shared_truecaller_sim.url + "/_sim/profiles",
        json={"first_name": "Asha", "last_name": "Rao", "phone_numbers": ["919999990001"]},
        timeout=5,
    ).json()
    request_id = start_verification(caller_id_tenant)

    play_user(shared_truecaller_sim, gateway, request_id, "approve", user_id=user["user_id"])

    event = one_event(caller_id_tenant.client, "verification.completed")
    answered = caller_id_tenant.client.get(f"/v1/verifications/{request_id}").json()
    assert answered["status"] == "verified" and answered["profile"] is not None
    assert event["subject"] == request_id
    assert event["data"]["profile"] is None, "the profile stays sealed, behind the GET"
    assert event["data"] == {**answered, "profile": None}


def test_a_rejected_verification_records_its_completed_event(
    caller_id_tenant: TenantHandle, gateway: GatewayStack, shared_truecaller_sim: RunningServer
) -> None:
    request_id = start_verification(caller_id_tenant)

    play_user(shared_truecaller_sim, gateway, request_id, "reject")

    event = one_event(caller_id_tenant.client, "verification.completed")
    assert event["data"]["status"] == "rejected"
    assert event["data"] == caller_id_tenant.client.get(f"/v1/verifications/{request_id}").json()


# --- two replicas on one PostgreSQL -----------------------------------------------------------


@pytest.fixture
def replicas(
    tmp_path: Path, redis_url: str, postgres_url: str, shared_simulators: Simulators
) -> Iterator[tuple[list[str], str]]:
    """Two ``gateway serve`` processes on one PostgreSQL, both polling every 50 ms."""
    admin_key = generate_api_key()
    env = clean_env(
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=admin_key,
        GATEWAY_REDIS_URL=redis_url,
        GATEWAY_DATABASE_URL=postgres_url,
        GATEWAY_TRUECALLER_BASE_URL=shared_simulators.base_urls()["truecaller"],
        GATEWAY_EVENT_POLL_SECONDS="0.05",
        GATEWAY_LOG_LEVEL="WARNING",
        GATEWAY_LOG_FORMAT="json",
    )
    gateway = [sys.executable, "-m", "gateway.cli"]
    subprocess.run([*gateway, "db", "upgrade"], env=env, check=True, timeout=60)
    ports = [free_port(), free_port()]
    processes = {
        subprocess.Popen(
            [*gateway, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"replica-{port}.log").open("w"),
        ): tmp_path / f"replica-{port}.log"
        for port in ports
    }
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_until_up(url)
        yield urls, admin_key
    finally:
        stop(processes)


def test_two_replicas_polling_one_database_record_the_event_once(
    replicas: tuple[list[str], str], shared_simulators: Simulators
) -> None:
    urls, admin_key = replicas
    admin = httpx.Client(
        base_url=urls[0], headers={"Authorization": f"Bearer {admin_key}"}, timeout=15
    )
    tenant_id = admin.post("/v1/admin/tenants", json={"name": "replicated"}).json()["id"]
    key = admin.post(
        f"/v1/admin/tenants/{tenant_id}/keys",
        json={"name": "app", "scopes": ["numbers:write", "numbers:read", "events:read"]},
    ).json()["key"]
    (account,) = shared_simulators.new_accounts("replicated", "truecaller", "truecaller").values()
    stored = admin.put(
        f"/v1/admin/tenants/{tenant_id}/credentials/truecaller",
        params={"verify": "false"},
        json={"secret": account.secrets["truecaller"]},
    )
    assert stored.status_code == 200, stored.text
    first, second = (
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=15)
        for url in urls
    )
    feature = "truecaller:" + account.details["feature_sets"][0]["id"]

    operation = list_numbers(first, feature, [unlisted_number()])

    event = one_event(second, "number.operation.completed")
    assert event["subject"] == operation["id"]
    assert event["data"] == first.get(f"/v1/operations/{operation['id']}").json()
    assert len(events_of(first, "number.operation.completed")) == 1
    for client in (admin, first, second):
        client.close()
