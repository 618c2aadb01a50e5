"""Outgoing HTTP of the Truecaller simulator: business webhooks and verification callbacks.

:class:`WebhookBook` holds the console's webhook configurations and the delivery log;
:class:`Dispatcher` sends in the server's event loop, on the retry schedules of the sheets:

* business webhooks (``cmb``, ``user_feedback``): success is a 2XX with a JSON body (the strict
  switch), anything else is retried after each of ``Delays.webhook_retry_delays_seconds``; the
  configuration is re-read before every attempt, so an edited URL applies to the next retry and a
  deleted one stops delivery (``webhook_not_found``);
* verification callbacks: success is a 2XX; a 5xx, a timeout or a connection failure is retried
  after each of ``Delays.callback_retry_delays_seconds``; any other answer ends delivery.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import msgspec

from simulators.truecaller.context import StateContext
from simulators.truecaller.records import MAX_WEBHOOKS, iso, new_id

EVENT_TYPES = ("cmb", "user_feedback")
VERIFICATION = "verification"


@dataclass
class WebhookConfig:
    """A webhook made on the console's "Manage Webhooks" page."""

    id: str
    account_id: str
    name: str
    url: str
    event_type: str
    created_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One POST of a delivery: the answer's status, or the transport error."""

    number: int
    at: str
    url: str
    status_code: int | None
    error: str | None
    ok: bool


@dataclass
class Delivery:
    """One event (or callback) on its way to one receiver.

    ``status``: ``pending`` (first attempt not answered yet), ``rescheduled_error`` (failed,
    retrying), ``delivered``, ``failed`` (retries exhausted or not retriable) or
    ``webhook_not_found`` (the configuration was deleted meanwhile).
    """

    id: str
    kind: str
    reference: str
    account_id: str | None
    webhook_id: str | None
    url: str
    body: bytes
    status: str = "pending"
    attempts: list[Attempt] = field(default_factory=list)


