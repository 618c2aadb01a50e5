"""Reading the console's HTML forms: bounded text, checked boxes, validation as a 422 page."""

from __future__ import annotations

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
