"""Call personalisation in the Truecaller simulator: record rules, real-time and batch records.

:func:`check_record` applies the sheet's record rules (shared by real-time and batch, v1 and v2)
and then the receiver's device: a receiver marked through ``/_sim/receivers`` fails delivery with
one of the vendor's "Call Reason Errors". A batch record's outcome is decided when the batch is
accepted and revealed when the record's processing time comes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulators.truecaller.context import StateContext
from simulators.truecaller.records import PHONE_NUMBER, Label, epoch_ms, new_id

DELIVERY_FAILURES = (
    "Invalid input",
    "Not a Truecaller user",
    "OS not supported",
    "App version not supported",
    "Failed to push",
)
"""The vendor's delivery-level failure messages."""
INVALID_INPUT = DELIVERY_FAILURES[0]
DAY_MS = 24 * 60 * 60 * 1000

V2_FIELDS = (
    "caller_number",
    "receiver_number",
    "label_id",
    "dynamic_label_name",
    "dynamic_call_reason",
    "starts_at",
    "ends_at",
)
V1_ALIASES = {
    "caller": "caller_number",
    "receiver": "receiver_number",
    "label_name": "dynamic_label_name",
    "call_reason": "dynamic_call_reason",
}
"""Old (v1) field names and their v2 equivalents."""
_REASON_PUNCTUATION = frozenset(" .,-'&():")


@dataclass(frozen=True)
class Outcome:
    """A record's ``status_info``. ``kind`` says what failed: ``validation`` (a field rule;
    ``reason`` is the text after "Request body is invalid: "), ``malformed`` (not a record, or
    unknown keys: "Invalid input") or ``delivery`` (the receiver's device; ``field`` is unset)."""

    status: str
    field: str | None = None
    reason: str | None = None
    kind: str | None = None

    @property
    def message(self) -> str | None:
        if self.reason is None:
            return None
        return (
            f"Request body is invalid: {self.reason}" if self.kind == "validation" else self.reason
        )


def v1_reason(outcome: Outcome) -> str:
    """An outcome's reason in the deprecated API's field names (``caller``, ``label_name``...)."""
    reason = outcome.reason or ""
    for old, new in V1_ALIASES.items():
        reason = reason.replace(new, old)
    return reason


SUCCESS = Outcome("success")
PENDING = Outcome("pending")


@dataclass
class CallRecord:
    """One caller->receiver personalisation, as accepted (values kept for the status views)."""

    id: str
    account_id: str
    batch_id: str | None
    values: dict[str, Any]
    outcome: Outcome
    created_at: datetime
    due_at: float

    def value(self, name: str) -> Any:
        return self.values.get(name)


def _invalid(field: str, reason: str) -> Outcome:
    return Outcome("error", field, reason, "validation")


def _reason_allowed(text: str) -> bool:
    return all(c in _REASON_PUNCTUATION or unicodedata.category(c)[0] in "LMN" for c in text)


def normalise(raw: object, old_names: bool) -> tuple[dict[str, Any], Outcome | None]:
    """The record's values under v2 names, or ``Invalid input`` for a malformed record.

    ``old_names``: the record uses the v1 names (``caller``, ``label_name``...); a v2 record may
    use them as aliases too (the sheet's batch-v2 inconsistency).
    """
    if not isinstance(raw, dict):
        return {}, Outcome("error", reason=INVALID_INPUT, kind="malformed")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        target = V1_ALIASES.get(name, name)
        if target not in V2_FIELDS or (old_names and name in V1_ALIASES.values()):
            return {}, Outcome("error", reason=INVALID_INPUT, kind="malformed")
        values[target] = value
    return values, None


def check_record(
    values: dict[str, Any],
    labels: Mapping[str, Label],
    now_ms: int,
    allow_plus: bool,
    failing_receivers: Mapping[str, str],
) -> Outcome:
    """The sheet's record rules, in order, then the receiver's delivery; normalises numbers."""
    for name in ("caller_number", "receiver_number"):
        number = values.get(name)
        if number is None or number == "":
            return _invalid(name, f"{name} is required")
        if not isinstance(number, str):
            return _invalid(name, f"{name} must be a string")
        digits = number[1:] if allow_plus and number.startswith("+") else number
        if not PHONE_NUMBER.fullmatch(digits):
            return _invalid(name, f"{name} must be a phone number with country code")
        values[name] = digits
    for name in ("starts_at", "ends_at"):
        moment = values.get(name)
        if moment is None:
            return _invalid(name, f"{name} is required")
        if not isinstance(moment, int) or isinstance(moment, bool) or moment < 0:
            return _invalid(name, f"{name} must be epoch milliseconds")
    starts_at, ends_at = values["starts_at"], values["ends_at"]
    if ends_at < now_ms:
        return _invalid("ends_at", "ends_at cannot be older than current time")
    if ends_at <= starts_at:
        return _invalid("ends_at", "ends_at must be greater than starts_at")
    if ends_at - starts_at > DAY_MS:
        return _invalid("ends_at", "starts_at and ends_at cannot be more than 24 hrs apart")
    label_id, label_name = values.get("label_id"), values.get("dynamic_label_name")
    if label_id is None and label_name is None:
        return _invalid("label_id", "label_id or dynamic_label_name is required")
    if label_id is not None:
        label = labels.get(label_id) if isinstance(label_id, str) else None
        if label is None or label.label_type != "dynamic":
            return _invalid("label_id", "label_id is not a dynamic label of this client")
        if label_name is None:
            values["dynamic_label_name"] = label_name = label.name
    if not isinstance(label_name, str) or not 3 <= len(label_name) <= 40:
        return _invalid("dynamic_label_name", "dynamic_label_name length must be between 3 and 40")
    reason = values.get("dynamic_call_reason")
    if reason is not None:
        if not isinstance(reason, str) or not 10 <= len(reason) <= 100:
            return _invalid(
                "dynamic_call_reason", "dynamic_call_reason length must be between 10 and 100"
            )
        if not _reason_allowed(reason):
            return _invalid(
                "dynamic_call_reason", "dynamic_call_reason must not contain special characters"
            )
    failure = failing_receivers.get(values["receiver_number"])
    return Outcome("error", reason=failure, kind="delivery") if failure else SUCCESS


