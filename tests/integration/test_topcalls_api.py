"""TopCalls AI calls, numbers, carriers, campaigns, voices and balance through the unified API.

The gateway runs over real HTTP in front of the TopCalls simulator and the TrustCaller one (whose
call records share ``/v1/calls``). What reached a vendor is read from the simulators' own counters:
``calls_created`` per TopCalls account and request counts per endpoint template.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from gateway.auth.keys import generate_api_key
from gateway.settings import PolicySettings, Settings, StoreSettings, VendorHttpSettings
from policies.vault import Keyring, generate_key_spec
from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from simulators.trustcaller.app import SimulatorConfig as TrustCallerConfig
from simulators.trustcaller.app import create_simulator_app as create_trustcaller_app
from tests.integration.conftest import ALL_SCOPES, GatewayStack, TenantHandle
from tests.integration.webhook_receiver import WebhookReceiver

FAST = SimulatorConfig(
    rate_limit=100_000,
    max_concurrent_calls=2,
    queue_seconds=0.05,
    talk_seconds=0.3,
    post_processing_seconds=0.3,
    byoc_activation_seconds=0.2,
    webhook_retry_delays=(0.1, 0.2),
    webhook_timeout_seconds=1.0,
    tick_seconds=0.01,
)
"""Calls take well under a second; two may talk at once per account, so a third waits queued."""
TOPCALLS_READ_TIMEOUT = 0.5
TOPCALLS_TOTAL_TIMEOUT = 1.0
SLOWER_THAN_THE_GATEWAY_WAITS_MS = 1500
LATE_SECONDS = 0.8
TASK = "Call to confirm John's appointment tomorrow at 3 PM"
DEST = "+14155550100"
LONG_TALK = "+14155550142"
"""A destination whose calls talk for 30 s, long enough to stop them while in progress."""
T = TypeVar("T")


def poll(fetch: Callable[[], T], until: Callable[[T], bool], timeout: float = 6.0) -> T:
    """Call ``fetch`` until ``until`` accepts its value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        assert time.monotonic() < deadline, f"condition not met in time; last: {value!r}"
        time.sleep(0.1)


