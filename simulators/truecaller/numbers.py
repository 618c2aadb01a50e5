"""Number management of the Truecaller simulator: asynchronous listing and delisting.

A list or delist request classifies each number at once and queues the accepted ones; a queued
operation takes effect ``Delays.number_processing_seconds`` later. Queued work is applied lazily,
whenever the book is read or written, so the outcome never depends on a background task.

The vendor's rule is kept exactly: while an operation on a number is processing, a new request
for that number is ignored (not queued for later); it must be sent again once the first finishes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from simulators.truecaller.context import StateContext
from simulators.truecaller.directory import Directory
from simulators.truecaller.records import (
    PHONE_NUMBER,
    FeatureSet,
    NumberEntry,
    PendingOperation,
)

VERIFIED = "verified"


class RequestRefused(Exception):
    """A whole request the vendor refuses (answered 400 ``invalid-input``)."""


@dataclass
class Classification:
    """The per-number arrays of a list or delist answer, in the vendor's vocabulary."""

    new_numbers: list[str] = field(default_factory=list)
    existing_numbers: list[str] = field(default_factory=list)
    other_feature_set_numbers: list[str] = field(default_factory=list)
    others_numbers: list[str] = field(default_factory=list)
    other_phonetype_numbers: list[str] = field(default_factory=list)
    invalid_numbers: list[str] = field(default_factory=list)
    processing_numbers: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    """Numbers whose operation was queued (not a vendor field)."""

    @property
    def status(self) -> str:
        return "pending" if self.queued else "failed"


@dataclass(frozen=True)
class NumberFilters:
    """The filters of ``GET .../number_management/numbers``."""

    department_id: str | None = None
    feature_set_id: str | None = None
    operation_id: str | None = None
    process_id: str | None = None

    def matches(self, feature_set: FeatureSet) -> bool:
        return (
            self.department_id in (None, feature_set.department_id)
            and self.feature_set_id in (None, feature_set.id)
            and self.operation_id
            in (None, feature_set.operation_id, feature_set.calling_operation_id)
            and self.process_id in (None, feature_set.process_id, feature_set.sub_process_id)
        )


def _unique(numbers: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(numbers))


