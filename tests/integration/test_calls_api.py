"""``/v1/calls`` through the gateway, against the simulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from tests.integration.conftest import TenantHandle


def test_calls_are_normalized_most_recent_first(tenant: TenantHandle) -> None:
    response = tenant.client.get("/v1/calls", params={"limit": 50})

    assert response.status_code == 200
    calls = response.json()["data"]
    assert len(calls) == 50
    starts = [c["started_at"] for c in calls]
    assert starts == sorted(starts, reverse=True)
    first = calls[0]
    assert first["id"].startswith("trustcaller:")
    assert first["direction"] == "inbound"
    assert first["to_number"] in tenant.vendor_numbers
    assert first["from_masked"] is True and first["from_number"].endswith("XXX")
    assert first["from_number"].startswith("+")
    started = datetime.fromisoformat(first["started_at"])
    ended = datetime.fromisoformat(first["ended_at"])
    assert first["duration_seconds"] == (ended - started).total_seconds()


def test_cursor_walks_every_call_exactly_once(tenant: TenantHandle) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        body = tenant.client.get("/v1/calls", params=params).json()
        seen.extend(c["id"] for c in body["data"])
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert len(seen) == len(set(seen)) == 240


def test_date_range_filters_on_start_day(tenant: TenantHandle) -> None:
    today = datetime.now(UTC).date()
    since = today - timedelta(days=3)

    response = tenant.client.get(
        "/v1/calls", params={"from_date": since.isoformat(), "to_date": today.isoformat()}
    )

    assert response.status_code == 200
    days = {datetime.fromisoformat(c["started_at"]).date() for c in response.json()["data"]}
    assert days and all(since <= day <= today for day in days)


def test_reversed_or_malformed_date_range_is_422(tenant: TenantHandle) -> None:
    reversed_range = tenant.client.get(
        "/v1/calls", params={"from_date": "2026-05-10", "to_date": "2026-05-01"}
    )
    malformed = tenant.client.get("/v1/calls", params={"from_date": "10/05/2026"})

    assert reversed_range.status_code == malformed.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "query.to_date"
    assert malformed.json()["errors"][0]["field"] == "query.from_date"


def test_one_call_by_id_and_404_for_unknown(tenant: TenantHandle) -> None:
    listed = tenant.client.get("/v1/calls", params={"limit": 1}).json()["data"][0]

    found = tenant.client.get(f"/v1/calls/{listed['id']}")
    missing = tenant.client.get("/v1/calls/trustcaller:1")

    assert found.status_code == 200 and found.json() == listed
    assert missing.status_code == 404
    assert missing.json()["vendor"] == "trustcaller"


def test_live_call_check_follows_a_call_placed_and_ended_on_the_simulator(
    tenant: TenantHandle, sim_control: httpx.Client
) -> None:
    number = tenant.vendor_numbers[0]

    def live(value: str) -> bool:
        response = tenant.client.get("/v1/calls/live", params={"number": value})
        assert response.status_code == 200, response.text
        assert response.json()["number"] == number
        return response.json()["live_call"]

    assert live(number) is False
    call = sim_control.post(
        "/live-calls", json={"number": number.lstrip("+"), "caller": "4915112345678"}
    )
    assert call.status_code == 201
    assert live(number) is True
    assert live(number.lstrip("+")) is True
    assert sim_control.post(f"/live-calls/{call.json()['id']}/end").status_code == 200
    assert live(number) is False
    newest = tenant.client.get("/v1/calls", params={"limit": 1}).json()["data"][0]
    assert newest["to_number"] == number
    assert newest["from_number"] == "+4915112345XXX"


def test_live_call_check_validates_the_number(tenant: TenantHandle) -> None:
    for params in ({"number": "12"}, {"number": "+0123456789"}, {"number": "abc"}, {}):
        response = tenant.client.get("/v1/calls/live", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == "query.number"


def test_a_number_with_a_trailing_newline_is_refused_not_forwarded(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    tenant = make_tenant(name="newline", all_vendors=True)
    task = "Confirm the appointment tomorrow at 3 PM"

    live = tenant.client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0] + "\n"})
    placed = tenant.client.post(
        "/v1/calls", json={"vendor": "topcalls", "to_number": "+4915112345678\n", "task": task}
    )

    assert live.status_code == 422
    assert [e["field"] for e in live.json()["errors"]] == ["query.number"]
    assert placed.status_code == 422
    assert [e["field"] for e in placed.json()["errors"]] == ["body.to_number"]
