"""HTTP plumbing of the TopCalls simulator's vendor API: auth, problems, parsing, idempotency.

Handlers raise :class:`ProblemError`, :class:`~.validation.InvalidBody` or
:class:`~.state.Refusal`; :func:`problem_bytes` turns each into an RFC 7807 problem.
:func:`write` runs a POST or DELETE action, storing and replaying its response per
``Idempotency-Key``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qsl

import msgspec
from litestar import Request, Response

from simulators.edge import bearer_token
from simulators.topcalls import wire
from simulators.topcalls.records import ApiKey
from simulators.topcalls.state import Refusal, SimulatorState, StoredResponse
from simulators.topcalls.validation import IDEMPOTENCY_KEY, InvalidBody, Issue, is_uuid

AnyRequest = Request[Any, Any, Any]

JSON = "application/json"
_REFUSAL_STATUS = {"not_found": 404, "conflict": 409, "insufficient_quota": 402}


class ProblemError(Exception):
    """Raised by a handler: answer with this problem instead."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        issues: list[Issue] | None = None,
        headers: dict[str, str] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(detail or status)
        self.status = status
        self.detail = detail
        self.issues = issues
        self.headers = headers or {}
        self.title = title


def problem_bytes(exc: Exception) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers of the problem an exception stands for."""
    if isinstance(exc, InvalidBody):
        exc = ProblemError(400, exc.detail, exc.issues, title="Invalid request body")
    elif isinstance(exc, Refusal):
        exc = ProblemError(_REFUSAL_STATUS[exc.kind], exc.detail)
    assert isinstance(exc, ProblemError)
    issues = [wire.ProblemIssue(i.path, i.message, i.code) for i in exc.issues or []] or None
    body = wire.problem(exc.status, exc.detail, issues)
    if exc.title:
        body.title = exc.title
    return exc.status, wire.encode(body), exc.headers


def sim_state(request: AnyRequest) -> SimulatorState:
    """The state of the simulator serving ``request``."""
    return cast(SimulatorState, request.app.state.simulator)


def json_response(value: Any, status: int = 200) -> Response[bytes]:
    """A JSON response of a wire Struct."""
    return Response(content=wire.encode(value), status_code=status, media_type=JSON)


def authorize(request: AnyRequest) -> ApiKey:
    """401 for a missing or unknown key, 403 for a read-only key on a write, then 429."""
    state = sim_state(request)
    key = state.authenticate(bearer_token(request.headers))
    if key is None:
        raise ProblemError(401, "Missing or invalid API key")
    if key.read_only and request.method in ("POST", "DELETE"):
        raise ProblemError(403, "This API key is read-only and cannot perform write operations")
    decision = state.hit_rate_limit(key.id)
    if not decision.allowed:
        raise ProblemError(
            429,
            f"Rate limit of {decision.limit} requests per "
            f"{state.config.rate_window_seconds:g} seconds exceeded",
            headers={"Retry-After": str(decision.retry_after)},
        )
    return key


def uuid_path(value: str, name: str) -> str:
    """A path id, lower-cased; 400 when it is not a UUID."""
    if not is_uuid(value):
        issue = Issue(name, "Invalid uuid", "invalid_string")
        raise ProblemError(400, f"{name} must be a UUID", [issue], title="Invalid request")
    return value.lower()


def query_params(request: AnyRequest) -> dict[str, str]:
    """The query string, last value of each name winning."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    return dict(parse_qsl(raw, keep_blank_values=True))


async def json_body(request: AnyRequest) -> object:
    """The decoded JSON body (``None`` when empty); malformed JSON is a 400."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        issue = Issue("", "Malformed JSON", "invalid_type")
        raise InvalidBody([issue], "Request body is not valid JSON") from None


async def write(
    request: AnyRequest, key: ApiKey, action: Callable[[], tuple[int, Any]]
) -> Response[bytes]:
    """Run a write action and answer with its response or problem.

    On a POST with an ``Idempotency-Key`` (8-255 of ``[A-Za-z0-9_-]``, else 400) the response is
    stored per account and key and replayed unchanged, with ``Idempotent-Replayed: true``, to any
    later POST with that key; arrivals of one key are serialised, so the action runs once. A 400
    (nothing was done) is not stored.
    """
    idempotency_key = request.headers.get("idempotency-key")
    if request.method != "POST":
        idempotency_key = None
    if idempotency_key is not None and not IDEMPOTENCY_KEY.match(idempotency_key):
        message = "Idempotency-Key must be 8-255 characters of letters, digits, '_' or '-'"
        issue = Issue("Idempotency-Key", message, "invalid_string")
        raise ProblemError(400, message, [issue], title="Invalid request")

    def run() -> StoredResponse:
        try:
            status, body = action()
        except (ProblemError, InvalidBody, Refusal) as exc:
            status, payload, _ = problem_bytes(exc)
            return StoredResponse(status, payload, wire.PROBLEM_CONTENT_TYPE)
        return StoredResponse(status, wire.encode(body), JSON)

    if idempotency_key is None:
        stored, replayed = run(), False
    else:
        stored, replayed = sim_state(request).idempotency.run(key.account_id, idempotency_key, run)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return Response(
        content=stored.body,
        status_code=stored.status,
        media_type=stored.content_type,
        headers=headers,
    )


def page_limit(raw: str | None) -> int:
    """``limit`` of ``GET /v1/calls``: 1-200, default 50."""
    if raw is None or raw == "":
        return 50
    try:
        limit = int(raw)
    except ValueError:
        issue = Issue("limit", "Expected integer, received string", "invalid_type")
        raise ProblemError(
            400, "limit must be an integer", [issue], title="Invalid request"
        ) from None
    if not 1 <= limit <= 200:
        code, bound = (
            ("too_small", "greater than or equal to 1")
            if limit < 1
            else ("too_big", "less than or equal to 200")
        )
        issue = Issue("limit", f"Number must be {bound}", code)
        raise ProblemError(400, f"limit must be {bound}", [issue], title="Invalid request")
    return limit


def page_cursor(raw: str | None) -> datetime | None:
    """``cursor`` of ``GET /v1/calls``: an ISO-8601 date-time (UTC when it has no offset)."""
    if raw is None or raw == "":
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("z", "Z"))
    except ValueError:
        issue = Issue("cursor", "Invalid datetime", "invalid_string")
        raise ProblemError(
            400, "cursor must be an ISO-8601 date-time", [issue], title="Invalid request"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def voice_filter(request: AnyRequest) -> Callable[[Any], bool]:
    """Exact-match filters on ``mode``, ``provider``, ``gender`` and ``language``."""
    params = query_params(request)
    enums = {"mode": ("realtime", "legacy"), "provider": ("openai", "elevenlabs")}
    for name, options in enums.items():
        value = params.get(name)
        if value and value not in options:
            listed = " | ".join(f"'{o}'" for o in options)
            message = f"Invalid enum value. Expected {listed}, received '{value}'"
            issue = Issue(name, message, "invalid_enum_value")
            raise ProblemError(400, message, [issue], title="Invalid request")
    wanted = {k: params[k] for k in ("mode", "provider", "gender", "language") if params.get(k)}
    return lambda voice: all(getattr(voice, k) == v for k, v in wanted.items())


def problem_response(exc: Exception) -> Response[bytes]:
    """The ``application/problem+json`` response of an exception (see :func:`problem_bytes`)."""
    status, body, headers = problem_bytes(exc)
    return Response(
        content=body, status_code=status, media_type=wire.PROBLEM_CONTENT_TYPE, headers=headers
    )
