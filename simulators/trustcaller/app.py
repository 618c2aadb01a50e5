"""A stateful TrustCaller simulator: the contract's vendor API plus a ``/_sim/`` control surface.

The vendor API (under ``SimulatorConfig.api_prefix``) follows
``vendor-contracts/trustcaller.md``: bearer tokens, per-account permissions, a fixed-window rate
limit per token, Laravel-style pagination and error bodies, evaluated in the order
401 -> 403 -> 429 -> 422 -> 404. An outer ASGI layer, run before Litestar routes anything, counts
every vendor API request and applies injected faults; exception handlers make sure Litestar's own
error format never reaches a client. The vendor-neutral parts are in :mod:`simulators.edge`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import msgspec
from litestar import Litestar, Request, Response, Router, delete, get, post, put
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody

from simulators.edge import (
    CONTROL_EXCEPTION_HANDLERS,
    ControlError,
    EdgeSpec,
    RouteTable,
    bearer_token,
    control_handlers,
    install_edge,
    response_headers,
)
from simulators.trustcaller import wire
from simulators.trustcaller.records import Cdr, ReservedNumber, TestNumber
from simulators.trustcaller.state import (
    API_ACCESS,
    API_KEYS_MANAGE,
    PERMISSIONS,
    ApiKey,
    SimulatorConfig,
    SimulatorState,
)

AnyRequest = Request[Any, Any, Any]

__all__ = ["SimulatorConfig", "SimulatorState", "create_simulator_app"]

ROUTES = RouteTable(
    {
        "/numbers": ("GET",),
        "/test-numbers": ("GET",),
        "/calls": ("GET",),
        "/calls/check": ("GET",),
        "/calls/{id}": ("GET",),
        "/auth/keys": ("GET", "POST"),
        "/auth/keys/{id}": ("DELETE",),
    }
)
"""Route templates of the vendor API (relative to the prefix) and their methods."""

_INTEGER = re.compile(r"-?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _fault_response(status: int) -> tuple[bytes, str]:
    return msgspec.json.encode(wire.error_body(status)), "application/json"


# --- vendor API --------------------------------------------------------------------------------


def _sim(request: AnyRequest) -> SimulatorState:
    return cast(SimulatorState, request.app.state.simulator)


def _params(request: AnyRequest) -> dict[str, str]:
    return dict(
        parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    )


def _authorize(request: AnyRequest, permission: str = API_ACCESS) -> ApiKey:
    """Authentication (401), permission (403) and the rate limit (429), in that order."""
    state = _sim(request)
    auth = state.authenticate(bearer_token(request.headers))
    if auth is None:
        raise wire.VendorError(401, wire.error_body(401))
    key, permissions = auth
    if API_ACCESS not in permissions or permission not in permissions:
        raise wire.VendorError(403, wire.error_body(403))
    decision = state.hit_rate_limit(key.id)
    headers = response_headers(request)
    headers["X-RateLimit-Limit"] = str(decision.limit)
    headers["X-RateLimit-Remaining"] = str(decision.remaining)
    if not decision.allowed:
        headers["Retry-After"] = str(decision.retry_after)
        headers["X-RateLimit-Reset"] = str(decision.reset_epoch)
        raise wire.VendorError(429, wire.error_body(429))
    return key


def _integer(params: dict[str, str], name: str, default: int, errors: dict[str, list[str]]) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not _INTEGER.fullmatch(raw):
        errors[name] = [f"The {name.replace('_', ' ')} field must be an integer."]
        return default
    return int(raw)


def _paging(params: dict[str, str], errors: dict[str, list[str]]) -> tuple[int, int]:
    per_page = _integer(params, "per_page", 100, errors)
    if "per_page" not in errors and not 1 <= per_page <= 1000:
        errors["per_page"] = ["The per page field must be between 1 and 1000."]
    page = _integer(params, "page", 1, errors)
    if "page" not in errors and page < 1:
        errors["page"] = ["The page field must be at least 1."]
    return page, per_page


def _date(params: dict[str, str], name: str, errors: dict[str, list[str]]) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        if _DATE.fullmatch(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    errors[name] = [f"The {name} field must match the format Y-m-d."]
    return None


def _links(
    request: AnyRequest, params: dict[str, str], page: int, per_page: int, total: int
) -> wire.PageLinks:
    url = request.url
    base = f"{url.scheme}://{url.netloc}{url.path}"
    last = max(1, math.ceil(total / per_page))

    query = {k: v for k, v in params.items() if k != "page"}

    def at(n: int) -> str:
        return f"{base}?{urlencode({**query, 'page': n})}"

    return wire.PageLinks(
        first=at(1),
        last=at(last),
        prev=at(page - 1) if page > 1 else None,
        next=at(page + 1) if page < last else None,
    )


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _number_out(number: ReservedNumber) -> wire.NumberOut:
    return wire.NumberOut(
        number.id, number.number, True, None, number.ivr_id, _iso(number.created_at)
    )


def _call_out(cdr: Cdr) -> wire.CallOut:
    return wire.CallOut(
        id=cdr.id,
        caller_id=cdr.masked_caller,
        number=cdr.number,
        start_at=_iso(cdr.start_at),
        end_at=_iso(cdr.end_at),
        duration=cdr.duration,
        pdd=cdr.pdd,
        call_unique_id=cdr.call_unique_id,
        call_acceptable=cdr.call_acceptable,
        short_call=cdr.short_call,
        hang_cause=cdr.hang_cause,
    )


def _key_out(key: ApiKey) -> wire.KeyOut:
    return wire.KeyOut(
        key.id, key.name, _iso(key.last_used_at) if key.last_used_at else None, _iso(key.created_at)
    )


@get("/numbers")
async def list_numbers(request: AnyRequest) -> wire.NumbersPage:
    """The account's reserved numbers, paginated."""
    key = _authorize(request)
    params = _params(request)
    errors: dict[str, list[str]] = {}
    page, per_page = _paging(params, errors)
    if errors:
        raise wire.validation_error(errors)
    numbers, total = _sim(request).list_numbers(key.account_id, page, per_page)
    return wire.NumbersPage(
        data=[_number_out(n) for n in numbers],
        links=_links(request, params, page, per_page, total),
        meta=wire.PageMeta(page, per_page, total),
    )


