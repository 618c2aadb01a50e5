"""The rules of the simulated TopCalls for minutes and for one call's lifecycle.

Pure functions on records, called by the state under its lock. Balance (contract §5.1, assumed
arithmetic): ``remaining = plan - used - reserved + welcome_bonus_remaining``, ``total = plan +
welcome_bonus_remaining``; a charge takes the welcome bonus first. A call reserves its
``max_duration`` on creation; when it ends the reservation is released and the time talked,
rounded up to 0.1 minute, is charged (nothing when nobody answered).

Lifecycle (contract §2.1, assumed ordering): ``queued`` -> ``in_progress`` (``call.started``) ->
``completed`` (``call.completed`` once post-processing adds transcript, recording and summary) or
``failed`` (``call.failed`` at once); or ``cancelled`` by stop/cancel (no webhook).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from simulators.topcalls.records import (
    FAILURE_MESSAGES,
    Account,
    Call,
    Speaker,
    TranscriptLine,
)

# --- minutes -----------------------------------------------------------------------------------


def _minutes(value: float) -> float:
    return round(value, 4)


def remaining_minutes(account: Account) -> float:
    """What a new call may still reserve."""
    return _minutes(
        account.plan_minutes
        - account.used_minutes
        - account.reserved_minutes
        + account.welcome_bonus_remaining
    )


def total_minutes(account: Account) -> float:
    """Plan minutes plus the welcome bonus left."""
    return _minutes(account.plan_minutes + account.welcome_bonus_remaining)


def reserve(account: Account, minutes: float) -> None:
    """Hold ``minutes`` for a call that has not ended."""
    account.reserved_minutes = _minutes(account.reserved_minutes + minutes)


def release(account: Account, minutes: float) -> None:
    """Give back a reservation."""
    account.reserved_minutes = _minutes(max(0.0, account.reserved_minutes - minutes))


def charge(account: Account, minutes: float) -> None:
    """Consume ``minutes``: the welcome bonus first, then plan minutes."""
    from_bonus = min(minutes, account.welcome_bonus_remaining)
    account.welcome_bonus_remaining = _minutes(account.welcome_bonus_remaining - from_bonus)
    account.welcome_bonus_used = _minutes(account.welcome_bonus_used + from_bonus)
    account.used_minutes = _minutes(account.used_minutes + minutes - from_bonus)


def billed_minutes(seconds: float) -> float:
    """Talk time in minutes, rounded up to a tenth (at least 0.1 when anything was talked)."""
    if seconds <= 0:
        return 0.0
    return max(0.1, math.ceil(round(seconds / 60 * 10, 6)) / 10)


def format_minutes(value: float) -> str:
    """``10`` or ``3.5``: how a problem ``detail`` writes minutes."""
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


# --- lifecycle ---------------------------------------------------------------------------------


def start(call: Call, now: datetime, talk_seconds: float) -> list[str]:
    """A queued call is dialled; it ends ``talk_seconds`` later (at most ``max_duration``)."""
    call.status, call.call_status, call.started_at = "in_progress", "in-progress", now
    limit = call.spec.max_duration * 60 if call.spec else talk_seconds
    call.due_at = now + timedelta(seconds=min(talk_seconds, limit))
    return ["call.started"]


def end(call: Call, account: Account, now: datetime, post_processing_seconds: float) -> list[str]:
    """The call hangs up with its planned outcome; minutes are settled."""
    plan = call.plan
    call.end_at = now
    _settle(call, account, now if plan.outcome == "completed" else None)
    if plan.outcome == "completed":
        call.status, call.call_status = "completed", "completed"
        call.answered_by = plan.answered_by or "human"
        call.due_at = now + timedelta(seconds=post_processing_seconds)
        return []
    call.status, call.call_status = "failed", plan.outcome
    call.answered_by = plan.answered_by or "unknown"
    call.error_message = FAILURE_MESSAGES[plan.outcome]
    call.due_at, call.completed = None, True
    return ["call.failed"]


def post_process(call: Call, recording_base_url: str) -> list[str]:
    """Transcript, recording and summary are ready; ``completed`` becomes true."""
    started = call.started_at or call.created_at
    ended = call.end_at or started
    call.transcript = _transcript(call, started, ended)
    day = ended.strftime("%Y/%m/%d")
    call.recording_url = f"{recording_base_url}/{call.id}/{day}/mp3"
    call.call_summary = _summary(call)
    call.disposition = call.plan.disposition or "confirmed"
    call.completed, call.due_at = True, None
    return ["call.completed"]


def cancel(call: Call, account: Account, now: datetime) -> None:
    """Stop or cancel: a queued call never rings; an in-progress one is billed for its time."""
    talked = now if call.status == "in_progress" else None
    if call.status == "in_progress":
        call.end_at = now
    _settle(call, account, talked)
    call.status, call.call_status = "cancelled", "cancelled"
    call.due_at, call.completed = None, True


def _settle(call: Call, account: Account, talked_until: datetime | None) -> None:
    release(account, call.reserved)
    call.reserved = 0.0
    seconds = 0.0
    if talked_until is not None and call.started_at is not None:
        seconds = (talked_until - call.started_at).total_seconds()
    call.duration = max(0.01, round(seconds / 60, 2)) if seconds > 0 else 0.0
    call.billed = billed_minutes(seconds)
    charge(account, call.billed)


def _transcript(call: Call, started: datetime, ended: datetime) -> list[TranscriptLine]:
    spec = call.spec
    opening = (spec.first_sentence if spec else None) or "Hi, this is your assistant calling."
    purpose = (spec.task if spec else None) or "I'm calling as we discussed."
    lines: list[tuple[Speaker, str]] = [
        ("assistant", opening),
        ("user", "Yes, hi, who is this?"),
        ("assistant", purpose),
        ("user", "That works for me, thank you."),
    ]
    step = (ended - started) / (len(lines) + 1)
    return [
        TranscriptLine(i + 1, who, text, started + step * i) for i, (who, text) in enumerate(lines)
    ]


def _summary(call: Call) -> str:
    spec = call.spec
    goal = (spec.task if spec else None) or "the scripted conversation"
    return f"Reached the callee and completed the call: {goal}"[:500]
