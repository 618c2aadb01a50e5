"""Authentication and scope checks for every ``/v1`` route, and the dependencies routes use."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.request_context import tenant_id_var
from gateway.services import Services
from gateway.telemetry import annotate

SCOPE_OPT = "scope"


def is_automatic_options(handler: BaseRouteHandler) -> bool:
    """Litestar's generated ``OPTIONS`` handlers, which reveal only the allowed methods."""
    return getattr(handler, "http_methods", None) == {"OPTIONS"} and SCOPE_OPT not in handler.opt


def required_scope(handler: BaseRouteHandler) -> Scope:
    """The scope a route declared with ``opt={"scope": ...}``; every ``/v1`` route must."""
    scope = handler.opt.get(SCOPE_OPT)
    if not isinstance(scope, Scope):
        raise TypeError(f"route {handler.handler_name} declares no scope")
    return scope


async def authorize(connection: ASGIConnection) -> None:
    """Resolve the caller (401) and check the route's scope (403): every ``/v1`` route's
    ``before_request`` hook.

    A hook rather than a guard: it runs at the same point (before parameters, body and
    dependencies are read, so a caller without a valid key learns nothing about them), but
    Litestar hands each guard a shallow copy of the route handler, made on every request (4% of
    a cache hit's time).
    """
    handler = connection.route_handler
    if is_automatic_options(handler):
        return
    services: Services = connection.app.state.services
    principal = await services.authenticator.authenticate(connection.headers.get("authorization"))
    tenant_id_var.set(principal.tenant_id or "operator")
    annotate(tenant_id=principal.tenant_id or "operator")
    principal.require(required_scope(handler))
    connection.state.principal = principal


def provide_principal(request: ASGIConnection, services: NamedDependency[Services]) -> Principal:
    """The caller, resolved by :func:`authorize`.

    It takes ``services`` (unused) so that Litestar resolves the two one after the other:
    dependencies that do not depend on each other are resolved in a task group, two tasks
    spawned on every request for what are two attribute reads."""
    del services
    return request.state.principal


def provide_services(request: ASGIConnection) -> Services:
    """The process's long-lived parts."""
    return request.app.state.services
