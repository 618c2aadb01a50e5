"""The record store under the TopCalls simulator's state: settings, keys, balance, idempotency.

:class:`StateCore` holds every record and the lock guarding them; the subclasses in
:mod:`.inventory` and :mod:`.state` add the vendor's operations.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from simulators.edge import FaultBook, FixedWindowLimiter, RateDecision, RequestLog
from simulators.topcalls import wire
from simulators.topcalls.config import SimulatorConfig
from simulators.topcalls.records import (
    Account,
    ApiKey,
    Call,
    Campaign,
    Carrier,
    OutcomePlan,
    PhoneNumber,
    Subscription,
    Voice,
)
from simulators.topcalls.webhooks import WebhookDeliverer

_ALPHANUMERIC = string.ascii_letters + string.digits


class Refusal(Exception):
    """A business rule says no: ``kind`` is the problem code, ``detail`` its text."""

    def __init__(
        self, kind: Literal["not_found", "conflict", "insufficient_quota"], detail: str
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class CreatedAccount:
    """What :meth:`SimulatorState.create_account` hands back."""

    account_id: str
    api_key: str
    read_only_api_key: str
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class StoredResponse:
    """A response kept for idempotent replay."""

    status: int
    body: bytes
    content_type: str


class IdempotencyStore:
    """Responses per (account, key) for a TTL. Arrivals of one key are serialised, so a second
    request waits for the first and replays it instead of acting again."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._stored: dict[tuple[str, str], tuple[float, StoredResponse]] = {}

    def run(
        self, account_id: str, key: str, action: Callable[[], StoredResponse]
    ) -> tuple[StoredResponse, bool]:
        """The stored response and ``True``, or ``action()``'s (stored unless a 400/5xx)."""
        with self._lock:
            now = self._clock()
            self._stored = {k: v for k, v in self._stored.items() if v[0] > now}
            found = self._stored.get((account_id, key))
            if found is not None:
                return found[1], True
            response = action()
            if response.status != 400 and response.status < 500:
                self._stored[(account_id, key)] = (now + self._ttl, response)
            return response, False

    def clear(self) -> None:
        with self._lock:
            self._stored.clear()


def new_id() -> str:
    """A random UUID, as the vendor's ids are."""
    return str(uuid.uuid4())


def random_token(length: int) -> str:
    """Random letters and digits."""
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


class StateCore:
    """Every record of one simulated deployment, the lock guarding them, and the helpers that
    keep their own locks (faults, request log, webhooks, idempotency, rate windows).

    ``clock`` is monotonic (rate windows, idempotency TTL, webhook retries); ``now`` is the UTC
    wall clock that stamps records and drives call lifecycles.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config or SimulatorConfig()
        self._now = now
        self._lock = threading.Lock()
        self.faults = FaultBook()
        self.requests = RequestLog(self.config.rate_window_seconds, clock)
        self.webhooks = WebhookDeliverer(
            self.config.webhook_retry_delays, self.config.webhook_timeout_seconds, clock, now
        )
        self.idempotency = IdempotencyStore(self.config.idempotency_ttl_seconds, clock)
        self._limiter = FixedWindowLimiter(
            self.config.rate_limit, self.config.rate_window_seconds, clock
        )
        self._init_records()

    def _init_records(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._keys: dict[str, ApiKey] = {}
        self._calls: dict[str, Call] = {}
        self._live: set[str] = set()
        self._campaigns: dict[str, Campaign] = {}
        self._numbers: dict[str, PhoneNumber] = {}
        self._carriers: dict[str, Carrier] = {}
        self._voices: dict[str, list[Voice]] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._outcomes: dict[str, OutcomePlan] = {}
        self._last_stamp = datetime.min.replace(tzinfo=UTC)
        self._demo_numbers = 0

    def reset(self) -> None:
        """Back to the initial state: no accounts, faults, counts, outcomes or webhooks."""
        with self._lock:
            self._init_records()
        self.faults.reset()
        self.requests.reset()
        self.webhooks.clear()
        self.idempotency.clear()
        self._limiter.reset()

    def _stamp(self) -> datetime:
        """Now, made strictly later than the previous stamp (cursors rely on unique times)."""
        now = self._now()
        if now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return now

    # --- keys and balance -------------------------------------------------------------------------

    def _new_key(self, account_id: str, read_only: bool) -> ApiKey:
        token = "tc_live_" + random_token(32)
        key = ApiKey(new_id(), account_id, token, read_only)
        self._keys[token] = key
        return key

    def create_key(self, account_id: str, read_only: bool = False) -> ApiKey:
        """Another key of an account."""
        with self._lock:
            self._account(account_id)
            return self._new_key(account_id, read_only)

    def _account(self, account_id: str) -> Account:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise LookupError(f"no account {account_id}") from None

    def authenticate(self, token: str | None) -> ApiKey | None:
        """The key of a bearer token, or ``None``."""
        with self._lock:
            return self._keys.get(token or "")

    def identify(self, token: str | None) -> str | None:
        """The key id of a bearer token, or ``None`` (for the request log)."""
        key = self.authenticate(token)
        return key.id if key else None

    def hit_rate_limit(self, key_id: str) -> RateDecision:
        """Count one request of a key against its fixed window."""
        return self._limiter.hit(key_id)

    def balance(self, account_id: str) -> wire.BalanceOut:
        """``GET /v1/balance``."""
        with self._lock:
            return wire.balance_out(self._account(account_id))

    def set_balance(self, account_id: str, **values: float | None) -> wire.BalanceOut:
        """Overwrite some of an account's balance fields (``None`` leaves one as it is)."""
        with self._lock:
            account = self._account(account_id)
            for name, value in values.items():
                if value is not None:
                    setattr(account, name, float(value))
            return wire.balance_out(account)

    def set_webhook_secret(self, account_id: str, secret: str | None) -> None:
        """Sign the account's webhooks with ``secret`` (``None``: unsigned)."""
        with self._lock:
            self._account(account_id).webhook_secret = secret
