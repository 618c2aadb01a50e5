"""Putting a vendor answer on the wire: the value, and the headers its facts call for."""

from __future__ import annotations

from typing import TypeVar

from litestar import Response

from gateway.outcome import Facts

T = TypeVar("T")


def answer(value: T, facts: Facts, status_code: int = 200) -> Response[T]:
    """``value`` with ``X-Cache``/``Age`` and ``RateLimit-*`` headers from ``facts``."""
    return Response(value, status_code=status_code, headers=facts.headers())
