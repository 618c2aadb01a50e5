"""Vendor-side webhook subscriptions (TopCalls) managed through the gateway, over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from simulators.server import start_in_thread
from tests.integration.conftest import TenantHandle


class Receiver:
    """A consumer's endpoint: records every JSON body POSTed to it and answers 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        with self.lock:
            self.bodies.append(json.loads(body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def test_a_subscription_receives_the_vendors_call_events_until_deleted(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    tenant = make_tenant(all_vendors=True)
    receiver = Receiver()
    server = start_in_thread(receiver)
    try:
        created = tenant.client.post(
            "/v1/vendor-webhooks",
            json={"event": "call.completed", "url": server.url + "/hooks"},
        )
        assert created.status_code == 201, created.text
        webhook = created.json()
        assert webhook["id"].startswith("topcalls:") and webhook["vendor"] == "topcalls"
        listed = tenant.client.get("/v1/vendor-webhooks").json()
        assert [w["id"] for w in listed["data"]] == [webhook["id"]]

        call = tenant.client.post(
            "/v1/calls",
            json={"to_number": "+14155550177", "task": "Confirm tomorrow's delivery slot"},
        ).json()
        deadline = time.monotonic() + 10
        native = call["id"].partition(":")[2]
        while not any(b.get("call_id") == native for b in receiver.bodies):
            assert time.monotonic() < deadline, receiver.bodies
            time.sleep(0.1)

        deleted = tenant.client.delete(f"/v1/vendor-webhooks/{webhook['id']}")
        assert deleted.status_code == 204, deleted.text
        assert tenant.client.get("/v1/vendor-webhooks").json()["data"] == []
        assert tenant.client.delete(f"/v1/vendor-webhooks/{webhook['id']}").status_code == 404
    finally:
        server.stop()


def test_a_subscription_for_an_unknown_event_is_refused_before_the_vendor_sees_it(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    tenant = make_tenant(all_vendors=True)

    answer = tenant.client.post(
        "/v1/vendor-webhooks", json={"event": "call.exploded", "url": "https://example.com/h"}
    )

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["body.event"]