class LateAnswers:
    """The TopCalls simulator behind a slow way back: it acts on every request at once, but the
    next ``count`` answers to one ``method path`` leave :data:`LATE_SECONDS` late.

    The simulator's own latency fault delays a request *before* the vendor acts; this is the
    other timeout, the one where the vendor has acted and its answer is lost.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._held: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def hold(self, method: str, path: str, count: int) -> None:
        with self._lock:
            self._held[(method, path)] = count

    def release(self) -> None:
        with self._lock:
            self._held.clear()

    def _take(self, scope: Any) -> bool:
        if scope["type"] != "http":
            return False
        route = (scope["method"], scope["path"])
        with self._lock:
            left = self._held.get(route, 0)
            self._held[route] = max(left - 1, 0)
        return left > 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self._take(scope):
            await self.app(scope, receive, send)
            return
        answer: list[Any] = []

        async def keep(message: Any) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        await asyncio.sleep(LATE_SECONDS)
        for message in answer:
            await send(message)


@pytest.fixture(scope="module")
def late_answers() -> LateAnswers:
    return LateAnswers(create_simulator_app(FAST))


@pytest.fixture(scope="module")
def topcalls_sim(late_answers: LateAnswers) -> Iterator[RunningServer]:
    """One TopCalls simulator for the module; every test has its own accounts on it."""
    server = start_in_thread(late_answers)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def trustcaller_sim() -> Iterator[RunningServer]:
    """One TrustCaller simulator for the module; every test has its own accounts on it."""
    server = start_in_thread(create_trustcaller_app(TrustCallerConfig()))
    yield server
    server.stop()


@pytest.fixture
def topcalls_control(
    topcalls_sim: RunningServer, late_answers: LateAnswers
) -> Iterator[httpx.Client]:
    """The TopCalls simulator's ``/_sim/`` surface, with no faults, planned outcomes or held
    answers, and its request counters at zero for this test."""
    with httpx.Client(base_url=topcalls_sim.url + "/_sim", timeout=5) as client:
        for shared in ("/faults", "/outcomes", "/requests"):
            assert client.delete(shared).status_code == 204
        late_answers.release()
        yield client
        client.delete("/faults")


@pytest.fixture
def gateway_settings(
    trustcaller_sim: RunningServer, topcalls_sim: RunningServer, tmp_path: Path
) -> Settings:
    """Both call vendors on their simulators; TopCalls gives up on a silent vendor quickly.

    The breaker tolerates more failures than one test provokes, so a failing vendor is reported
    as its own error rather than as an open circuit.
    """
    return Settings(
        stores=StoreSettings(
            data_dir=tmp_path / "data",
            admin_key=generate_api_key(),
            vault_keys=Keyring.from_spec(generate_key_spec()),
        ),
        policies=PolicySettings(breaker_failures=50, shaping_max_wait=1.0),
        vendors={
            "trustcaller": VendorHttpSettings(
                base_url=trustcaller_sim.url + "/api/v1", connect_timeout=1.0, read_timeout=5.0
            ),
            "topcalls": VendorHttpSettings(
                base_url=topcalls_sim.url,
                connect_timeout=1.0,
                read_timeout=TOPCALLS_READ_TIMEOUT,
                total_timeout=TOPCALLS_TOTAL_TIMEOUT,
            ),
        },
    )


@dataclass
class AgentTenant:
    """A tenant with TrustCaller and TopCalls credentials, and the TopCalls account behind them."""

    handle: TenantHandle
    account: dict[str, Any] = field(repr=False)

    @property
    def client(self) -> httpx.Client:
        return self.handle.client

    @property
    def account_id(self) -> str:
        return self.account["account_id"]


@pytest.fixture
def make_agent_tenant(
    make_tenant: Callable[..., TenantHandle], gateway: GatewayStack, topcalls_control: httpx.Client
) -> Callable[..., AgentTenant]:
    """A tenant whose TrustCaller account has ``trustcaller_calls`` CDRs; ``read_only`` stores
    the TopCalls account's read-only key; other options shape the TopCalls account."""

    def make(
        name: str = "acme",
        scopes: tuple[str, ...] = ALL_SCOPES,
        trustcaller_calls: int = 0,
        read_only: bool = False,
        **account: Any,
    ) -> AgentTenant:
        handle = make_tenant(name, scopes, calls=trustcaller_calls)
        created = topcalls_control.post("/accounts", json={"name": name, **account})
        assert created.status_code == 201, created.text
        secret = created.json()["read_only_api_key" if read_only else "api_key"]
        stored = gateway.admin().put(
            f"/v1/admin/tenants/{handle.id}/credentials/topcalls",
            json={"secret": {"api_key": secret}},
        )
        assert stored.status_code == 200, stored.text
        return AgentTenant(handle=handle, account=created.json())

    return make


@pytest.fixture
def agent(make_agent_tenant: Callable[..., AgentTenant]) -> AgentTenant:
    return make_agent_tenant()


def key_without(gateway: GatewayStack, tenant: AgentTenant, scope: str) -> httpx.Client:
    """A client of the same tenant on a key holding every scope but ``scope``."""
    scopes = [s for s in ALL_SCOPES if s != scope]
    key = gateway.admin().post(
        f"/v1/admin/tenants/{tenant.handle.id}/keys", json={"name": "narrow", "scopes": scopes}
    )
    assert key.status_code == 201, key.text
    return gateway.client(key.json()["key"])


def place(tenant: AgentTenant, key: str | None = None, **body: Any) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return tenant.client.post(
        "/v1/calls", json={"to_number": DEST, "task": TASK, **body}, headers=headers
    )