class WebhookBook:
    """Webhook configurations per account, and every delivery made."""

    def __init__(self, ctx: StateContext) -> None:
        self._ctx = ctx
        self._configs: dict[str, WebhookConfig] = {}
        self._deliveries: dict[str, Delivery] = {}

    def add(self, account_id: str, name: str, url: str, event_type: str) -> WebhookConfig:
        """A webhook (at most five per account, names unique and at most 50 characters)."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"event_type must be one of {', '.join(EVENT_TYPES)}")
        self._check_url(url)
        if not 1 <= len(name) <= 50:
            raise ValueError("a webhook name has 1 to 50 characters")
        with self._ctx.lock:
            mine = self.configs(account_id)
            if len(mine) >= MAX_WEBHOOKS:
                raise ValueError(f"an account holds at most {MAX_WEBHOOKS} webhooks")
            if any(c.name == name for c in mine):
                raise ValueError(f"a webhook named {name!r} exists")
            config = WebhookConfig(new_id(), account_id, name, url, event_type, self._ctx.now())
            self._configs[config.id] = config
            return config

    def _check_url(self, url: str) -> None:
        scheme = url.partition("://")[0].lower()
        allowed = ("https",) if self._ctx.config.webhook_require_https else ("http", "https")
        if scheme not in allowed or "://" not in url:
            raise ValueError(f"webhook URLs must use {' or '.join(allowed)}")

    def update(self, account_id: str, webhook_id: str, url: str) -> WebhookConfig:
        """Point a webhook elsewhere; pending retries use the new URL."""
        self._check_url(url)
        with self._ctx.lock:
            config = self.config(webhook_id)
            if config is None or config.account_id != account_id:
                raise LookupError(f"no webhook {webhook_id} in account {account_id}")
            config.url = url
            return config

    def delete(self, account_id: str, webhook_id: str) -> None:
        with self._ctx.lock:
            config = self._configs.get(webhook_id)
            if config is None or config.account_id != account_id:
                raise LookupError(f"no webhook {webhook_id} in account {account_id}")
            del self._configs[webhook_id]

    def config(self, webhook_id: str) -> WebhookConfig | None:
        with self._ctx.lock:
            return self._configs.get(webhook_id)

    def configs(self, account_id: str, event_type: str | None = None) -> list[WebhookConfig]:
        with self._ctx.lock:
            return [
                c
                for c in self._configs.values()
                if c.account_id == account_id and event_type in (None, c.event_type)
            ]

    def new_delivery(
        self,
        kind: str,
        reference: str,
        url: str,
        body: msgspec.Struct,
        account_id: str | None = None,
        webhook_id: str | None = None,
    ) -> Delivery:
        with self._ctx.lock:
            delivery = Delivery(
                new_id(), kind, reference, account_id, webhook_id, url, msgspec.json.encode(body)
            )
            self._deliveries[delivery.id] = delivery
            return delivery

    def record(self, delivery: Delivery, attempt: Attempt, status: str) -> None:
        with self._ctx.lock:
            delivery.attempts.append(attempt)
            delivery.status = status

    def set_status(self, delivery: Delivery, status: str) -> None:
        with self._ctx.lock:
            delivery.status = status

    def deliveries(self, kind: str | None = None) -> list[Delivery]:
        with self._ctx.lock:
            return [
                d
                for d in self._deliveries.values()
                if kind is None or d.kind == kind or (kind == "webhook" and d.kind in EVENT_TYPES)
            ]

    def clear_deliveries(self) -> None:
        with self._ctx.lock:
            self._deliveries.clear()


class Dispatcher:
    """Sends deliveries from the server's event loop, each in its own task."""

    def __init__(self, ctx: StateContext, book: WebhookBook) -> None:
        self._ctx = ctx
        self.book = book
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def send(self, delivery: Delivery) -> None:
        """Start delivering (call from the event loop)."""
        task = asyncio.get_running_loop().create_task(self._run(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def aclose(self) -> None:
        self.cancel_all()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        return self._client

    async def _run(self, delivery: Delivery) -> None:
        business = delivery.kind != VERIFICATION
        delays = (
            self._ctx.delays.webhook_retry_delays_seconds
            if business
            else self._ctx.delays.callback_retry_delays_seconds
        )
        for number in range(len(delays) + 1):
            if number:
                await asyncio.sleep(delays[number - 1])
            url = delivery.url
            if business and delivery.webhook_id is not None:
                config = self.book.config(delivery.webhook_id)
                if config is None:
                    self.book.set_status(delivery, "webhook_not_found")
                    return
                url = config.url
            attempt, retriable = await self._attempt(number + 1, url, delivery.body, business)
            if attempt.ok:
                self.book.record(delivery, attempt, "delivered")
                return
            last = number == len(delays) or not retriable
            self.book.record(delivery, attempt, "failed" if last else "rescheduled_error")
            if last:
                return

    async def _attempt(
        self, number: int, url: str, body: bytes, business: bool
    ) -> tuple[Attempt, bool]:
        config = self._ctx.config
        if business:
            timeout = httpx.Timeout(
                config.webhook_read_timeout_seconds, connect=config.webhook_connect_timeout_seconds
            )
            total = config.webhook_total_timeout_seconds
        else:
            timeout = httpx.Timeout(config.callback_timeout_seconds)
            total = config.callback_timeout_seconds
        at = iso(self._ctx.now())
        headers = {"Content-Type": "application/json", "User-Agent": "Truecaller-Simulator/1"}
        try:
            async with asyncio.timeout(total):
                response = await self._http().post(
                    url, content=body, headers=headers, timeout=timeout
                )
        except (httpx.HTTPError, TimeoutError) as exc:
            return Attempt(number, at, url, None, type(exc).__name__, False), True
        ok = 200 <= response.status_code < 300
        error = None
        if ok and business and config.webhook_strict_json:
            ok, error = _json_answer(response)
        retriable = business or response.status_code >= 500
        return Attempt(number, at, url, response.status_code, error, ok), retriable


def _json_answer(response: httpx.Response) -> tuple[bool, str | None]:
    if "json" not in response.headers.get("content-type", ""):
        return False, "answer is not application/json"
    try:
        msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return False, "answer body is not JSON"
    return True, None
