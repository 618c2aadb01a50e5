"""Vendor-neutral machinery shared by the vendor simulators.

A simulator is a Litestar app serving one vendor's API under an API prefix (``/api/v1``,
``/v1``, ...) plus a JSON control surface under ``/_sim``. Everything here is independent of the
vendor; what differs (the prefix, how a key is read from the headers, what an error body looks
like) is passed in.

Public API
----------
``RouteTable(routes)``
    The vendor's route templates (relative to the prefix, placeholders written ``{name}``) and
    their methods. ``template(api_path)`` is the template a concrete path falls under (literal
    segments beat placeholders, so ``/phone-numbers/carriers`` is not ``/phone-numbers/{id}``),
    or the path itself when nothing matches; ``methods(api_path)`` the allowed methods (empty
    when unknown).
``Fault``
    One injected fault: ``status`` (an error answered before routing, body from the vendor's
    builder), ``latency_ms`` (sleep first), ``drop`` (close the connection without a response),
    ``retry_after`` (seconds; a 429 without it gets ``Retry-After: 1``), matched by ``method``
    (``None``: any) and ``path_prefix`` (a prefix of the path after the API prefix), used
    ``count`` times (``None``: until cleared).
``FaultBook``
    Thread-safe queue of faults: ``add(fault) -> Fault`` (assigns ``id`` from 1), ``pending()``,
    ``clear()``, ``take(method, api_path) -> Fault | None`` (first match, consumes one use),
    ``reset()`` (also restarts ids).
``RequestLog(rate_window_seconds, clock=time.monotonic)``
    Thread-safe counters: ``record(endpoint, key_id, traceparent)`` with ``endpoint`` like
    ``"GET /calls/{id}"`` and ``key_id`` ``None`` for unauthenticated requests (counted under
    :data:`UNAUTHENTICATED`); ``stats() -> RequestStats`` (total, per endpoint, per key, peak per
    sliding minute and per sliding rate window for any one key, last ``traceparent``);
    ``reset()``.
``FixedWindowLimiter(limit, window_seconds, clock=time.monotonic)``
    ``hit(key) -> RateDecision`` counts one request in the key's fixed window (started by its
    first request) unless it is exhausted; ``reset()``.
``EdgeSpec`` / ``VendorEdge(app, spec)`` / ``install_edge(app, spec)``
    The outer ASGI layer, run before Litestar routes anything. For each HTTP request under
    ``spec.api_prefix`` it records ``"METHOD <endpoint_prefix><template>"`` with
    ``spec.identify(headers)`` (headers lower-cased) in ``spec.log``, then applies the first
    matching fault of ``spec.faults``; ``spec.fault_response(status) -> (body bytes, content
    type)`` builds the body of an injected error. ``install_edge`` wraps ``app.asgi_handler``.
``response_headers(request) -> dict[str, str]``
    A per-request dict whose entries the edge adds to the response (rate-limit headers set by a
    handler survive an exception handler this way).
``bearer_token(headers) -> str | None``
    The token of an ``Authorization: Bearer <token>`` header.
``drop_connection(send)``
    Close the client connection without any response.
``control_handlers(faults, log, api_prefix=None)``
    Litestar handlers for the control router: ``POST /faults`` (body :class:`FaultSpec`, 201
    :class:`FaultOut`; 400 via ``ValueError`` when it has no effect; with ``api_prefix`` a
    ``path_prefix`` may include the prefix), ``GET /faults`` (:class:`FaultsOut`),
    ``DELETE /faults`` (204), ``GET /requests`` (:class:`RequestsOut`), ``DELETE /requests``
    (204).
``CONTROL_EXCEPTION_HANDLERS`` / ``ControlError``
    ``LookupError`` -> 404 and ``ValueError`` -> 400, as ``{"message": ...}``, for the control
    router.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.enums import ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody
from litestar.types import ASGIApp, ExceptionHandlersMap, Message, Receive, Scope, Send

UNAUTHENTICATED = "unauthenticated"
"""``by_token_key_id`` bucket for requests whose key is missing, unknown or revoked."""

RESPONSE_HEADERS_SCOPE_KEY = "sim_response_headers"
"""Where the edge keeps the extra response headers of one request, in the ASGI scope's
``state`` (which Litestar makes per request)."""

_PEAK_WINDOW_SECONDS = 60.0

AnyRequest = Request[Any, Any, Any]


# --- routes ------------------------------------------------------------------------------------


class RouteTable:
    """Route templates of a vendor API (relative to its prefix) and their methods."""

    def __init__(self, routes: Mapping[str, tuple[str, ...]]) -> None:
        self.routes = dict(routes)
        self._patterns = sorted(
            ((t.split("/"), t) for t in self.routes if "{" in t),
            key=lambda item: sum(p.startswith("{") for p in item[0]),
        )

    def template(self, api_path: str) -> str:
        """The template ``api_path`` falls under, or the path itself when none matches."""
        path = api_path.rstrip("/") or "/"
        if path in self.routes:
            return path
        parts = path.split("/")
        for pattern, template in self._patterns:
            if len(pattern) == len(parts) and all(
                p == s or (p.startswith("{") and s) for p, s in zip(pattern, parts, strict=True)
            ):
                return template
        return path

    def methods(self, api_path: str) -> tuple[str, ...]:
        """The methods of the route ``api_path`` falls under; empty for an unknown path."""
        return self.routes.get(self.template(api_path), ())


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header (lower-case header names)."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


# --- faults ------------------------------------------------------------------------------------


@dataclass
class Fault:
    """A fault for vendor API requests whose path (after the API prefix) starts with
    ``path_prefix`` and, when ``method`` is set, that use this HTTP method."""

    id: int
    status: int | None = None
    latency_ms: int = 0
    count: int | None = None
    path_prefix: str = ""
    method: str | None = None
    drop: bool = False
    retry_after: int | None = None


class FaultBook:
    """Pending faults, in the order they were added; safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, fault: Fault) -> Fault:
        """Queue a fault; its ``id`` is assigned here."""
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def pending(self) -> list[Fault]:
        """Faults still pending."""
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """No faults, and ids start again from 1."""
        with self._lock:
            self._faults.clear()
            self._next_id = 1

    def take(self, method: str, api_path: str) -> Fault | None:
        """The first pending fault matching a request; one use of it is consumed."""
        with self._lock:
            for fault in self._faults:
                method_matches = fault.method is None or fault.method.upper() == method.upper()
                if method_matches and api_path.startswith(fault.path_prefix):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._faults.remove(fault)
                    return fault
            return None


