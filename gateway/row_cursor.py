"""Cursors over the gateway's own append-only tables (the audit log, the event log, delivery
attempts): the last row id a page showed, named after its table so one table's cursor is refused
by another's list."""

from __future__ import annotations

import base64

from contract.errors import FieldError, ValidationFailed


def encode_row_cursor(table: str, last_id: int) -> str:
    """The cursor of the page after the row ``last_id`` of ``table``."""
    return base64.urlsafe_b64encode(f"{table}:{last_id}".encode()).decode().rstrip("=")


def decode_row_cursor(table: str, cursor: str) -> int:
    """The row id a cursor of ``table`` names; 422 for anything this gateway did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        if prefix != table or not number.isdecimal():
            raise ValueError(raw)
        return int(number)
    except ValueError:
        raise ValidationFailed(
            "the cursor is not one this gateway issued",
            errors=[FieldError(field="query.cursor", message="use next_cursor as given")],
        ) from None