def placed(tenant: AgentTenant, **body: Any) -> dict[str, Any]:
    answer = place(tenant, **body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def call_of(tenant: AgentTenant, call_id: str) -> dict[str, Any]:
    answer = tenant.client.get(f"/v1/calls/{call_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_status(tenant: AgentTenant, call_id: str, status: str) -> dict[str, Any]:
    return poll(lambda: call_of(tenant, call_id), lambda c: c["status"] == status)


def calls_created(control: httpx.Client, tenant: AgentTenant) -> int:
    return control.get(f"/accounts/{tenant.account_id}/calls").json()["calls_created"]


def vendor_calls(control: httpx.Client, tenant: AgentTenant) -> dict[str, dict[str, Any]]:
    calls = control.get(f"/accounts/{tenant.account_id}/calls").json()["data"]
    return {"topcalls:" + c["id"]: c for c in calls}


def vendor_requests(control: httpx.Client, endpoint: str) -> int:
    return control.get("/requests").json()["by_endpoint"].get(endpoint, 0)


def inject(control: httpx.Client, **fault: Any) -> None:
    assert control.post("/faults", json=fault).status_code == 201


def problem(answer: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert (body["status"], body["type"]) == (status, f"/problems/{slug}")
    return body


def add_campaign(control: httpx.Client, tenant: AgentTenant, status: str, **extra: Any) -> str:
    created = control.post(
        f"/accounts/{tenant.account_id}/campaigns",
        json={"name": f"{status} campaign", "status": status, **extra},
    )
    assert created.status_code == 201, created.text
    return "topcalls:" + created.json()["id"]


def trustcaller_cdr(sim_control: httpx.Client, number: str) -> str:
    """A call that rings one of the tenant's TrustCaller numbers now and ends: a new CDR."""
    caller = {"number": number.lstrip("+"), "caller": "4915112345678"}
    live = sim_control.post("/live-calls", json=caller)
    assert live.status_code == 201, live.text
    assert sim_control.post(f"/live-calls/{live.json()['id']}/end").status_code == 200
    return f"trustcaller:{live.json()['id']}"


# --- calls ----------------------------------------------------------------------------------------


def test_a_placed_call_is_queued_then_completes_with_its_transcript_and_recording(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    queued = placed(agent, to_number="14155550100", metadata={"ref": "A-1"})

    vendor, _, native = queued["id"].partition(":")
    assert (vendor, str(uuid.UUID(native))) == ("topcalls", native)
    assert (queued["vendor"], queued["direction"], queued["status"]) == (
        "topcalls",
        "outbound",
        "queued",
    )
    assert queued["to_number"] == DEST
    done = poll(
        lambda: call_of(agent, queued["id"]),
        lambda c: c["status"] == "completed" and c["post_processing_done"],
    )
    assert done["from_number"] == agent.account["numbers"][0]
    assert done["answered_by"] == "human"
    assert done["summary"] and done["recording_url"].startswith("https://")
    assert {turn["speaker"] for turn in done["transcript"]} <= {"agent", "callee"}
    assert done["transcript"][0]["speaker"] == "agent" and done["transcript"][0]["text"]
    assert done["metadata"]["ref"] == "A-1"
    minutes = vendor_calls(topcalls_control, agent)[queued["id"]]["duration"]
    assert done["duration_seconds"] == round(minutes * 60, 1) > 0
    assert datetime.fromisoformat(done["started_at"]) < datetime.fromisoformat(done["ended_at"])
    unknown = agent.client.get(f"/v1/calls/topcalls:{uuid.uuid4()}")
    assert problem(unknown, 404, "not-found")["vendor"] == "topcalls"


def test_another_tenant_can_neither_see_nor_stop_a_call(
    make_agent_tenant: Callable[..., AgentTenant],
) -> None:
    owner, other = make_agent_tenant("owner"), make_agent_tenant("other")
    call_id = placed(owner)["id"]

    for answer in (
        other.client.get(f"/v1/calls/{call_id}"),
        other.client.post(f"/v1/calls/{call_id}/stop"),
        other.client.post(f"/v1/calls/{call_id}/cancel"),
    ):
        problem(answer, 404, "not-found")
    listed = other.client.get("/v1/calls", params={"vendor": "topcalls"}).json()["data"]
    assert call_id not in [c["id"] for c in listed]
    assert call_of(owner, call_id)["status"] != "canceled"


def test_the_call_list_merges_both_vendors_newest_first_behind_one_cursor(
    agent: AgentTenant, sim_control: httpx.Client
) -> None:
    number = agent.handle.vendor_numbers[0]
    expected = [trustcaller_cdr(sim_control, number)]
    expected += [placed(agent)["id"], placed(agent)["id"]]
    time.sleep(1.02 - time.time() % 1)  # TrustCaller stamps whole seconds: start the next one
    expected += [trustcaller_cdr(sim_control, number), trustcaller_cdr(sim_control, number)]
    expected.append(placed(agent)["id"])

    walked: list[dict[str, Any]] = []
    pages, cursor = 0, None
    while pages < 2 * len(expected):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = agent.client.get("/v1/calls", params=params)
        assert page.status_code == 200, page.text
        assert page.json()["errors"] == []
        assert len(page.json()["data"]) <= 2
        walked += page.json()["data"]
        pages, cursor = pages + 1, page.json()["next_cursor"]
        if cursor is None:
            break

    ids = [c["id"] for c in walked]
    assert len(ids) == len(set(ids)), f"an item came twice: {ids}"
    assert set(ids) == set(expected), f"skipped: {set(expected) - set(ids)}"
    assert pages >= 3
    stamps = [datetime.fromisoformat(c["created_at"]) for c in walked]
    assert stamps == sorted(stamps, reverse=True)
    assert [c["vendor"] for c in walked] == [
        "topcalls",
        "trustcaller",
        "trustcaller",
        "topcalls",
        "topcalls",
        "trustcaller",
    ]


def test_stop_and_cancel_follow_the_vendors_state_rules(
    make_agent_tenant: Callable[..., AgentTenant], topcalls_control: httpx.Client
) -> None:
    agent = make_agent_tenant(trustcaller_calls=1)
    topcalls_control.put("/outcomes", json={"phone_number": LONG_TALK, "talk_seconds": 30})
    talking = [placed(agent, to_number=LONG_TALK)["id"] for _ in range(FAST.max_concurrent_calls)]
    for call_id in talking:
        wait_status(agent, call_id, "in_progress")
    waiting = placed(agent, to_number=LONG_TALK)["id"]
    assert call_of(agent, waiting)["status"] == "queued"

    cancelled = agent.client.post(f"/v1/calls/{waiting}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {"id": waiting, "action": "cancel", "accepted": True}
    assert call_of(agent, waiting)["status"] == "canceled"
    active = talking[0]
    refused = problem(agent.client.post(f"/v1/calls/{active}/cancel"), 409, "conflict")
    assert refused["vendor"] == "topcalls" and "/stop" in refused["detail"]
    stopped = agent.client.post(f"/v1/calls/{active}/stop")
    assert stopped.status_code == 200, stopped.text
    assert stopped.json() == {"id": active, "action": "stop", "accepted": True}
    assert call_of(agent, active)["status"] == "canceled"

    finished = wait_status(agent, placed(agent)["id"], "completed")["id"]
    problem(agent.client.post(f"/v1/calls/{finished}/stop"), 409, "conflict")
    problem(agent.client.post(f"/v1/calls/{finished}/cancel"), 409, "conflict")

    record = agent.client.get("/v1/calls", params={"vendor": "trustcaller"}).json()["data"][0]
    for action in ("stop", "cancel"):
        refused = agent.client.post(f"/v1/calls/{record['id']}/{action}")
        assert problem(refused, 409, "not-supported-by-vendor")["vendor"] == "trustcaller"
    assert call_of(agent, record["id"])["vendor"] == "trustcaller"


def test_a_create_retried_with_one_idempotency_key_dials_once(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    answers = [place(agent, key="order-4711-call") for _ in range(3)]

    assert [a.status_code for a in answers] == [201] * 3
    assert len({a.json()["id"] for a in answers}) == 1
    assert "Idempotent-Replayed" not in answers[0].headers
    assert [a.headers.get("Idempotent-Replayed") for a in answers[1:]] == ["true", "true"]
    assert calls_created(topcalls_control, agent) == 1
    other = place(agent, key="order-4711-call", task=TASK + " and the day after")
    assert problem(other, 422, "validation-failed")["errors"][0]["field"] == (
        "header.Idempotency-Key"
    )
    assert calls_created(topcalls_control, agent) == 1


def test_a_create_retried_after_a_vendor_timeout_still_dials_once(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    slow = {"latency_ms": SLOWER_THAN_THE_GATEWAY_WAITS_MS, "path_prefix": "/calls"}
    inject(topcalls_control, method="POST", count=1, **slow)

    retried_inside = place(agent, key="timeout-once-0001")

    assert retried_inside.status_code == 201, retried_inside.text
    assert vendor_requests(topcalls_control, "POST /v1/calls") == 2, "the gateway retried"
    assert calls_created(topcalls_control, agent) == 1
    inject(topcalls_control, method="POST", count=3, **slow)

    gave_up = place(agent, key="timeout-all-0002")
    problem(gave_up, 504, "vendor-timeout")
    retried_by_consumer = place(agent, key="timeout-all-0002")
    again = place(agent, key="timeout-all-0002")

    assert retried_by_consumer.status_code == again.status_code == 201, retried_by_consumer.text
    assert again.json()["id"] == retried_by_consumer.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert calls_created(topcalls_control, agent) == 2
    assert set(vendor_calls(topcalls_control, agent)) == {
        retried_inside.json()["id"],
        retried_by_consumer.json()["id"],
    }
    call_of(agent, retried_by_consumer.json()["id"])


def test_a_create_the_vendor_acted_on_but_answered_late_is_not_dialled_again(
    agent: AgentTenant, topcalls_control: httpx.Client, late_answers: LateAnswers
) -> None:
    late_answers.hold("POST", "/v1/calls", 1)

    first = place(agent, key="late-answer-0001")

    assert first.status_code == 201, first.text
    assert vendor_requests(topcalls_control, "POST /v1/calls") == 2, "the gateway retried"
    assert set(vendor_calls(topcalls_control, agent)) == {first.json()["id"]}
    late_answers.hold("POST", "/v1/calls", 3)

    problem(place(agent, key="late-answer-0002"), 504, "vendor-timeout")
    assert calls_created(topcalls_control, agent) == 2, "the vendor acted on the first attempt"
    retried = place(agent, key="late-answer-0002")

    assert retried.status_code == 201, retried.text
    assert calls_created(topcalls_control, agent) == 2
    assert set(vendor_calls(topcalls_control, agent)) == {first.json()["id"], retried.json()["id"]}


def test_after_a_vendor_timeout_the_key_still_refuses_a_different_request(
    agent: AgentTenant, topcalls_control: httpx.Client, late_answers: LateAnswers
) -> None:
    late_answers.hold("POST", "/v1/calls", 3)
    problem(place(agent, key="late-answer-0003"), 504, "vendor-timeout")
    (dialled,) = vendor_calls(topcalls_control, agent).values()
    assert dialled["phone_number"] == DEST

    elsewhere = place(agent, key="late-answer-0003", to_number="+14155550199")

    assert elsewhere.status_code == 422, (
        "the vendor replays its call to "
        f"{DEST} under the forwarded key, but the gateway answered {elsewhere.status_code}: "
        f"{elsewhere.text}"
    )
    assert calls_created(topcalls_control, agent) == 1


def test_concurrent_creates_with_one_key_dial_once(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: place(agent, key="burst-key-0001"), range(6)))

    assert [a.status_code for a in answers] == [201] * 6
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 5
    assert calls_created(topcalls_control, agent) == 1


def test_a_vendor_402_is_a_402_problem_and_nothing_is_dialed(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    topcalls_control.put(f"/accounts/{agent.account_id}/balance", json={"used_minutes": 996.5})

    refused = problem(place(agent), 402, "payment-required")

    assert refused["vendor"] == "topcalls" and refused["vendor_status"] == 402
    assert "You need 10 minutes but have 3.5 remaining" in refused["detail"]
    assert calls_created(topcalls_control, agent) == 0
    assert vendor_calls(topcalls_control, agent) == {}
    fits = placed(agent, max_duration_seconds=180)
    balance = agent.client.get("/v1/balance").json()["data"][0]
    assert (balance["minutes_reserved"], balance["minutes_remaining"]) == (3, 0.5)
    assert fits["status"] == "queued"


def test_a_key_without_calls_write_cannot_place_a_call(
    agent: AgentTenant, gateway: GatewayStack, topcalls_control: httpx.Client
) -> None:
    reader = key_without(gateway, agent, "calls:write")

    refused = reader.post("/v1/calls", json={"to_number": DEST, "task": TASK})

    problem(refused, 403, "forbidden")
    assert reader.get("/v1/calls", params={"vendor": "topcalls"}).status_code == 200
    assert vendor_requests(topcalls_control, "POST /v1/calls") == 0


def test_a_read_only_vendor_key_is_a_credential_problem_on_writes(
    make_agent_tenant: Callable[..., AgentTenant], topcalls_control: httpx.Client
) -> None:
    agent = make_agent_tenant(read_only=True)

    call = problem(place(agent), 502, "vendor-credential-rejected")
    number = agent.client.post("/v1/numbers", json={"vendor": "topcalls", "number": "+18005559871"})

    assert call["vendor"] == "topcalls" and call["vendor_status"] == 403
    assert problem(number, 502, "vendor-credential-rejected")["vendor_status"] == 403
    assert agent.account["read_only_api_key"] not in call["detail"]
    assert vendor_requests(topcalls_control, "POST /v1/calls") == 1, "a 403 is not retried"
    assert calls_created(topcalls_control, agent) == 0
    assert agent.client.get("/v1/balance").status_code == 200


def test_a_failing_vendor_is_reported_beside_the_others_calls(
    make_agent_tenant: Callable[..., AgentTenant], topcalls_control: httpx.Client
) -> None:
    agent = make_agent_tenant(trustcaller_calls=3)
    ours = placed(agent)["id"]
    inject(topcalls_control, status=500, count=100, method="GET", path_prefix="/calls")

    partial = agent.client.get("/v1/calls")
    alone = agent.client.get("/v1/calls", params={"vendor": "topcalls"})

    assert partial.status_code == 200, partial.text
    body = partial.json()
    assert [c["vendor"] for c in body["data"]] == ["trustcaller"] * 3
    (issue,) = body["errors"]
    assert issue["vendor"] == "topcalls"
    assert (issue["problem"]["status"], issue["problem"]["type"]) == (502, "/problems/vendor-error")
    assert issue["problem"]["vendor_status"] == 500
    assert problem(alone, 502, "vendor-error")["vendor"] == "topcalls"
    assert vendor_requests(topcalls_control, "GET /v1/calls") == 6, "three attempts each"
    topcalls_control.delete("/faults")
    rest = agent.client.get("/v1/calls", params={"cursor": body["next_cursor"]})
    assert [c["id"] for c in rest.json()["data"]] == [ours], "the failed vendor's calls follow"


def test_a_failing_vendor_is_reported_beside_the_others_numbers(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    inject(topcalls_control, status=503, count=100, method="GET", path_prefix="/phone-numbers")

    partial = agent.client.get("/v1/numbers")

    assert partial.status_code == 200, partial.text
    assert {n["vendor"] for n in partial.json()["data"]} == {"trustcaller"}
    (issue,) = partial.json()["errors"]
    assert (issue["vendor"], issue["problem"]["status"]) == ("topcalls", 502)
    problem(agent.client.get("/v1/numbers", params={"vendor": "topcalls"}), 502, "vendor-error")


def test_a_per_call_webhook_never_gets_the_vendors_payload(agent: AgentTenant) -> None:
    """The gateway forwards a call's normalized events to its `webhook_url` (pinned in
    test_subscriptions_api.py); here the URL is one it may not deliver to (loopback over http,
    not allowed by these settings), so the call is refused before the vendor is asked."""
    receiver = WebhookReceiver()
    server = start_in_thread(receiver)
    body = {
        "to_number": "+14155550123",
        "task": "Confirm the visit",
        "webhook_url": server.url + "/h",
    }
    try:
        secret = agent.client.post("/v1/call-webhooks/rotate-secret")
        unsafe = agent.client.post("/v1/calls", json={"vendor": "topcalls", **body})
    finally:
        server.stop()

    assert secret.status_code == 200, secret.text
    assert unsafe.status_code == 422, unsafe.text
    assert unsafe.json()["errors"][0]["field"] == "body.webhook_url"
    assert receiver.at("/h") == []


# --- numbers and carriers -------------------------------------------------------------------------


def test_numbers_of_both_vendors_are_listed_and_a_topcalls_number_comes_and_goes(
    agent: AgentTenant,
) -> None:
    listed = agent.client.get("/v1/numbers").json()
    assert {n["vendor"] for n in listed["data"]} == {"trustcaller", "topcalls"}
    assert listed["errors"] == []
    ours = [n["number"] for n in listed["data"] if n["vendor"] == "topcalls"]
    assert ours == agent.account["numbers"]

    added = agent.client.post(
        "/v1/numbers", json={"vendor": "topcalls", "number": "18005559876", "label": "Support"}
    )

    assert added.status_code == 201, added.text
    number = added.json()
    assert number["id"].startswith("topcalls:")
    assert (number["number"], number["status"], number["label"]) == (
        "+18005559876",
        "active",
        "Support",
    )
    topcalls_only = agent.client.get("/v1/numbers", params={"vendor": "topcalls"}).json()["data"]
    assert [n["number"] for n in topcalls_only] == [*agent.account["numbers"], "+18005559876"]
    released = agent.client.delete(f"/v1/numbers/{number['id']}")
    assert released.status_code == 204, released.text
    after = agent.client.get(f"/v1/numbers/{number['id']}").json()
    assert after["status"] == "released" and after["released_at"]
    relisted = agent.client.get("/v1/numbers", params={"vendor": "topcalls"}).json()["data"]
    assert number["id"] not in [n["id"] for n in relisted]


def test_carriers_are_checked_locally_and_numbers_attach_to_them(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    (system,) = agent.client.get("/v1/carriers").json()["data"]
    assert (system["vendor"], system["is_system"], system["id"]) == ("topcalls", True, None)
    gateway_at = {"address": "sip.myprovider.com", "port": 5060, "inbound": True}

    hostname = agent.client.post("/v1/carriers", json={"name": "Bad", "sip_gateway": gateway_at})

    errors = problem(hostname, 422, "validation-failed")["errors"]
    assert [e["field"] for e in errors] == ["body.sip_gateway.address"]
    assert vendor_requests(topcalls_control, "POST /v1/phone-numbers/carriers") == 0
    outbound_only = agent.client.post(
        "/v1/carriers",
        json={"name": "Out", "sip_gateway": {**gateway_at, "inbound": False}},
    )
    assert outbound_only.status_code == 201, outbound_only.text
    created = agent.client.post(
        "/v1/carriers",
        json={
            "vendor": "topcalls",
            "name": "My VoIP Provider",
            "sip_gateway": {**gateway_at, "address": "203.0.113.10"},
        },
    )
    assert created.status_code == 201, created.text
    carrier = created.json()
    assert carrier["id"].startswith("topcalls:") and carrier["is_system"] is False
    assert carrier["trunk_type"] == "static_ip"

    attached = agent.client.post(
        "/v1/numbers",
        json={"vendor": "topcalls", "number": "+18005559877", "carrier_id": carrier["id"]},
    )

    assert attached.status_code == 201, attached.text
    number = attached.json()
    assert (number["status"], number["carrier_name"]) == ("pending", "My VoIP Provider")
    poll(
        lambda: agent.client.get(f"/v1/numbers/{number['id']}").json(),
        lambda n: n["status"] == "active",
    )
    problem(agent.client.delete(f"/v1/carriers/{carrier['id']}"), 409, "conflict")
    assert agent.client.delete(f"/v1/numbers/{number['id']}").status_code == 204
    assert agent.client.delete(f"/v1/carriers/{carrier['id']}").status_code == 204
    left = [c["id"] for c in agent.client.get("/v1/carriers").json()["data"]]
    assert left == [None, outbound_only.json()["id"]]


# --- campaigns ------------------------------------------------------------------------------------


def test_campaigns_are_listed_with_stats_and_move_through_their_states(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    stats = {"total_leads": 10, "pending_leads": 10}
    draft = add_campaign(topcalls_control, agent, "draft", stats=stats)
    done = add_campaign(topcalls_control, agent, "completed")

    listed = agent.client.get("/v1/campaigns").json()
    assert [c["id"] for c in listed["data"]] == [done, draft]
    detail = agent.client.get(f"/v1/campaigns/{draft}").json()
    assert (detail["status"], detail["vendor"]) == ("draft", "topcalls")
    assert detail["stats"]["total_leads"] == 10

    def act(action: str, campaign: str) -> httpx.Response:
        return agent.client.post(f"/v1/campaigns/{campaign}/{action}")

    problem(act("pause", draft), 409, "conflict")
    for action, status in (("start", "running"), ("pause", "paused"), ("start", "running")):
        answer = act(action, draft)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"id": draft, "action": action, "accepted": True}
        assert agent.client.get(f"/v1/campaigns/{draft}").json()["status"] == status
    for action in ("start", "pause"):
        assert problem(act(action, done), 409, "conflict")["vendor"] == "topcalls"
    problem(act("start", f"topcalls:{uuid.uuid4()}"), 404, "not-found")
    assert act("pause", draft).status_code == 200

    topcalls_control.put(f"/accounts/{agent.account_id}/balance", json={"used_minutes": 999.5})
    broke = problem(act("start", draft), 402, "payment-required")
    assert "You need 1 minutes but have 0.5 remaining" in broke["detail"]
    assert agent.client.get(f"/v1/campaigns/{draft}").json()["status"] == "paused"


def test_a_key_without_campaigns_write_cannot_start_or_pause(
    agent: AgentTenant, gateway: GatewayStack, topcalls_control: httpx.Client
) -> None:
    draft = add_campaign(topcalls_control, agent, "draft")
    running = add_campaign(topcalls_control, agent, "running")
    reader = key_without(gateway, agent, "campaigns:write")

    problem(reader.post(f"/v1/campaigns/{draft}/start"), 403, "forbidden")
    problem(reader.post(f"/v1/campaigns/{running}/pause"), 403, "forbidden")

    assert vendor_requests(topcalls_control, "POST /v1/campaigns/{id}/start") == 0
    assert vendor_requests(topcalls_control, "POST /v1/campaigns/{id}/pause") == 0
    statuses = {c["id"]: c["status"] for c in reader.get("/v1/campaigns").json()["data"]}
    assert statuses == {draft: "draft", running: "running"}


# --- agent configuration and balance --------------------------------------------------------------


def test_agent_models_and_voices_are_filtered_and_cached(
    agent: AgentTenant, topcalls_control: httpx.Client
) -> None:
    models = agent.client.get("/v1/agent-models")
    again = agent.client.get("/v1/agent-models")

    assert models.status_code == 200, models.text
    assert (models.headers["X-Cache"], again.headers["X-Cache"]) == ("MISS", "HIT")
    assert vendor_requests(topcalls_control, "GET /v1/models") == 1
    default = next(m for m in models.json()["data"] if m["default"])
    assert (default["id"], default["mode"], default["vendor"]) == (
        "gpt-realtime-mini-2025-12-15",
        "realtime",
        "topcalls",
    )

    realtime = {"mode": "realtime", "custom": "false"}
    voices = agent.client.get("/v1/voices", params=realtime)
    cached = agent.client.get("/v1/voices", params=realtime)
    assert (voices.headers["X-Cache"], cached.headers["X-Cache"]) == ("MISS", "HIT")
    assert vendor_requests(topcalls_control, "GET /v1/voices/builtin") == 1
    assert {v["id"] for v in voices.json()["data"]} == {
        *("alloy", "echo", "shimmer", "ash", "ballad", "coral", "sage", "verse")
    }
    women = agent.client.get(
        "/v1/voices", params={"provider": "elevenlabs", "gender": "female", "custom": "false"}
    ).json()["data"]
    assert {"rachel", "bella"} <= {v["id"] for v in women}
    assert all(v["gender"] == "female" and v["mode"] == "legacy" for v in women)
    topcalls_control.post(f"/accounts/{agent.account_id}/voices", json={"name": "Cloned"})
    custom = agent.client.get("/v1/voices", params={"custom": "true"}).json()["data"]
    assert [(v["name"], v["custom"], v["mode"]) for v in custom] == [("Cloned", True, "legacy")]


def test_the_balance_is_normalized_and_moves_when_a_call_completes(agent: AgentTenant) -> None:
    def balance() -> dict[str, Any]:
        answer = agent.client.get("/v1/balance")
        assert answer.status_code == 200, answer.text
        (only,) = answer.json()["data"]
        return only

    before = balance()
    assert before == {
        "vendor": "topcalls",
        "plan": "call_minutes",
        "minutes_remaining": 1000,
        "minutes_used": 0,
        "minutes_reserved": 0,
        "plan_minutes": 1000,
        "bonus_minutes_remaining": 0,
        "vendor_data": None,
    }
    call = placed(agent)
    assert balance()["minutes_reserved"] == 10

    wait_status(agent, call["id"], "completed")
    after = poll(balance, lambda b: b["minutes_reserved"] == 0)
    assert after["minutes_used"] == pytest.approx(0.1), "a short call is billed 0.1 minute"
    assert after["minutes_remaining"] == pytest.approx(999.9)
