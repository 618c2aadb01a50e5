"""State of the TrustCaller simulator: accounts, keys, numbers, CDRs, live calls, test numbers.

Everything the simulated vendor knows lives in one :class:`SimulatorState`. Its methods are the
only way to read or change it and each holds a lock, so tests may seed accounts from their own
thread while the server thread serves requests. Generated data is deterministic for a given seed;
only timestamps move with the clock and token secrets are random.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from simulators.edge import FaultBook, FixedWindowLimiter, RateDecision, RequestLog
from simulators.trustcaller.records import (
    DEFAULT_TEST_NUMBERS,
    Cdr,
    ReservedNumber,
    TestNumber,
    account_rng,
    generate_cdrs,
    generate_numbers,
    whole_seconds,
)

API_ACCESS = "api_access"
API_KEYS_MANAGE = "api_keys_manage"
PERMISSIONS = frozenset({API_ACCESS, API_KEYS_MANAGE})

_SECRET_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class SimulatorConfig:
    """Settings of one simulator instance."""

    rate_limit: int = 60
    """Requests allowed per token in one rate window (the vendor documents 60 per minute)."""
    rate_window_seconds: float = 60.0
    """Length of the fixed rate window, started by the first request of a token."""
    test_numbers_cache_seconds: float = 300.0
    """How long ``GET /test-numbers`` serves cached content per prefix (vendor: 5 minutes)."""
    seed: int = 7
    """Seed of the deterministic data generator (numbers, CDRs, callers)."""
    api_prefix: str = "/api/v1"
    """Path under which the vendor API is served; the vendor base URL is ``host + api_prefix``."""
    history_days: int = 30
    """Generated CDRs start within this many days before the account is created."""

    def __post_init__(self) -> None:
        if self.rate_limit < 1:
            raise ValueError("SimulatorConfig.rate_limit must be at least 1")
        if self.rate_window_seconds <= 0:
            raise ValueError("SimulatorConfig.rate_window_seconds must be positive")
        if self.test_numbers_cache_seconds < 0:
            raise ValueError("SimulatorConfig.test_numbers_cache_seconds must not be negative")
        if not self.api_prefix.startswith("/") or self.api_prefix.endswith("/"):
            raise ValueError("SimulatorConfig.api_prefix must start with '/' and not end with '/'")
        if self.history_days < 1:
            raise ValueError("SimulatorConfig.history_days must be at least 1")


@dataclass
class ApiKey:
    """A personal API key; only the SHA-256 of its secret is kept."""

    id: int
    account_id: int
    name: str
    secret_hash: str
    created_at: datetime
    last_used_at: datetime | None = None


@dataclass
class LiveCall:
    """A call in progress; it becomes a :class:`Cdr` with the same id when it ends."""

    id: int
    account_id: int
    number: str
    caller: str
    started_at: datetime
    answered: bool


@dataclass
class Account:
    """A vendor account with its permissions, numbers and call history (most recent first)."""

    id: int
    name: str
    permissions: set[str]
    numbers: list[ReservedNumber] = field(default_factory=list)
    cdrs: list[Cdr] = field(default_factory=list)


@dataclass(frozen=True)
class CreatedAccount:
    """What :meth:`SimulatorState.create_account` hands back; ``token`` is shown only here."""

    account_id: int
    key_id: int
    token: str
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class CreatedKey:
    """A new API key and its token, shown once."""

    key: ApiKey
    token: str


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SimulatorState:
    """The whole state of one simulated TrustCaller deployment.

    ``clock`` is a monotonic clock for windows and caches, ``now`` the wall clock (UTC) for
    timestamps; tests of the state alone may pass fakes.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config or SimulatorConfig()
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self.faults = FaultBook()
        """Injected faults, applied by the simulator's edge."""
        self.requests = RequestLog(self.config.rate_window_seconds, clock)
        """What the vendor API has seen."""
        self._limiter = FixedWindowLimiter(
            self.config.rate_limit, self.config.rate_window_seconds, clock
        )
        self._init()

    def _init(self) -> None:
        self._accounts: dict[int, Account] = {}
        self._keys: dict[int, ApiKey] = {}
        self._number_owner: dict[str, int] = {}
        self._live: dict[int, LiveCall] = {}
        self._test_numbers = [TestNumber(p, n) for p, n in DEFAULT_TEST_NUMBERS]
        self._test_cache: dict[str, tuple[float, tuple[TestNumber, ...]]] = {}
        self._next = {"account": 1, "key": 1, "number": 12001, "call": 98001}
        self.faults.reset()
        self.requests.reset()
        self._limiter.reset()

    def _take_id(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def reset(self) -> None:
        """Return to the initial state: no accounts, default test numbers, no faults, no counts."""
        with self._lock:
            self._init()

    # --- accounts and keys -------------------------------------------------------------------

    def create_account(
        self,
        name: str = "demo",
        permissions: frozenset[str] = PERMISSIONS,
        numbers: int = 5,
        calls: int = 240,
    ) -> CreatedAccount:
        """Create an account with generated numbers and CDRs, and its first ("dashboard") key."""
        unknown = set(permissions) - PERMISSIONS
        if unknown:
            raise ValueError(f"unknown permissions: {sorted(unknown)}")
        if numbers < 0 or calls < 0:
            raise ValueError("numbers and calls must not be negative")
        if calls and not numbers:
            raise ValueError("an account without numbers cannot have calls")
        with self._lock:
            account = Account(self._take_id("account"), name, set(permissions))
            rng, created = account_rng(self.config.seed, account.id), self._now()
            account.numbers = generate_numbers(
                rng, numbers, created, self._number_owner, lambda: self._take_id("number")
            )
            account.cdrs = generate_cdrs(
                rng,
                account.id,
                [n.number for n in account.numbers],
                calls,
                created,
                self.config.history_days,
                lambda: self._take_id("call"),
            )
            self._number_owner.update((n.number, account.id) for n in account.numbers)
            self._accounts[account.id] = account
            first = self._new_key(account.id, "Dashboard key")
        return CreatedAccount(
            account_id=account.id,
            key_id=first.key.id,
            token=first.token,
            numbers=tuple(n.number for n in account.numbers),
        )

    def set_permissions(self, account_id: int, permissions: Iterable[str]) -> None:
        """Replace an account's permissions (an administrator's action in the dashboard)."""
        wanted = set(permissions)
        if wanted - PERMISSIONS:
            raise ValueError(f"unknown permissions: {sorted(wanted - PERMISSIONS)}")
        with self._lock:
            self._account(account_id).permissions = wanted

    def _account(self, account_id: int) -> Account:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise LookupError(f"no account {account_id}") from None

    def _new_key(self, account_id: int, name: str) -> CreatedKey:
        secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
        key = ApiKey(self._take_id("key"), account_id, name, _hash_secret(secret), self._now())
        self._keys[key.id] = key
        return CreatedKey(key, f"{key.id}|{secret}")

    def create_key(self, account_id: int, name: str) -> CreatedKey:
        """Create another key of an account; its token works at once."""
        with self._lock:
            return self._new_key(account_id, name)

    def list_keys(self, account_id: int) -> list[ApiKey]:
        """The account's live (unrevoked) keys in ascending id order."""
        with self._lock:
            return sorted(
                (k for k in self._keys.values() if k.account_id == account_id), key=lambda k: k.id
            )

    def revoke_key(self, account_id: int, key_id: int) -> bool:
        """Revoke one of the account's keys; False when it is not the account's live key."""
        with self._lock:
            key = self._keys.get(key_id)
            if key is None or key.account_id != account_id:
                return False
            del self._keys[key_id]
            return True

    def _find_key(self, token: str | None) -> ApiKey | None:
        if not token:
            return None
        key_part, sep, secret = token.partition("|")
        if not sep or not key_part.isdigit():
            return None
        key = self._keys.get(int(key_part))
        if key is None or not hmac.compare_digest(key.secret_hash, _hash_secret(secret)):
            return None
        return key

    def identify(self, token: str | None) -> int | None:
        """The key id a token belongs to, without marking it used; None when it is not valid."""
        with self._lock:
            key = self._find_key(token)
            return key.id if key else None

    def authenticate(self, token: str | None) -> tuple[ApiKey, frozenset[str]] | None:
        """Resolve a bearer token to its key and its account's permissions; marks the key used."""
        with self._lock:
            key = self._find_key(token)
            if key is None:
                return None
            key.last_used_at = self._now()
            return key, frozenset(self._account(key.account_id).permissions)

    def hit_rate_limit(self, key_id: int) -> RateDecision:
        """Count one request against the key's fixed window, unless the window is exhausted."""
        return self._limiter.hit(key_id)

    def list_numbers(
        self, account_id: int, page: int, per_page: int
    ) -> tuple[list[ReservedNumber], int]:
        """One page of the account's numbers (ascending id) and the total count."""
        with self._lock:
            numbers = self._account(account_id).numbers
            start = (page - 1) * per_page
            return numbers[start : start + per_page], len(numbers)

    def list_calls(
        self,
        account_id: int,
        date_from: date | None,
        date_to: date | None,
        page: int,
        per_page: int,
    ) -> tuple[list[Cdr], int]:
        """One page of the account's CDRs, most recent first, filtered on the UTC start day."""
        with self._lock:
            matching = [
                cdr
                for cdr in self._account(account_id).cdrs
                if (date_from is None or cdr.start_at.date() >= date_from)
                and (date_to is None or cdr.start_at.date() <= date_to)
            ]
        start = (page - 1) * per_page
        return matching[start : start + per_page], len(matching)

    def get_call(self, account_id: int, call_id: int) -> Cdr | None:
        """The account's CDR with this id, or None (also when another account owns it)."""
        with self._lock:
            return next((c for c in self._account(account_id).cdrs if c.id == call_id), None)

    # --- live calls --------------------------------------------------------------------------

    def start_live_call(self, number: str, caller: str, answered: bool = True) -> LiveCall:
        """A call arriving now on an account's number; raises LookupError for unknown numbers."""
        with self._lock:
            owner = self._number_owner.get(number)
            if owner is None:
                raise LookupError(f"no account owns number {number}")
            call = LiveCall(self._take_id("call"), owner, number, caller, self._now(), answered)
            self._live[call.id] = call
            return call

    def answer_live_call(self, call_id: int) -> LiveCall:
        """Mark a ringing call answered; raises LookupError for unknown or ended calls."""
        with self._lock:
            call = self._live_call(call_id)
            call.answered = True
            return call

    def end_live_call(self, call_id: int) -> Cdr:
        """End a live call; it becomes a CDR of its account with the same id."""
        with self._lock:
            call = self._live_call(call_id)
            del self._live[call_id]
            start = whole_seconds(call.started_at)
            cdr = Cdr(
                id=call.id,
                account_id=call.account_id,
                caller=call.caller,
                number=call.number,
                start_at=start,
                end_at=max(start, whole_seconds(self._now())),
                pdd=600,
                call_unique_id=f"live-{call.id:08x}",
                hang_cause="NORMAL_CLEARING" if call.answered else "NO_ANSWER",
                answered=call.answered,
            )
            cdrs = self._account(call.account_id).cdrs
            cdrs.append(cdr)
            cdrs.sort(key=lambda c: (c.start_at, c.id), reverse=True)
            return cdr

    def _live_call(self, call_id: int) -> LiveCall:
        try:
            return self._live[call_id]
        except KeyError:
            raise LookupError(f"no live call {call_id}") from None

    def call_received(self, account_id: int, number: str) -> bool:
        """Whether an answered, unended call is present on this exact number of the account."""
        with self._lock:
            return any(
                c.account_id == account_id and c.number == number and c.answered
                for c in self._live.values()
            )

    # --- test numbers ------------------------------------------------------------------------

    def test_numbers(self, prefix: str | None) -> tuple[TestNumber, ...]:
        """Test numbers starting with ``prefix``, served from a per-prefix time-based cache."""
        with self._lock:
            now = self._clock()
            cached = self._test_cache.get(prefix or "")
            if cached is not None and now < cached[0]:
                return cached[1]
            found = tuple(t for t in self._test_numbers if t.test_number.startswith(prefix or ""))
            self._test_cache[prefix or ""] = (now + self.config.test_numbers_cache_seconds, found)
            return found

    def replace_test_numbers(self, numbers: Iterable[TestNumber]) -> int:
        """Replace the global list; cached prefixes keep serving old content until they expire."""
        with self._lock:
            self._test_numbers = list(numbers)
            return len(self._test_numbers)
