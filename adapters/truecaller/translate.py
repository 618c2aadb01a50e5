"""Pure translation between Truecaller payloads and the normalized schema; no I/O here.

Truecaller for Business (vendor ``truecaller``) and the profile flow (``truecaller_profile``)
share this module: numbers go out as E.164 with ``+`` (the vendor sends digits, sometimes with a
``+``), epoch milliseconds become UTC datetimes, and the vendor's two error styles (the
``{"slug", "message"}`` envelope and ``{"status_info": {...}}``) become gateway errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode

import msgspec

from adapters.truecaller.payloads import (
    BatchStatusRecord,
    Classification,
    ErrorBody,
    ExportResponse,
    FeatureSetOut,
    LabelOut,
    NumberDetail,
    ProfileOut,
    RealtimeResponse,
    RecordBody,
    StatusInfo,
)
from contract.caller_id import (
    CallerLabel,
    CallerProfile,
    ExportLink,
    FeatureSet,
    NumberOperationItem,
    NumberOutcome,
    NumberProgress,
    Personalization,
    PersonalizationRecord,
    RecordState,
)
from contract.errors import (
    FieldError,
    GatewayError,
    NotFound,
    RateLimited,
    ValidationFailed,
    VendorContext,
    VendorCredentialRejected,
    VendorError,
)
from contract.phone import vendor_digits_to_e164
from contract.schema import Number, NumberStatus
from contract.vendor_data import vendor_object

VENDOR = "truecaller"
PROFILE_VENDOR = "truecaller_profile"
ADMIN_FIX = "PUT /v1/admin/tenants/{tenant}/credentials/truecaller"
DEEP_LINK_BASE = "truecallersdk://truesdk/web_verify"
NONCE_LENGTH = (8, 64)
TOKEN_LIMIT_RETRY_AFTER = 60
"""Seconds to wait after the token endpoint's 429 when it sends no ``Retry-After``: its window
is 30 minutes long, so the usual one second would only spend another attempt."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_MS_THRESHOLD = 10**12
_NOT_DIGITS = re.compile(r"[^0-9]")
_BEARER = re.compile(r"(?i)\bbearer\s+\S+")
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.~+/=]{19,}")

NUMBER_STATUS: Mapping[str, NumberStatus] = {
    "listed": NumberStatus.ACTIVE,
    "pending": NumberStatus.PENDING,
    "failed": NumberStatus.FAILED,
}
"""The vendor's number ``status``; anything else is ``inactive``."""

RECORD_FIELD: Mapping[str, str] = {
    "caller_number": "caller_number",
    "receiver_number": "receiver_number",
    "starts_at": "starts_at",
    "ends_at": "ends_at",
    "label_id": "label_id",
    "dynamic_label_name": "label_name",
    "dynamic_call_reason": "call_reason",
    "caller": "caller_number",
    "receiver": "receiver_number",
    "label_name": "label_name",
    "call_reason": "call_reason",
}
"""The gateway name of each call-record field the vendor may name (v2 names and older v1 ones)."""

MESSAGE_FIELD: Mapping[str, str] = {
    "phone_numbers": "body.numbers",
    "call_records": "body.records",
    **{vendor: f"body.{gateway}" for vendor, gateway in RECORD_FIELD.items()},
}
"""Vendor input names a slug error's message may mention, and the gateway field each one is."""
_MESSAGE_FIELD_NAME = re.compile(
    r"\b(" + "|".join(sorted(MESSAGE_FIELD, key=len, reverse=True)) + r")\b"
)

RECEIVER_FAILURES: Mapping[str, str] = {
    "not a truecaller user": "the receiver does not use Truecaller",
    "os not supported": "the receiver's phone is not Android (dynamic caller ID is Android-only)",
    "app version not supported": "the receiver's Truecaller app is too old",
}
"""Delivery failures that are about the receiver: no retry will change them."""

Action = Literal["register", "release"]
_Verdict = tuple[str, NumberOutcome, NumberProgress, str | None]