@get("/test-numbers")
async def list_test_numbers(request: AnyRequest) -> wire.TestNumbersOut:
    """Global test numbers, optionally filtered by prefix, cached per prefix."""
    _authorize(request)
    prefix = _params(request).get("prefix", "").strip() or None
    if prefix is not None and not _DIGITS.fullmatch(prefix):
        raise wire.validation_error({"prefix": ["The prefix field must only contain digits."]})
    state = _sim(request)
    found = state.test_numbers(prefix)
    return wire.TestNumbersOut(
        data=[wire.TestNumberEntry(t.prefix, t.test_number) for t in found],
        count=len(found),
        cached_for_seconds=math.ceil(state.config.test_numbers_cache_seconds),
        filtered_by_prefix=prefix,
    )


@get("/calls")
async def list_calls(request: AnyRequest) -> wire.CallsPage:
    """The account's CDRs, most recent first, optionally within a date range."""
    key = _authorize(request)
    params = _params(request)
    errors: dict[str, list[str]] = {}
    date_from, date_to = _date(params, "from", errors), _date(params, "to", errors)
    if date_from and date_to and date_to < date_from:
        errors["to"] = ["The to field must be a date after or equal to from."]
    page, per_page = _paging(params, errors)
    if errors:
        raise wire.validation_error(errors)
    calls, total = _sim(request).list_calls(key.account_id, date_from, date_to, page, per_page)
    return wire.CallsPage(
        data=[_call_out(c) for c in calls],
        links=_links(request, params, page, per_page, total),
        meta=wire.PageMeta(page, per_page, total),
    )


