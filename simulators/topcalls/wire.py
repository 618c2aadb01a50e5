"""Wire shapes of the TopCalls simulator: vendor API bodies, webhook bodies and problems.

Shapes follow ``vendor-contracts/topcalls.md`` field for field; the converters build them from
the simulator's records. Times are ISO-8601 UTC with ``Z`` and microseconds (so a call's
``created_at`` is unique and a list cursor never skips or repeats).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import msgspec

from simulators.topcalls import rules
from simulators.topcalls.records import (
    Account,
    Call,
    CallSpec,
)

PROBLEM_CONTENT_TYPE = "application/problem+json"
ERROR_TYPE_BASE = "https://api.topcalls.ai/errors/"
PROBLEM_CODES = {
    400: ("validation_error", "Invalid request"),
    401: ("unauthorized", "Unauthorized"),
    402: ("insufficient_quota", "Insufficient Quota"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not Found"),
    405: ("method_not_allowed", "Method Not Allowed"),
    409: ("conflict", "Conflict"),
    429: ("rate_limited", "Too Many Requests"),
    500: ("internal_error", "Internal Server Error"),
}
"""Status -> (``type`` code, ``title``); other statuses use their HTTP phrase."""


def iso(moment: datetime | None) -> str | None:
    """``2025-12-22T10:30:00.123456Z`` (microseconds only when there are any)."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def encode(value: Any) -> bytes:
    """JSON bytes of a wire Struct."""
    return msgspec.json.encode(value)


def to_builtins(value: msgspec.Struct) -> dict[str, Any]:
    """A Struct as plain JSON-compatible values (for subscription filters)."""
    return msgspec.to_builtins(value)


# --- problems ----------------------------------------------------------------------------------


class ProblemIssue(msgspec.Struct):
    """One zod issue of a 400."""

    path: str
    message: str
    code: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 7807 problem details (contract §1.1); ``errors`` only for validation failures."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemIssue] | None = None


def problem(
    status: int, detail: str | None = None, errors: list[ProblemIssue] | None = None
) -> Problem:
    """A problem body with a fresh ``instance`` id."""
    code, title = PROBLEM_CODES.get(status, (None, None))
    if code is None or title is None:
        phrase = HTTPStatus(status).phrase
        code, title = re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_"), phrase
    return Problem(
        type=ERROR_TYPE_BASE + code,
        title=title,
        status=status,
        detail=detail or title,
        instance=str(uuid.uuid4()),
        errors=errors,
    )


# --- calls -------------------------------------------------------------------------------------


class TranscriptItem(msgspec.Struct):
    id: int
    user: str
    text: str
    created_at: str


class CallCreated(msgspec.Struct):
    """``POST /v1/calls`` (201)."""

    call_id: str
    provider_call_id: str
    status: str = "queued"


class CallOut(msgspec.Struct):
    """``GET /v1/calls/{id}`` (§2.4)."""

    id: str
    account_id: str
    phone_number: str | None
    from_phone_number: str | None
    status: str
    call_status: str | None
    external_call_id: str
    duration: float
    transcript: list[TranscriptItem]
    recording_url: str | None
    call_summary: str | None
    error_message: str | None
    answered_by: str | None
    campaign_id: str | None
    lead_id: str | None
    completed: bool
    created_at: str
    started_at: str | None
    end_at: str | None
    metadata: dict[str, Any]


class CallListItem(msgspec.Struct):
    """An item of ``GET /v1/calls`` (§2.3)."""

    id: str
    created_at: str
    phone_number: str | None
    from_phone_number: str | None
    status: str
    call_status: str | None
    duration: float
    started_at: str | None
    end_at: str | None
    campaign_id: str | None
    lead_id: str | None
    answered_by: str | None
    error_message: str | None
    recording_url: str | None
    transcript: list[TranscriptItem]
    call_summary: str | None
    disposition: str | None
    actual_duration_billed: float


class CallsPage(msgspec.Struct):
    data: list[CallListItem]
    next_cursor: str | None


class OkOut(msgspec.Struct):
    ok: bool = True


class StopOut(msgspec.Struct):
    """``POST /v1/calls/{id}/stop``."""

    ok: bool = True
    status: str = "cancelled"


class CallEvent(msgspec.Struct):
    """Body of a ``call.*`` webhook (§6.4); ``error_message`` only on ``call.failed``."""

    event: str
    call_id: str
    phone_number: str | None
    from_phone_number: str | None
    status: str
    call_status: str | None
    duration: float
    transcript: list[TranscriptItem]
    recording_url: str | None
    call_summary: str | None
    answered_by: str | None
    campaign_id: str | None
    lead_id: str | None
    created_at: str
    started_at: str | None
    end_at: str | None
    disposition: str | None
    metadata: dict[str, Any]
    error_message: str | msgspec.UnsetType = msgspec.UNSET


