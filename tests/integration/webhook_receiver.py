"""A consumer's webhook receiver for tests: a real local HTTP server that records every POST
by path and answers each path's scripted statuses in turn (200 once the script is spent)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Received:
    """One POST the receiver got."""

    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        """The body, parsed."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class WebhookReceiver:
    """An ASGI app recording deliveries per path."""

    received: defaultdict[str, list[Received]] = field(default_factory=lambda: defaultdict(list))
    scripts: defaultdict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    fallback: dict[str, int] = field(default_factory=dict)
    """A path's status once its script is spent (200 unless set)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, *statuses: int, then: int = 200) -> None:
        """Answer ``path``'s next requests with ``statuses``, then always ``then``."""
        with self.lock:
            self.scripts[path].extend(statuses)
            self.fallback[path] = then

    def at(self, path: str) -> list[Received]:
        """What ``path`` received, oldest first (every attempt, whatever it was answered)."""
        with self.lock:
            return list(self.received[path])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        path = scope["path"]
        with self.lock:
            self.received[path].append(
                Received({k.decode(): v.decode() for k, v in scope["headers"]}, body)
            )
            script = self.scripts[path]
            status = script.popleft() if script else self.fallback.get(path, 200)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": f"answered {status}".encode()})


def poll(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 15.0) -> Any:
    """``read()`` until ``done`` says yes, or the deadline passes (the caller asserts)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def truecaller_endpoint(base_url: str, admin: httpx.Client, tenant_id: str) -> str:
    """The tenant's Truecaller inbound URL (unsigned: the token is the check)."""
    put = admin.put(
        f"{base_url}/v1/admin/tenants/{tenant_id}/webhook-endpoints/truecaller", json={}
    )
    assert put.status_code == 200, put.text
    return str(put.json()["url"])


def send_callback_request(endpoint_url: str, event_id: str) -> None:
    """A Truecaller ``cmb`` delivery: the cheapest way to record one event (no vendor read)."""
    now = str(int(time.time()))
    delivery = {
        "event_id": event_id,
        "client_account_id": "acct-tests",
        "event_type": "cmb",
        "created_at": now,
        "cmb_payload": {
            "business_number": "910987654321",
            "client_number": "918765432198",
            "requested_at": now,
            "is_interested": True,
        },
    }
    answer = httpx.post(endpoint_url, json=delivery, timeout=10)
    assert answer.status_code == 200, answer.text
