"""Call-Me-Back requests and user feedback in the Truecaller simulator, and their downloads.

Events are made through ``/_sim/`` (a user tapping in the Truecaller app has no API); each is kept
for the deprecated downloads and handed to the webhook dispatcher. A download is a CSV snapshot
behind a URL that expires (vendor: 10 minutes).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from simulators.truecaller import wire
from simulators.truecaller.context import StateContext
from simulators.truecaller.records import Survey, epoch_seconds, iso, new_id

_CMB_COLUMNS = (
    "event_id",
    "business_number",
    "feature_set",
    "client_number",
    "requested_at",
    "requested_date",
    "requested_slot",
    "preferred_from_time",
    "preferred_to_time",
    "is_interested",
    "alternate_number",
    "cmb_config_name",
)
_FEEDBACK_COLUMNS = (
    "event_id",
    "survey_name",
    "business_number",
    "feature_set",
    "client_number",
    "requested_at",
    "question",
    "response",
)


@dataclass(frozen=True)
class Download:
    """A CSV file behind a URL; ``expires_at`` is monotonic, ``expires_on`` what is shown."""

    id: str
    kind: str
    content: str
    expires_at: float
    expires_on: datetime


def read_epoch(raw: str) -> float:
    """A ``from``/``to`` value: below 10^12 it is seconds, otherwise milliseconds."""
    value = float(raw)
    return value if value < 10**12 else value / 1000


class EventLog:
    """Every Call-Me-Back and feedback event of every account, and the download files."""

    def __init__(self, ctx: StateContext) -> None:
        self._ctx = ctx
        self._cmb: list[wire.CmbEvent] = []
        self._feedback: list[tuple[str, wire.FeedbackEvent]] = []
        self._downloads: dict[str, Download] = {}

    def add_cmb(self, account_id: str, payload: wire.CmbPayload) -> wire.CmbEvent:
        """Record a call-back request; the event is created when it was requested."""
        with self._ctx.lock:
            event = wire.CmbEvent(new_id(), account_id, "cmb", payload.requested_at, payload)
            self._cmb.append(event)
            return event

    def add_feedback(
        self, account_id: str, survey: Survey, payload: wire.SurveyPayload
    ) -> wire.FeedbackEvent:
        """Record a user's answers to a feedback campaign."""
        with self._ctx.lock:
            event = wire.FeedbackEvent(
                new_id(), account_id, "user_feedback", payload.requested_at, payload
            )
            self._feedback.append((survey.id, event))
            return event

    def cmb_between(self, account_id: str, start: float, end: float) -> list[wire.CmbEvent]:
        with self._ctx.lock:
            return [
                e
                for e in self._cmb
                if e.client_account_id == account_id and start <= int(e.created_at) <= end
            ]

    def feedback_since(
        self, account_id: str, survey_id: str, start: float
    ) -> list[wire.FeedbackEvent]:
        with self._ctx.lock:
            return [
                e
                for sid, e in self._feedback
                if sid == survey_id
                and e.client_account_id == account_id
                and int(e.created_at) >= start
            ]

    def events(self, account_id: str) -> list[wire.CmbEvent | wire.FeedbackEvent]:
        with self._ctx.lock:
            cmb = [e for e in self._cmb if e.client_account_id == account_id]
            feedback = [e for _, e in self._feedback if e.client_account_id == account_id]
            return [*cmb, *feedback]

    # --- downloads -----------------------------------------------------------------------------

    def cmb_download(self, events: list[wire.CmbEvent]) -> Download:
        rows = [msgspec.structs.asdict(e.cmb_payload) | {"event_id": e.event_id} for e in events]
        return self._store("cmb-logs", _csv(_CMB_COLUMNS, rows))

    def feedback_download(self, events: list[wire.FeedbackEvent]) -> Download:
        rows = []
        for event in events:
            survey = event.survey_payload
            base = msgspec.structs.asdict(survey) | {
                "event_id": event.event_id,
                "survey_name": survey.name,
            }
            for answer in survey.user_responses:
                rows.append(base | {"question": answer.question, "response": answer.response})
        return self._store("feedback-reports", _csv(_FEEDBACK_COLUMNS, rows))

    def _store(self, kind: str, content: str) -> Download:
        ttl = self._ctx.config.download_url_ttl_seconds
        with self._ctx.lock:
            download = Download(
                new_id(),
                kind,
                content,
                self._ctx.clock() + ttl,
                self._ctx.now() + timedelta(seconds=ttl),
            )
            self._downloads[download.id] = download
            return download

    def download(self, kind: str, download_id: str) -> Download | None:
        """The file, ``None`` when unknown; callers check ``expires_at`` themselves."""
        with self._ctx.lock:
            found = self._downloads.get(download_id)
            return found if found is not None and found.kind == kind else None

    def expired(self, download: Download) -> bool:
        return download.expires_at <= self._ctx.clock()


def expires_text(download: Download) -> str:
    return iso(download.expires_on)


def _csv(columns: tuple[str, ...], rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: object) -> object:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else value


def cmb_payload(
    business_number: str,
    feature_set: str,
    client_number: str,
    now: datetime,
    slot: bool = True,
    is_interested: bool = True,
    alternate_number: str = "",
    cmb_config_name: str = "CMBName",
) -> wire.CmbPayload:
    """A call-back request made ``now``: with a slot picker the user picks tomorrow, 30 minutes
    from 10:00 UTC; without one (or when not interested) date and slot are ``NA``."""
    picked = slot and is_interested
    day = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    return wire.CmbPayload(
        business_number=business_number,
        feature_set=feature_set,
        client_number=client_number,
        requested_at=epoch_seconds(now),
        requested_date=day.strftime("%Y-%m-%d") if picked else "NA",
        requested_slot=day.strftime("%A") if picked else "NA",
        preferred_from_time=epoch_seconds(day) if picked else None,
        preferred_to_time=epoch_seconds(day + timedelta(minutes=30)) if picked else None,
        is_interested=is_interested,
        alternate_number=alternate_number,
        cmb_config_name=cmb_config_name,
    )


def survey_payload(
    survey: Survey,
    business_number: str,
    feature_set: str,
    client_number: str,
    now: datetime,
    responses: list[str] | None = None,
) -> wire.SurveyPayload:
    """A user's answers to ``survey``; ``business_number`` gets the ``+`` the vendor sends here."""
    answers = responses or [str(5 - i % 5) for i in range(len(survey.questions))]
    return wire.SurveyPayload(
        name=survey.name,
        business_number="+" + business_number.removeprefix("+"),
        feature_set=feature_set,
        client_number=client_number,
        requested_at=epoch_seconds(now),
        user_responses=[
            wire.UserResponse(q, a) for q, a in zip(survey.questions, answers, strict=False)
        ],
    )
