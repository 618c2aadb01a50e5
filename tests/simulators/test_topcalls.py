"""The TopCalls simulator over real HTTP, checked against vendor-contracts/topcalls.md."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx
import pytest

from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from simulators.topcalls.sandbox import start_sandbox

FAST = SimulatorConfig(
    rate_limit=100_000,
    queue_seconds=0.05,
    talk_seconds=0.2,
    post_processing_seconds=0.3,
    byoc_activation_seconds=0.2,
    webhook_retry_delays=(0.2, 0.4),
    webhook_timeout_seconds=0.5,
    tick_seconds=0.01,
)
"""Short timings for tests; the rate limit is tested with its own simulator."""
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}
DEST = "+14155550100"
TASK = "Call to confirm John's appointment tomorrow at 3 PM"


class Sim:
    """A client for one running simulator: its control surface and its vendor API."""

    def __init__(self, server: RunningServer) -> None:
        self.url = server.url
        self.http = httpx.Client(base_url=server.url, timeout=5.0)

    def account(self, **spec: Any) -> dict[str, Any]:
        response = self.http.post("/_sim/accounts", json=spec)
        assert response.status_code == 201, response.text
        return response.json()

    def api(
        self, method: str, path: str, key: str | None, idem: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if idem is not None:
            headers["Idempotency-Key"] = idem
        return self.http.request(method, f"/v1{path}", headers=headers, **kwargs)

    def place(self, key: str, **body: Any) -> str:
        response = self.api(
            "POST", "/calls", key, json={"phone_number": DEST, "task": TASK, **body}
        )
        assert response.status_code == 201, response.text
        return response.json()["call_id"]

    def call(self, key: str, call_id: str) -> dict[str, Any]:
        response = self.api("GET", f"/calls/{call_id}", key)
        assert response.status_code == 200, response.text
        return response.json()

    def balance(self, key: str) -> dict[str, Any]:
        return self.api("GET", "/balance", key).json()

    def calls_created(self, account_id: str) -> int:
        return self.http.get(f"/_sim/accounts/{account_id}/calls").json()["calls_created"]

    def outcome(self, phone_number: str, **plan: Any) -> None:
        response = self.http.put("/_sim/outcomes", json={"phone_number": phone_number, **plan})
        assert response.status_code == 200, response.text


def wait_for(check: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll until ``check()`` is truthy and return it; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(interval)


def assert_problem(
    response: httpx.Response, status: int, code: str, paths: set[str] | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"] == f"https://api.topcalls.ai/errors/{code}"
    uuid.UUID(body["instance"])
    if paths is not None:
        assert {e["path"] for e in body["errors"]} == paths
        assert all(set(e) == {"path", "message", "code"} for e in body["errors"])
    return body


@dataclass
class Receiver:
    """A webhook receiver (bare ASGI): answers ``fail_status`` to the first ``fail_first``
    deliveries, sleeping ``delay`` seconds before each answer."""

    fail_first: int = 0
    fail_status: int = 500
    delay: float = 0.0
    received: list[tuple[float, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self.lock:
            self.received.append((time.monotonic(), headers, body))
            status = self.fail_status if len(self.received) <= self.fail_first else 200
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for _, _, body in self.received]


@pytest.fixture
def servers() -> Iterator[Callable[[Any], RunningServer]]:
    """Start ASGI apps on free ports; all are stopped after the test."""
    started: list[RunningServer] = []

    def start(app: Any) -> RunningServer:
        started.append(start_in_thread(app))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sim_with(servers: Callable[[Any], RunningServer]) -> Iterator[Callable[..., Sim]]:
    """Start a simulator with ``FAST`` timings, overridden by keyword arguments."""
    clients: list[Sim] = []

    def start(**overrides: Any) -> Sim:
        clients.append(Sim(servers(create_simulator_app(replace(FAST, **overrides)))))
        return clients[-1]

    yield start
    for client in clients:
        client.http.close()


@pytest.fixture
def sim(sim_with: Callable[..., Sim]) -> Sim:
    """A simulator with ``FAST`` timings."""
    return sim_with()


@pytest.fixture
def receiver(servers: Callable[[Any], RunningServer]) -> Callable[..., tuple[Receiver, str]]:
    """Start a webhook receiver; returns it and its URL."""

    def start(**options: Any) -> tuple[Receiver, str]:
        app = Receiver(**options)
        return app, servers(app).url + "/hooks"

    return start


# --- auth and errors ---------------------------------------------------------------------------


def test_keys_are_required_and_read_only_keys_cannot_write(sim: Sim) -> None:
    account = sim.account()
    for key in (None, "tc_live_unknown", account["api_key"] + "x"):
        body = assert_problem(sim.api("GET", "/balance", key), 401, "unauthorized")
        assert body["title"] == "Unauthorized"
        assert "errors" not in body

    reader = account["read_only_api_key"]
    assert reader.startswith("tc_live_") and account["api_key"].startswith("tc_live_")
    assert sim.api("GET", "/calls", reader).status_code == 200
    assert_problem(sim.api("POST", "/calls", reader, json={}), 403, "forbidden")
    assert_problem(sim.api("DELETE", f"/webhooks/{uuid.uuid4()}", reader), 403, "forbidden")
    assert sim.calls_created(account["account_id"]) == 0


def test_unknown_routes_wrong_methods_and_non_uuid_ids(sim: Sim) -> None:
    key = sim.account()["api_key"]
    assert_problem(sim.api("GET", "/nowhere", key), 404, "not_found")
    wrong = sim.api("DELETE", "/phone-numbers/carriers", key)
    assert_problem(wrong, 405, "method_not_allowed")
    assert wrong.headers["allow"] == "GET, POST"
    for path in ("/calls/abc", "/campaigns/1", "/phone-numbers/carriers-x"):
        assert_problem(sim.api("GET", path, key), 400, "validation_error")
    assert_problem(sim.api("GET", f"/calls/{uuid.uuid4()}", key), 404, "not_found")
    foreign = sim.place(sim.account()["api_key"])
    assert_problem(sim.api("GET", f"/calls/{foreign}", key), 404, "not_found")


# --- create call -------------------------------------------------------------------------------


def test_create_call_validation(sim: Sim) -> None:
    account = sim.account()
    key = account["api_key"]
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"phone_number": "4155551234", "task": TASK}, {"phone_number"}),
        ({"phone_number": "+999123456789", "task": TASK}, {"phone_number"}),
        ({"phone_number": "+1415", "task": TASK}, {"phone_number"}),
        ({"task": TASK}, {"phone_number"}),
        ({"phone_number": DEST}, {"task"}),
        ({"phone_number": DEST, "task": TASK, "instructions": TASK}, {"task"}),
        ({"phone_number": DEST, "task": "short"}, {"task"}),
        ({"phone_number": DEST, "task": TASK, "voice": "rachel"}, {"voice"}),
        ({"phone_number": DEST, "task": TASK, "mode": "legacy", "voice": "alloy"}, {"voice"}),
        ({"phone_number": DEST, "task": TASK, "temperature": 2.5}, {"temperature"}),
        ({"phone_number": DEST, "task": TASK, "max_duration": 61}, {"max_duration"}),
        ({"phone_number": DEST, "task": TASK, "model": "gpt-9"}, {"model"}),
        ({"phone_number": DEST, "task": TASK, "from_number": "+18005559999"}, {"from_number"}),
        ({"phone_number": DEST, "task": TASK, "webhook_url": "ftp://x"}, {"webhook_url"}),
    ]
    for payload, paths in cases:
        body = assert_problem(
            sim.api("POST", "/calls", key, json=payload), 400, "validation_error", paths
        )
        assert body["title"] == "Invalid request body"
    e164 = sim.api("POST", "/calls", key, json={"phone_number": "+1415", "task": TASK}).json()
    assert e164["detail"] == "Phone number must be in E.164 format"
    assert e164["errors"] == [
        {
            "path": "phone_number",
            "message": "Phone number must be in E.164 format (e.g., +14155551234)",
            "code": "invalid_string",
        }
    ]
    codes = sim.api("POST", "/calls", key, json={"phone_number": DEST, "task": "x" * 3}).json()
    assert codes["errors"][0]["code"] == "too_small"
    assert sim.calls_created(account["account_id"]) == 0

    numberless = sim.account(numbers=0)["api_key"]
    no_caller = sim.api("POST", "/calls", numberless, json={"phone_number": DEST, "task": TASK})
    assert_problem(no_caller, 400, "validation_error", {"from_number"})

    voice = sim.http.post(f"/_sim/accounts/{account['account_id']}/voices", json={"name": "Me"})
    custom = voice.json()["id"]
    legacy = sim.place(key, mode="legacy", voice=custom, model="gpt-4o", temperature=0.7)
    details = sim.call(key, legacy)
    assert details["metadata"]["call_config"]["voice"] == custom
    assert details["from_phone_number"] == account["numbers"][0]
    realtime_custom = sim.api(
        "POST", "/calls", key, json={"phone_number": DEST, "task": TASK, "voice": custom}
    )
    assert_problem(realtime_custom, 400, "validation_error", {"voice"})


def test_insufficient_quota_is_402_and_reserves_nothing(sim: Sim) -> None:
    account = sim.account(plan_minutes=3.5)
    key = account["api_key"]
    response = sim.api("POST", "/calls", key, json={"phone_number": DEST, "task": TASK})
    body = assert_problem(response, 402, "insufficient_quota")
    assert body["title"] == "Insufficient Quota"
    assert body["detail"] == "You need 10 minutes but have 3.5 remaining"
    assert sim.balance(key)["reserved_minutes"] == 0
    sim.place(key, max_duration=3)
    assert sim.balance(key)["reserved_minutes"] == 3
    assert sim.balance(key)["remaining_minutes"] == 0.5


# --- idempotency -------------------------------------------------------------------------------


def test_same_idempotency_key_replays_the_first_response(sim: Sim) -> None:
    account = sim.account()
    key = account["api_key"]
    payload = {"phone_number": DEST, "task": TASK}
    first = sim.api("POST", "/calls", key, "retry-key-0001", json=payload)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    for body in (payload, {"phone_number": "+14155550999", "task": TASK + " again"}):
        again = sim.api("POST", "/calls", key, "retry-key-0001", json=body)
        assert (again.status_code, again.content) == (201, first.content)
        assert again.headers["idempotent-replayed"] == "true"
    assert sim.calls_created(account["account_id"]) == 1

    other = sim.account()
    fresh = sim.api("POST", "/calls", other["api_key"], "retry-key-0001", json=payload)
    assert fresh.status_code == 201 and fresh.json()["call_id"] != first.json()["call_id"]

    for bad in ("short", "has space in it", "x" * 256):
        assert_problem(sim.api("POST", "/calls", key, bad, json=payload), 400, "validation_error")
    invalid = sim.api("POST", "/calls", key, "bad-body-0001", json={"task": TASK})
    assert invalid.status_code == 400
    fixed = sim.api("POST", "/calls", key, "bad-body-0001", json=payload)
    assert fixed.status_code == 201, "a 400 is not stored"
    assert sim.calls_created(account["account_id"]) == 2

    call_id = first.json()["call_id"]
    stopped = sim.api("POST", f"/calls/{call_id}/stop", key, "stop-key-0001")
    replay = sim.api("POST", f"/calls/{call_id}/stop", key, "stop-key-0001")
    assert stopped.status_code in (200, 409)
    assert (replay.status_code, replay.content) == (stopped.status_code, stopped.content)


def test_concurrent_requests_with_one_key_act_once(sim: Sim) -> None:
    account = sim.account()
    key = account["api_key"]

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=sim.url, timeout=5) as client:
            return client.post(
                "/v1/calls",
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "same-key-4242"},
                json={"phone_number": DEST, "task": TASK},
            )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["call_id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 7
    assert sim.calls_created(account["account_id"]) == 1


# --- lifecycle and webhooks --------------------------------------------------------------------


def test_a_call_completes_with_post_processing_webhooks_and_charging(
    sim: Sim, receiver: Callable[..., tuple[Receiver, str]]
) -> None:
    hooks, url = receiver()
    account = sim.account(welcome_bonus_remaining=5, webhook_secret="s3cret")
    key = account["api_key"]
    events = ["call.queued", "call.started", "call.completed", "call.failed"]
    call_id = sim.place(key, webhook_url=url, webhook_events=events, metadata={"ref": "A-1"})
    queued = sim.call(key, call_id)
    assert (queued["status"], queued["call_status"], queued["completed"]) == ("queued", None, False)
    assert sim.balance(key)["reserved_minutes"] == 10
    assert queued["metadata"]["ref"] == "A-1"

    ended = wait_for(lambda: (c := sim.call(key, call_id))["status"] == "completed" and c)
    assert ended["call_status"] == "completed"
    assert ended["answered_by"] == "human"
    assert ended["started_at"] < ended["end_at"]
    if not ended["completed"]:
        assert (ended["transcript"], ended["recording_url"], ended["call_summary"]) == (
            [],
            None,
            None,
        )
    done = wait_for(lambda: (c := sim.call(key, call_id))["completed"] and c)
    assert done["transcript"][0]["user"] == "assistant"
    assert done["recording_url"].startswith("https://") and done["call_summary"]
    balance = sim.balance(key)
    assert balance["reserved_minutes"] == 0
    assert (balance["welcome_bonus_used"], balance["used_minutes"]) == (0.1, 0)
    assert balance["remaining_minutes"] == 1000 + 4.9

    wait_for(lambda: len(hooks.events()) == 3)
    assert {e["event"] for e in hooks.events()[:2]} == set(events[:2])
    assert hooks.events()[2]["event"] == "call.completed"
    completed_at, headers, body = hooks.received[2]
    payload = json.loads(body)
    assert headers["x-topcalls-event"] == "call.completed"
    assert headers["content-type"] == "application/json"
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-topcalls-signature"] == expected
    assert payload["call_id"] == call_id and payload["transcript"] and payload["recording_url"]
    assert payload["disposition"] == "confirmed" and "error_message" not in payload
    assert (
        completed_at - hooks.received[1][0]
        >= FAST.talk_seconds + FAST.post_processing_seconds - 0.05
    )

    listed = sim.api("GET", "/calls", key).json()["data"][0]
    assert listed["id"] == call_id and listed["actual_duration_billed"] == 0.1
    assert "account_id" not in listed and "completed" not in listed


def test_a_failed_call_sends_call_failed_at_once(
    sim: Sim, receiver: Callable[..., tuple[Receiver, str]]
) -> None:
    hooks, url = receiver()
    sim.outcome("+14155550111", outcome="busy")
    key = sim.account()["api_key"]
    call_id = sim.place(key, phone_number="+14155550111", webhook_url=url)
    failed = wait_for(lambda: (c := sim.call(key, call_id))["status"] == "failed" and c)
    assert (failed["call_status"], failed["error_message"]) == ("busy", "Line busy")
    assert (failed["recording_url"], failed["transcript"], failed["duration"]) == (None, [], 0)
    event = wait_for(hooks.events)[0]
    assert (event["event"], event["status"], event["call_status"]) == (
        "call.failed",
        "failed",
        "busy",
    )
    assert event["error_message"] == "Line busy" and event["recording_url"] is None
    time.sleep(FAST.post_processing_seconds + 0.1)
    assert [e["event"] for e in hooks.events()] == ["call.failed"]
    assert sim.balance(key)["used_minutes"] == 0


def test_calls_beyond_the_concurrency_limit_stay_queued(sim_with: Callable[..., Sim]) -> None:
    sim = sim_with(talk_seconds=30)
    key = sim.account()["api_key"]
    ids = [sim.place(key) for _ in range(6)]
    wait_for(lambda: sum(sim.call(key, i)["status"] == "in_progress" for i in ids) == 5)
    time.sleep(0.1)
    assert [sim.call(key, i)["status"] for i in ids] == ["in_progress"] * 5 + ["queued"]
    assert sim.api("POST", f"/calls/{ids[0]}/stop", key).status_code == 200
    wait_for(lambda: sim.call(key, ids[5])["status"] == "in_progress")
    assert sim.balance(key)["reserved_minutes"] == 50


def test_stop_and_cancel_rules(sim_with: Callable[..., Sim]) -> None:
    sim = sim_with(talk_seconds=30, max_concurrent_calls=1)
    key = sim.account()["api_key"]
    active = sim.place(key)
    wait_for(lambda: sim.call(key, active)["status"] == "in_progress")
    waiting, other = sim.place(key), sim.place(key)

    body = assert_problem(sim.api("POST", f"/calls/{active}/cancel", key), 409, "conflict")
    assert "/stop" in body["detail"]
    assert sim.api("POST", f"/calls/{waiting}/cancel", key).json() == {"ok": True}
    stopped = sim.api("POST", f"/calls/{other}/stop", key)
    assert (stopped.status_code, stopped.json()) == (200, {"ok": True, "status": "cancelled"})
    time.sleep(0.1)
    hung_up = sim.api("POST", f"/calls/{active}/stop", key)
    assert hung_up.json() == {"ok": True, "status": "cancelled"}

    for call_id in (active, waiting, other):
        call = sim.call(key, call_id)
        assert (call["status"], call["call_status"]) == ("cancelled", "cancelled")
        assert_problem(sim.api("POST", f"/calls/{call_id}/stop", key), 409, "conflict")
        assert_problem(sim.api("POST", f"/calls/{call_id}/cancel", key), 409, "conflict")
    assert sim.call(key, waiting)["started_at"] is None
    balance = sim.balance(key)
    assert (balance["reserved_minutes"], balance["used_minutes"]) == (0, 0.1)
    assert_problem(sim.api("POST", f"/calls/{uuid.uuid4()}/stop", key), 404, "not_found")


def test_call_list_pages_by_cursor_without_repeats(sim: Sim) -> None:
    key = sim.account()["api_key"]
    placed = [sim.place(key) for _ in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = sim.api("GET", "/calls", key, params=params).json()
        pages += 1
        seen += [c["id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert cursor == page["data"][-1]["created_at"]
    assert pages == 3
    assert seen == list(reversed(placed))
    everything = sim.api("GET", "/calls", key).json()
    assert [c["id"] for c in everything["data"]] == seen and everything["next_cursor"] is None
    stamps = [datetime.fromisoformat(c["created_at"]) for c in everything["data"]]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == 7
    assert all(c["created_at"].endswith("Z") for c in everything["data"])

    for params, path in (
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "yesterday"}, "cursor"),
    ):
        response = sim.api("GET", "/calls", key, params=params)
        assert_problem(response, 400, "validation_error", {path})


# --- campaigns ---------------------------------------------------------------------------------


def test_campaign_transitions(sim: Sim, receiver: Callable[..., tuple[Receiver, str]]) -> None:
    hooks, url = receiver()
    account = sim.account()
    key, account_id = account["api_key"], account["account_id"]

    def add(status: str, **extra: Any) -> str:
        response = sim.http.post(
            f"/_sim/accounts/{account_id}/campaigns",
            json={"name": status, "status": status, **extra},
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    draft = add("draft", webhook_url=url, stats={"total_leads": 10, "pending_leads": 10})
    done, stopped = add("completed"), add("stopped")
    listed = sim.api("GET", "/campaigns", key).json()["data"]
    assert [c["id"] for c in listed] == [stopped, done, draft]
    detail = sim.api("GET", f"/campaigns/{draft}", key).json()
    assert detail["stats"]["total_leads"] == 10 and detail["status"] == "draft"

    def act(action: str, campaign: str) -> httpx.Response:
        return sim.api("POST", f"/campaigns/{campaign}/{action}", key)

    assert_problem(act("pause", draft), 409, "conflict")
    for action, status in (("start", "running"), ("start", "running"), ("pause", "paused")):
        assert act(action, draft).json() == {"ok": True}
        assert sim.api("GET", f"/campaigns/{draft}", key).json()["status"] == status
    assert act("pause", draft).json() == {"ok": True}
    for campaign in (done, stopped):
        assert_problem(act("start", campaign), 409, "conflict")
        assert_problem(act("pause", campaign), 409, "conflict")
    assert_problem(act("start", str(uuid.uuid4())), 404, "not_found")

    sim.http.put(f"/_sim/accounts/{account_id}/balance", json={"used_minutes": 999.5})
    body = assert_problem(act("start", draft), 402, "insufficient_quota")
    assert body["detail"] == "You need 1 minutes but have 0.5 remaining"
    sim.http.put(f"/_sim/accounts/{account_id}/balance", json={"used_minutes": 0})
    assert act("start", draft).status_code == 200
    wait_for(lambda: len(hooks.events()) == 3)
    by_event = {e["event"]: e for e in hooks.events()}  # deliveries are concurrent: any order
    assert set(by_event) == {"campaign.started", "campaign.paused", "campaign.resumed"}
    assert by_event["campaign.paused"]["reason"] and by_event["campaign.started"]["status"]
    assert {e["campaign_id"] for e in hooks.events()} == {draft}


# --- numbers and carriers ----------------------------------------------------------------------


def test_numbers_byoc_activation_duplicates_and_soft_delete(sim: Sim) -> None:
    account = sim.account()
    key = account["api_key"]
    added = sim.api("POST", "/phone-numbers", key, json={"number": "+18005551234", "label": "Main"})
    assert added.status_code == 201
    number = added.json()
    assert (number["source"], number["status"], number["label"]) == ("topcalls", "active", "Main")
    assert_problem(
        sim.api("POST", "/phone-numbers", key, json={"number": "+18005551234"}), 409, "conflict"
    )
    assert_problem(
        sim.api("POST", "/phone-numbers", key, json={"number": "18005551234"}),
        400,
        "validation_error",
        {"number"},
    )
    unknown = sim.api(
        "POST",
        "/phone-numbers",
        key,
        json={"number": "+18005551235", "voip_carrier_sid": str(uuid.uuid4())},
    )
    assert_problem(unknown, 400, "validation_error", {"voip_carrier_sid"})

    carrier = sim.api(
        "POST",
        "/phone-numbers/carriers",
        key,
        json={
            "carrier_name": "My VoIP Provider",
            "sip_gateway": {
                "ipv4": "203.0.113.10",
                "port": 5060,
                "inbound": True,
                "outbound": True,
            },
        },
    ).json()
    byoc = sim.api(
        "POST",
        "/phone-numbers",
        key,
        json={"number": "+18005551236", "voip_carrier_sid": carrier["voip_carrier_sid"]},
    ).json()
    assert (byoc["source"], byoc["status"], byoc["carrier_name"]) == (
        "byoc",
        "pending",
        "My VoIP Provider",
    )
    wait_for(
        lambda: sim.api("GET", f"/phone-numbers/{byoc['id']}", key).json()["status"] == "active"
    )

    assert_problem(
        sim.api("DELETE", f"/phone-numbers/carriers/{carrier['id']}", key), 409, "conflict"
    )
    assert sim.api("DELETE", f"/phone-numbers/{byoc['id']}", key).json() == {"ok": True}
    assert sim.api("GET", f"/phone-numbers/{byoc['id']}", key).json()["status"] == "deleted"
    listed = [n["number"] for n in sim.api("GET", "/phone-numbers", key).json()["data"]]
    assert listed == [account["numbers"][0], "+18005551234"]
    assert_problem(sim.api("DELETE", f"/phone-numbers/{byoc['id']}", key), 404, "not_found")
    assert sim.api("DELETE", f"/phone-numbers/carriers/{carrier['id']}", key).json() == {"ok": True}
    again = sim.api("POST", "/phone-numbers", key, json={"number": "+18005551236"})
    assert again.status_code == 201, "a deleted number can be added again"


def test_a_number_used_by_an_in_progress_call_cannot_be_deleted(
    sim_with: Callable[..., Sim],
) -> None:
    sim = sim_with(talk_seconds=30)
    key = sim.account()["api_key"]
    number_id = sim.api("GET", "/phone-numbers", key).json()["data"][0]["id"]
    call_id = sim.place(key)
    wait_for(lambda: sim.call(key, call_id)["status"] == "in_progress")
    assert_problem(sim.api("DELETE", f"/phone-numbers/{number_id}", key), 409, "conflict")
    sim.api("POST", f"/calls/{call_id}/stop", key)
    assert sim.api("DELETE", f"/phone-numbers/{number_id}", key).status_code == 200


def test_carrier_rules(sim: Sim) -> None:
    key = sim.account()["api_key"]
    gateway = {"ipv4": "203.0.113.10", "port": 5060, "inbound": True, "outbound": True}

    def add(**body: Any) -> httpx.Response:
        return sim.api("POST", "/phone-numbers/carriers", key, json={"carrier_name": "C", **body})

    hostname = add(sip_gateway={**gateway, "ipv4": "sip.myprovider.com"})
    assert_problem(hostname, 400, "validation_error", {"sip_gateway.ipv4"})
    outbound_only = add(sip_gateway={**gateway, "ipv4": "sip.myprovider.com", "inbound": False})
    assert outbound_only.status_code == 201
    documented = "id account_id voip_carrier_sid sip_gateway_sid carrier_name trunk_type created_at"
    assert set(outbound_only.json()) == set(documented.split())
    assert_problem(
        add(sip_gateway={**gateway, "port": 70000}), 400, "validation_error", {"sip_gateway.port"}
    )
    assert_problem(add(), 400, "validation_error", {"sip_gateway"})
    assert_problem(
        add(sip_gateway=gateway, carrier_name=""), 400, "validation_error", {"carrier_name"}
    )
    assert_problem(
        add(sip_gateway=gateway, trunk_type="reg"), 400, "validation_error", {"registration"}
    )
    partial = add(sip_gateway=gateway, trunk_type="reg", registration={"username": "u"})
    assert_problem(
        partial, 400, "validation_error", {"registration.password", "registration.sip_realm"}
    )
    assert_problem(
        add(sip_gateway=gateway, trunk_type="auth"), 400, "validation_error", {"inbound_auth"}
    )
    auth = add(
        sip_gateway=gateway, trunk_type="auth", inbound_auth={"username": "u", "password": "p"}
    )
    assert auth.json()["trunk_type"] == "auth"

    carriers = sim.api("GET", "/phone-numbers/carriers", key).json()["data"]
    assert carriers[0]["is_system"] is True and carriers[0]["id"] is None
    assert [c["id"] for c in carriers[1:]] == [outbound_only.json()["id"], auth.json()["id"]]
    assert not any(c["is_system"] for c in carriers[1:])
    system_sid = carriers[0]["voip_carrier_sid"]
    assert_problem(
        sim.api("DELETE", f"/phone-numbers/carriers/{system_sid}", key), 404, "not_found"
    )


# --- catalogue ---------------------------------------------------------------------------------


def test_models_voices_and_filters(sim: Sim) -> None:
    account = sim.account()
    key = account["api_key"]
    models = sim.api("GET", "/models", key).json()["data"]
    assert any(m["id"] == "gpt-realtime-mini-2025-12-15" and m["default"] for m in models)
    realtime = sim.api("GET", "/voices/builtin", key, params={"mode": "realtime"}).json()["data"]
    assert {v["id"] for v in realtime} == {
        "alloy",
        "echo",
        "shimmer",
        "ash",
        "ballad",
        "coral",
        "sage",
        "verse",
    }
    females = sim.api(
        "GET", "/voices/builtin", key, params={"provider": "elevenlabs", "gender": "female"}
    ).json()["data"]
    assert {v["id"] for v in females} >= {"rachel", "bella"} and all(
        v["gender"] == "female" for v in females
    )
    assert (
        next(v for v in females if v["id"] == "rachel")["provider_voice_id"]
        == "21m00Tcm4TlvDq8ikWAM"
    )
    assert_problem(
        sim.api("GET", "/voices/builtin", key, params={"mode": "x"}),
        400,
        "validation_error",
        {"mode"},
    )

    sim.http.post(f"/_sim/accounts/{account['account_id']}/voices", json={"name": "Cloned"})
    voices = sim.api("GET", "/voices", key).json()["data"]
    assert [v["name"] for v in voices if v["is_custom"]] == ["Cloned"]
    assert len(voices) == len(sim.api("GET", "/voices/builtin", key).json()["data"]) + 1


# --- webhook subscriptions and delivery --------------------------------------------------------


def test_subscriptions_filter_and_soft_delete(
    sim: Sim, receiver: Callable[..., tuple[Receiver, str]]
) -> None:
    hooks, url = receiver()
    key = sim.account()["api_key"]
    body = {"event": "call.completed", "url": url, "filters": {"phone_number": "+1415555%"}}
    created = sim.api("POST", "/webhooks", key, json=body)
    assert created.status_code == 201
    sub = created.json()
    assert (sub["event"], sub["deleted_at"], sub["filters"]) == (
        "call.completed",
        None,
        body["filters"],
    )
    booked = sim.api(
        "POST", "/webhooks", key, json={"event": "call.completed.booked_callback", "url": url}
    )
    assert booked.status_code == 201
    assert_problem(
        sim.api("POST", "/webhooks", key, json={"event": "call.done", "url": url}),
        400,
        "validation_error",
        {"event"},
    )

    sim.outcome("+14155550177", disposition="booked_callback")
    matched, other = (
        sim.place(key, phone_number="+14155550177"),
        sim.place(key, phone_number="+12125550123"),
    )
    wait_for(lambda: len(hooks.events()) == 2)
    time.sleep(0.2)
    assert sorted(e["event"] for e in hooks.events()) == [
        "call.completed",
        "call.completed.booked_callback",
    ]
    assert {e["call_id"] for e in hooks.events()} == {matched}
    assert sim.call(key, other)["completed"]

    assert sim.api("DELETE", f"/webhooks/{sub['id']}", key).json() == {"ok": True}
    assert [s["id"] for s in sim.api("GET", "/webhooks", key).json()["data"]] == [
        booked.json()["id"]
    ]
    assert_problem(sim.api("DELETE", f"/webhooks/{sub['id']}", key), 404, "not_found")


def test_webhook_retries_follow_the_schedule_then_fail(
    sim_with: Callable[..., Sim], receiver: Callable[..., tuple[Receiver, str]]
) -> None:
    sim = sim_with(webhook_timeout_seconds=0.2)
    flaky, flaky_url = receiver(fail_first=2)
    dead, dead_url = receiver(fail_first=99, fail_status=503)
    _, slow_url = receiver(delay=0.4)
    sim.outcome("+14155550122", outcome="no-answer")
    key = sim.account()["api_key"]
    flaky_call = sim.place(key, phone_number="+14155550122", webhook_url=flaky_url)
    dead_call = sim.place(key, phone_number="+14155550122", webhook_url=dead_url)
    sim.place(key, phone_number="+14155550122", webhook_url=slow_url)

    wait_for(lambda: len(flaky.received) == 3 and len(dead.received) == 3)
    times = [at for at, _, _ in flaky.received]
    delays = FAST.webhook_retry_delays
    assert times[1] - times[0] >= delays[0] - 0.02 and times[2] - times[1] >= delays[1] - 0.02
    assert [h["x-topcalls-attempt"] for _, h, _ in flaky.received] == ["1", "2", "3"]
    assert len({h["x-topcalls-delivery"] for _, h, _ in flaky.received}) == 1

    def log() -> list[dict[str, Any]]:
        return sim.http.get("/_sim/webhooks").json()["data"]

    wait_for(lambda: sum(a["url"] == slow_url for a in log()) == 3)
    # The timeouts took longer than the whole schedule: a fourth attempt would have come by now.
    assert len(dead.received) == 3, "no attempt after the schedule is used up"
    flaky_log = [
        (a["attempt"], a["status_code"], a["outcome"]) for a in log() if a["call_id"] == flaky_call
    ]
    assert flaky_log == [(1, 500, "retrying"), (2, 500, "retrying"), (3, 200, "delivered")]
    dead_log = [a for a in log() if a["call_id"] == dead_call]
    assert [a["outcome"] for a in dead_log] == ["retrying", "retrying", "failed"]
    assert dead_log[-1]["error"] == "HTTP 503" and dead_log[0]["event"] == "call.failed"
    assert dead_log[0]["payload"]["call_id"] == dead_call
    slow_log = [a for a in log() if a["url"] == slow_url]
    assert all(a["status_code"] is None and "timeout" in a["error"] for a in slow_log)
    assert sim.http.delete("/_sim/webhooks").status_code == 204
    assert log() == []


# --- rate limit, faults, request log, reset ----------------------------------------------------


def test_rate_limit_per_key_with_retry_after(sim_with: Callable[..., Sim]) -> None:
    sim = sim_with(rate_limit=3, rate_window_seconds=0.5)
    account = sim.account()
    key = account["api_key"]
    assert [sim.api("GET", "/balance", key).status_code for _ in range(3)] == [200] * 3
    limited = sim.api("GET", "/balance", key)
    assert_problem(limited, 429, "rate_limited")
    assert limited.headers["retry-after"] == "1"
    assert sim.api("GET", "/balance", account["read_only_api_key"]).status_code == 200
    time.sleep(0.55)
    assert sim.api("GET", "/balance", key).status_code == 200


def test_faults_use_problem_bodies_and_count_down(sim: Sim) -> None:
    key = sim.account()["api_key"]
    fault = sim.http.post(
        "/_sim/faults",
        json={"status": 503, "count": 1, "path_prefix": "/v1/calls", "method": "POST"},
    )
    assert fault.status_code == 201 and fault.json()["path_prefix"] == "/calls"
    sim.http.post(
        "/_sim/faults",
        json={"status": 429, "count": 1, "path_prefix": "/balance", "retry_after": 7},
    )

    assert sim.api("GET", "/calls", key).status_code == 200
    body = assert_problem(sim.api("POST", "/calls", key, json={}), 503, "service_unavailable")
    assert body["title"] == "Service Unavailable"
    throttled = sim.api("GET", "/balance", key)
    assert_problem(throttled, 429, "rate_limited")
    assert throttled.headers["retry-after"] == "7"
    assert sim.http.get("/_sim/faults").json() == {"data": []}
    assert sim.calls_created(sim.account()["account_id"]) == 0

    sim.http.post("/_sim/faults", json={"latency_ms": 150, "count": 1})
    started = time.perf_counter()
    assert sim.api("GET", "/models", key).status_code == 200
    assert time.perf_counter() - started >= 0.15
    sim.http.post("/_sim/faults", json={"drop": True, "count": 1})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        sim.api("GET", "/models", key)
    assert sim.api("GET", "/models", key).status_code == 200
    assert sim.http.post("/_sim/faults", json={"count": 1}).status_code == 400


def test_request_log_counts_per_template_and_reset(sim: Sim) -> None:
    account = sim.account()
    key = account["api_key"]
    call_id = sim.place(key)
    sim.call(key, call_id)
    sim.call(key, call_id)
    sim.api("GET", "/phone-numbers/carriers", key)
    sim.api("GET", "/balance", None)
    sim.http.get(
        "/v1/models",
        headers={
            "Authorization": f"Bearer {key}",
            "traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01",
        },
    )
    stats = sim.http.get("/_sim/requests").json()
    assert stats["by_endpoint"] == {
        "POST /v1/calls": 1,
        "GET /v1/calls/{id}": 2,
        "GET /v1/phone-numbers/carriers": 1,
        "GET /v1/balance": 1,
        "GET /v1/models": 1,
    }
    assert stats["total"] == 6 and stats["by_token_key_id"]["unauthenticated"] == 1
    assert stats["peak_per_minute"] == 5
    assert stats["last_traceparent"].startswith("00-aaaa")
    assert sim.http.delete("/_sim/requests").status_code == 204
    assert sim.http.get("/_sim/requests").json()["total"] == 0

    assert sim.http.post("/_sim/reset").status_code == 204
    assert_problem(sim.api("GET", "/balance", key), 401, "unauthorized")
    assert sim.http.get(f"/_sim/accounts/{account['account_id']}/calls").status_code == 404


def test_sandbox_demo_account() -> None:
    (sandbox,) = start_sandbox()
    try:
        assert sandbox.vendor == "topcalls" and not sandbox.base_url.endswith("/v1")
        assert sandbox.control_url == sandbox.base_url + "/_sim"
        headers = {"Authorization": f"Bearer {sandbox.secret['api_key']}"}
        with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=5) as client:
            numbers = client.get("/v1/phone-numbers").json()["data"]
            assert [(n["number"], n["status"]) for n in numbers] == [
                (sandbox.sample_number, "active")
            ]
            campaigns = client.get("/v1/campaigns").json()["data"]
            assert sorted(c["status"] for c in campaigns) == ["draft", "paused", "running"]
            assert all(c["stats"]["total_leads"] > 0 for c in campaigns)
            calls = client.get("/v1/calls").json()["data"]
            assert sorted(c["status"] for c in calls) == ["completed", "failed"]
            assert client.get("/v1/balance").json()["plan_minutes"] == 1000
    finally:
        sandbox.server.stop()
