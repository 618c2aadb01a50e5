"""Records the simulated TrustCaller holds, and how a new account's records are generated.

Generation is deterministic for a given ``random.Random``: the simulator seeds one per account
from its configured seed, so the same seed yields the same numbers, callers and call history
(timestamps are relative to the moment the account is created).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

_CALLER_COUNTRY_CODES = ("1", "44", "49", "33", "86", "91", "61", "34", "39", "31")
_NUMBER_COUNTRY_CODES = ("1", "44", "49", "33")
_UNANSWERED_CAUSES = ("NO_ANSWER", "USER_BUSY", "CALL_REJECTED", "NORMAL_TEMPORARY_FAILURE")

DEFAULT_TEST_NUMBERS: tuple[tuple[str, str], ...] = tuple(
    (prefix, number)
    for prefix, numbers in {
        "8613": ("8613912345678", "8613800138000", "8613700001111", "8613612340000"),
        "4420": ("442079460000", "442079460123", "442038080000", "442071838750"),
        "1202": ("12025550100", "12025550123", "12025550175", "12024561111"),
        "4915": ("4915123456789", "4915212345678", "4915901234567"),
        "3361": ("33612345678", "33611223344"),
        "6140": ("61400123456", "61412345678"),
        "9198": ("919876543210",),
    }.items()
    for number in numbers
)
"""The global test-number list of a fresh simulator: (route prefix, test number)."""


@dataclass(frozen=True)
class ReservedNumber:
    """A number reserved by an account."""

    id: int
    number: str
    ivr_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Cdr:
    """A finished call on one of an account's numbers."""

    id: int
    account_id: int
    caller: str
    number: str
    start_at: datetime
    end_at: datetime
    pdd: int
    call_unique_id: str
    hang_cause: str
    answered: bool

    @property
    def duration(self) -> int:
        """Whole seconds between ``start_at`` and ``end_at``."""
        return int((self.end_at - self.start_at).total_seconds())

    @property
    def short_call(self) -> bool:
        """A call shorter than ten seconds."""
        return self.duration < 10

    @property
    def call_acceptable(self) -> bool:
        """Answered and not short."""
        return self.answered and not self.short_call

    @property
    def masked_caller(self) -> str:
        """The caller with its last three digits replaced by ``X``."""
        return self.caller[:-3] + "X" * min(3, len(self.caller))


@dataclass(frozen=True)
class TestNumber:
    """A public test number and the route prefix it belongs to."""

    prefix: str
    test_number: str


def account_rng(seed: int, account_id: int) -> random.Random:
    """The generator of one account's records; the data is test data, not secrets."""
    return random.Random(seed * 1_000_003 + account_id)  # noqa: S311


def whole_seconds(moment: datetime) -> datetime:
    """The moment without its fraction of a second (the vendor's timestamps have none)."""
    return moment.replace(microsecond=0)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def _phone_number(rng: random.Random, country_codes: Sequence[str], length: int) -> str:
    country = rng.choice(country_codes)
    return country + str(rng.randint(1, 9)) + _digits(rng, length - len(country) - 1)


def generate_numbers(
    rng: random.Random,
    count: int,
    created: datetime,
    taken: Container[str],
    next_id: Callable[[], int],
) -> list[ReservedNumber]:
    """``count`` reserved numbers (15 digits, unique against ``taken``), in ascending id order."""
    numbers: list[ReservedNumber] = []
    while len(numbers) < count:
        number = _phone_number(rng, _NUMBER_COUNTRY_CODES, 15)
        if number in taken or any(n.number == number for n in numbers):
            continue
        ivr_id = rng.randint(100, 999) if rng.random() < 0.4 else None
        reserved_at = whole_seconds(created - timedelta(days=rng.randint(31, 400)))
        numbers.append(ReservedNumber(next_id(), number, ivr_id, reserved_at))
    return numbers


def generate_cdrs(
    rng: random.Random,
    account_id: int,
    numbers: Sequence[str],
    count: int,
    created: datetime,
    history_days: int,
    next_id: Callable[[], int],
) -> list[Cdr]:
    """``count`` finished calls on ``numbers`` within ``history_days`` before ``created``.

    Ids grow with time; the list is most recent first. About a fifth of the calls go unanswered
    and some answered calls are short, so every flag and hang cause occurs.
    """
    if not count:
        return []
    span = history_days * 86_400
    callers = [
        _phone_number(rng, _CALLER_COUNTRY_CODES, rng.randint(10, 13))
        for _ in range(max(1, count // 6))
    ]
    starts = sorted(created - timedelta(seconds=rng.randint(60, span)) for _ in range(count))
    cdrs: list[Cdr] = []
    for moment in starts:
        start = whole_seconds(moment)
        answered = rng.random() < 0.78
        if answered:
            cause = "NORMAL_CLEARING" if rng.random() < 0.95 else "NORMAL_TEMPORARY_FAILURE"
            seconds = rng.randint(1, 9) if rng.random() < 0.15 else rng.randint(10, 900)
        else:
            cause = rng.choice(_UNANSWERED_CAUSES)
            seconds = rng.randint(18, 30) if cause == "NO_ANSWER" else rng.randint(0, 6)
        cdrs.append(
            Cdr(
                id=next_id(),
                account_id=account_id,
                caller=rng.choice(callers),
                number=rng.choice(numbers),
                start_at=start,
                end_at=start + timedelta(seconds=seconds),
                pdd=rng.randint(300, 4000),
                call_unique_id=f"{rng.getrandbits(32):08x}-{rng.getrandbits(48):012x}",
                hang_cause=cause,
                answered=answered,
            )
        )
    cdrs.reverse()
    return cdrs
