"""Subscriptions over the real gateway: events reach a real local receiver, signed per Standard
Webhooks (verified with the ``standardwebhooks`` library), retried on a compressed schedule,
disabled on 410 Gone or failing too long, replayed and redelivered on demand.

Events come from the simulators: a TopCalls call placed through the gateway, or a Truecaller
callback request delivered to the tenant's inbound URL (it needs no vendor read).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from gateway.settings import Settings
from simulators.server import RunningServer, start_in_thread
from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.webhook_receiver import (
    Received,
    WebhookReceiver,
    poll,
    send_callback_request,
    truecaller_endpoint,
)

SCHEDULE = (0.0, 0.2, 0.2, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0)
DISABLE_AFTER = 3.0


@pytest.fixture
def gateway_settings(gateway_settings: Settings) -> Settings:
    """Receivers on loopback over http, and every delivery clock compressed."""
    return gateway_settings.with_policies(
        webhook_allow_http=True,
        webhook_allowed_networks=("127.0.0.0/8",),
        webhook_retry_schedule=SCHEDULE,
        webhook_disable_after_seconds=DISABLE_AFTER,
        webhook_timeout_seconds=2.0,
    )


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    """One receiver for the module; each test uses its own paths."""
    app = WebhookReceiver()
    server: RunningServer = start_in_thread(app)
    yield app, server.url
    server.stop()


@pytest.fixture
def hooks(receiver: tuple[WebhookReceiver, str]) -> tuple[WebhookReceiver, Callable[[], str]]:
    """The receiver, and a maker of fresh paths on it (as full URLs)."""
    app, base = receiver
    return app, lambda: f"{base}/{secrets.token_hex(6)}"


def path_of(url: str) -> str:
    return "/" + url.rsplit("/", 1)[1]


def subscribe(tenant: TenantHandle, url: str, **fields: Any) -> dict[str, Any]:
    made = tenant.client.post("/v1/subscriptions", json={"url": url, **fields})
    assert made.status_code == 201, made.text
    return dict(made.json())


def attempts(tenant: TenantHandle, subscription_id: str) -> list[dict[str, Any]]:
    answer = tenant.client.get(f"/v1/subscriptions/{subscription_id}/deliveries")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def verified(secret: str, got: Received) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(got.body, got.headers)
    return payload


@pytest.fixture
def callbacks(gateway: GatewayStack, make_tenant: Callable[..., TenantHandle]) -> Any:
    """A tenant, and a function recording one callback-request event for it per call."""
    tenant = make_tenant("subs")
    url = truecaller_endpoint(gateway.url, gateway.admin(), tenant.id)
    counter = iter(range(1_000_000))

    def record() -> None:
        send_callback_request(url, f"cmb-{tenant.id}-{next(counter)}")

    return tenant, record


def test_a_call_with_a_webhook_url_sends_it_one_signed_call_completed_equal_to_the_call(
    make_tenant: Callable[..., TenantHandle],
    shared_topcalls_sim: RunningServer,
    hooks: tuple[WebhookReceiver, Callable[[], str]],
) -> None:
    app, new_url = hooks
    tenant = make_tenant("call-hooks", all_vendors=True)
    url = new_url()
    call = {"vendor": "topcalls", "to_number": "+14155550123", "task": "Confirm the visit"}

    refused = tenant.client.post("/v1/calls", json={**call, "webhook_url": url})
    secret = tenant.client.post("/v1/call-webhooks/rotate-secret")
    placed = tenant.client.post("/v1/calls", json={**call, "webhook_url": url})
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["id"]
    got = poll(
        lambda: app.at(path_of(url)),
        lambda got: (
            {"call.queued", "call.started", "call.completed"} <= {r.json["type"] for r in got}
        ),
    )
    record = tenant.client.get(f"/v1/calls/{call_id}").json()

    assert refused.status_code == 409, "no call-webhook secret yet: nothing could sign"
    assert secret.status_code == 200 and secret.json()["secret"].startswith("whsec_")
    events = [verified(secret.json()["secret"], r) for r in got]
    assert all(r.headers["webhook-id"] == e["id"] for r, e in zip(got, events, strict=True))
    completed = [e for e in events if e["type"] == "call.completed"]
    assert len(completed) == 1
    assert completed[0]["subject"] == call_id
    assert completed[0]["data"] == record, "the event carries the Call GET /v1/calls/{id} has"
    assert all(e["subject"] == call_id for e in events), "only this call's events"


def test_a_subscription_is_made_shown_changed_and_removed_its_secret_shown_once(
    tenant: TenantHandle,
) -> None:
    made = subscribe(tenant, "http://127.0.0.1:9/hooks", types=["call.*"], description="CRM")
    sub_id = made["id"]

    shown = tenant.client.get(f"/v1/subscriptions/{sub_id}").json()
    listed = tenant.client.get("/v1/subscriptions").json()["data"]
    changed = tenant.client.patch(
        f"/v1/subscriptions/{sub_id}", json={"types": ["call.completed"], "enabled": False}
    )
    removed = tenant.client.delete(f"/v1/subscriptions/{sub_id}")
    gone = tenant.client.get(f"/v1/subscriptions/{sub_id}")

    assert made["secret"].startswith("whsec_") and made["types"] == ["call.*"]
    assert "secret" not in shown and all("secret" not in s for s in listed)
    assert made["secret"] not in str(listed)
    assert [s["id"] for s in listed] == [sub_id]
    assert changed.status_code == 200, changed.text
    assert (changed.json()["types"], changed.json()["enabled"]) == (["call.completed"], False)
    assert removed.status_code == 204 and gone.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1:9/h", "types": ["call.nonsense"]}, "body.types"),
        ({"url": "http://10.1.2.3/h"}, "body.url"),
        ({"url": "http://169.254.169.254/latest"}, "body.url"),
        ({"url": "ftp://127.0.0.1/h"}, "body.url"),
    ],
)
def test_a_subscription_the_gateway_cannot_honour_is_422(
    tenant: TenantHandle, body: dict[str, Any], field: str
) -> None:
    answer = tenant.client.post("/v1/subscriptions", json=body)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in answer.json()["errors"]}


def test_a_receiver_down_for_a_while_gets_the_event_on_the_schedule_and_the_attempts_are_listed(
    callbacks: Any, hooks: tuple[WebhookReceiver, Callable[[], str]]
) -> None:
    tenant, record = callbacks
    app, new_url = hooks
    url = new_url()
    app.answer(path_of(url), 503, 500, 503)
    sub = subscribe(tenant, url, types=["caller_id.*"])

    record()
    tried = poll(lambda: attempts(tenant, sub["id"]), lambda found: len(found) >= 4)

    assert [a["succeeded"] for a in tried] == [True, False, False, False], "newest first"
    assert [a["status_code"] for a in tried] == [200, 503, 500, 503]
    assert [a["attempt"] for a in tried] == [4, 3, 2, 1]
    assert tried[0]["response_head"] == "answered 200"
    assert all(a["latency_ms"] >= 0 for a in tried)
    times = [datetime.fromisoformat(a["attempted_at"]) for a in reversed(tried)]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(gap >= wait * 0.85 for gap, wait in zip(gaps, SCHEDULE[1:], strict=False)), gaps
    bodies = app.at(path_of(url))
    assert len(bodies) == 4 and len({r.headers["webhook-id"] for r in bodies}) == 1
    assert all(verified(sub["secret"], r)["type"] == "caller_id.callback_requested" for r in bodies)


def test_410_gone_disables_the_subscription_and_records_why(
    callbacks: Any, hooks: tuple[WebhookReceiver, Callable[[], str]]
) -> None:
    tenant, record = callbacks
    app, new_url = hooks
    gone_url = new_url()
    app.answer(path_of(gone_url), then=410)
    sub = subscribe(tenant, gone_url, types=["caller_id.*"])

    record()
    disabled = poll(
        lambda: tenant.client.get(f"/v1/subscriptions/{sub['id']}").json(),
        lambda found: not found["enabled"],
    )
    record()
    news = poll(
        lambda: tenant.client.get("/v1/events", params={"type": "subscription.disabled"}).json(),
        lambda found: found["data"],
    )
    poll(
        lambda: tenant.client.get("/v1/events", params={"type": "caller_id.*"}).json()["data"],
        lambda found: len(found) == 2,
    )

    assert not disabled["enabled"] and "410" in disabled["disabled_reason"]
    assert [e["subject"] for e in news["data"]] == [sub["id"]]
    assert news["data"][0]["data"]["disabled_reason"] == disabled["disabled_reason"]
    assert len(attempts(tenant, sub["id"])) == 1, "nothing is queued for a disabled subscription"


def test_a_subscription_failing_too_long_is_disabled_and_others_hear_of_it(
    callbacks: Any, hooks: tuple[WebhookReceiver, Callable[[], str]]
) -> None:
    tenant, record = callbacks
    app, new_url = hooks
    failing, watcher = new_url(), new_url()
    app.answer(path_of(failing), then=500)
    sub = subscribe(tenant, failing, types=["caller_id.*"])
    watch = subscribe(tenant, watcher, types=["subscription.disabled"])

    record()
    disabled = poll(
        lambda: tenant.client.get(f"/v1/subscriptions/{sub['id']}").json(),
        lambda found: not found["enabled"],
        timeout=DISABLE_AFTER + 10,
    )
    heard = poll(lambda: app.at(path_of(watcher)), lambda got: got)

    assert not disabled["enabled"] and "too long" in disabled["disabled_reason"]
    assert len(attempts(tenant, sub["id"])) >= 2
    (news,) = [verified(watch["secret"], r) for r in heard]
    assert (news["type"], news["subject"], news["vendor"]) == (
        "subscription.disabled",
        sub["id"],
        None,
    )


def test_during_a_secret_rotation_deliveries_carry_both_signatures(
    callbacks: Any, hooks: tuple[WebhookReceiver, Callable[[], str]]
) -> None:
    tenant, record = callbacks
    app, new_url = hooks
    url = new_url()
    sub = subscribe(tenant, url, types=["caller_id.*"])

    rotated = tenant.client.post(f"/v1/subscriptions/{sub['id']}/rotate-secret")
    record()
    (got,) = poll(lambda: app.at(path_of(url)), lambda got: got)

    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    until = datetime.fromisoformat(rotated.json()["previous_valid_until"])
    assert new_secret != sub["secret"] and until > datetime.now(UTC) + timedelta(seconds=30)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verified(sub["secret"], got) == verified(new_secret, got)
    with pytest.raises(WebhookVerificationError):
        verified("whsec_" + "A" * 32, got)


def test_an_event_is_redelivered_and_a_subscription_replayed_since_a_time(
    callbacks: Any, hooks: tuple[WebhookReceiver, Callable[[], str]]
) -> None:
    tenant, record = callbacks
    app, new_url = hooks
    url = new_url()
    sub = subscribe(tenant, url, types=["caller_id.*"])
    since = datetime.now(UTC) - timedelta(seconds=1)
    record()
    record()
    first = poll(lambda: app.at(path_of(url)), lambda got: len(got) == 2)
    event_id = first[0].headers["webhook-id"]

    again = tenant.client.post(f"/v1/events/{event_id}/redeliver")
    redelivered = poll(lambda: app.at(path_of(url)), lambda got: len(got) == 3)
    replayed = tenant.client.post(
        f"/v1/subscriptions/{sub['id']}/replay", json={"since": since.isoformat()}
    )
    after = poll(lambda: app.at(path_of(url)), lambda got: len(got) == 5)

    assert (again.status_code, again.json()) == (202, {"queued": 1})
    assert redelivered[2].headers["webhook-id"] == event_id
    assert (replayed.status_code, replayed.json()) == (202, {"queued": 2})
    ids = sorted(r.headers["webhook-id"] for r in after)
    assert ids == sorted([r.headers["webhook-id"] for r in first] * 2 + [event_id])
    assert all(verified(sub["secret"], r) for r in after)


def test_another_tenants_subscriptions_deliveries_and_events_are_404(
    callbacks: Any,
    make_tenant: Callable[..., TenantHandle],
    hooks: tuple[WebhookReceiver, Callable[[], str]],
) -> None:
    owner, record = callbacks
    app, new_url = hooks
    url = new_url()
    sub = subscribe(owner, url, types=["caller_id.*"])
    record()
    (got,) = poll(lambda: app.at(path_of(url)), lambda got: got)
    intruder = make_tenant("intruder").client
    base = f"/v1/subscriptions/{sub['id']}"

    answers = [
        intruder.get(base),
        intruder.patch(base, json={"enabled": False}),
        intruder.post(f"{base}/rotate-secret"),
        intruder.get(f"{base}/deliveries"),
        intruder.post(f"{base}/replay", json={"since": "2020-01-01T00:00:00Z"}),
        intruder.post(f"/v1/events/{got.headers['webhook-id']}/redeliver"),
        intruder.delete(base),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert intruder.get("/v1/subscriptions").json()["data"] == []
    assert owner.client.get(base).json()["enabled"] is True
    assert len(app.at(path_of(url))) == 1
