"""A stateful Truecaller simulator: Truecaller for Business, the profile flow, and ``/_sim/``.

One Litestar app serves the business API at the server root (the vendor's base URL; paths as in
``vendor-contracts/truecaller-business.md``), the profile endpoint at
``SimulatorConfig.profile_prefix`` (``truecaller-profile.md``), the download files under
``/files/`` and the control surface under ``/_sim/``. The outer ASGI layers of
:mod:`simulators.edge` count every vendor request under its route template and apply
injected faults, with an error body in the style of the part of the vendor that was hit; control
requests pass them by. Exception handlers keep Litestar's own error format away from clients.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Litestar, Response, Router
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, Scope, Send

from simulators.edge import (
    CONTROL_EXCEPTION_HANDLERS,
    ControlError,
    EdgeSpec,
    RouteTable,
    VendorEdge,
    bearer_token,
    control_handlers,
)
from simulators.truecaller import (
    api_numbers,
    api_personalisation,
    control,
    control_events,
    profile_flow,
    wire,
)
from simulators.truecaller.config import SimulatorConfig
from simulators.truecaller.http import AnyRequest, sim
from simulators.truecaller.profile_flow import profile_endpoint, profile_router
from simulators.truecaller.profile_wire import ProfileError
from simulators.truecaller.state import SimulatorState

__all__ = [
    "SimulatorConfig",
    "SimulatorState",
    "create_simulator_app",
    "profile_endpoint",
]

BUSINESS_ROUTES: dict[str, tuple[str, ...]] = {**api_numbers.ROUTES, **api_personalisation.ROUTES}
"""Route templates of the business API (full paths) and their methods."""


def _in(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _business_fault(status: int) -> tuple[bytes, str]:
    return msgspec.json.encode(wire.slug_error(status)), "application/json"


def _profile_fault(status: int) -> tuple[bytes, str]:
    message = "Unauthorized" if status == 401 else "Internal error" if status >= 500 else None
    body = ProfileError(status, message or HTTPStatus(status).phrase)
    return msgspec.json.encode(body), "application/json"


class _Edges:
    """Sends profile requests through the profile edge, control requests straight to the app,
    and everything else through the business edge; both edges share faults and the log."""

    def __init__(self, app: ASGIApp, state: SimulatorState) -> None:
        self.app = app
        self.prefix = state.config.profile_prefix
        routes = RouteTable({**BUSINESS_ROUTES, self.prefix: ("GET",)})

        def business_key(headers: Any) -> str | None:
            principal = state.tokens.authenticate(bearer_token(headers) or "")
            return principal.key_id if principal else None

        def profile_user(headers: Any) -> str | None:
            profile = state.profiles.resolve(bearer_token(headers))
            return f"profile-user:{profile.user_id}" if profile else None

        def edge(identify: Any, fault_response: Any) -> VendorEdge:
            spec = EdgeSpec("", routes, state.faults, state.log, identify, fault_response)
            return VendorEdge(app, spec)

        self.business = edge(business_key, _business_fault)
        self.profile = edge(profile_user, _profile_fault)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or _in(path, "/_sim"):
            await self.app(scope, receive, send)
        elif _in(path, self.prefix):
            await self.profile(scope, receive, send)
        else:
            await self.business(scope, receive, send)


# --- exception handlers ------------------------------------------------------------------------


def _on_vendor_error(_: AnyRequest, exc: wire.VendorError) -> Response[Any]:
    return Response(content=exc.body, status_code=exc.status, headers=exc.headers)


def _on_http_exception(request: AnyRequest, exc: HTTPException) -> Response[Any]:
    status, path = exc.status_code, request.url.path
    if _in(path, "/_sim"):
        return Response(content=ControlError(exc.detail, exc.extra), status_code=status)
    if _in(path, sim(request).config.profile_prefix):
        body, _ = _profile_fault(status)
        return Response(content=msgspec.Raw(body), status_code=status)
    headers = {}
    if status == 405:
        methods = RouteTable(BUSINESS_ROUTES).methods(path)
        headers["Allow"] = ", ".join(methods)
    message = "method not allowed" if status == 405 else None
    return Response(content=wire.slug_error(status, message), status_code=status, headers=headers)


def _on_server_error(request: AnyRequest, exc: Exception) -> Response[Any]:
    if _in(request.url.path, "/_sim"):
        return Response(content=ControlError(f"internal error: {exc!r}"), status_code=500)
    if _in(request.url.path, sim(request).config.profile_prefix):
        return Response(content=ProfileError(500, "Internal error"), status_code=500)
    return Response(content=wire.slug_error(500), status_code=500)


# --- the app -----------------------------------------------------------------------------------


def create_simulator_app(config: SimulatorConfig | None = None) -> Litestar:
    """Build a simulator: business API at the root, profile endpoint, controls under ``/_sim``."""
    state = SimulatorState(config or SimulatorConfig())
    faults = [h for h in control_handlers(state.faults, state.log) if "/faults" in h.paths]
    control_router = Router(
        path="/_sim",
        route_handlers=[
            *control.HANDLERS,
            *control_events.HANDLERS,
            *profile_flow.CONTROL_HANDLERS,
            *faults,
        ],
        exception_handlers=dict(CONTROL_EXCEPTION_HANDLERS),
    )

    async def close_dispatcher() -> None:
        await state.dispatcher.aclose()

    app = Litestar(
        route_handlers=[
            *api_numbers.HANDLERS,
            *api_personalisation.HANDLERS,
            profile_router(state.config.profile_prefix),
            control_router,
        ],
        exception_handlers={
            wire.VendorError: _on_vendor_error,
            HTTPException: _on_http_exception,
            Exception: _on_server_error,
        },
        on_shutdown=[close_dispatcher],
        openapi_config=None,
        logging_config=None,
    )
    app.state.simulator = state
    app.asgi_handler = _Edges(app.asgi_handler, state)
    return app
