"""The TrustCaller simulator over real HTTP, checked against vendor-contracts/trustcaller.md."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from simulators.server import RunningServer, start_in_thread
from simulators.trustcaller.app import SimulatorConfig, SimulatorState, create_simulator_app

UNAUTHENTICATED = {"message": "Unauthenticated."}
UNAUTHORIZED = {"message": "This action is unauthorized."}
CALL_NOT_FOUND = {"error": "not_found", "message": "Call record not found."}
KEY_NOT_FOUND = {"error": "not_found", "message": "API key not found."}
HANG_CAUSES = {
    "NORMAL_CLEARING",
    "USER_BUSY",
    "NO_ANSWER",
    "CALL_REJECTED",
    "NORMAL_TEMPORARY_FAILURE",
}


def _required(field: str, message: str) -> dict[str, Any]:
    return {"message": message, "errors": {field: [message]}}


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
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        return self.api("GET", path, token, params=params)


@pytest.fixture
def sim(trustcaller_sim: RunningServer) -> Iterator[Sim]:
    """A client for the default-configured simulator."""
    client = Sim(trustcaller_sim)
    yield client
    client.http.close()


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


# --- authentication and permissions ------------------------------------------------------------


def test_tokens_permissions_and_evaluation_order(sim: Sim) -> None:
    account = sim.account(calls=0)
    for token in (None, f"{account['key_id']}|{'a' * 40}", "not-a-token"):
        response = sim.get("/numbers", token, per_page=0)
        assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)
    without_accept = sim.http.build_request(
        "GET", "/api/v1/numbers", headers={"Authorization": f"Bearer {account['token']}"}
    )
    del without_accept.headers["Accept"]
    assert sim.http.send(without_accept).status_code == 200

    reader = sim.account(permissions=["api_access"], calls=0)["token"]
    for method, path in (("GET", "/auth/keys"), ("DELETE", "/auth/keys/1")):
        response = sim.api(method, path, reader, json={"name": "x"})
        assert (response.status_code, response.json()) == (403, UNAUTHORIZED)

    no_access = sim.account(permissions=["api_keys_manage"], calls=0)["token"]
    for path in ("/numbers?per_page=0", "/calls/check", "/auth/keys"):
        response = sim.api("GET", path, no_access)
        assert (response.status_code, response.json()) == (403, UNAUTHORIZED)


# --- numbers and pagination --------------------------------------------------------------------


def test_numbers_paginate_with_absolute_links_and_three_meta_keys(sim: Sim) -> None:
    account = sim.account(numbers=5, calls=0)
    token = account["token"]
    base = f"{sim.url}/api/v1/numbers"

    first = sim.get("/numbers", token, per_page=2).json()
    assert first["meta"] == {"current_page": 1, "per_page": 2, "total": 5}
    assert first["links"] == {
        "first": f"{base}?per_page=2&page=1",
        "last": f"{base}?per_page=2&page=3",
        "prev": None,
        "next": f"{base}?per_page=2&page=2",
    }
    item = first["data"][0]
    assert set(item) == {"id", "number", "reserved", "released_at", "ivr_id", "created_at"}
    assert (item["reserved"], item["released_at"]) == (True, None)

    last = sim.get("/numbers", token, per_page=2, page=3).json()
    assert len(last["data"]) == 1
    assert last["links"]["next"] is None
    assert last["links"]["prev"] == f"{base}?per_page=2&page=2"

    everything = sim.get("/numbers", token).json()
    assert everything["meta"] == {"current_page": 1, "per_page": 100, "total": 5}
    numbers = [n["number"] for n in everything["data"]]
    assert numbers == account["numbers"]
    assert all(re.fullmatch(r"[1-9][0-9]{7,14}", n) for n in numbers)
    ids = [n["id"] for n in everything["data"]]
    assert ids == sorted(ids)
    assert [n["id"] for n in first["data"] + last["data"]] == [ids[0], ids[1], ids[4]]

    past = sim.get("/numbers", token, per_page=2, page=9).json()
    assert past["data"] == []
    assert past["meta"] == {"current_page": 9, "per_page": 2, "total": 5}
    assert past["links"]["next"] is None


def test_paging_parameters_are_validated(sim: Sim) -> None:
    token = sim.account(numbers=1, calls=0)["token"]
    between = "The per page field must be between 1 and 1000."
    cases = [
        ({"per_page": 0}, "per_page", between),
        ({"per_page": 1001}, "per_page", between),
        ({"per_page": "ten"}, "per_page", "The per page field must be an integer."),
        ({"page": "x"}, "page", "The page field must be an integer."),
        ({"page": 0}, "page", "The page field must be at least 1."),
    ]
    for params, field, message in cases:
        response = sim.get("/numbers", token, **params)
        assert (response.status_code, response.json()) == (422, _required(field, message))
    both = sim.get("/calls", token, per_page=0, page=0).json()
    assert both["message"] == f"{between} (and 1 more error)"
    assert set(both["errors"]) == {"per_page", "page"}


# --- test numbers ------------------------------------------------------------------------------


def test_test_numbers_filter_by_prefix(sim: Sim) -> None:
    token = sim.account(numbers=1, calls=0)["token"]
    everything = sim.get("/test-numbers", token).json()
    assert everything["count"] == len(everything["data"]) >= 15
    assert everything["filtered_by_prefix"] is None
    assert everything["cached_for_seconds"] == 300
    assert {"8613", "4420", "1202", "4915"} <= {t["prefix"] for t in everything["data"]}

    chinese = sim.get("/test-numbers", token, prefix="8613").json()
    assert chinese["filtered_by_prefix"] == "8613"
    assert chinese["count"] == len(chinese["data"]) > 0
    assert all(t["test_number"].startswith("8613") for t in chinese["data"])
    assert chinese["data"] == [t for t in everything["data"] if t["test_number"].startswith("8613")]

    response = sim.get("/test-numbers", token, prefix="86a")
    assert response.status_code == 422
    assert response.json() == _required("prefix", "The prefix field must only contain digits.")


def test_test_numbers_are_cached_per_prefix_until_expiry(
    sim_with: Callable[[SimulatorConfig], Sim],
) -> None:
    sim = sim_with(SimulatorConfig(test_numbers_cache_seconds=0.2))
    token = sim.account(numbers=1, calls=0)["token"]
    before = sim.get("/test-numbers", token, prefix="4420").json()
    assert before["count"] > 0
    assert before["cached_for_seconds"] == 1

    replaced = {"data": [{"prefix": "4420", "test_number": "442000000001"}]}
    assert sim.http.put("/_sim/test-numbers", json=replaced).status_code == 200
    cached = sim.get("/test-numbers", token, prefix="4420").json()
    assert cached["data"] == before["data"]
    uncached = sim.get("/test-numbers", token, prefix="44").json()
    assert uncached["data"] == replaced["data"]

    time.sleep(0.25)
    assert sim.get("/test-numbers", token, prefix="4420").json()["data"] == replaced["data"]


# --- calls -------------------------------------------------------------------------------------


def _all_calls(sim: Sim, token: str) -> list[dict[str, Any]]:
    body = sim.get("/calls", token, per_page=1000).json()
    assert body["meta"]["total"] == len(body["data"])
    return body["data"]


def test_calls_are_recent_first_masked_consistent_and_filtered_by_day(sim: Sim) -> None:
    account = sim.account()
    calls = _all_calls(sim, account["token"])
    assert len(calls) == 240
    starts = [datetime.fromisoformat(c["start_at"]) for c in calls]
    assert starts == sorted(starts, reverse=True)
    assert (datetime.now(starts[0].tzinfo) - starts[-1]).days <= 30
    assert {c["hang_cause"] for c in calls} == HANG_CAUSES
    for call in calls:
        assert call["start_at"].endswith("+00:00")
        assert re.fullmatch(r"[1-9][0-9]{6,11}XXX", call["caller_id"])
        assert call["number"] in account["numbers"]
        duration = datetime.fromisoformat(call["end_at"]) - datetime.fromisoformat(call["start_at"])
        assert call["duration"] == duration.total_seconds()
        assert call["short_call"] == (call["duration"] < 10)
        if call["hang_cause"] == "NORMAL_CLEARING":
            assert call["call_acceptable"] == (not call["short_call"])
        elif call["hang_cause"] != "NORMAL_TEMPORARY_FAILURE":
            assert call["call_acceptable"] is False
    assert any(c["call_acceptable"] for c in calls)
    assert any(c["short_call"] and c["hang_cause"] == "NORMAL_CLEARING" for c in calls)

    token = account["token"]
    days = sorted({c["start_at"][:10] for c in calls})
    low, high = days[3], days[6]

    one_day = sim.get("/calls", token, per_page=1000, **{"from": low, "to": low}).json()
    assert one_day["meta"]["total"] == sum(c["start_at"][:10] == low for c in calls) > 0
    assert {c["start_at"][:10] for c in one_day["data"]} == {low}

    span = sim.get("/calls", token, per_page=1000, **{"from": low, "to": high}).json()
    expected = [c for c in calls if low <= c["start_at"][:10] <= high]
    assert span["data"] == expected
    since = sim.get("/calls", token, per_page=1, **{"from": high}).json()
    assert since["meta"]["total"] == sum(c["start_at"][:10] >= high for c in calls)
    assert f"from={high}" in since["links"]["next"]

    reversed_range = sim.get("/calls", token, **{"from": high, "to": low})
    assert reversed_range.status_code == 422
    message = "The to field must be a date after or equal to from."
    assert reversed_range.json() == _required("to", message)
    malformed = sim.get("/calls", token, **{"from": "2026-02-30"})
    assert malformed.status_code == 422
    assert malformed.json() == _required("from", "The from field must match the format Y-m-d.")


def test_one_call_and_404_for_unknown_foreign_and_non_integer_ids(sim: Sim) -> None:
    mine = sim.account(calls=12)["token"]
    theirs = sim.account(calls=12)["token"]
    listed = sim.get("/calls", mine, per_page=1).json()["data"][0]
    assert sim.get(f"/calls/{listed['id']}", mine).json() == {"data": listed}

    foreign_id = sim.get("/calls", theirs, per_page=1).json()["data"][0]["id"]
    for call_id in (foreign_id, 1, "abc"):
        response = sim.get(f"/calls/{call_id}", mine)
        assert (response.status_code, response.json()) == (404, CALL_NOT_FOUND)


def test_live_check_is_true_only_while_answered_and_not_ended(sim: Sim) -> None:
    account = sim.account(calls=3)
    token, number = account["token"], account["numbers"][0]
    other = sim.account(calls=0)["token"]

    def received(who: str, value: str) -> bool:
        response = sim.get("/calls/check", who, number=value)
        assert response.status_code == 200
        return response.json()["call_received"]

    live = sim.http.post(
        "/_sim/live-calls", json={"number": number, "caller": "447700900123", "answered": False}
    )
    assert live.status_code == 201
    call_id = live.json()["id"]
    assert received(token, number) is False
    assert sim.http.post(f"/_sim/live-calls/{call_id}/answer").status_code == 200
    assert received(token, number) is True
    assert received(token, f"+{number}") is False
    assert received(other, number) is False

    assert sim.http.post(f"/_sim/live-calls/{call_id}/end").status_code == 200
    assert received(token, number) is False
    newest = sim.get("/calls", token, per_page=1).json()
    assert newest["meta"]["total"] == 4
    assert newest["data"][0]["id"] == call_id
    assert newest["data"][0]["caller_id"] == "447700900XXX"
    assert newest["data"][0]["hang_cause"] == "NORMAL_CLEARING"
    assert sim.http.post(f"/_sim/live-calls/{call_id}/end").status_code == 404

    missing = sim.get("/calls/check", token)
    assert missing.status_code == 422
    assert missing.json() == _required("number", "The number field is required.")


# --- API keys ----------------------------------------------------------------------------------


def test_key_create_list_revoke_lifecycle(sim: Sim) -> None:
    account = sim.account(calls=0)
    token = account["token"]

    created = sim.api("POST", "/auth/keys", token, json={"name": "Production server"})
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Production server"
    assert body["message"] == "Save this token now. It cannot be retrieved later."
    assert re.fullmatch(rf"{body['id']}\|[A-Za-z0-9]{{40}}", body["token"])
    datetime.fromisoformat(body["created_at"])
    assert sim.get("/numbers", body["token"]).status_code == 200

    listed = sim.get("/auth/keys", token).json()
    assert listed["count"] == 2
    assert [k["id"] for k in listed["data"]] == [account["key_id"], body["id"]]
    assert all(set(k) == {"id", "name", "last_used_at", "created_at"} for k in listed["data"])
    assert all(k["last_used_at"] is not None for k in listed["data"])
    assert account["token"] not in created.text + sim.get("/auth/keys", token).text

    revoked = sim.api("DELETE", f"/auth/keys/{body['id']}", token)
    assert (revoked.status_code, revoked.json()) == (200, {"message": "API key revoked."})
    assert sim.get("/numbers", body["token"]).json() == UNAUTHENTICATED
    assert sim.get("/auth/keys", token).json()["count"] == 1
    again = sim.api("DELETE", f"/auth/keys/{body['id']}", token)
    assert (again.status_code, again.json()) == (404, KEY_NOT_FOUND)

    foreign = sim.account(calls=0)["key_id"]
    response = sim.api("DELETE", f"/auth/keys/{foreign}", token)
    assert (response.status_code, response.json()) == (404, KEY_NOT_FOUND)


def test_unused_key_and_key_name_validation(sim: Sim) -> None:
    token = sim.account(calls=0)["token"]
    new_id = sim.api("POST", "/auth/keys", token, json={"name": "n" * 64}).json()["id"]
    keys = {k["id"]: k for k in sim.get("/auth/keys", token).json()["data"]}
    assert keys[new_id]["last_used_at"] is None
    assert keys[new_id]["name"] == "n" * 64

    cases = [
        ({}, "The name field is required."),
        ({"name": "  "}, "The name field is required."),
        ({"name": 5}, "The name field must be a string."),
        ({"name": "n" * 65}, "The name field must not be greater than 64 characters."),
    ]
    for payload, message in cases:
        response = sim.api("POST", "/auth/keys", token, json=payload)
        assert (response.status_code, response.json()) == (422, _required("name", message))


# --- rate limit --------------------------------------------------------------------------------


def test_rate_limit_per_token_with_retry_after(
    sim_with: Callable[[SimulatorConfig], Sim],
) -> None:
    sim = sim_with(SimulatorConfig(rate_limit=3, rate_window_seconds=0.3))
    account = sim.account(numbers=1, calls=0)
    token = account["token"]
    other = sim.account(numbers=1, calls=0)["token"]

    assert sim.get("/numbers", f"{account['key_id']}|{'x' * 40}").status_code == 401
    remaining = [sim.get("/numbers", token).headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]

    limited = sim.get("/numbers", token, per_page=0)
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Attempts."}
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert sim.get("/numbers", other).status_code == 200

    time.sleep(0.35)
    assert sim.get("/numbers", token).status_code == 200
    assert sim.get("/numbers", token, per_page=0).status_code == 422


# --- faults ------------------------------------------------------------------------------------


def test_injected_errors_use_vendor_bodies_expire_and_match_paths(sim: Sim) -> None:
    token = sim.account(numbers=1, calls=2)["token"]
    sim.http.post("/_sim/faults", json={"status": 500, "count": 1})
    sim.http.post("/_sim/faults", json={"status": 429, "count": 1, "retry_after": 7})

    failed = sim.get("/numbers", token)
    assert (failed.status_code, failed.json()) == (500, {"message": "Server Error"})
    throttled = sim.get("/numbers", token)
    assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Attempts."})
    assert throttled.headers["Retry-After"] == "7"
    assert sim.get("/numbers", token).status_code == 200
    assert sim.http.get("/_sim/faults").json() == {"data": []}

    sim.http.post("/_sim/faults", json={"status": 503, "path_prefix": "/calls"})

    assert sim.get("/numbers", token).status_code == 200
    for _ in range(2):
        response = sim.get("/calls", token)
        assert (response.status_code, response.json()) == (503, {"message": "Service Unavailable"})
    assert sim.http.get("/_sim/requests").status_code == 200

    assert sim.http.delete("/_sim/faults").status_code == 204
    assert sim.get("/calls", token).status_code == 200


def test_latency_and_dropped_connection(sim: Sim) -> None:
    token = sim.account(numbers=1, calls=0)["token"]
    sim.http.post("/_sim/faults", json={"latency_ms": 150, "count": 1})
    started = time.perf_counter()
    assert sim.get("/numbers", token).status_code == 200
    assert time.perf_counter() - started >= 0.15

    sim.http.post("/_sim/faults", json={"drop": True, "count": 1})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        sim.get("/numbers", token)
    assert sim.get("/numbers", token).status_code == 200
    assert sim.http.get("/_sim/requests").json()["by_endpoint"] == {"GET /numbers": 3}


# --- routing, counters, reset ------------------------------------------------------------------


def test_unknown_routes_and_request_counters_by_route_template_and_token(sim: Sim) -> None:
    account = sim.account(calls=5)
    token = account["token"]
    call_ids = [c["id"] for c in sim.get("/calls", token).json()["data"][:2]]
    for call_id in call_ids:
        sim.get(f"/calls/{call_id}", token)
    sim.get("/calls/check", token, number=account["numbers"][0])
    sim.get("/numbers")
    assert sim.get("/nowhere", token).json() == {"message": "Not Found."}
    wrong_method = sim.api("POST", "/numbers", token)
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {
        "message": "The POST method is not supported for route api/v1/numbers. "
        "Supported methods: GET, HEAD."
    }

    stats = sim.http.get("/_sim/requests").json()
    assert stats["total"] == 7
    assert stats["by_endpoint"] == {
        "GET /calls": 1,
        "GET /calls/{id}": 2,
        "GET /calls/check": 1,
        "GET /numbers": 1,
        "GET /nowhere": 1,
        "POST /numbers": 1,
    }
    assert stats["by_token_key_id"] == {str(account["key_id"]): 6, "unauthenticated": 1}
    assert stats["peak_per_minute"] == 6

    assert sim.http.delete("/_sim/requests").status_code == 204
    cleared = sim.http.get("/_sim/requests").json()
    assert (cleared["total"], cleared["by_endpoint"], cleared["peak_per_minute"]) == (0, {}, 0)


def test_reset_returns_to_the_initial_state(sim: Sim) -> None:
    token = sim.account(numbers=1, calls=0)["token"]
    sim.http.post("/_sim/faults", json={"status": 500, "path_prefix": "/calls"})
    assert sim.http.post("/_sim/reset").status_code == 204
    assert sim.get("/numbers", token).status_code == 401
    assert sim.http.get("/_sim/faults").json() == {"data": []}
    assert sim.http.get("/_sim/requests").json()["total"] == 1
    assert sim.account(numbers=1, calls=0)["account_id"] == 1


def test_generated_data_is_deterministic_per_seed() -> None:
    def snapshot(seed: int) -> tuple[tuple[str, ...], list[tuple[str, str, int, str]]]:
        state = SimulatorState(SimulatorConfig(seed=seed))
        created = state.create_account(numbers=3, calls=20)
        calls, _ = state.list_calls(created.account_id, None, None, 1, 100)
        return created.numbers, [(c.caller, c.number, c.duration, c.hang_cause) for c in calls]

    assert snapshot(7) == snapshot(7)
    assert snapshot(7) != snapshot(8)
