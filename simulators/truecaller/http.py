"""Request helpers shared by the Truecaller simulator's vendor API handlers.

Checks run in the vendor's order: 401 (no header, unknown or expired token; a token that cannot
be parsed is the vendor's 500), 403 (wrong account, missing feature access), 429 (the token's
rate window), then the handler's own 400 and 404.
"""

from __future__ import annotations

import re
from typing import Any, cast
from urllib.parse import parse_qsl

import msgspec
from litestar import Request

from simulators.edge import bearer_token
from simulators.truecaller import wire
from simulators.truecaller.state import Principal, SimulatorState

AnyRequest = Request[Any, Any, Any]

TOKEN68 = re.compile(r"[A-Za-z0-9._~+/-]+=*")
"""RFC 6750 token syntax; anything else "cannot be parsed" (the vendor's 500/50011)."""
MALFORMED = object()
"""What :func:`json_body` returns for a body that is not JSON."""


def sim(request: AnyRequest) -> SimulatorState:
    return cast(SimulatorState, request.app.state.simulator)


def params(request: AnyRequest) -> dict[str, str]:
    query = request.scope.get("query_string", b"").decode("latin-1")
    return dict(parse_qsl(query, keep_blank_values=True))


def authorize(
    request: AnyRequest, account_id: str, scope: str, bucket: str = "default"
) -> Principal:
    """The principal of the request's bearer token, after the 401/500, 403 and 429 checks."""
    state = sim(request)
    token = bearer_token({"authorization": request.headers.get("authorization", "")})
    if token is None:
        raise wire.refuse(401, "Missing authorization header")
    if not TOKEN68.fullmatch(token):
        raise wire.refuse(500, "500/50011 - Failed to parse token")
    principal = state.tokens.authenticate(token)
    if principal is None:
        raise wire.refuse(401, "please login again")
    if principal.account_id != account_id or scope not in principal.scopes:
        raise wire.refuse(403)
    retry_after = state.limits.hit(bucket, token)
    if retry_after is not None:
        raise wire.refuse(429, retry_after=retry_after)
    return principal


def require_json(request: AnyRequest) -> None:
    """POST bodies must be declared ``application/json`` (400 ``invalid-input`` otherwise)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise wire.refuse(400, "Content-Type must be application/json")


async def json_body(request: AnyRequest) -> Any:
    """The decoded JSON body, or :data:`MALFORMED`."""
    try:
        return msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        return MALFORMED


def positive_int(values: dict[str, str], name: str, default: int) -> int:
    """An optional positive integer query parameter (400 ``invalid-input`` when it is not)."""
    raw = values.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise wire.refuse(400, f"{name} must be a positive integer")
    return int(raw)


def page_of(items: list[Any], page: int, limit: int) -> tuple[list[Any], int]:
    """One page of ``items`` and the number of pages (0 when there are no items)."""
    pages = -(-len(items) // limit)
    return items[(page - 1) * limit : page * limit], pages


def phone_numbers(body: Any) -> list[str]:
    """The ``phone_numbers`` array of a list or delist body (400 when absent or not strings)."""
    if body is MALFORMED or not isinstance(body, dict):
        raise wire.refuse(400, "invalid request body")
    numbers = body.get("phone_numbers")
    if not numbers:
        raise wire.refuse(400, "phone_numbers is required")
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        raise wire.refuse(400, "phone_numbers must be an array of strings")
    return numbers
