"""Truecaller for Business' webhooks read into unified events (contract sheet §7).

Truecaller does not sign deliveries: the URL registered on its console carries the unguessable
token, and a delivery must have the documented envelope exactly (``event_id``, the client
account, the event type, an epoch-seconds ``created_at`` and the payload of that type). The
``event_id`` is the identity: Truecaller retries up to seven times, and each retry is one event.
Numbers come digits-only (the feedback business number with ``+``) and times as epoch-seconds
strings; events carry E.164 and RFC 3339.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.truecaller.translate import VENDOR
from adapters.webhooks import InboundEvent, MalformedWebhook
from contract.events import (
    CallbackRequest,
    EventType,
    FeedbackAnswer,
    FeedbackReceived,
    UnmappedVendorEvent,
)
from contract.phone import InvalidNumber, parse_e164

NOT_AVAILABLE = ("Phone number not available", "", "NA")


class CmbPayload(msgspec.Struct, frozen=True):
    """``cmb_payload``: a Call-Me-Back request."""

    business_number: str
    client_number: str
    requested_at: str
    is_interested: bool
    feature_set: str | None = None
    requested_date: str | None = None
    requested_slot: str | None = None
    preferred_from_time: str | None = None
    preferred_to_time: str | None = None
    alternate_number: str | None = None
    cmb_config_name: str | None = None


class SurveyResponse(msgspec.Struct, frozen=True):
    """One answered question."""

    question: str
    response: str


class SurveyPayload(msgspec.Struct, frozen=True):
    """``survey_payload``: a feedback survey answered."""

    name: str
    business_number: str
    client_number: str
    requested_at: str
    user_responses: list[SurveyResponse]
    feature_set: str | None = None


class Envelope(msgspec.Struct, frozen=True):
    """Every Truecaller webhook."""

    event_id: str
    client_account_id: str
    event_type: str
    created_at: str
    cmb_payload: CmbPayload | None = None
    survey_payload: SurveyPayload | None = None


class TruecallerWebhooks:
    """Reads Truecaller's ``cmb`` and ``user_feedback`` webhooks."""

    vendor = VENDOR
    signs = False
    call_events: tuple[str, ...] = ()

    def authenticate(
        self, headers: Mapping[str, str], body: bytes, signing_secret: str | None, now: datetime
    ) -> None:
        """Nothing to check beyond the URL token: Truecaller signs nothing."""

    def read(self, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """One event per delivery; anything but the documented envelope is malformed."""
        try:
            envelope = msgspec.json.decode(body, type=Envelope)
        except msgspec.DecodeError as exc:
            raise MalformedWebhook(f"not a Truecaller webhook: {exc}") from None
        if not envelope.event_id:
            raise MalformedWebhook("the delivery has an empty event_id")
        occurred = _epoch(envelope.created_at, "created_at")
        identity = f"{envelope.event_type}:{envelope.event_id}"
        if envelope.event_type == "cmb":
            if envelope.cmb_payload is None:
                raise MalformedWebhook("a cmb event without cmb_payload")
            return [
                InboundEvent(
                    EventType.CALLBACK_REQUESTED,
                    identity,
                    occurred,
                    None,
                    _callback(envelope.cmb_payload),
                )
            ]
        if envelope.event_type == "user_feedback":
            if envelope.survey_payload is None:
                raise MalformedWebhook("a user_feedback event without survey_payload")
            return [
                InboundEvent(
                    EventType.FEEDBACK_RECEIVED,
                    identity,
                    occurred,
                    None,
                    _feedback(envelope.survey_payload),
                )
            ]
        raw: dict[str, Any] = msgspec.json.decode(body)
        unmapped = UnmappedVendorEvent(vendor_event_type=envelope.event_type, payload=raw)
        return [InboundEvent(EventType.VENDOR_UNMAPPED, identity, occurred, None, unmapped)]


def _callback(payload: CmbPayload) -> CallbackRequest:
    return CallbackRequest(
        caller_number=_number(payload.client_number, "client_number", optional=True),
        alternate_number=_number(payload.alternate_number, "alternate_number", optional=True),
        business_number=_required_number(payload.business_number, "business_number"),
        feature_set=payload.feature_set,
        requested_at=_epoch(payload.requested_at, "requested_at"),
        interested=payload.is_interested,
        preferred_date=_given(payload.requested_date),
        preferred_weekday=_given(payload.requested_slot),
        preferred_from=_optional_epoch(payload.preferred_from_time, "preferred_from_time"),
        preferred_to=_optional_epoch(payload.preferred_to_time, "preferred_to_time"),
        config_name=payload.cmb_config_name,
    )


def _feedback(payload: SurveyPayload) -> FeedbackReceived:
    return FeedbackReceived(
        survey_name=payload.name,
        caller_number=_number(payload.client_number, "client_number", optional=True),
        business_number=_required_number(payload.business_number, "business_number"),
        feature_set=payload.feature_set,
        answered_at=_epoch(payload.requested_at, "requested_at"),
        answers=[
            FeedbackAnswer(question=r.question, response=r.response) for r in payload.user_responses
        ],
    )


def _given(value: str | None) -> str | None:
    return None if value in (None, *NOT_AVAILABLE) else value


def _required_number(value: str, field: str) -> str:
    number = _number(value, field, optional=False)
    assert number is not None
    return number


def _number(value: str | None, field: str, *, optional: bool) -> str | None:
    if value is None or value in NOT_AVAILABLE:
        if optional:
            return None
        raise MalformedWebhook(f"{field} is missing")
    try:
        return parse_e164(value)
    except InvalidNumber as exc:
        raise MalformedWebhook(f"{field} {exc}") from None


def _epoch(value: str, field: str) -> datetime:
    if not value.isdecimal():
        raise MalformedWebhook(f"{field} is not epoch seconds")
    return datetime.fromtimestamp(int(value), UTC)


def _optional_epoch(value: str | None, field: str) -> datetime | None:
    if value is None or value in ("", "NA"):
        return None
    return _epoch(value, field)
