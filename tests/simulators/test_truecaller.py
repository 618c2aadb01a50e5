"""The Truecaller simulators over real HTTP, checked against vendor-contracts/truecaller-*.md."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import msgspec
import pytest

from simulators.server import RunningServer, start_in_thread
from simulators.truecaller.app import SimulatorConfig, create_simulator_app
from simulators.truecaller.sandbox import start_sandbox

FAST = SimulatorConfig(
    number_processing_seconds=0.3,
    batch_processing_seconds=0.8,
    webhook_retry_delays_seconds=(0.05,) * 7,
    callback_retry_delays_seconds=(0.05, 0.05, 0.05),
)
LOGIN_AGAIN = {"slug": "authorization-error", "message": "please login again"}
FORBIDDEN = {"slug": "forbidden-error", "message": "not authorized. please contact your admin."}
UNAUTHORIZED_PROFILE = {"code": 401, "message": "Unauthorized"}
HOUR_MS = 3_600_000
T = TypeVar("T")


def now_ms() -> int:
    return int(time.time() * 1000)


def poll(fetch: Callable[[], T], until: Callable[[T], bool], timeout: float = 3.0) -> T:
    """Call ``fetch`` until ``until`` accepts its value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        assert time.monotonic() < deadline, f"condition not met in time; last: {value!r}"
        time.sleep(0.02)