class NumberBook:
    """Every number any client account holds; a number belongs to at most one account."""

    def __init__(self, ctx: StateContext, directory: Directory) -> None:
        self._ctx = ctx
        self._directory = directory
        self._numbers: dict[str, NumberEntry] = {}
        self._failing: set[str] = set()

    def _settle(self) -> None:
        now = self._ctx.clock()
        for entry in list(self._numbers.values()):
            operation = entry.operation
            if operation is None or operation.due_at > now:
                continue
            entry.operation = None
            entry.updated_at = self._ctx.now()
            if operation.kind == "list":
                entry.status = "failed" if operation.fails else "listed"
            elif operation.fails:
                entry.status = "listed"
            else:
                del self._numbers[entry.phone_number]

    def _queue(self, entry: NumberEntry, kind: str) -> None:
        entry.operation = PendingOperation(
            kind,
            self._ctx.clock() + self._ctx.delays.number_processing_seconds,
            entry.phone_number in self._failing,
        )
        entry.status = "pending"
        entry.updated_at = self._ctx.now()

    def _check_size(self, numbers: list[str]) -> None:
        limit = self._ctx.config.numbers_per_request
        if not 1 <= len(numbers) <= limit:
            raise RequestRefused(f"phone_numbers must contain between 1 and {limit} numbers")

    def publish(
        self,
        account_id: str,
        feature_set: FeatureSet,
        numbers: list[str],
        created_by_email: str,
        phone_type: str = VERIFIED,
    ) -> Classification:
        """Classify and queue a listing request; publishes the feature set when it queued any."""
        self._check_size(numbers)
        result = Classification()
        with self._ctx.lock:
            self._settle()
            for number in _unique(numbers):
                entry = self._numbers.get(number)
                if not PHONE_NUMBER.fullmatch(number):
                    result.invalid_numbers.append(number)
                elif entry is not None and entry.account_id != account_id:
                    result.others_numbers.append(number)
                elif entry is not None and entry.operation is not None:
                    result.processing_numbers.append(number)
                elif entry is not None and entry.phone_type != phone_type:
                    result.other_phonetype_numbers.append(number)
                elif entry is not None and entry.status == "listed":
                    if entry.feature_set_id == feature_set.id:
                        result.existing_numbers.append(number)
                    else:
                        result.other_feature_set_numbers.append(number)
                else:
                    result.new_numbers.append(number)
            self._check_capacity(account_id, feature_set, result.new_numbers)
            now = self._ctx.now()
            for number in result.new_numbers:
                entry = NumberEntry(
                    number,
                    account_id,
                    feature_set.id,
                    phone_type,
                    "pending",
                    created_by_email,
                    now,
                    now,
                )
                self._numbers[number] = entry
                self._queue(entry, "list")
                result.queued.append(number)
            if result.queued:
                feature_set.status = "published"
                feature_set.updated_at = now
        return result

    def _check_capacity(self, account_id: str, feature_set: FeatureSet, new: list[str]) -> None:
        config = self._ctx.config
        held = [
            e for e in self._numbers.values() if e.account_id == account_id and e.status != "failed"
        ]
        in_set = sum(1 for e in held if e.feature_set_id == feature_set.id)
        if in_set + len(new) > config.feature_set_capacity:
            raise RequestRefused(
                f"feature set cannot hold more than {config.feature_set_capacity} numbers"
            )
        if len(held) + len(new) > config.account_number_cap:
            raise RequestRefused(
                f"client account cannot hold more than {config.account_number_cap} numbers"
            )

    def delist(
        self, account_id: str, feature_set: FeatureSet, numbers: list[str]
    ) -> Classification:
        """Classify and queue a delisting request."""
        self._check_size(numbers)
        result = Classification()
        with self._ctx.lock:
            self._settle()
            for number in _unique(numbers):
                entry = self._numbers.get(number)
                if not PHONE_NUMBER.fullmatch(number):
                    result.invalid_numbers.append(number)
                elif entry is None:
                    result.new_numbers.append(number)
                elif entry.account_id != account_id:
                    result.others_numbers.append(number)
                elif entry.operation is not None:
                    result.processing_numbers.append(number)
                elif entry.feature_set_id != feature_set.id:
                    result.other_feature_set_numbers.append(number)
                else:
                    result.existing_numbers.append(number)
                    self._queue(entry, "delist")
                    result.queued.append(number)
        return result

    def details(
        self, account_id: str, filters: NumberFilters
    ) -> list[tuple[NumberEntry, FeatureSet]]:
        """The account's numbers matching ``filters`` with their feature sets, oldest first."""
        with self._ctx.lock:
            self._settle()
            found = []
            for entry in self._numbers.values():
                if entry.account_id != account_id:
                    continue
                feature_set = self._directory.feature_set(account_id, entry.feature_set_id)
                if feature_set is not None and filters.matches(feature_set):
                    found.append((entry, feature_set))
            found.sort(key=lambda pair: (pair[0].created_at, pair[0].phone_number))
            return found

    # --- control surface ---------------------------------------------------------------------

    def add(
        self,
        account_id: str,
        feature_set: FeatureSet,
        numbers: Iterable[str],
        created_by_email: str,
        status: str = "listed",
        phone_type: str = VERIFIED,
    ) -> list[NumberEntry]:
        """Put numbers straight into a feature set (as if listed long ago); no classification."""
        if status not in ("listed", "failed"):
            raise ValueError("status must be 'listed' or 'failed'")
        with self._ctx.lock:
            self._settle()
            numbers = _unique(numbers)
            for number in numbers:
                if not PHONE_NUMBER.fullmatch(number):
                    raise ValueError(f"{number!r} is not digits with a country code (10-15)")
                entry = self._numbers.get(number)
                if entry is not None and entry.account_id != account_id:
                    raise ValueError(f"{number} belongs to client account {entry.account_id}")
            now = self._ctx.now()
            added = []
            for number in numbers:
                entry = NumberEntry(
                    number,
                    account_id,
                    feature_set.id,
                    phone_type,
                    status,
                    created_by_email,
                    now,
                    now,
                )
                self._numbers[number] = entry
                added.append(entry)
            if status == "listed" and added:
                feature_set.status = "published"
            return added

    def entries(self, account_id: str) -> list[NumberEntry]:
        """Every number of an account, including pending ones, oldest first."""
        with self._ctx.lock:
            self._settle()
            return sorted(
                (e for e in self._numbers.values() if e.account_id == account_id),
                key=lambda e: (e.created_at, e.phone_number),
            )

    def set_failing(self, numbers: Iterable[str], failing: bool) -> list[str]:
        """Make operations queued from now on for ``numbers`` fail (or succeed again)."""
        with self._ctx.lock:
            if failing:
                self._failing.update(numbers)
            else:
                self._failing.difference_update(numbers)
            return sorted(self._failing)

    def remaining(self, entry: NumberEntry) -> float | None:
        """Seconds until an entry's pending operation takes effect."""
        if entry.operation is None:
            return None
        return max(0.0, entry.operation.due_at - self._ctx.clock())
