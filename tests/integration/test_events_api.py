"""Vendor webhooks in, one event log out: over the simulators and the real gateway.

TopCalls signs its deliveries with the account's webhook secret; Truecaller signs nothing, so the
URL's token and the body's shape are the check. Every delivery is stored before it is answered
and becomes exactly one event however often the vendor sends it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx
import pytest

from simulators.server import RunningServer
from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.webhook_receiver import poll

SIGNING_SECRET = "topcalls-webhook-secret-for-tests"


def endpoint(gateway: GatewayStack, tenant: TenantHandle, vendor: str, **settings: Any) -> str:
    answer = gateway.admin().put(
        f"/v1/admin/tenants/{tenant.id}/webhook-endpoints/{vendor}", json=settings
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["signed"] is bool(settings.get("signing_secret"))
    return str(answer.json()["url"])


def events(tenant: TenantHandle, **params: Any) -> list[dict[str, Any]]:
    answer = tenant.client.get("/v1/events", params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def stored_deliveries(gateway: GatewayStack) -> list[tuple[str, str]]:
    """(vendor, state) of every raw delivery in the embedded system of record."""
    path = gateway.data_dir / "gateway.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT vendor, state FROM inbound_webhooks").fetchall()


def signed(body: bytes, secret: str = SIGNING_SECRET, at: float | None = None) -> dict[str, str]:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-TopCalls-Signature": signature,
        "X-TopCalls-Timestamp": str(int(at if at is not None else time.time())),
    }


@pytest.fixture
def topcalls_tenant(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    shared_topcalls_sim: RunningServer,
) -> Iterator[tuple[TenantHandle, str]]:
    """A tenant with every vendor, a signed TopCalls endpoint, and its simulator account signing
    with the same secret."""
    tenant = make_tenant("events", all_vendors=True)
    url = endpoint(gateway, tenant, "topcalls", signing_secret=SIGNING_SECRET)
    account = (tenant.topcalls_account or {})["account_id"]
    control = shared_topcalls_sim.url + f"/_sim/accounts/{account}/webhook-secret"
    assert httpx.put(control, json={"webhook_secret": SIGNING_SECRET}).status_code == 200
    yield tenant, url


def test_a_call_placed_through_the_gateway_reports_its_events_in_the_log(
    topcalls_tenant: tuple[TenantHandle, str],
) -> None:
    tenant, _ = topcalls_tenant
    placed = tenant.client.post(
        "/v1/calls",
        json={"vendor": "topcalls", "to_number": "+14155550123", "task": "Confirm the visit"},
    )
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["id"]

    completed = poll(
        lambda: events(tenant, type="call.completed", subject=call_id), lambda found: found
    )
    timeline = poll(
        lambda: events(tenant, type="call.*", subject=call_id), lambda found: len(found) >= 3
    )
    call = tenant.client.get(f"/v1/calls/{call_id}").json()

    assert len(completed) == 1
    assert completed[0]["data"] == call, "the event carries the Call that GET /v1/calls/{id} has"
    assert completed[0]["vendor"] == "topcalls" and completed[0]["tenant_id"] == tenant.id
    assert [e["type"] for e in timeline] == ["call.completed", "call.started", "call.queued"]
    assert tenant.client.get(f"/v1/events/{completed[0]['id']}").json() == completed[0]


def test_a_delivery_sent_again_and_raced_is_one_event(
    topcalls_tenant: tuple[TenantHandle, str],
) -> None:
    tenant, url = topcalls_tenant
    call_id = tenant.client.get("/v1/calls", params={"vendor": "topcalls"}).json()["data"][0]["id"]
    body = json.dumps(
        {"event": "call.completed", "call_id": call_id.split(":", 1)[1], "status": "completed"}
    ).encode()

    first = httpx.post(url, content=body, headers=signed(body))
    with ThreadPoolExecutor(max_workers=6) as pool:
        again = list(
            pool.map(lambda _: httpx.post(url, content=body, headers=signed(body)), range(6))
        )
    found = poll(
        lambda: events(tenant, type="call.completed", subject=call_id), lambda found: found
    )
    time.sleep(0.3)  # any duplicate would be recorded by now

    assert first.status_code == 200 and first.json() == {"status": "ok"}
    assert [a.status_code for a in again] == [200] * 6
    assert len(found) == 1
    assert len(events(tenant, type="call.completed", subject=call_id)) == 1


@pytest.mark.parametrize(
    ("headers_for", "reason"),
    [
        (lambda body: signed(body, secret="not-the-secret"), "bad signature"),
        (lambda body: signed(body, at=time.time() - 3600), "stale timestamp"),
        (lambda body: {"Content-Type": "application/json"}, "no signature"),
    ],
)
def test_a_delivery_that_is_not_the_vendors_is_401_and_not_stored(
    gateway: GatewayStack,
    topcalls_tenant: tuple[TenantHandle, str],
    headers_for: Callable[[bytes], dict[str, str]],
    reason: str,
) -> None:
    tenant, url = topcalls_tenant
    body = json.dumps({"event": "call.completed", "call_id": "forged"}).encode()

    answer = httpx.post(url, content=body, headers=headers_for(body))

    assert answer.status_code == 401, reason
    assert answer.headers["content-type"] == "application/problem+json"
    assert stored_deliveries(gateway) == []
    assert events(tenant) == []


def test_an_unknown_or_rotated_url_is_404(
    gateway: GatewayStack, topcalls_tenant: tuple[TenantHandle, str]
) -> None:
    tenant, url = topcalls_tenant
    body = json.dumps({"event": "call.completed", "call_id": "x"}).encode()
    rotated = gateway.admin().post(
        f"/v1/admin/tenants/{tenant.id}/webhook-endpoints/topcalls/rotate"
    )
    assert rotated.status_code == 200, rotated.text

    old = httpx.post(url, content=body, headers=signed(body))
    guessed = httpx.post(url.rsplit("/", 1)[0] + "/whk_guessed", content=body, headers=signed(body))
    other_vendor = httpx.post(
        url.replace("/topcalls/", "/truecaller/"), content=body, headers=signed(body)
    )

    assert rotated.json()["url"] != url
    assert [old.status_code, guessed.status_code, other_vendor.status_code] == [404] * 3
    assert stored_deliveries(gateway) == []


def test_a_malformed_delivery_is_400_and_kept_for_inspection(
    gateway: GatewayStack, topcalls_tenant: tuple[TenantHandle, str]
) -> None:
    tenant, url = topcalls_tenant
    body = json.dumps({"event": "call.completed"}).encode()

    answer = httpx.post(url, content=body, headers=signed(body))

    assert answer.status_code == 400
    assert "call_id" in answer.json()["detail"]
    assert stored_deliveries(gateway) == [("topcalls", "malformed")]
    assert events(tenant) == []


def test_a_delivery_in_another_media_type_is_415_and_not_stored(
    gateway: GatewayStack, topcalls_tenant: tuple[TenantHandle, str]
) -> None:
    _, url = topcalls_tenant
    body = json.dumps({"event": "call.completed", "call_id": "c-1"}).encode()

    answer = httpx.post(url, content=body, headers={**signed(body), "Content-Type": "text/plain"})

    assert answer.status_code == 415
    assert stored_deliveries(gateway) == []


def test_an_unknown_vendor_event_is_kept_as_unmapped(
    topcalls_tenant: tuple[TenantHandle, str],
) -> None:
    tenant, url = topcalls_tenant
    body = json.dumps({"event": "call.transferred", "call_id": "c-1", "to": "+1555"}).encode()

    assert httpx.post(url, content=body, headers=signed(body)).status_code == 200
    found = poll(lambda: events(tenant, type="vendor.unmapped"), lambda found: found)

    assert len(found) == 1
    assert found[0]["data"]["vendor_event_type"] == "call.transferred"
    assert found[0]["data"]["payload"]["to"] == "+1555"


@pytest.fixture
def truecaller_tenant(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    shared_truecaller_sim: RunningServer,
) -> tuple[TenantHandle, httpx.Client]:
    """A tenant whose Truecaller account sends cmb and user_feedback webhooks to the gateway."""
    tenant = make_tenant("tc-events", all_vendors=True)
    url = endpoint(gateway, tenant, "truecaller")
    account = (tenant.truecaller_account or {})["client_account_id"]
    control = httpx.Client(base_url=shared_truecaller_sim.url + f"/_sim/accounts/{account}")
    for kind in ("cmb", "user_feedback"):
        made = control.post("/webhooks", json={"name": kind, "url": url, "event_type": kind})
        assert made.status_code == 201, made.text
    return tenant, control


def rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def test_truecaller_callback_requests_and_feedback_become_unified_events(
    truecaller_tenant: tuple[TenantHandle, httpx.Client],
) -> None:
    tenant, control = truecaller_tenant
    feature_set = (tenant.truecaller_account or {})["feature_sets"][0]["name"]
    place = {"business_number": "910987654321", "feature_set": feature_set}
    assert control.post("/cmb", json={**place, "client_number": "918765432198"}).status_code == 201
    assert control.post("/feedback", json=place).status_code == 201

    callbacks = poll(
        lambda: events(tenant, type="caller_id.callback_requested"), lambda found: found
    )
    feedback = poll(lambda: events(tenant, type="caller_id.feedback_received"), lambda f: f)

    callback = callbacks[0]["data"]
    assert len(callbacks) == 1 and callbacks[0]["vendor"] == "truecaller"
    assert callback["caller_number"] == "+918765432198"
    assert callback["business_number"] == "+910987654321"
    assert callback["feature_set"] == feature_set
    rfc3339(callback["requested_at"])
    rfc3339(callbacks[0]["occurred_at"])
    answer = feedback[0]["data"]
    assert answer["business_number"] == "+910987654321"
    assert answer["caller_number"] == "+911234567890"
    assert answer["answers"] and all(set(a) == {"question", "response"} for a in answer["answers"])
    rfc3339(answer["answered_at"])


def test_a_truecaller_delivery_of_another_shape_is_refused(
    gateway: GatewayStack, truecaller_tenant: tuple[TenantHandle, httpx.Client]
) -> None:
    tenant, _ = truecaller_tenant
    url = gateway.admin().get(f"/v1/admin/tenants/{tenant.id}/webhook-endpoints").json()["data"]
    truecaller_url = next(e["url"] for e in url if e["vendor"] == "truecaller")

    answer = httpx.post(truecaller_url, json={"event_type": "cmb", "hello": "world"})

    assert answer.status_code == 400
    assert ("truecaller", "malformed") in stored_deliveries(gateway)


def test_another_tenants_url_never_lands_an_event_in_this_tenant(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    truecaller_tenant: tuple[TenantHandle, httpx.Client],
) -> None:
    owner, _ = truecaller_tenant
    other = make_tenant("other", all_vendors=True)
    other_url = endpoint(gateway, other, "truecaller")
    account = (owner.truecaller_account or {})["client_account_id"]
    delivery = {
        "event_id": "e5b7c0de-0000-4000-8000-000000000001",
        "client_account_id": account,
        "event_type": "cmb",
        "created_at": str(int(time.time())),
        "cmb_payload": {
            "business_number": "910987654321",
            "client_number": "918765432198",
            "requested_at": str(int(time.time())),
            "is_interested": True,
        },
    }

    assert httpx.post(other_url, json=delivery).status_code == 200
    landed = poll(lambda: events(other, type="caller_id.*"), lambda found: found)

    assert len(landed) == 1 and landed[0]["tenant_id"] == other.id
    assert events(owner) == []
    assert owner.client.get(f"/v1/events/{landed[0]['id']}").status_code == 404


def test_the_event_log_filters_and_pages(
    truecaller_tenant: tuple[TenantHandle, httpx.Client],
) -> None:
    tenant, control = truecaller_tenant
    feature_set = (tenant.truecaller_account or {})["feature_sets"][0]["name"]
    place = {"business_number": "910987654321", "feature_set": feature_set}
    for _ in range(3):
        assert control.post("/cmb", json=place).status_code == 201
    poll(lambda: events(tenant), lambda found: len(found) == 3)

    first = tenant.client.get("/v1/events", params={"limit": 2}).json()
    rest = tenant.client.get("/v1/events", params={"limit": 2, "cursor": first["next_cursor"]})
    none = tenant.client.get("/v1/events", params={"type": "call.*"}).json()
    bad = tenant.client.get("/v1/events", params={"type": "calls.made"})

    assert len(first["data"]) == 2 and first["next_cursor"]
    assert len(rest.json()["data"]) == 1 and rest.json()["next_cursor"] is None
    assert none["data"] == []
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.type"