def _transcript(call: Call) -> list[TranscriptItem]:
    return [TranscriptItem(t.id, t.user, t.text, iso(t.created_at) or "") for t in call.transcript]


def call_out(call: Call) -> CallOut:
    return CallOut(
        id=call.id,
        account_id=call.account_id,
        phone_number=call.phone_number,
        from_phone_number=call.from_phone_number,
        status=call.status,
        call_status=call.call_status,
        external_call_id=call.external_call_id,
        duration=call.duration,
        transcript=_transcript(call),
        recording_url=call.recording_url,
        call_summary=call.call_summary,
        error_message=call.error_message,
        answered_by=call.answered_by,
        campaign_id=call.campaign_id,
        lead_id=call.lead_id,
        completed=call.completed,
        created_at=iso(call.created_at) or "",
        started_at=iso(call.started_at),
        end_at=iso(call.end_at),
        metadata=call.metadata,
    )


def call_list_item(call: Call) -> CallListItem:
    return CallListItem(
        id=call.id,
        created_at=iso(call.created_at) or "",
        phone_number=call.phone_number,
        from_phone_number=call.from_phone_number,
        status=call.status,
        call_status=call.call_status,
        duration=call.duration,
        started_at=iso(call.started_at),
        end_at=iso(call.end_at),
        campaign_id=call.campaign_id,
        lead_id=call.lead_id,
        answered_by=call.answered_by,
        error_message=call.error_message,
        recording_url=call.recording_url,
        transcript=_transcript(call),
        call_summary=call.call_summary,
        disposition=call.disposition,
        actual_duration_billed=call.billed,
    )


def call_event(call: Call, event: str) -> CallEvent:
    return CallEvent(
        event=event,
        call_id=call.id,
        phone_number=call.phone_number,
        from_phone_number=call.from_phone_number,
        status=call.status,
        call_status=call.call_status,
        duration=call.duration,
        transcript=_transcript(call),
        recording_url=call.recording_url,
        call_summary=call.call_summary,
        answered_by=call.answered_by,
        campaign_id=call.campaign_id,
        lead_id=call.lead_id,
        created_at=iso(call.created_at) or "",
        started_at=iso(call.started_at),
        end_at=iso(call.end_at),
        disposition=call.disposition,
        metadata=call.metadata,
        error_message=(call.error_message or "") if event == "call.failed" else msgspec.UNSET,
    )


def call_config(spec: CallSpec, caller: str) -> dict[str, Any]:
    """The configuration part of a call's ``metadata`` (user metadata sits beside it)."""
    config: dict[str, Any] = {
        "mode": spec.mode,
        "voice": spec.voice,
        "model": spec.model,
        "max_duration": spec.max_duration,
        "from_number": caller,
    }
    optional = {
        "task": spec.task,
        "instructions": spec.instructions,
        "first_sentence": spec.first_sentence,
        "temperature": spec.temperature,
        "background_audio": spec.background_audio,
        "background_audio_gain": spec.background_audio_gain,
        "knowledge_base_ids": spec.knowledge_base_ids,
        "request_data": spec.request_data,
        "webhook_url": spec.webhook_url,
    }
    config.update({k: v for k, v in optional.items() if v is not None})
    if spec.webhook_url:
        config["webhook_events"] = list(spec.webhook_events)
    return config


class BalanceOut(msgspec.Struct):
    """``GET /v1/balance`` (§5.1, assumed key names)."""

    balance_type: str
    remaining_minutes: float
    plan_minutes: float
    total_minutes: float
    used_minutes: float
    reserved_minutes: float
    welcome_bonus_used: float
    welcome_bonus_remaining: float


def balance_out(account: Account) -> BalanceOut:
    return BalanceOut(
        balance_type="call_minutes",
        remaining_minutes=round(rules.remaining_minutes(account), 2),
        plan_minutes=round(account.plan_minutes, 2),
        total_minutes=round(rules.total_minutes(account), 2),
        used_minutes=round(account.used_minutes, 2),
        reserved_minutes=round(account.reserved_minutes, 2),
        welcome_bonus_used=round(account.welcome_bonus_used, 2),
        welcome_bonus_remaining=round(account.welcome_bonus_remaining, 2),
    )
