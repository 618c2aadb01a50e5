"""Query parameters shared by list routes, and input validation that names the field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, Parameter

from contract.agents import VENDOR_NAME_PATTERN
from contract.errors import FieldError, ValidationFailed
from contract.patterns import whole
from contract.phone import (
    DIGIT_PREFIX_PATTERN,
    E164_INPUT_PATTERN,
    InvalidNumber,
    parse_digit_prefix,
    parse_e164,
)

Limit = Annotated[int, Parameter(ge=1, le=1000, description="Items per page (1-1000).")]
CursorParam = Annotated[
    str | None,
    Parameter(
        description="Opaque `next_cursor` from the previous page; it keeps that page's size.",
        max_length=512,
        pattern=whole(r"[A-Za-z0-9_-]+", "a `next_cursor` from a previous page, unchanged"),
    ),
]
VendorFilter = Annotated[
    str | None,
    Parameter(
        description="Only this vendor (e.g. `trustcaller`); default: every configured one.",
        pattern=VENDOR_NAME_PATTERN,
    ),
]
NumberQuery = Annotated[
    str,
    Parameter(
        description="One of the tenant's numbers, E.164 with or without '+'.",
        pattern=E164_INPUT_PATTERN,
        examples=[Example(value="+120000486562997")],
    ),
]
PrefixQuery = Annotated[
    str | None,
    Parameter(
        description="Only numbers starting with these digits ('+' optional).",
        pattern=DIGIT_PREFIX_PATTERN,
    ),
]


def e164_param(raw: str, field: str) -> str:
    """A number from the query string in E.164, or a 422 naming ``field``."""
    try:
        return parse_e164(raw)
    except InvalidNumber as exc:
        raise ValidationFailed(
            f"{field} {exc}", errors=[FieldError(field=field, message=str(exc))]
        ) from None


def prefix_param(raw: str, field: str) -> str:
    """A digit prefix from the query string, or a 422 naming ``field``."""
    try:
        return parse_digit_prefix(raw)
    except InvalidNumber as exc:
        raise ValidationFailed(
            f"{field} {exc}", errors=[FieldError(field=field, message=str(exc))]
        ) from None


CacheControlHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Cache-Control",
        description="`no-cache` skips the gateway's cache for this request (and refreshes it).",
    ),
]


def wants_fresh(cache_control: str | None) -> bool:
    """Whether a consumer's ``Cache-Control`` asks to bypass cached answers."""
    if not cache_control:
        return False
    directives = {part.strip().lower() for part in cache_control.split(",")}
    return bool(directives & {"no-cache", "no-store", "max-age=0"})


IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description=(
            "Makes the request safe to retry: the same key with the same request replays the "
            "first response (with `Idempotent-Replayed: true`) instead of acting again; the same "
            "key with another request is a 422. Keys are kept 24 hours, per tenant."
        ),
        min_length=1,
        max_length=255,
    ),
]


RFC3339 = whole(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})",
    "a time in RFC 3339 form, e.g. 2026-11-01T09:30:00Z",
)


def parse_moment(raw: str | None, field: str) -> datetime | None:
    """An RFC 3339 time with its offset (a time without one is refused: it would be a guess)."""
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailed(
            f"{field} is not a time with an offset",
            errors=[FieldError(field=field, message="use RFC 3339, e.g. 2026-11-30T08:00:00Z")],
        )
    return moment