# --- request log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestStats:
    """What a simulator saw on its vendor API since the last reset."""

    total: int
    by_endpoint: dict[str, int]
    by_token_key_id: dict[str, int]
    peak_per_minute: int
    peak_per_rate_window: int
    last_traceparent: str | None


class RequestLog:
    """Counters per endpoint and per key, with the peak count in sliding windows per key."""

    def __init__(
        self, rate_window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate_window = rate_window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._total = 0
            self._by_endpoint: Counter[str] = Counter()
            self._by_key: Counter[str] = Counter()
            self._recent: dict[str, tuple[deque[float], deque[float]]] = {}
            self._peak_minute = 0
            self._peak_window = 0
            self._last_traceparent: str | None = None

    def record(self, endpoint: str, key_id: object | None, traceparent: str | None = None) -> None:
        """Count one request under its endpoint and key, remembering its ``traceparent``."""
        with self._lock:
            now = self._clock()
            self._total += 1
            self._last_traceparent = traceparent
            self._by_endpoint[endpoint] += 1
            if key_id is None:
                self._by_key[UNAUTHENTICATED] += 1
                return
            self._by_key[str(key_id)] += 1
            minute, window = self._recent.setdefault(str(key_id), (deque(), deque()))
            self._peak_minute = max(self._peak_minute, _slide(minute, now, _PEAK_WINDOW_SECONDS))
            self._peak_window = max(self._peak_window, _slide(window, now, self._rate_window))

    def stats(self) -> RequestStats:
        """A snapshot of the counters."""
        with self._lock:
            return RequestStats(
                total=self._total,
                by_endpoint=dict(self._by_endpoint),
                by_token_key_id=dict(self._by_key),
                peak_per_minute=self._peak_minute,
                peak_per_rate_window=self._peak_window,
                last_traceparent=self._last_traceparent,
            )


def _slide(times: deque[float], now: float, width: float) -> int:
    times.append(now)
    while times[0] <= now - width:
        times.popleft()
    return len(times)


# --- rate limit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one request against its key's fixed window."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int
    """Whole seconds until the window ends (at least 1)."""
    reset_epoch: int


@dataclass
class _Window:
    started_at: float
    hits: int = 0


class FixedWindowLimiter:
    """``limit`` requests per key in a fixed window started by the key's first request."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[object, _Window] = {}

    def hit(self, key: object) -> RateDecision:
        """Count one request of ``key``, unless its window is exhausted."""
        limit, width = self.limit, self.window_seconds
        with self._lock:
            now = self._clock()
            window = self._windows.get(key)
            if window is None or now >= window.started_at + width:
                window = self._windows[key] = _Window(started_at=now)
            retry_after = max(1, math.ceil(window.started_at + width - now))
            reset_epoch = math.ceil(time.time() + retry_after)
            if window.hits >= limit:
                return RateDecision(False, limit, 0, retry_after, reset_epoch)
            window.hits += 1
            return RateDecision(True, limit, limit - window.hits, retry_after, reset_epoch)

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()


# --- the outer ASGI layer: counting and faults -------------------------------------------------


@dataclass(frozen=True)
class EdgeSpec:
    """What :class:`VendorEdge` needs to know about one simulator."""

    api_prefix: str
    """Path of the vendor API, starting with ``/`` and without a trailing one."""
    routes: RouteTable
    faults: FaultBook
    log: RequestLog
    identify: Callable[[Mapping[str, str]], object | None]
    """The key id of a request from its (lower-cased) headers, or ``None``; must not count it."""
    fault_response: Callable[[int], tuple[bytes, str]]
    """The body and content type of an injected error with this status."""
    endpoint_prefix: str = ""
    """Prepended to the template in request-log endpoints (e.g. ``/v1`` -> ``GET /v1/calls``)."""


class VendorEdge:
    """Counts vendor API requests and applies injected faults before Litestar routes them."""

    def __init__(self, app: ASGIApp, spec: EdgeSpec) -> None:
        self.app = app
        self.spec = spec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec = self.spec
        prefix = spec.api_prefix
        path = scope.get("path", "")
        if scope["type"] != ScopeType.HTTP or not (path == prefix or path.startswith(prefix + "/")):
            await self.app(scope, receive, send)
            return
        api_path = path[len(prefix) :] or "/"
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        spec.log.record(
            f"{scope['method']} {spec.endpoint_prefix}{spec.routes.template(api_path)}",
            spec.identify(headers),
            headers.get("traceparent"),
        )
        fault = spec.faults.take(scope["method"], api_path)
        if fault is not None:
            if fault.latency_ms:
                await asyncio.sleep(fault.latency_ms / 1000)
            if fault.drop:
                await drop_connection(send)
                return
            if fault.status is not None:
                await self._send_fault(send, fault.status, fault.retry_after)
                return
        extra_headers: dict[str, str] = {}
        scope["state"][RESPONSE_HEADERS_SCOPE_KEY] = extra_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra_headers:
                extra = [(k.lower().encode(), v.encode()) for k, v in extra_headers.items()]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _send_fault(self, send: Send, status: int, retry_after: int | None) -> None:
        body, content_type = self.spec.fault_response(status)
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if retry_after is None and status == 429:
            retry_after = 1
        if retry_after is not None:
            headers.append((b"retry-after", str(retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


def install_edge(app: Any, spec: EdgeSpec) -> None:
    """Wrap a Litestar app's ASGI handler in a :class:`VendorEdge`."""
    app.asgi_handler = VendorEdge(app.asgi_handler, spec)


def response_headers(request: AnyRequest) -> dict[str, str]:
    """Extra headers for this request's response (any response, errors included)."""
    headers: dict[str, str] = request.scope["state"].setdefault(RESPONSE_HEADERS_SCOPE_KEY, {})
    return headers


async def drop_connection(send: Send) -> None:
    """Close the connection without a response.

    uvicorn answers 500 for an app that fails or returns before starting a response, so the
    transport is closed directly: ``send`` is a bound method of uvicorn's request cycle, which
    holds the transport. Elsewhere, a response promising a body that never comes is the fallback.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
        )
        return
    transport.close()
    for _ in range(20):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)


# --- control surface ---------------------------------------------------------------------------


class FaultSpec(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/faults``; ``count`` null means until cleared."""

    status: Annotated[int, msgspec.Meta(ge=400, le=599)] | None = None
    latency_ms: Annotated[int, msgspec.Meta(ge=0, le=600_000)] = 0
    count: Annotated[int, msgspec.Meta(ge=1)] | None = None
    path_prefix: str = ""
    method: str | None = None
    drop: bool = False
    retry_after: Annotated[int, msgspec.Meta(ge=0)] | None = None


class FaultOut(FaultSpec):
    """A queued fault; ``count`` is what is left of it."""

    id: int = 0


class FaultsOut(msgspec.Struct):
    """``GET /_sim/faults``."""

    data: list[FaultOut]


class RequestsOut(msgspec.Struct):
    """``GET /_sim/requests``."""

    total: int
    by_endpoint: dict[str, int]
    by_token_key_id: dict[str, int]
    peak_per_minute: int
    peak_per_rate_window: int
    last_traceparent: str | None


class ControlError(msgspec.Struct, omit_defaults=True):
    """Error body of a control surface."""

    message: str
    errors: Any = None


def _fault_out(fault: Fault) -> FaultOut:
    return FaultOut(**dataclasses.asdict(fault))


def control_handlers(
    faults: FaultBook, log: RequestLog, api_prefix: str | None = None
) -> list[HTTPRouteHandler]:
    """The ``/faults`` and ``/requests`` handlers of a control router, bound to one simulator.

    With ``api_prefix``, a fault's ``path_prefix`` may also be written with it (``/v1/calls``);
    it is stored relative to it (``/calls``).
    """

    @post("/faults", status_code=201)
    async def sim_add_fault(data: JSONBody[FaultSpec]) -> FaultOut:
        """Queue a fault for vendor API requests."""
        if data.status is None and not data.latency_ms and not data.drop:
            raise ValueError("a fault needs status, latency_ms or drop")
        fault = Fault(id=0, **msgspec.structs.asdict(data))
        if api_prefix and (
            fault.path_prefix == api_prefix or fault.path_prefix.startswith(api_prefix + "/")
        ):
            fault.path_prefix = fault.path_prefix[len(api_prefix) :]
        return _fault_out(faults.add(fault))

    @get("/faults")
    async def sim_list_faults() -> FaultsOut:
        """Faults still pending."""
        return FaultsOut([_fault_out(f) for f in faults.pending()])

    @delete("/faults")
    async def sim_clear_faults() -> None:
        """Drop every pending fault."""
        faults.clear()

    @get("/requests")
    async def sim_requests() -> RequestsOut:
        """What the vendor API has seen since the last reset."""
        return RequestsOut(**dataclasses.asdict(log.stats()))

    @delete("/requests")
    async def sim_reset_requests() -> None:
        """Zero the request counters."""
        log.reset()

    return [sim_add_fault, sim_list_faults, sim_clear_faults, sim_requests, sim_reset_requests]


def _on_control_error(_: AnyRequest, exc: Exception) -> Response[Any]:
    status = 404 if isinstance(exc, LookupError) else 400
    return Response(content=ControlError(str(exc)), status_code=status)


CONTROL_EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    LookupError: _on_control_error,
    ValueError: _on_control_error,
}
"""Exception handlers of a control router: ``LookupError`` -> 404, ``ValueError`` -> 400."""
