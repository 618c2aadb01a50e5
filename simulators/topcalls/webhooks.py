"""Webhook delivery of the simulated TopCalls (contract §6.5).

The state queues :class:`Outbound` messages; the app's background task hands them to the
:class:`WebhookDeliverer`, which POSTs them with ``httpx``. A delivery fails on a non-2xx answer,
a transport error or no answer within the timeout; it is retried after each delay of the
configured schedule (counted from the failed attempt) and then marked failed. Every attempt is
logged for ``GET /_sim/webhooks``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

USER_AGENT = "TopCalls-Webhooks/1.0"

DeliveryOutcome = Literal["delivered", "retrying", "failed"]
"""How a delivery attempt ended: delivered, failed with a retry to come, or failed for good."""


CONNECT_SECONDS = 10.0
"""How long a delivery may take to reach the receiver and be sent (not the answer timeout)."""


@dataclass(frozen=True)
class Outbound:
    """One webhook to send: the JSON body is already encoded."""

    url: str
    event: str
    body: bytes
    secret: str | None = None
    call_id: str | None = None
    campaign_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt as logged."""

    delivery_id: str
    url: str
    event: str
    call_id: str | None
    campaign_id: str | None
    attempt: int
    status_code: int | None
    error: str | None
    outcome: DeliveryOutcome
    at: datetime
    body: bytes


@dataclass
class _Pending:
    message: Outbound
    attempt: int
    due: float


def sign(secret: str, body: bytes) -> str:
    """``X-TopCalls-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers_for(message: Outbound, attempt: int) -> dict[str, str]:
    """The request headers of one attempt."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-TopCalls-Event": message.event,
        "X-TopCalls-Delivery": message.id,
        "X-TopCalls-Attempt": str(attempt),
    }
    if message.secret:
        headers["X-TopCalls-Timestamp"] = str(int(time.time()))
        headers["X-TopCalls-Signature"] = sign(message.secret, message.body)
    return headers


def filters_match(filters: Mapping[str, Any] | None, payload: Mapping[str, Any]) -> bool:
    """Subscription filters (contract §6.1): equality, a list means any of, ``%`` is SQL LIKE.

    ``is_conversion`` must already be a key of ``payload``.
    """
    for key, wanted in (filters or {}).items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if not any(_matches(option, payload.get(key)) for option in options):
            return False
    return True


def _matches(wanted: object, actual: object) -> bool:
    if isinstance(wanted, str) and ("%" in wanted or "_" in wanted) and isinstance(actual, str):
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in wanted)
        return re.fullmatch(pattern, actual, re.DOTALL) is not None
    return wanted == actual


class WebhookDeliverer:
    """Pending deliveries with their retry schedule, and the attempt log."""

    def __init__(
        self,
        retry_delays: tuple[float, ...],
        timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.retry_delays = retry_delays
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._log: list[Attempt] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._generation = 0

    def enqueue(self, messages: list[Outbound]) -> None:
        """Send these as soon as the background task runs."""
        with self._lock:
            now = self._clock()
            self._pending.extend(_Pending(m, 1, now) for m in messages)

    def attempts(self) -> list[Attempt]:
        """Every attempt so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear(self) -> None:
        """Forget pending deliveries and the log; attempts under way are not logged."""
        with self._lock:
            self._pending.clear()
            self._log.clear()
            self._generation += 1

    def dispatch_due(self, client: httpx.AsyncClient) -> None:
        """Start every attempt that is due (called by the background task)."""
        with self._lock:
            now = self._clock()
            due = [p for p in self._pending if p.due <= now]
            self._pending = [p for p in self._pending if p.due > now]
            generation = self._generation
        for pending in due:
            task = asyncio.create_task(self._attempt(client, pending, generation))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def aclose(self) -> None:
        """Cancel attempts under way."""
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _attempt(self, client: httpx.AsyncClient, pending: _Pending, generation: int) -> None:
        message = pending.message
        status: int | None = None
        error: str | None = None
        try:
            response = await client.post(
                message.url,
                content=message.body,
                headers=headers_for(message, pending.attempt),
                # How long it waits for the answer; reaching the receiver is not what the
                # vendor times (a 1 ms wait must still deliver, as a slow network would).
                timeout=httpx.Timeout(CONNECT_SECONDS, read=self.timeout_seconds),
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.TimeoutException:
            error = f"timeout after {self.timeout_seconds:g}s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        with self._lock:
            if generation != self._generation:
                return
            retry = error is not None and pending.attempt <= len(self.retry_delays)
            outcome: DeliveryOutcome = (
                "delivered" if error is None else "retrying" if retry else "failed"
            )
            self._log.append(
                Attempt(
                    message.id,
                    message.url,
                    message.event,
                    message.call_id,
                    message.campaign_id,
                    pending.attempt,
                    status,
                    error,
                    outcome,
                    self._now(),
                    message.body,
                )
            )
            if retry:
                delay = self.retry_delays[pending.attempt - 1]
                self._pending.append(_Pending(message, pending.attempt + 1, self._clock() + delay))
