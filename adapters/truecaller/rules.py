"""Truecaller for Business' rules for a personalization record, checked before sending.

From the contract sheet: the display window must not be over and lasts at most 24 hours, a
record names a dynamic label (by id or by name), and the call reason uses a restricted set of
characters. Pure: the caller passes the current time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from contract.caller_id import PersonalizationRecord
from contract.errors import FieldError

MAX_WINDOW = timedelta(hours=24)
CALL_REASON_CHARACTERS = re.compile(r"[\w .,\-'&():]+")


def personalization_problems(record: PersonalizationRecord, now: datetime) -> list[FieldError]:
    """Every rule ``record`` breaks, fields named relative to the record."""
    errors: list[FieldError] = []
    starts, ends = _utc(record.starts_at), _utc(record.ends_at)
    if ends <= now:
        errors.append(FieldError(field="ends_at", message="must not be in the past"))
    if ends <= starts:
        errors.append(FieldError(field="ends_at", message="must be after starts_at"))
    elif ends - starts > MAX_WINDOW:
        errors.append(FieldError(field="ends_at", message="must be at most 24 h after starts_at"))
    if record.label_id is None and record.label_name is None:
        errors.append(FieldError(field="label_id", message="give label_id or label_name"))
    if record.call_reason is not None and not CALL_REASON_CHARACTERS.fullmatch(record.call_reason):
        errors.append(
            FieldError(
                field="call_reason",
                message="only letters, digits, spaces and . , - ' & ( ) : are allowed",
            )
        )
    return errors


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
