"""A stateful TopCalls simulator: the contract's vendor API plus a ``/_sim/`` control surface.

The vendor API (under ``SimulatorConfig.api_prefix``, ``/v1``) follows
``vendor-contracts/topcalls.md``: bearer keys ``tc_live_...``, read-only keys refused on writes,
a fixed-window rate limit per key, idempotent POSTs, RFC 7807 problems with zod-style issues,
checked in the order 401 -> 403 -> 429 -> 400 -> 404 -> 402/409. A background task started with
the app moves calls through their lifecycle and delivers webhooks. The vendor-neutral parts
(request counting, faults, the rate window) are :mod:`simulators.edge`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from litestar import Litestar, Request, Response, Router
from litestar.exceptions import HTTPException

from simulators.edge import (
    ControlError,
    EdgeSpec,
    bearer_token,
    install_edge,
)
from simulators.topcalls import wire
from simulators.topcalls.api import ROUTES, VENDOR_HANDLERS
from simulators.topcalls.control import control_router
from simulators.topcalls.http import ProblemError, problem_response, sim_state
from simulators.topcalls.state import (
    Refusal,
    SimulatorConfig,
    SimulatorState,
)
from simulators.topcalls.validation import InvalidBody

AnyRequest = Request[Any, Any, Any]

__all__ = ["SimulatorConfig", "SimulatorState", "create_simulator_app"]

_log = logging.getLogger(__name__)

# --- exception handlers, background task and the app -------------------------------------------


def _on_problem(_: AnyRequest, exc: Exception) -> Response[bytes]:
    return problem_response(exc)


def _on_http_exception(request: AnyRequest, exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if request.url.path.startswith("/_sim/"):
        return Response(content=ControlError(exc.detail, exc.extra), status_code=status)
    headers: dict[str, str] = {}
    detail = None
    if status == 404:
        detail = f"No route {request.method} {request.url.path}"
    if status == 405:
        prefix = sim_state(request).config.api_prefix
        methods = ROUTES.methods(request.url.path.removeprefix(prefix))
        headers["Allow"] = ", ".join(methods)
        detail = f"Method {request.method} is not allowed here; use {' or '.join(methods)}"
    return problem_response(ProblemError(status, detail, headers=headers))


def _on_server_error(_: AnyRequest, exc: Exception) -> Response[bytes]:
    _log.exception("TopCalls simulator error", exc_info=exc)
    return problem_response(ProblemError(500, "Internal server error"))


async def _run_background(state: SimulatorState, client: httpx.AsyncClient) -> None:
    """Move calls on and send due webhooks every tick."""
    while True:
        try:
            state.advance()
            state.webhooks.dispatch_due(client)
        except Exception:
            _log.exception("TopCalls simulator tick failed")
        await asyncio.sleep(state.config.tick_seconds)


@contextlib.asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    state: SimulatorState = app.state.simulator
    async with httpx.AsyncClient(trust_env=False) as client:
        task = asyncio.create_task(_run_background(state, client))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await state.webhooks.aclose()


def create_simulator_app(config: SimulatorConfig | None = None) -> Litestar:
    """Build a simulator: the vendor API under ``config.api_prefix``, controls under ``/_sim``."""
    config = config or SimulatorConfig()
    state = SimulatorState(config)
    app = Litestar(
        route_handlers=[
            Router(path=config.api_prefix, route_handlers=VENDOR_HANDLERS),
            control_router(state),
        ],
        exception_handlers={
            ProblemError: _on_problem,
            InvalidBody: _on_problem,
            Refusal: _on_problem,
            HTTPException: _on_http_exception,
            Exception: _on_server_error,
        },
        lifespan=[_lifespan],
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
            fault_response=lambda status: (
                wire.encode(wire.problem(status)),
                wire.PROBLEM_CONTENT_TYPE,
            ),
            endpoint_prefix=config.api_prefix,
        ),
    )
    return app