def wait_for(check: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    poll(check, bool, timeout)


class Sim:
    """A client for one running simulator: its control surface and its vendor API."""

    def __init__(self, server: RunningServer) -> None:
        self.url = server.url
        self.http = httpx.Client(base_url=server.url, timeout=5.0)

    def account(self, **spec: Any) -> dict[str, Any]:
        response = self.http.post("/_sim/accounts", json=spec)
        assert response.status_code == 201, response.text
        return response.json()

    def token_response(self, account: dict[str, Any], **override: str) -> httpx.Response:
        body = {"key_id": account["key_id"], "api_key": account["api_key"], **override}
        return self.http.post(
            f"/clients/{account['client_account_id']}/token",
            json=body,
            headers={"X-Public-Access": "allow"},
        )

    def token(self, account: dict[str, Any]) -> str:
        response = self.token_response(account)
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def add_numbers(
        self, account_id: str, feature_set: str, numbers: list[str], **spec: Any
    ) -> None:
        body = {"feature_set_id": feature_set, "phone_numbers": numbers, **spec}
        response = self.http.post(f"/_sim/accounts/{account_id}/numbers", json=body)
        assert response.status_code == 201, response.text

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        found = self.http.get("/_sim/deliveries").json()["data"]
        return next(d for d in found if d["id"] == delivery_id)

    def api(
        self,
        method: str,
        path: str,
        token: str | None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.http.request(method, path, headers=sent | (headers or {}), **kwargs)


@dataclass
class Client:
    """A client account with a token, and its vendor paths."""

    sim: Sim
    account: dict[str, Any]
    token: str = field(repr=False)

    @property
    def id(self) -> str:
        return self.account["client_account_id"]

    @property
    def feature_set(self) -> str:
        return self.account["feature_sets"][0]["id"]

    def numbers(self, action: str, numbers: list[str], feature_set: str | None = None) -> Any:
        fs = feature_set or self.feature_set
        path = f"/clients/{self.id}/number_management/feature_sets/{fs}/numbers/{action}"
        response = self.sim.api("POST", path, self.token, json={"phone_numbers": numbers})
        assert response.status_code == 200, response.text
        return response.json()

    def add(self, numbers: list[str], feature_set: str | None = None, **spec: Any) -> None:
        self.sim.add_numbers(self.id, feature_set or self.feature_set, numbers, **spec)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.sim.api("GET", path.format(id=self.id), self.token, params=params)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.sim.api("POST", path.format(id=self.id), self.token, json=body)

    def statuses(self) -> dict[str, str]:
        found = self.get("/clients/{id}/number_management/numbers", limit=1000).json()
        return {n["phone_number"]: n["status"] for n in found["numbers"]}


class Receiver:
    """A partner endpoint: records every request, answers from a script, then 200 JSON."""

    def __init__(self) -> None:
        self.script: list[tuple[int, str, bytes]] = []
        self.received: list[tuple[str, dict[str, str], Any]] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": f"{message['type']}.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self.lock:
            self.received.append((scope["path"], headers, msgspec.json.decode(body)))
            status, content_type, answer = (
                self.script.pop(0) if self.script else (200, "application/json", b'{"status":"ok"}')
            )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", content_type.encode())],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    def bodies(self) -> list[Any]:
        with self.lock:
            return [body for _, _, body in self.received]


@pytest.fixture
def sim_with() -> Iterator[Callable[[SimulatorConfig], Sim]]:
    """Start simulators with a custom configuration; all are stopped after the test."""
    started: list[tuple[RunningServer, Sim]] = []

    def start(config: SimulatorConfig) -> Sim:
        server = start_in_thread(create_simulator_app(config))
        started.append((server, Sim(server)))
        return started[-1][1]

    yield start
    for server, client in started:
        client.http.close()
        server.stop()


@pytest.fixture
def sim(sim_with: Callable[[SimulatorConfig], Sim]) -> Sim:
    """A simulator with short processing delays and retry schedules."""
    return sim_with(FAST)


@pytest.fixture
def client(sim: Sim) -> Client:
    """A fresh client account with a bearer token."""
    account = sim.account()
    return Client(sim, account, sim.token(account))


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    """A partner endpoint on a free port, and its URL."""
    app = Receiver()
    server = start_in_thread(app)
    yield app, server.url
    server.stop()


# --- tokens ------------------------------------------------------------------------------------


def test_token_exchange_bad_keys_and_bearer_errors(sim: Sim) -> None:
    account, other = sim.account(), sim.account()
    response = sim.token_response(account)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "created_at"}
    assert len(body["token"]) == 64 and body["token"].isalnum()
    assert body["created_at"].endswith("Z")

    for override, message in (
        ({"api_key": ""}, "api_key is required"),
        ({"key_id": ""}, "key_id is required"),
    ):
        refused = sim.token_response(account, **override)
        assert refused.status_code == 400
        assert refused.json() == {"slug": "invalid-input", "message": message}
    bad = {"slug": "authorization-error", "message": "invalid key_id or api_key"}
    for override in ({"api_key": other["api_key"]}, {"key_id": other["key_id"]}):
        refused = sim.token_response(account, **override)
        assert (refused.status_code, refused.json()) == (401, bad)

    token, path = body["token"], f"/clients/{account['client_account_id']}/labels"
    assert sim.api("GET", path, token).status_code == 200
    missing = sim.api("GET", path, None)
    expected = {"slug": "authorization-error", "message": "Missing authorization header"}
    assert (missing.status_code, missing.json()) == (401, expected)
    unknown = sim.api("GET", path, "a" * 64)
    assert (unknown.status_code, unknown.json()) == (401, LOGIN_AGAIN)
    garbled = sim.api("GET", path, "not a token")
    expected = {"slug": "internal-server-error", "message": "500/50011 - Failed to parse token"}
    assert (garbled.status_code, garbled.json()) == (500, expected)
    foreign = sim.api("GET", f"/clients/{other['client_account_id']}/labels", token)
    assert (foreign.status_code, foreign.json()) == (403, FORBIDDEN)

    limited = sim.account(scopes=["number_management"])
    limited_token = sim.token(limited)
    denied = sim.api("GET", f"/clients/{limited['client_account_id']}/labels", limited_token)
    assert (denied.status_code, denied.json()) == (403, FORBIDDEN)


def test_at_most_ten_tokens_per_thirty_minutes_per_account(sim: Sim) -> None:
    account, other = sim.account(), sim.account()
    tokens = [sim.token(account) for _ in range(10)]
    refused = sim.token_response(account)
    assert refused.status_code == 429
    assert refused.json() == {
        "slug": "too-many-requests",
        "message": "token generation limit reached, retry later",
    }
    assert 1790 <= int(refused.headers["Retry-After"]) <= 1800
    path = f"/clients/{account['client_account_id']}/labels"
    assert all(sim.api("GET", path, t).status_code == 200 for t in tokens)
    assert sim.token_response(other).status_code == 200

    stats = sim.http.get("/_sim/requests").json()
    assert stats["token_creations"] == {
        account["client_account_id"]: 10,
        other["client_account_id"]: 1,
    }
    assert stats["by_endpoint"]["POST /clients/{clientAccountId}/token"] == 12


def test_an_expired_token_must_log_in_again(sim_with: Callable[[SimulatorConfig], Sim]) -> None:
    sim = sim_with(SimulatorConfig(token_ttl_seconds=0.3))
    account = sim.account()
    token, path = sim.token(account), f"/clients/{account['client_account_id']}/labels"
    assert sim.api("GET", path, token).status_code == 200
    expired = poll(lambda: sim.api("GET", path, token), lambda r: r.status_code == 401)
    assert expired.json() == LOGIN_AGAIN
    assert sim.api("GET", path, sim.token(account)).status_code == 200


# --- number management -------------------------------------------------------------------------


def test_list_delist_and_relist_while_delisting_is_ignored(client: Client) -> None:
    number = "911234567891"
    listed = client.numbers("publish", [number])
    assert (listed["new_numbers"], listed["status"]) == ([number], "pending")
    assert listed["created_by_email"] == "enterprise.portal@truecaller.com"
    assert listed["phone_type"] == "verified"
    assert client.statuses() == {number: "pending"}
    wait_for(lambda: client.statuses() == {number: "listed"})

    delisted = client.numbers("delist", [number])
    assert (delisted["existing_numbers"], delisted["status"], delisted["phone_type"]) == (
        [number],
        "pending",
        "",
    )
    relisted = client.numbers("publish", [number])
    assert relisted["processing_numbers"] == [number]
    assert relisted["new_numbers"] == relisted["existing_numbers"] == []
    assert relisted["status"] == "failed"
    wait_for(lambda: client.statuses() == {})
    time.sleep(0.35)
    assert client.statuses() == {}, "the ignored listing must not be applied later"

    again = client.numbers("publish", [number])
    assert (again["new_numbers"], again["status"]) == ([number], "pending")
    wait_for(lambda: client.statuses() == {number: "listed"})


def test_ignored_relist_can_be_silent(sim_with: Callable[[SimulatorConfig], Sim]) -> None:
    sim = sim_with(
        SimulatorConfig(number_processing_seconds=5, list_reports_processing_numbers=False)
    )
    account = sim.account()
    client = Client(sim, account, sim.token(account))
    client.add(["911234567891"])
    client.numbers("delist", ["911234567891"])
    relisted = client.numbers("publish", ["911234567891", "911234567892"])
    assert "processing_numbers" not in relisted
    assert relisted["new_numbers"] == ["911234567892"]
    assert "911234567891" not in str(relisted)
    assert relisted["status"] == "pending"


def test_numbers_are_classified_in_the_vendor_vocabulary(sim: Sim, client: Client) -> None:
    other_set = client.account["feature_sets"][1]["id"]
    stranger = sim.account()
    sim.add_numbers(
        stranger["client_account_id"], stranger["feature_sets"][0]["id"], ["447700900001"]
    )
    seeded = {
        "911111111111": ("verified", client.feature_set),
        "912222222222": ("verified", other_set),
        "913333333333": ("priority", client.feature_set),
    }
    for number, (phone_type, feature_set) in seeded.items():
        client.add([number], feature_set, phone_type=phone_type)
    client.numbers("publish", ["914444444444"])

    result = client.numbers(
        "publish",
        [
            "915555555555",
            "911111111111",
            "912222222222",
            "447700900001",
            "913333333333",
            "+915555555556",
            "12345",
            "91555555555x",
            "914444444444",
            "915555555555",
        ],
    )
    assert result["new_numbers"] == ["915555555555"]
    assert result["existing_numbers"] == ["911111111111"]
    assert result["other_feature_set_numbers"] == ["912222222222"]
    assert result["others_numbers"] == ["447700900001"]
    assert result["other_phonetype_numbers"] == ["913333333333"]
    assert result["invalid_numbers"] == ["+915555555556", "12345", "91555555555x"]
    assert result["processing_numbers"] == ["914444444444"]
    assert (
        result["migrated_numbers"] == result["delisted_numbers"] == result["updated_numbers"] == []
    )
    assert result["status"] == "pending"

    nothing = client.numbers("delist", ["919999999999", "912222222222", "447700900001"])
    assert nothing["new_numbers"] == ["919999999999"]
    assert nothing["other_feature_set_numbers"] == ["912222222222"]
    assert nothing["others_numbers"] == ["447700900001"]
    assert nothing["status"] == "failed"

    base = f"/clients/{client.id}/number_management/feature_sets"
    unknown = client.post(
        base + "/00000000-0000-0000-0000-000000000000/numbers/publish",
        {"phone_numbers": ["911234567891"]},
    )
    assert unknown.status_code == 404
    assert unknown.json() == {"slug": "not-found-error", "message": "feature set not found"}
    empty = client.post(f"{base}/{client.feature_set}/numbers/publish", {"phone_numbers": []})
    assert (empty.status_code, empty.json()) == (
        400,
        {"slug": "invalid-input", "message": "phone_numbers is required"},
    )


def test_request_size_and_feature_set_capacity(sim_with: Callable[[SimulatorConfig], Sim]) -> None:
    sim = sim_with(SimulatorConfig(numbers_per_request=3, feature_set_capacity=4))
    account = sim.account()
    client = Client(sim, account, sim.token(account))
    path = f"/clients/{client.id}/number_management/feature_sets/{client.feature_set}/numbers"
    numbers = [f"9190000000{i:02d}" for i in range(6)]
    too_many = client.post(path + "/publish", {"phone_numbers": numbers[:4]})
    assert too_many.status_code == 400
    assert too_many.json()["message"] == "phone_numbers must contain between 1 and 3 numbers"
    assert client.numbers("publish", numbers[:3])["status"] == "pending"
    full = client.post(path + "/publish", {"phone_numbers": numbers[3:5]})
    assert full.status_code == 400
    assert full.json() == {
        "slug": "invalid-input",
        "message": "feature set cannot hold more than 4 numbers",
    }
    assert client.numbers("publish", numbers[3:4])["new_numbers"] == [numbers[3]]


def test_number_details_paginate_and_filter(sim: Sim, client: Client) -> None:
    numbers = [f"9180000000{i:02d}" for i in range(5)]
    client.add(numbers)
    other_set = client.account["feature_sets"][1]["id"]
    client.add(["917000000000"], other_set, status="failed")
    path = "/clients/{id}/number_management/numbers"
    first = client.get(path, limit=2).json()
    assert first["pagination_information"] == {"total_page_count": 3}
    assert [n["phone_number"] for n in first["numbers"]] == numbers[:2]
    item = first["numbers"][0]
    assert set(item) == {
        "phone_number",
        "phone_type",
        "status",
        "client_account_id",
        "created_by_email",
        "department",
        "operation",
        "process",
        "subprocess",
        "feature_set_name",
        "call_me_back",
        "created_at",
        "updated_at",
        "label_name",
    }
    assert (item["status"], item["call_me_back"], item["label_name"]) == (
        "listed",
        "enabled",
        "FlowerEra",
    )
    last = client.get(path, limit=2, page=3).json()["numbers"]
    assert [n["phone_number"] for n in last] == ["918000000004", "917000000000"]
    assert client.get(path, page=9).json()["numbers"] == []

    in_other = client.get(path, feature_set_id=other_set).json()
    assert [(n["phone_number"], n["status"]) for n in in_other["numbers"]] == [
        ("917000000000", "failed")
    ]
    none = client.get(path, department_id="nope").json()
    assert none == {"numbers": [], "pagination_information": {"total_page_count": 0}}
    bad = client.get(path, limit=0)
    assert (bad.status_code, bad.json()["slug"]) == (400, "invalid-input")


def test_feature_sets_and_dynamic_labels(client: Client) -> None:
    sets = client.get("/clients/{id}/number_management/feature_sets").json()
    assert sets["pagination_info"] == {"total_page_count": 1, "current_page": 1, "page_limit": 50}
    assert [s["id"] for s in sets["feature_sets"]] == [
        fs["id"] for fs in client.account["feature_sets"]
    ]
    first = sets["feature_sets"][0]
    assert first["status"] == "draft"
    assert first["video_caller_id"] is None and first["call_me_back"] is True
    assert len(first) == 21
    page = client.get("/clients/{id}/number_management/feature_sets", limit=1, page=2).json()
    assert page["pagination_info"] == {"total_page_count": 2, "current_page": 2, "page_limit": 1}
    by_department = client.get(
        "/clients/{id}/number_management/feature_sets", department_id=first["department_id"]
    ).json()
    assert [s["id"] for s in by_department["feature_sets"]] == [first["id"]]

    client.numbers("publish", ["911234567891"])
    after = client.get("/clients/{id}/number_management/feature_sets").json()
    assert after["feature_sets"][0]["status"] == "published"

    labels = client.get("/clients/{id}/labels").json()
    assert isinstance(labels, list)
    assert [label["id"] for label in labels] == [
        label["id"] for label in client.account["labels"] if label["label_type"] == "dynamic"
    ]
    assert all(label["label_type"] == "dynamic" for label in labels)
    assert set(labels[0]) == {
        "id",
        "name",
        "logo_url",
        "category",
        "sub_category",
        "created_by_email",
        "created_at",
        "label_type",
    }
    assert client.get("/clients/{id}/labels", limit=1, page=2).json() == labels[1:2]


# --- call personalisation ----------------------------------------------------------------------


def _record(client: Client, **override: Any) -> dict[str, Any]:
    start = now_ms()
    return {
        "label_id": client.account["labels"][0]["id"],
        "dynamic_label_name": "Flower rasm",
        "dynamic_call_reason": "Flower Delivery",
        "caller_number": "911234567898",
        "receiver_number": "919234567898",
        "starts_at": start,
        "ends_at": start + HOUR_MS,
        **override,
    }


def test_realtime_success_validation_errors_and_an_error_inside_a_200(
    sim: Sim, client: Client
) -> None:
    path = "/v2/clients/{id}/dynamic_call_record"
    ok = client.post(path, _record(client, caller_number="+911234567898"))
    assert (ok.status_code, ok.json()) == (
        200,
        {"status_info": {"status": "success", "message": "Record processed successfully"}},
    )

    static = next(lb["id"] for lb in client.account["labels"] if lb["label_type"] == "static")
    start = now_ms()
    cases = [
        ({"ends_at": start - 1000}, "ends_at", "ends_at cannot be older than current time"),
        (
            {"ends_at": start + 25 * HOUR_MS},
            "ends_at",
            "starts_at and ends_at cannot be more than 24 hrs apart",
        ),
        ({"label_id": static}, "label_id", "label_id is not a dynamic label of this client"),
        (
            {"dynamic_label_name": "ab"},
            "dynamic_label_name",
            "dynamic_label_name length must be between 3 and 40",
        ),
        (
            {"dynamic_call_reason": "Too short"},
            "dynamic_call_reason",
            "dynamic_call_reason length must be between 10 and 100",
        ),
        (
            {"dynamic_call_reason": "Delivery <b>now</b>"},
            "dynamic_call_reason",
            "dynamic_call_reason must not contain special characters",
        ),
        (
            {"receiver_number": "12"},
            "receiver_number",
            "receiver_number must be a phone number with country code",
        ),
    ]
    for override, field_name, reason in cases:
        response = client.post(path, _record(client, **override))
        assert response.status_code == 400, override
        assert response.json() == {
            "status_info": {
                "status": "error",
                "field": field_name,
                "message": f"Request body is invalid: {reason}",
            }
        }
    unknown_key = client.post(path, {**_record(client), "colour": "red"})
    assert unknown_key.json() == {"status_info": {"status": "error", "message": "Invalid input"}}

    receiver = "919000000001"
    assert (
        sim.http.put(
            f"/_sim/receivers/{receiver}", json={"failure": "Not a Truecaller user"}
        ).status_code
        == 200
    )
    inside = client.post(path, _record(client, receiver_number=receiver))
    assert inside.status_code == 200
    assert inside.json() == {"status_info": {"status": "error", "message": "Not a Truecaller user"}}


def test_realtime_is_limited_to_100_requests_per_second_per_token(sim: Sim, client: Client) -> None:
    path = f"/v2/clients/{client.id}/dynamic_call_record"
    body = _record(client)
    started = time.monotonic()
    statuses = [sim.api("POST", path, client.token, json=body).status_code for _ in range(103)]
    assert time.monotonic() - started < 1.0
    assert statuses.count(200) == 100 and statuses[100:] == [429] * 3
    refused = sim.api("POST", path, client.token, json=body)
    assert refused.json() == {"slug": "too-many-requests", "message": "rate limit exceeded"}
    assert refused.headers["Retry-After"] == "1"
    second = sim.token(client.account)
    assert sim.api("POST", path, second, json=body).status_code == 200
    assert sim.http.get("/_sim/requests").json()["peak_per_rate_window"] >= 100
    wait_for(lambda: sim.api("POST", path, client.token, json=body).status_code == 200)


def test_batch_of_500_accepted_501_refused_and_rate_limited(
    sim_with: Callable[[SimulatorConfig], Sim],
) -> None:
    sim = sim_with(SimulatorConfig(batch_rate_limit=2))
    account = sim.account()
    client = Client(sim, account, sim.token(account))
    path = "/v2/clients/{id}/dynamic_call_records"
    accepted = client.post(path, {"call_records": [_record(client)] * 500})
    assert accepted.status_code == 200
    assert set(accepted.json()) == {"batch_id"}
    refused = client.post(path, {"call_records": [_record(client)] * 501})
    assert refused.status_code == 400
    assert refused.json() == {
        "slug": "invalid-input",
        "message": "call_records must contain between 1 and 500 records",
    }
    limited = client.post(path, {"call_records": [_record(client)]})
    assert limited.status_code == 429
    assert 58 <= int(limited.headers["Retry-After"]) <= 60


def test_batch_status_progresses_per_record_under_v2_and_v3(sim: Sim, client: Client) -> None:
    sim.http.put("/_sim/receivers/919000000002", json={"failure": "OS not supported"})
    records = [
        _record(client, caller_number="+911234567898"),
        _record(client, ends_at=now_ms() - 5000),
        {
            "caller": "911234567898",
            "receiver": "919000000002",
            "label_name": "Old names ok",
            "starts_at": now_ms(),
            "ends_at": now_ms() + HOUR_MS,
        },
        "not a record",
    ]
    batch_id = client.post(
        "/v2/clients/{id}/dynamic_call_records", {"call_records": records}
    ).json()["batch_id"]

    def status(version: str) -> dict[str, Any]:
        response = client.get(f"/{version}/clients/{{id}}/dynamic_call_records", batchId=batch_id)
        assert response.status_code == 200
        return response.json()

    first = status("v2")
    assert (first["client_account_id"], first["batch_id"]) == (client.id, batch_id)
    assert [r["status_info"] for r in first["data"]] == [{"status": "pending"}] * 4
    assert first["data"][0]["caller_number"] == "************"
    done = poll(lambda: status("v3"), lambda s: s["data"][-1]["status_info"]["status"] != "pending")
    assert [r["status_info"] for r in done["data"]] == [
        {"status": "success"},
        {
            "status": "error",
            "field": "ends_at",
            "message": "Request body is invalid: ends_at cannot be older than current time",
        },
        {"status": "error", "message": "OS not supported"},
        {"status": "error", "message": "Invalid input"},
    ]
    assert done["data"][2]["dynamic_label_name"] == "Old names ok"
    assert status("v2") == done
    assert (
        client.get("/v2/clients/{id}/dynamic_call_records", batchId="unknown").json()["data"] == []
    )
    missing = client.get("/v2/clients/{id}/dynamic_call_records")
    assert (missing.status_code, missing.json()["slug"]) == (400, "invalid-input")


# --- deprecated endpoints ----------------------------------------------------------------------


def test_deprecated_v1_personalisation(client: Client) -> None:
    start = now_ms()
    v1 = {
        "call_reason": "Flower Delivery",
        "caller": "911234567898",
        "receiver": "919234567898",
        "label_id": client.account["labels"][0]["id"],
        "label_name": "Delivery",
        "starts_at": start,
        "ends_at": start + HOUR_MS,
    }
    ok = client.post("/clients/{id}/dynamic_call_record", v1)
    assert ok.status_code == 200
    assert ok.json()["status"] == "success"
    assert ok.json()["message"].startswith("Records Uploaded Successfully. BatchID: ")

    failed = client.post("/clients/{id}/dynamic_call_record", {**v1, "ends_at": start - 1000})
    assert failed.status_code == 400
    message = failed.json()["message"]
    assert failed.json()["status"] == "failure"
    assert message.startswith("ends_at cannot be older than current time. BatchID: ")
    plus = client.post("/clients/{id}/dynamic_call_record", {**v1, "caller": "+911234567898"})
    assert plus.json()["message"].startswith("caller must be a phone number with country code.")

    bulk = client.post("/clients/{id}/dynamic_call_records", {"call_records": [v1, v1]})
    batch_id = bulk.json()["message"].rsplit(" ", 1)[1]
    listed = client.get("/clients/{id}/dynamic_call_records", batchId=batch_id).json()
    assert isinstance(listed, list) and len(listed) == 2
    assert listed[0]["status"] == "success" and listed[0]["caller"] == "************"
    assert set(listed[0]) == {
        "id",
        "client_account_id",
        "batch_id",
        "caller",
        "receiver",
        "label_id",
        "label_name",
        "call_reason",
        "starts_at",
        "ends_at",
        "status",
        "created_at",
    }


def test_deprecated_downloads_and_their_expiring_urls(
    sim_with: Callable[[SimulatorConfig], Sim],
) -> None:
    sim = sim_with(SimulatorConfig(download_url_ttl_seconds=0.4))
    account = sim.account()
    client = Client(sim, account, sim.token(account))
    cmb_path, window = (
        "/clients/{id}/openapi/callback-logs/summary",
        {"from": 0, "to": 9_999_999_999},
    )
    no_data = client.get(cmb_path, **window)
    assert (no_data.status_code, no_data.json()) == (404, {"message": "No CMB found for client Id"})
    client.add(["910987654321"])
    event = sim.http.post(f"/_sim/accounts/{client.id}/cmb", json={"slot": False}).json()["event"]
    assert event["cmb_payload"]["requested_date"] == "NA"

    found = client.get(cmb_path, **{"from": 0, "to": str(now_ms() + 1000)})
    assert found.status_code == 200
    url = found.json()["url"]
    assert url.startswith(sim.url + "/files/cmb-logs/") and found.json()["expires_at"].endswith("Z")
    csv = httpx.get(url)
    assert csv.headers["content-type"].startswith("text/csv")
    assert event["event_id"] in csv.text and "910987654321" in csv.text
    wait_for(lambda: httpx.get(url).status_code == 403)
    earlier = client.get(cmb_path, **{"from": 0, "to": 1000})
    assert earlier.status_code == 404
    missing = client.get(cmb_path, to=1)
    assert missing.json() == {"slug": "invalid-input", "message": "from is required"}

    survey = account["survey_id"]
    sim.http.post(f"/_sim/accounts/{client.id}/feedback", json={"responses": ["4", "Good"]})
    report = client.get(
        f"/clients/{{id}}/openapi/feedback_stack/{survey}/export_report", from_date=0
    )
    assert report.status_code == 200
    rows = httpx.get(report.json()["url"]).text.splitlines()
    assert rows[0].startswith("event_id,survey_name,business_number")
    assert (
        len(rows) == 3 and rows[2].endswith("Flower Quality?,Good") and "+910987654321" in rows[1]
    )
    other = client.get("/clients/{id}/openapi/feedback_stack/nope/export_report", from_date=0)
    assert other.status_code == 404


# --- webhooks ----------------------------------------------------------------------------------


def test_webhooks_are_retried_until_a_json_2xx(
    sim: Sim, client: Client, receiver: tuple[Receiver, str]
) -> None:
    app, url = receiver
    client.add(["910987654321"])
    hook = sim.http.post(
        f"/_sim/accounts/{client.id}/webhooks",
        json={"name": "cmb", "url": url + "/tcbiz-webhook?key=s3cret"},
    )
    assert hook.status_code == 201
    app.script += [(500, "application/json", b"{}"), (200, "text/plain", b"ok")]
    made = sim.http.post(f"/_sim/accounts/{client.id}/cmb", json={}).json()
    [delivery_id] = made["deliveries"]

    done = poll(lambda: sim.delivery(delivery_id), lambda d: d["status"] == "delivered")
    assert [(a["status_code"], a["ok"]) for a in done["attempts"]] == [
        (500, False),
        (200, False),
        (200, True),
    ]
    assert done["attempts"][1]["error"] == "answer is not application/json"
    assert app.bodies() == [made["event"]] * 3
    assert app.received[0][0] == "/tcbiz-webhook"
    assert made["event"]["event_type"] == "cmb" and made["event"]["created_at"].isdigit()

    app.script += [(503, "application/json", b"{}")] * 8
    feedback_hook = sim.http.post(
        f"/_sim/accounts/{client.id}/webhooks",
        json={"name": "uf", "url": url, "event_type": "user_feedback"},
    )
    assert feedback_hook.status_code == 201
    [failing] = sim.http.post(f"/_sim/accounts/{client.id}/feedback", json={}).json()["deliveries"]
    found = poll(lambda: sim.delivery(failing), lambda d: d["status"] == "failed")
    assert len(found["attempts"]) == 8

    sim.http.put("/_sim/delays", json={"webhook_retry_delays_seconds": [0.3]})
    app.script += [(500, "application/json", b"{}")]
    [gone] = sim.http.post(f"/_sim/accounts/{client.id}/cmb", json={}).json()["deliveries"]
    poll(lambda: sim.delivery(gone), lambda d: d["status"] == "rescheduled_error")
    deleted = sim.http.delete(f"/_sim/accounts/{client.id}/webhooks/{hook.json()['id']}")
    assert deleted.status_code == 204
    final = poll(lambda: sim.delivery(gone), lambda d: d["status"] == "webhook_not_found")
    assert len(final["attempts"]) == 1


# --- the profile flow --------------------------------------------------------------------------


def test_verification_callbacks_and_the_profile_endpoint(
    sim_with: Callable[[SimulatorConfig], Sim], receiver: tuple[Receiver, str]
) -> None:
    sim = sim_with(
        SimulatorConfig(profile_token_ttl_seconds=0.8, callback_retry_delays_seconds=(0.05,) * 3)
    )
    app, url = receiver
    user = sim.http.post(
        "/_sim/profiles",
        json={
            "first_name": "Asha",
            "last_name": "Rao",
            "phone_numbers": ["+919812345678"],
            "email": "asha@example.com",
            "city": "Pune",
            "country": "IN",
            "badges": ["verified"],
            "company": "Centro Bank",
            "job_title": "Manager",
        },
    )
    assert user.status_code == 201
    app.script.append((502, "text/plain", b"bad gateway"))
    sent = sim.http.post(
        "/_sim/verifications",
        json={
            "callback_url": url + "/truecaller/callback",
            "request_id": "RL8YZ41FQMt5Jiak2sc_Ys0OgQA=",
            "outcome": "approve",
            "user_id": user.json()["user_id"],
        },
    )
    assert sent.status_code == 202
    callback = poll(app.bodies, lambda bodies: len(bodies) == 2)[1]
    assert app.bodies()[0] == callback
    assert set(callback) == {"requestId", "accessToken", "endpoint"}
    assert callback["requestId"] == "RL8YZ41FQMt5Jiak2sc_Ys0OgQA="
    assert callback["endpoint"] == sim.url + "/profile/v1/default"
    assert app.received[1][1]["content-type"] == "application/json"
    delivered = poll(
        lambda: sim.http.get("/_sim/verifications").json()["data"][0],
        lambda d: d["status"] != "rescheduled_error",
    )
    assert [a["status_code"] for a in delivered["attempts"]] == [502, 200]
    assert delivered["status"] == "delivered"

    headers = {"Authorization": f"Bearer {callback['accessToken']}", "Cache-Control": "no-cache"}
    profile = httpx.get(callback["endpoint"], headers=headers)
    assert profile.status_code == 200
    body = profile.json()
    assert body["phoneNumbers"] == ["919812345678"]
    assert body["name"] == {"first": "Asha", "last": "Rao"}
    assert body["addresses"] == [{"countryCode": "in", "city": "Pune"}]
    assert body["onlineIdentities"] == {"email": "asha@example.com"}
    assert (body["companyName"], body["jobTitle"], body["badges"]) == (
        "Centro Bank",
        "Manager",
        ["verified"],
    )
    assert body["isActive"] == "True" and body["createdTime"].isdigit()
    assert "gender" not in body and "avatarUrl" not in body
    assert httpx.get(callback["endpoint"], headers=headers).status_code == 200

    for bad in ({}, {"Authorization": "Bearer unknown-token"}):
        refused = httpx.get(callback["endpoint"], headers=bad)
        assert (refused.status_code, refused.json()) == (401, UNAUTHORIZED_PROFILE)
    expired = poll(
        lambda: httpx.get(callback["endpoint"], headers=headers), lambda r: r.status_code == 401
    )
    assert expired.json() == UNAUTHORIZED_PROFILE

    rejected = sim.http.post(
        "/_sim/verifications",
        json={"callback_url": url, "request_id": "WZqlS6PqY0ycO3mKlEuI=", "outcome": "reject"},
    )
    assert rejected.status_code == 202
    wait_for(lambda: len(app.bodies()) == 3)
    assert app.bodies()[2] == {"requestId": "WZqlS6PqY0ycO3mKlEuI=", "status": "user_rejected"}

    app.script.append((404, "application/json", b"{}"))
    sim.http.post(
        "/_sim/verifications",
        json={"callback_url": url, "request_id": "abcdefgh", "outcome": "reject"},
    )
    final = poll(
        lambda: sim.http.get("/_sim/verifications").json()["data"][-1],
        lambda d: d["status"] == "failed",
    )
    assert len(final["attempts"]) == 1
    short = sim.http.post("/_sim/verifications", json={"callback_url": url, "request_id": "short"})
    assert short.status_code == 400


# --- faults, counters, reset, sandbox ----------------------------------------------------------


def test_faults_counters_and_reset(sim: Sim, client: Client) -> None:
    sim.http.delete("/_sim/requests")
    sim.http.post("/_sim/faults", json={"status": 503, "count": 1, "path_prefix": "/v2/"})
    sim.http.post("/_sim/faults", json={"status": 500, "count": 1, "path_prefix": "/profile"})
    outage = client.post("/v2/clients/{id}/dynamic_call_record", _record(client))
    assert (outage.status_code, outage.json()) == (
        503,
        {"slug": "internal-server-error", "message": "service unavailable"},
    )
    profile = httpx.get(sim.url + "/profile/v1/default")
    assert (profile.status_code, profile.json()) == (
        500,
        {"code": 500, "message": "Internal error"},
    )
    sim.http.post("/_sim/faults", json={"drop": True, "count": 1})
    with pytest.raises(httpx.TransportError):
        client.get("/clients/{id}/labels")
    assert client.get("/clients/{id}/labels").status_code == 200
    assert sim.http.get("/_sim/faults").json() == {"data": []}

    traced = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    sim.api("GET", f"/clients/{client.id}/labels", client.token, headers={"traceparent": traced})
    stats = sim.http.get("/_sim/requests").json()
    assert stats["by_endpoint"] == {
        "POST /v2/clients/{clientAccountId}/dynamic_call_record": 1,
        "GET /profile/v1/default": 1,
        "GET /clients/{clientAccountId}/labels": 3,
    }
    assert stats["last_traceparent"] == traced
    assert stats["by_token_key_id"][client.account["key_id"]] == 4

    assert sim.http.post("/_sim/reset").status_code == 204
    assert sim.api("GET", f"/clients/{client.id}/labels", client.token).json() == LOGIN_AGAIN
    assert sim.http.get("/_sim/requests").json()["total"] == 1


def test_sandbox_has_a_demo_account_with_data() -> None:
    vendor, profile = start_sandbox()
    try:
        assert vendor.vendor == "truecaller" and vendor.control_url == vendor.base_url + "/_sim"
        assert profile.vendor == "truecaller_profile"
        assert profile.verification_origin == vendor.base_url
        secret = vendor.secret
        account = secret["client_account_id"]
        token = httpx.post(
            f"{vendor.base_url}/clients/{account}/token",
            json={"key_id": secret["key_id"], "api_key": secret["api_key"]},
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        numbers = httpx.get(
            f"{vendor.base_url}/clients/{account}/number_management/numbers", headers=headers
        ).json()
        assert ["+" + n["phone_number"] for n in numbers["numbers"]] == [vendor.sample_number]
        logs = httpx.get(
            f"{vendor.base_url}/clients/{account}/openapi/callback-logs/summary",
            params={"from": 0, "to": 9_999_999_999},
            headers=headers,
        )
        assert logs.status_code == 200
    finally:
        vendor.server.stop()
