"""Cross-site request forgery checks for every state-changing console request.

A signed-in session has its own CSRF token (stored with the session); the sign-in form, which
has no session yet, uses a double-submit token: a random value in a SameSite=Strict, HttpOnly
cookie that the form must echo. Either way a request is refused (403) unless it carries the token
in the ``csrf_token`` form field or the ``X-CSRF-Token`` header (htmx sends it on every request).
"""

from __future__ import annotations

import hmac
import secrets

from litestar import Request

from contract.errors import Forbidden

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Forbidden):
    """A state-changing request without the right CSRF token."""

    title = "CSRF token missing or wrong"


def new_csrf_token() -> str:
    """A fresh random token."""
    return secrets.token_urlsafe(32)


async def submitted_token(request: Request) -> str | None:
    """The token the request carries: the header, else the form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    form = await request.form()
    value = form.get(FIELD)
    return value if isinstance(value, str) else None


async def check_csrf(request: Request, expected: str | None) -> None:
    """403 unless a state-changing ``request`` carries ``expected`` (safe methods pass)."""
    if request.method in SAFE_METHODS:
        return
    sent = await submitted_token(request)
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused(
            "this form is out of date or did not come from the console; reload the page and "
            "try again"
        )