IGNORED_RELIST = (
    "Truecaller ignored it: a delisting of this number is still processing. Send it again once "
    "that delisting has finished."
)
_INVALID = "Truecaller refused it as an invalid number (country code and number, digits only)."
_OTHERS = "It is registered by another Truecaller for Business account."
_OTHER_PHONE_TYPE = "This account holds it with another phone type."
_OTHER_SET = "It is listed in another feature set of this account; delist it there first."
_ALREADY_LISTED = "Already listed in this feature set."
_NOT_IN_SET = "Not in this feature set; nothing to delist."
_BUSY = (
    "Truecaller ignored it: another operation on this number is still processing. Send it again "
    "once that operation has finished."
)
_FAILED = NumberProgress.FAILED

REGISTER_VERDICTS: tuple[_Verdict, ...] = (
    ("processing_numbers", NumberOutcome.OPERATION_IN_PROGRESS, _FAILED, IGNORED_RELIST),
    ("invalid_numbers", NumberOutcome.INVALID, _FAILED, _INVALID),
    ("others_numbers", NumberOutcome.OWNED_BY_ANOTHER_ACCOUNT, _FAILED, _OTHERS),
    ("other_phonetype_numbers", NumberOutcome.OTHER_PHONE_TYPE, _FAILED, _OTHER_PHONE_TYPE),
    ("other_feature_set_numbers", NumberOutcome.IN_OTHER_FEATURE_SET, _FAILED, _OTHER_SET),
    ("existing_numbers", NumberOutcome.ALREADY_DONE, NumberProgress.DONE, _ALREADY_LISTED),
    ("new_numbers", NumberOutcome.QUEUED, NumberProgress.PENDING, None),
)
"""A listing answer's arrays, most cautious first: a number in two arrays gets the first."""

RELEASE_VERDICTS: tuple[_Verdict, ...] = (
    ("processing_numbers", NumberOutcome.OPERATION_IN_PROGRESS, _FAILED, _BUSY),
    ("invalid_numbers", NumberOutcome.INVALID, _FAILED, _INVALID),
    ("others_numbers", NumberOutcome.OWNED_BY_ANOTHER_ACCOUNT, _FAILED, _OTHERS),
    ("other_phonetype_numbers", NumberOutcome.OTHER_PHONE_TYPE, _FAILED, _OTHER_PHONE_TYPE),
    ("other_feature_set_numbers", NumberOutcome.IN_OTHER_FEATURE_SET, _FAILED, _OTHER_SET),
    ("existing_numbers", NumberOutcome.QUEUED, NumberProgress.PENDING, None),
    ("new_numbers", NumberOutcome.NOT_FOUND, NumberProgress.SKIPPED, _NOT_IN_SET),
)
"""A delisting answer's arrays, most cautious first."""

UNCLASSIFIED_OUTCOME = NumberOutcome.OPERATION_IN_PROGRESS
"""What a number the vendor's answer did not classify is reported as: the vendor did not take it
(like an ignored relisting), so it fails and must be sent again."""


def opaque_id(native: str) -> str:
    """The gateway id of a Truecaller object (a feature set, a label; a number's digits)."""
    return f"{VENDOR}:{native}"


def digits_of(number: str) -> str:
    """The digits of a number as the vendor writes or echoes it (``+`` and separators dropped)."""
    return _NOT_DIGITS.sub("", number)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


