"""State of the Truecaller simulator, and its bearer tokens and rate windows.

:class:`SimulatorState` gathers books split by meaning, all sharing one
:class:`~simulators.truecaller.context.StateContext` (settings, current delays, one
re-entrant lock, the clocks): the directory of accounts, tokens, rate limits, numbers, call
records, Call-Me-Back and feedback events, webhooks and profiles. Every public method of a book
takes the lock, so tests may seed from their own thread while the server thread serves requests.
``reset`` replaces every book, so handlers always reach them through the state.
"""

from __future__ import annotations

import math
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from simulators.edge import FaultBook, RequestLog
from simulators.truecaller.config import SimulatorConfig
from simulators.truecaller.context import Delays, SlidingLimiter, StateContext
from simulators.truecaller.directory import CreatedAccount, Directory
from simulators.truecaller.logs import EventLog, cmb_payload, survey_payload
from simulators.truecaller.numbers import NumberBook
from simulators.truecaller.personalisation import CallRecords
from simulators.truecaller.profile_state import ProfileBook
from simulators.truecaller.records import Token
from simulators.truecaller.webhooks import Dispatcher, WebhookBook

_TOKEN_ALPHABET = string.ascii_letters + string.digits


class BadCredentials(Exception):
    """Unknown key, wrong secret, or a key of another account."""


class CreationLimitReached(Exception):
    """The account made its allowed number of tokens in the current window."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """Who a valid bearer token speaks for."""

    token: str
    account_id: str
    key_id: str
    scopes: frozenset[str]


class TokenIssuer:
    """Exchanges key pairs for bearer tokens within the creation limit, and checks tokens."""

    def __init__(self, ctx: StateContext, directory: Directory) -> None:
        self._ctx = ctx
        self._directory = directory
        self._tokens: dict[str, Token] = {}
        self._windows = SlidingLimiter()
        self.creations: Counter[str] = Counter()
        """Tokens created per client account since the last counter reset."""

    def create(self, account_id: str, key_id: str, api_key: str) -> Token:
        """A new token, or ``BadCredentials`` / ``CreationLimitReached``."""
        config = self._ctx.config
        with self._ctx.lock:
            key = self._directory.find_key(account_id, key_id)
            if key is None or not secrets.compare_digest(key.api_key, api_key):
                raise BadCredentials
            now = self._ctx.clock()
            refused = self._windows.hit(
                "token",
                account_id,
                config.token_creation_limit,
                config.token_creation_window_seconds,
                now,
            )
            if refused is not None:
                raise CreationLimitReached(refused)
            self._purge(now)
            value = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(64))
            token = Token(
                value, account_id, key_id, self._ctx.now(), now + config.token_ttl_seconds
            )
            self._tokens[value] = token
            self.creations[account_id] += 1
            return token

    def _purge(self, now: float) -> None:
        for value in [v for v, t in self._tokens.items() if t.expires_at <= now]:
            del self._tokens[value]

    def authenticate(self, value: str) -> Principal | None:
        """The principal of a live token whose key still exists; ``None`` otherwise."""
        with self._ctx.lock:
            token = self._tokens.get(value)
            if token is None or token.expires_at <= self._ctx.clock():
                return None
            key = self._directory.find_key(token.account_id, token.key_id)
            if key is None:
                return None
            return Principal(value, token.account_id, token.key_id, key.scopes)

    def account_of(self, value: str | None) -> str | None:
        """The account a token was issued for (expired or not), for the request log."""
        with self._ctx.lock:
            token = self._tokens.get(value or "")
            return token.account_id if token else None

    def expire(self, account_id: str) -> int:
        """Expire every token of an account now (a test's shortcut to "please login again")."""
        with self._ctx.lock:
            mine = [t for t in self._tokens.values() if t.account_id == account_id]
            for token in mine:
                token.expires_at = self._ctx.clock()
            return len(mine)

    def live_tokens(self, account_id: str) -> int:
        with self._ctx.lock:
            now = self._ctx.clock()
            return sum(
                1
                for t in self._tokens.values()
                if t.account_id == account_id and t.expires_at > now
            )


class RateLimits:
    """The per-token request limits: real-time, batch and everything else."""

    def __init__(self, ctx: StateContext) -> None:
        self._ctx = ctx
        self._limiter = SlidingLimiter()

    def hit(self, bucket: str, token: str) -> int | None:
        """Count a request of ``token`` in ``bucket``; ``None`` when allowed, else Retry-After."""
        config = self._ctx.config
        limit, width = {
            "realtime": (config.realtime_rate_limit, config.realtime_rate_window_seconds),
            "batch": (config.batch_rate_limit, config.batch_rate_window_seconds),
        }.get(bucket, (config.default_rate_limit, config.default_rate_window_seconds))
        with self._ctx.lock:
            refused = self._limiter.hit(bucket, token, limit, width, self._ctx.clock())
        return None if refused is None else max(1, math.ceil(refused))


@dataclass(frozen=True)
class DemoAccount:
    """The account :meth:`SimulatorState.seed_demo` makes, with its listed number."""

    created: CreatedAccount
    listed_number: str


class SimulatorState:
    """The whole state of one simulated Truecaller deployment (business API and profile flow).

    ``clock`` is monotonic (deadlines and windows), ``now`` the UTC wall clock (what is shown).
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ctx = StateContext(config or SimulatorConfig(), clock, now)
        self.config = self.ctx.config
        self.faults = FaultBook()
        self.log = RequestLog(self.config.realtime_rate_window_seconds, clock)
        self.dispatcher = Dispatcher(self.ctx, WebhookBook(self.ctx))
        self._build()

    def _build(self) -> None:
        ctx = self.ctx
        ctx.delays = Delays.from_config(self.config)
        self.directory = Directory(ctx)
        self.tokens = TokenIssuer(ctx, self.directory)
        self.limits = RateLimits(ctx)
        self.numbers = NumberBook(ctx, self.directory)
        self.calls = CallRecords(ctx)
        self.events = EventLog(ctx)
        self.webhooks = WebhookBook(ctx)
        self.dispatcher.book = self.webhooks
        self.profiles = ProfileBook(ctx)

    def reset(self) -> None:
        """Back to the initial state: no accounts, users, faults, counts or deliveries."""
        with self.ctx.lock:
            self.dispatcher.cancel_all()
            self._build()
            self.faults.reset()
            self.log.reset()

    def reset_counters(self) -> None:
        """Zero the request log and the token-creation counts (limits keep their windows)."""
        with self.ctx.lock:
            self.log.reset()
            self.tokens.creations.clear()

    def seed_demo(self, name: str = "sandbox demo") -> DemoAccount:
        """An account with a listed number, a Call-Me-Back request and a feedback answer."""
        with self.ctx.lock:
            created = self.directory.create_account(name=name)
            feature_set = created.feature_sets[0]
            number = "919876543210"
            self.numbers.add(created.account.id, feature_set, [number], created.account.email)
            now = self.ctx.now()
            self.events.add_cmb(
                created.account.id,
                cmb_payload(number, feature_set.name, "911234567890", now),
            )
            self.events.add_cmb(
                created.account.id,
                cmb_payload(number, feature_set.name, "918765432198", now, is_interested=False),
            )
            self.events.add_feedback(
                created.account.id,
                created.survey,
                survey_payload(created.survey, number, feature_set.name, "911234567890", now),
            )
            return DemoAccount(created, number)