class CallRecords:
    """Real-time and batch records of every account, and the receivers whose delivery fails."""

    def __init__(self, ctx: StateContext) -> None:
        self._ctx = ctx
        self._records: dict[str, CallRecord] = {}
        self._batches: dict[str, tuple[str, list[str]]] = {}
        self._receivers: dict[str, str] = {}

    def set_receiver(self, number: str, failure: str | None) -> None:
        """Make delivery to ``number`` fail with ``failure`` (``None``: deliver normally)."""
        if failure is not None and failure not in DELIVERY_FAILURES:
            raise ValueError(f"failure must be one of {', '.join(DELIVERY_FAILURES)}")
        with self._ctx.lock:
            if failure is None:
                self._receivers.pop(number, None)
            else:
                self._receivers[number] = failure

    def receivers(self) -> dict[str, str]:
        with self._ctx.lock:
            return dict(self._receivers)

    def _check(
        self, raw: object, labels: Mapping[str, Label], old_names: bool, allow_plus: bool
    ) -> tuple[dict[str, Any], Outcome]:
        values, malformed = normalise(raw, old_names)
        if malformed is not None:
            return values, malformed
        now_ms = epoch_ms(self._ctx.now())
        return values, check_record(values, labels, now_ms, allow_plus, self._receivers)

    def realtime(
        self,
        account_id: str,
        raw: object,
        labels: Mapping[str, Label],
        old_names: bool = False,
        batch_id: str | None = None,
    ) -> CallRecord:
        """Validate and deliver one record now (v1 real-time records get a batch id)."""
        with self._ctx.lock:
            values, outcome = self._check(raw, labels, old_names, allow_plus=not old_names)
            record = CallRecord(
                new_id(), account_id, batch_id, values, outcome, self._ctx.now(), self._ctx.clock()
            )
            self._records[record.id] = record
            if batch_id is not None:
                self._batches[batch_id] = (account_id, [record.id])
            return record

    def create_batch(
        self,
        account_id: str,
        raws: list[object],
        labels: Mapping[str, Label],
        old_names: bool = False,
        delay: float | None = None,
    ) -> tuple[str, list[CallRecord]]:
        """Accept a batch; record ``i`` of ``n`` is processed ``delay * (i + 1) / n`` later."""
        with self._ctx.lock:
            if delay is None:
                delay = self._ctx.delays.batch_processing_seconds
            batch_id, start, now = new_id(), self._ctx.clock(), self._ctx.now()
            records = []
            for i, raw in enumerate(raws):
                values, outcome = self._check(raw, labels, old_names, allow_plus=not old_names)
                due = start + delay * (i + 1) / len(raws)
                record = CallRecord(new_id(), account_id, batch_id, values, outcome, now, due)
                self._records[record.id] = record
                records.append(record)
            self._batches[batch_id] = (account_id, [r.id for r in records])
            return batch_id, records

    def batch(self, account_id: str, batch_id: str) -> list[tuple[CallRecord, Outcome]]:
        """The batch's records in submitted order with their current status (``[]`` if foreign)."""
        with self._ctx.lock:
            owner, ids = self._batches.get(batch_id, (None, []))
            if owner != account_id:
                return []
            now = self._ctx.clock()
            return [
                (record, record.outcome if record.due_at <= now else PENDING)
                for record in (self._records[i] for i in ids)
            ]

    def records(self, account_id: str) -> list[tuple[CallRecord, Outcome]]:
        """Every record of an account, oldest first, with its current status."""
        with self._ctx.lock:
            now = self._ctx.clock()
            return [
                (r, r.outcome if r.due_at <= now else PENDING)
                for r in self._records.values()
                if r.account_id == account_id
            ]