@get("/calls/check")
async def check_call(request: AnyRequest) -> wire.CallCheck:
    """Whether a live, answered call is present on one of the account's numbers."""
    key = _authorize(request)
    number = _params(request).get("number", "").strip()
    if not number:
        raise wire.validation_error({"number": ["The number field is required."]})
    return wire.CallCheck(_sim(request).call_received(key.account_id, number))


@get("/calls/{call_id:str}")
async def get_call(request: AnyRequest, call_id: FromPath[str]) -> wire.CallEnvelope:
    """One CDR of the account."""
    key = _authorize(request)
    cdr = (
        _sim(request).get_call(key.account_id, int(call_id)) if _DIGITS.fullmatch(call_id) else None
    )
    if cdr is None:
        raise wire.VendorError(404, wire.NotFound("not_found", "Call record not found."))
    return wire.CallEnvelope(_call_out(cdr))


@post("/auth/keys", status_code=201)
async def create_key(request: AnyRequest) -> wire.KeyCreated:
    """Create an API key; the token is shown in this response only."""
    key = _authorize(request, API_KEYS_MANAGE)
    try:
        body = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        body = None
    name = body.get("name") if isinstance(body, dict) else None
    if isinstance(name, str):
        name = name.strip()
    if name is None or name == "":
        raise wire.validation_error({"name": ["The name field is required."]})
    if not isinstance(name, str):
        raise wire.validation_error({"name": ["The name field must be a string."]})
    if len(name) > 64:
        raise wire.validation_error(
            {"name": ["The name field must not be greater than 64 characters."]}
        )
    created = _sim(request).create_key(key.account_id, name)
    return wire.KeyCreated(created.key.id, name, created.token, _iso(created.key.created_at))


@get("/auth/keys")
async def list_keys(request: AnyRequest) -> wire.KeysOut:
    """The account's live keys, without tokens."""
    key = _authorize(request, API_KEYS_MANAGE)
    keys = _sim(request).list_keys(key.account_id)
    return wire.KeysOut([_key_out(k) for k in keys], len(keys))


@delete("/auth/keys/{key_id:str}", status_code=200)
async def revoke_key(request: AnyRequest, key_id: FromPath[str]) -> wire.MessageOut:
    """Revoke one of the account's keys; it stops working at once."""
    key = _authorize(request, API_KEYS_MANAGE)
    if not (_DIGITS.fullmatch(key_id) and _sim(request).revoke_key(key.account_id, int(key_id))):
        raise wire.VendorError(404, wire.NotFound("not_found", "API key not found."))
    return wire.MessageOut("API key revoked.")


# --- control surface ---------------------------------------------------------------------------


@post("/accounts", status_code=201)
async def sim_create_account(
    request: AnyRequest, data: JSONBody[wire.AccountIn]
) -> wire.AccountOut:
    """Create an account with generated numbers and CDRs, and return its first token."""
    permissions = PERMISSIONS if data.permissions is None else frozenset(data.permissions)
    created = _sim(request).create_account(data.name, permissions, data.numbers, data.calls)
    return wire.AccountOut(created.account_id, created.key_id, created.token, list(created.numbers))


@put("/accounts/{account_id:int}/permissions")
async def sim_set_permissions(
    request: AnyRequest, account_id: FromPath[int], data: JSONBody[wire.PermissionsIn]
) -> wire.PermissionsIn:
    """Replace an account's permissions."""
    _sim(request).set_permissions(account_id, data.permissions)
    return wire.PermissionsIn(sorted(set(data.permissions)))


@get("/accounts/{account_id:int}/keys")
async def sim_list_account_keys(request: AnyRequest, account_id: FromPath[int]) -> wire.KeysOut:
    """An account's live API keys, as ``GET /auth/keys`` would list them (without a token)."""
    keys = _sim(request).list_keys(account_id)
    return wire.KeysOut([_key_out(key) for key in keys], len(keys))


@post("/live-calls", status_code=201)
async def sim_start_live_call(
    request: AnyRequest, data: JSONBody[wire.LiveCallIn]
) -> wire.LiveCallOut:
    """A call arrives on one of an account's numbers (ringing unless ``answered``); else 404."""
    call = _sim(request).start_live_call(data.number, data.caller, data.answered)
    return wire.LiveCallOut(call.id, call.account_id, call.number, call.answered)


