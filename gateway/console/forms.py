"""Reading the console's HTML forms: bounded text, checked boxes, validation as a 422 page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request

from contract.errors import FieldError, ValidationFailed

AnyRequest = Request[Any, Any, Any]

MAX_TEXT = 200


async def text_field(request: AnyRequest, name: str, label: str, *, required: bool = True) -> str:
    """The trimmed text of field ``name``; 422 when it is required and empty, or too long."""
    form = await request.form()
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if required and not value:
        raise ValidationFailed(
            f"{label} is required", errors=[FieldError(field=f"form.{name}", message="required")]
        )
    if len(value) > MAX_TEXT:
        raise ValidationFailed(
            f"{label} is longer than {MAX_TEXT} characters",
            errors=[FieldError(field=f"form.{name}", message="too long")],
        )
    return value


async def checked(request: AnyRequest, name: str) -> list[str]:
    """The values of every checked box named ``name``."""
    form = await request.form()
    return [value for value in form.getall(name, []) if isinstance(value, str)]


def moment(value: str | None, name: str) -> datetime | None:
    """A time from a ``datetime-local`` field (taken as UTC) or RFC 3339 text; ``None`` when
    empty; 422 when it is not a time."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"{name} is not a date and time",
            errors=[FieldError(field=f"form.{name}", message="expected 2026-01-31T12:00")],
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


async def required_moment(request: AnyRequest, name: str, label: str) -> datetime:
    """A required time field (see :func:`moment`)."""
    value = moment(await text_field(request, name, label), name)
    if value is None:
        raise ValidationFailed(
            f"{label} is required", errors=[FieldError(field=f"form.{name}", message="required")]
        )
    return value


def query_text(request: AnyRequest, name: str, max_length: int = MAX_TEXT) -> str | None:
    """A query parameter's trimmed text, ``None`` when absent or empty (422 when too long)."""
    value = (request.query_params.get(name) or "").strip()
    if len(value) > max_length:
        raise ValidationFailed(
            f"{name} is too long", errors=[FieldError(field=f"query.{name}", message="too long")]
        )
    return value or None