def _text(value: str | None) -> str | None:
    """Vendor text, with the empty strings it uses for "not set" as ``None``."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def epoch_ms(moment: datetime) -> int:
    """A datetime as the vendor's epoch milliseconds (a naive datetime is taken as UTC)."""
    return (_aware(moment) - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(milliseconds: int) -> datetime:
    """The vendor's epoch milliseconds as a UTC datetime."""
    return _EPOCH + timedelta(milliseconds=milliseconds)


def from_epoch(value: int | str) -> datetime | None:
    """Epoch seconds or milliseconds (told apart by size, as the vendor mixes them), or a digit
    string of either; ``None`` when it is not a number."""
    text = str(value).strip()
    if not text.isdecimal() or not text.isascii():
        return None
    number = int(text)
    if number >= _EPOCH_MS_THRESHOLD:
        return from_epoch_ms(number)
    return _EPOCH + timedelta(seconds=number)


# --- numbers and feature sets --------------------------------------------------------------------


def number_from_vendor(item: NumberDetail) -> Number:
    """A verified business number; its id is ``truecaller:<digits>`` (the vendor has no number
    id), a status the contract does not list is ``inactive`` with the vendor's word kept."""
    status = NUMBER_STATUS.get(item.status.strip().lower(), NumberStatus.INACTIVE)
    detail = None
    if status is NumberStatus.FAILED:
        detail = "Truecaller could not list this number."
    elif item.status.strip().lower() not in NUMBER_STATUS:
        detail = f"Truecaller reports the number as `{item.status}`."
    return Number(
        id=opaque_id(digits_of(item.phone_number)),
        vendor=VENDOR,
        number=vendor_digits_to_e164(item.phone_number),
        status=status,
        created_at=_utc(item.created_at),
        label=_text(item.label_name),
        status_detail=detail,
        feature_set=_text(item.feature_set_name),
        department=_text(item.department),
        vendor_data=vendor_object(item),
    )


def feature_set_from_vendor(item: FeatureSetOut) -> FeatureSet:
    """A feature set; its label is the vendor's label id made opaque."""
    label_id = _text(item.label_id)
    return FeatureSet(
        id=opaque_id(item.id),
        vendor=VENDOR,
        name=item.name,
        status=item.status,
        department=_text(item.department_name),
        operation=_text(item.calling_operation_name),
        process=_text(item.process_name),
        sub_process=_text(item.sub_process_name),
        label_id=opaque_id(label_id) if label_id else None,
        call_me_back=item.call_me_back,
        feedback_survey=item.survey,
        created_at=_utc(item.created_at),
        updated_at=_utc(item.updated_at),
        vendor_data=vendor_object(item),
    )


def label_from_vendor(item: LabelOut) -> CallerLabel:
    """A dynamic label."""
    return CallerLabel(
        id=opaque_id(item.id),
        vendor=VENDOR,
        name=item.name,
        logo_url=_text(item.logo_url),
        category=item.category,
        sub_category=item.sub_category,
        created_at=_utc(item.created_at),
        vendor_data=vendor_object(item),
    )


def has_more_pages(page: int, total_page_count: int | None) -> bool:
    """Whether a page after ``page`` (1-based) exists; without a page count, there is none."""
    return total_page_count is not None and page < total_page_count


def classify(
    response: Classification, action: Action, requested_digits: list[str]
) -> list[NumberOperationItem]:
    """One item per requested number (duplicates once), in request order, from the vendor's
    classification of a publish (``register``) or delist (``release``) request.

    Numbers are matched by their digits, whether the vendor echoes them with ``+`` or without.
    A number found in several arrays gets the most cautious verdict (an ignored relisting is
    never reported as queued); one found in none, or only in an array the contract does not
    explain (``migrated_numbers``, ...), fails with a detail saying so.
    """
    verdicts = REGISTER_VERDICTS if action == "register" else RELEASE_VERDICTS
    found: dict[str, _Verdict] = {}
    for verdict in reversed(verdicts):
        for echoed in getattr(response, verdict[0]):
            found[digits_of(echoed)] = verdict
    unexplained = {
        digits_of(echoed): name
        for name in ("migrated_numbers", "delisted_numbers", "updated_numbers")
        for echoed in getattr(response, name)
    }
    items: list[NumberOperationItem] = []
    seen: set[str] = set()
    for requested in requested_digits:
        digits = digits_of(requested)
        if not digits:
            raise ValueError("every requested number must have digits")
        if digits in seen:
            continue
        seen.add(digits)
        if digits in found:
            array, outcome, progress, detail = found[digits]
            items.append(
                NumberOperationItem(
                    number="+" + digits,
                    outcome=outcome,
                    progress=progress,
                    detail=detail,
                    vendor_data=_classification(response, array),
                )
            )
            continue
        where = (
            f"put it in `{unexplained[digits]}`, whose meaning is not documented"
            if digits in unexplained
            else "did not classify it"
        )
        items.append(
            NumberOperationItem(
                number="+" + digits,
                outcome=UNCLASSIFIED_OUTCOME,
                progress=NumberProgress.FAILED,
                detail=f"Truecaller's answer {where}; its state is unknown. Check the number's "
                "status, and send it again if it did not change.",
                vendor_data=_classification(response, unexplained.get(digits)),
            )
        )
    return items


def _classification(response: Classification, array: str | None) -> dict[str, Any]:
    """The vendor's answer as it concerns one number: the array it put the number in
    (``classified_in``, ``None`` for none) and the answer's own fields (``status``,
    ``phone_type``...), without the other numbers' arrays."""
    fields = {k: v for k, v in vendor_object(response).items() if not isinstance(v, list)}
    return {**fields, "classified_in": array}


# --- call personalisation ------------------------------------------------------------------------


def record_body(
    record: PersonalizationRecord,
    caller_digits: str,
    receiver_digits: str,
    label_native_id: str | None,
) -> RecordBody:
    """The vendor's v2 call record: epoch milliseconds, digits without ``+``, and the gateway's
    ``label_name`` / ``call_reason`` as ``dynamic_label_name`` / ``dynamic_call_reason``."""
    return RecordBody(
        caller_number=caller_digits,
        receiver_number=receiver_digits,
        starts_at=epoch_ms(record.starts_at),
        ends_at=epoch_ms(record.ends_at),
        label_id=label_native_id,
        dynamic_label_name=record.label_name,
        dynamic_call_reason=record.call_reason,
    )


def personalization_from(
    response: RealtimeResponse,
    record: PersonalizationRecord,
    caller_e164: str,
    receiver_e164: str,
    label_opaque_id: str | None,
) -> Personalization:
    """The delivered personalization, or the gateway error for a failure inside the 200."""
    info = response.status_info
    if info.status.strip().lower() != "success":
        raise status_info_error(info, vendor_status=200)
    return Personalization(
        vendor=VENDOR,
        caller_number=caller_e164,
        receiver_number=receiver_e164,
        starts_at=_aware(record.starts_at),
        ends_at=_aware(record.ends_at),
        label_id=label_opaque_id,
        label_name=record.label_name,
        call_reason=record.call_reason,
        message=_text(info.message),
    )


def record_field(vendor_field: str) -> str:
    """A call record's field by its gateway name (``dynamic_call_reason`` is ``call_reason``);
    a name the map does not know is passed on as the vendor wrote it."""
    name = vendor_field.strip()
    return RECORD_FIELD.get(name, name)


def _receiver_failure(message: str) -> str | None:
    lowered = message.casefold()
    return next((why for text, why in RECEIVER_FAILURES.items() if text in lowered), None)


def status_info_error(info: StatusInfo, vendor_status: int | None = None) -> GatewayError:
    """The gateway error for a personalisation the vendor refused (``status_info`` not success).

    A field error or a malformed record is a 422 on that field (or on the body); a receiver that
    cannot show caller ID (no Truecaller, not Android, too old an app) is a 422 on
    ``receiver_number``; ``Failed to push`` and anything else is a 502.
    """
    message = _scrub(_text(info.message) or "")
    common: VendorContext = {"vendor": VENDOR, "vendor_status": vendor_status}
    vendor_field = _text(info.field)
    if vendor_field:
        field = "body." + record_field(vendor_field)
        text = message or f"`{vendor_field}` is invalid"
        return ValidationFailed(
            f"Truecaller refused the personalization: {text}",
            errors=[FieldError(field=field, message=text)],
            **common,
        )
    why = _receiver_failure(message)
    if why is not None:
        return ValidationFailed(
            f"Truecaller cannot personalize calls to this receiver: {why} ({message}).",
            errors=[FieldError(field="body.receiver_number", message=f"{why} ({message})")],
            **common,
        )
    lowered = message.casefold()
    if "invalid input" in lowered or lowered.startswith("request body is invalid"):
        return ValidationFailed(
            f"Truecaller refused the personalization: {message}",
            errors=[FieldError(field="body", message=message)],
            **common,
        )
    if "failed to push" in lowered:
        return VendorError(
            "Truecaller could not reach the receiver's phone (Failed to push); try again later.",
            **common,
        )
    return VendorError(
        f"Truecaller refused the personalization: {message or info.status}", **common
    )


def record_status(item: BatchStatusRecord) -> tuple[RecordState, str | None, str | None]:
    """One batch record's state, the field it failed on (named as in the gateway's record:
    ``ends_at``, ``label_name``...) and the vendor's message. A record without ``status_info`` is
    pending; a status other than success and pending is a failure."""
    info = item.status_info
    if info is None:
        return RecordState.PENDING, None, None
    status = info.status.strip().lower()
    if status == "success":
        return RecordState.SUCCEEDED, None, None
    if status == "pending":
        return RecordState.PENDING, None, None
    message = _scrub(_text(info.message) or "") or f"Truecaller reported `{info.status}`."
    vendor_field = _text(info.field)
    if vendor_field:
        return RecordState.FAILED, record_field(vendor_field), message
    if _receiver_failure(message) is not None:
        return RecordState.FAILED, "receiver_number", message
    return RecordState.FAILED, None, message


# --- deprecated downloads ------------------------------------------------------------------------


def _moment(value: str | int | None) -> datetime | None:
    if value is None:
        return None
    from_number = from_epoch(value)
    if from_number is not None:
        return from_number
    try:
        return _utc(msgspec.convert(value, datetime))
    except msgspec.ValidationError:
        return None


def export_link(response: ExportResponse) -> ExportLink:
    """A log download link; no ``url`` and only a message when the vendor has nothing."""
    return ExportLink(
        vendor=VENDOR,
        url=_text(response.url),
        expires_at=_moment(response.expires_at),
        message=_text(response.message),
    )


# --- profile flow --------------------------------------------------------------------------------


def profile_from_vendor(profile: ProfileOut) -> CallerProfile:
    """The verified user, normalized: numbers (digit strings or JSON numbers) in E.164, the
    e-mail of ``onlineIdentities`` (or the older ``onlineIdentity``), city and upper-case
    country of the first address."""
    numbers: list[str] = []
    for raw in profile.phoneNumbers:
        digits = digits_of(str(raw))
        if digits and "+" + digits not in numbers:
            numbers.append("+" + digits)
    identities = profile.onlineIdentities or profile.onlineIdentity
    address = profile.addresses[0] if profile.addresses else None
    country = _text(address.countryCode) if address else None
    name = profile.name
    user_id = next((str(v) for v in (profile.userId, profile.id) if v not in (None, "")), None)
    return CallerProfile(
        first_name=_text(name.first) if name else None,
        last_name=_text(name.last) if name else None,
        numbers=numbers,
        email=_text(identities.email) if identities else None,
        city=_text(address.city) if address else None,
        country=country.upper() if country else None,
        badges=list(profile.badges),
        company=_text(profile.companyName),
        job_title=_text(profile.jobTitle),
        avatar_url=_text(profile.avatarUrl),
        gender=_text(profile.gender),
        vendor_user_id=user_id,
        vendor_data=vendor_object(profile),
    )


def deep_link(
    nonce: str, partner_key: str, partner_name: str, language: str | None, ttl_ms: int
) -> tuple[str, dict[str, str]]:
    """The link a page opens to start a verification, and its parameters (profile sheet §3).

    Every value is percent-encoded (a space is ``%20``, never ``+``).
    """
    low, high = NONCE_LENGTH
    if not low <= len(nonce) <= high:
        raise ValueError(f"a request nonce has {low} to {high} characters")
    parameters = {
        "type": "btmsheet",
        "requestNonce": nonce,
        "partnerKey": partner_key,
        "partnerName": partner_name,
    }
    if language:
        parameters["lang"] = language
    parameters["ttl"] = str(ttl_ms)
    return f"{DEEP_LINK_BASE}?{urlencode(parameters, quote_via=quote, safe='')}", parameters


# --- errors --------------------------------------------------------------------------------------


def _parse_error(body: bytes) -> ErrorBody:
    try:
        return msgspec.json.decode(body, type=ErrorBody)
    except msgspec.DecodeError:
        return ErrorBody()


def _redact(match: re.Match[str]) -> str:
    text = match.group(0)
    return "***" if any(c.isdigit() for c in text) else text


def _scrub(text: str) -> str:
    """Vendor text without anything shaped like a token or key (long runs with digits, UUIDs,
    whatever follows ``Bearer``)."""
    return _TOKEN_LIKE.sub(_redact, _BEARER.sub("Bearer ***", text))


def _message(error: ErrorBody) -> str | None:
    text = error.message or (error.status_info.message if error.status_info else None)
    return _scrub(text.strip()) if text and text.strip() else None


def retry_after_seconds(headers: Mapping[str, str], default: int = 1) -> int:
    """The vendor's ``Retry-After`` in whole seconds, or ``default`` when absent or unusable."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = int(raw.strip()) if raw is not None else default
    except ValueError:
        return default
    return seconds if seconds >= 0 else default


def message_field(message: str) -> str:
    """The gateway field a slug error's message names (``phone_numbers is required`` is
    ``body.numbers``), or ``body`` when it names none the gateway knows."""
    match = _MESSAGE_FIELD_NAME.search(message)
    return MESSAGE_FIELD[match.group(1)] if match else "body"


def is_token_rejected(status: int, body: bytes) -> bool:
    """Whether the vendor refused the bearer token itself (expired or unknown: ``please login
    again``), the one answer after which a new token and one retry may help."""
    if status != 401:
        return False
    error = _parse_error(body)
    message = (error.message or "").casefold()
    return error.slug in (None, "authorization-error") and "login again" in message


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, not_found: str | None = None
) -> GatewayError:
    """Map a Truecaller for Business error answer to the gateway error a consumer should see.

    ``not_found`` replaces the vendor's wording of a 404. Only the vendor's own text is passed
    on, scrubbed of anything token-like; a body that is not JSON is treated as saying nothing.
    """
    error = _parse_error(body)
    message = _message(error)
    detail = message or f"HTTP {status}"
    common: VendorContext = {"vendor": VENDOR, "vendor_status": status}
    if status == 400 and error.status_info is not None:
        return status_info_error(error.status_info, vendor_status=status)
    if status == 400:
        errors = [FieldError(field=message_field(message), message=message)] if message else None
        return ValidationFailed(f"Truecaller rejected the input: {detail}", errors=errors, **common)
    if status == 401:
        return VendorCredentialRejected(
            f"Truecaller refused the token made from the stored API key ({detail}). If it "
            f"persists, an administrator must update the key with {ADMIN_FIX}.",
            **common,
        )
    if status == 403:
        return VendorCredentialRejected(
            "The stored Truecaller API key lacks access to this feature or account "
            f"({detail}). An administrator must store a key with that access level with "
            f"{ADMIN_FIX}.",
            **common,
        )
    if status == 404:
        return NotFound(not_found or f"Truecaller: {detail}", **common)
    if status == 429:
        return RateLimited(
            "Truecaller's rate limit for this token is spent; retry later.",
            retry_after=retry_after_seconds(headers),
            **common,
        )
    return VendorError.for_status(f"Truecaller answered HTTP {status}: {detail}", **common)


def token_error(status: int, headers: Mapping[str, str], body: bytes) -> GatewayError:
    """Map an error of the token endpoint: whatever it refuses is the stored credential (a 400
    means an empty key id or api key, a 404 an unknown account), and its 429 is the limit of
    10 tokens per 30 minutes per account."""
    common: VendorContext = {"vendor": VENDOR, "vendor_status": status}
    detail = _message(_parse_error(body)) or f"HTTP {status}"
    if status == 401:
        return VendorCredentialRejected(
            "Truecaller refused the stored key id / api key. An administrator must update them "
            f"with {ADMIN_FIX}.",
            **common,
        )
    if status in (400, 404):
        return VendorCredentialRejected(
            f"Truecaller refused the stored credential ({detail}). An administrator must "
            f"check the client account id, key id and api key with {ADMIN_FIX}.",
            **common,
        )
    if status == 429:
        return RateLimited(
            "Truecaller's token creation limit (10 per 30 minutes per account) is spent; retry "
            "later.",
            retry_after=retry_after_seconds(headers, default=TOKEN_LIMIT_RETRY_AFTER),
            **common,
        )
    return error_from_response(status, headers, body)


def profile_error(status: int, body: bytes) -> GatewayError:
    """Map an error of the profile fetch (a redirect included: it is never followed)."""
    common: VendorContext = {"vendor": PROFILE_VENDOR, "vendor_status": status}
    if status == 401:
        return VendorCredentialRejected(
            "Truecaller's profile endpoint said the access token was refused or expired.",
            **common,
        )
    if 300 <= status < 400:
        return VendorError(
            f"Truecaller's profile endpoint answered with a redirect (HTTP {status}), which is "
            "not followed.",
            **common,
        )
    detail = _message(_parse_error(body)) or f"HTTP {status}"
    return VendorError.for_status(
        f"Truecaller's profile endpoint answered HTTP {status}: {detail}", **common
    )