@post("/live-calls/{call_id:int}/answer", status_code=200)
async def sim_answer_live_call(request: AnyRequest, call_id: FromPath[int]) -> wire.LiveCallOut:
    """The ringing call is answered."""
    call = _sim(request).answer_live_call(call_id)
    return wire.LiveCallOut(call.id, call.account_id, call.number, call.answered)


@post("/live-calls/{call_id:int}/end", status_code=200)
async def sim_end_live_call(request: AnyRequest, call_id: FromPath[int]) -> wire.CallEnvelope:
    """The call ends and becomes a CDR (same id) of its account."""
    cdr = _sim(request).end_live_call(call_id)
    return wire.CallEnvelope(_call_out(cdr))


@put("/test-numbers")
async def sim_replace_test_numbers(
    request: AnyRequest, data: JSONBody[wire.TestNumbersIn]
) -> wire.CountOut:
    """Replace the global test-number list (cached prefixes keep their content until expiry)."""
    count = _sim(request).replace_test_numbers(
        TestNumber(t.prefix, t.test_number) for t in data.data
    )
    return wire.CountOut(count)


@post("/reset", status_code=204)
async def sim_reset(request: AnyRequest) -> None:
    """Back to the initial state."""
    _sim(request).reset()


# --- exception handlers and the app ------------------------------------------------------------


def _on_vendor_error(_: AnyRequest, exc: wire.VendorError) -> Response[Any]:
    return Response(content=exc.body, status_code=exc.status)


def _on_http_exception(request: AnyRequest, exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if request.url.path.startswith("/_sim/"):
        return Response(content=ControlError(exc.detail, exc.extra), status_code=status)
    headers: dict[str, str] = {}
    body = wire.error_body(status)
    if status == 405:
        prefix = _sim(request).config.api_prefix
        methods = list(ROUTES.methods(request.url.path.removeprefix(prefix)))
        if "GET" in methods:
            methods.append("HEAD")
        headers["Allow"] = ", ".join(methods)
        body = wire.MessageOut(
            f"The {request.method} method is not supported for route "
            f"{request.url.path.strip('/')}. Supported methods: {', '.join(methods)}."
        )
    return Response(content=body, status_code=status, headers=headers)


def _on_server_error(_: AnyRequest, __: Exception) -> Response[Any]:
    return Response(content=wire.error_body(500), status_code=500)


def create_simulator_app(config: SimulatorConfig | None = None) -> Litestar:
    """Build a simulator: the vendor API under ``config.api_prefix``, controls under ``/_sim/``."""
    config = config or SimulatorConfig()
    state = SimulatorState(config)
    vendor = Router(
        path=config.api_prefix,
        route_handlers=[
            list_numbers,
            list_test_numbers,
            list_calls,
            check_call,
            get_call,
            create_key,
            list_keys,
            revoke_key,
        ],
    )
    control = Router(
        path="/_sim",
        route_handlers=[
            sim_create_account,
            sim_set_permissions,
            sim_list_account_keys,
            sim_start_live_call,
            sim_answer_live_call,
            sim_end_live_call,
            sim_replace_test_numbers,
            sim_reset,
            *control_handlers(state.faults, state.requests),
        ],
        exception_handlers=CONTROL_EXCEPTION_HANDLERS,
    )
    app = Litestar(
        route_handlers=[vendor, control],
        exception_handlers={
            wire.VendorError: _on_vendor_error,
            HTTPException: _on_http_exception,
            Exception: _on_server_error,
        },
        openapi_config=None,
        logging_config=None,
    )
    app.state.simulator = state
    install_edge(
        app,
        EdgeSpec(
            api_prefix=config.api_prefix,
            routes=ROUTES,
            faults=state.faults,
            log=state.requests,
            identify=lambda headers: state.identify(bearer_token(headers)),
            fault_response=_fault_response,
        ),
    )
    return app
