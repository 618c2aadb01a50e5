"""Signing in and out of the console, and the guard in front of every other console page.

Sign-in takes the operator key or a tenant key with the ``admin`` scope, once: the key is
checked like an API key, then forgotten; the browser gets only a session cookie (HttpOnly,
SameSite=Strict, ``Secure`` outside sandbox mode, limited to ``/console``). The session is never
an API credential: ``/v1`` reads no cookie, and its token does not look like a gateway key.
Failed sign-ins are counted per client address with the gateway's own rate limiter; past the
limit an address is refused (429) for the rest of the window, the key not even looked at.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Template

from contract.errors import GatewayError, RateLimited, Unauthorized
from gateway.audit import AuditAction
from gateway.auth.keys import KEY_PREFIX, Scope, hash_api_key
from gateway.auth.principal import Principal
from gateway.console.csrf import check_csrf, new_csrf_token
from gateway.console.render import (
    SIGN_IN_PATH,
    USER_STATE,
    AnyRequest,
    ConsoleUser,
    SignInRequired,
    console_user,
    page,
    redirect,
)
from gateway.console.sessions import ConsoleSessions
from gateway.services import Services
from policies.ratelimit import Rate, ShapingRejected

SESSION_COOKIE = "gateway_console"
SIGN_IN_CSRF_COOKIE = "gateway_console_sign_in"
COOKIE_PATH = "/console"
SIGN_IN_WINDOW_SECONDS = 60.0
NEVER_WAIT = float("-inf")
"""A deadline already past: the limiter answers at once instead of queueing the attempt."""


def sessions_of(services: Services) -> ConsoleSessions:
    """The console's sessions on the system of record."""
    return ConsoleSessions(services.database, services.settings.console.session_seconds)


def _cookie(services: Services, name: str, value: str, max_age: float | None) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=not services.settings.sandbox,
        max_age=None if max_age is None else int(max_age),
    )


def _expired(services: Services, name: str) -> Cookie:
    return _cookie(services, name, "", 0)


async def require_session(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The guard of every console page but sign-in: a live session whose key still works, and
    the session's CSRF token on every state-changing request."""
    user = await signed_in_user(connection)
    if isinstance(connection, Request):
        await check_csrf(connection, user.session.csrf_token)
    connection.state[USER_STATE] = user


async def signed_in_user(connection: ASGIConnection) -> ConsoleUser:
    """The user of the session cookie (:class:`SignInRequired` when there is none, it expired,
    or its key no longer opens the console)."""
    services: Services = connection.app.state.services
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired
    session = await sessions_of(services).find(token)
    if session is None:
        raise SignInRequired
    try:
        principal = await services.authenticator.principal_for(session.key_hash)
    except Unauthorized:
        await sessions_of(services).close(token)
        raise SignInRequired from None
    if not may_sign_in(principal):
        raise SignInRequired
    return ConsoleUser(principal=principal, session=session)


def may_sign_in(principal: Principal) -> bool:
    """Operators, and tenant keys holding the admin scope."""
    return principal.is_operator or Scope.ADMIN in principal.scopes


def home_path(user: ConsoleUser) -> str:
    """Where a user lands: every tenant for an operator, their own tenant otherwise."""
    if user.is_operator:
        return "/console/tenants"
    return f"/console/tenants/{user.principal.tenant_id}/keys"


def _failures_key(address: str) -> str:
    return f"console-sign-in-failures:{address}"


def _failure_rate(services: Services) -> Rate:
    return Rate(services.settings.console.sign_in_per_minute, SIGN_IN_WINDOW_SECONDS)


def _locked_out() -> RateLimited:
    return RateLimited(
        "too many failed sign-ins from this address; wait a minute before trying again",
        retry_after=int(SIGN_IN_WINDOW_SECONDS),
    )


async def _refuse_if_locked_out(services: Services, address: str) -> None:
    """429 while this address has used up its failed sign-ins for the window (nothing is
    spent by asking, so the key is not even looked at then)."""
    remaining = await services.pipeline.shaper.remaining(
        _failures_key(address), _failure_rate(services)
    )
    if remaining <= 0:
        raise _locked_out()


async def _count_failure(services: Services, address: str) -> None:
    """One failed sign-in for this address, with the gateway's rate limiter (shared by replicas
    through Redis when there is one)."""
    try:
        await services.pipeline.shaper.acquire(
            _failures_key(address), _failure_rate(services), NEVER_WAIT
        )
    except ShapingRejected:
        raise _locked_out() from None


class SignInController(Controller):
    """``/console/sign-in`` and ``/console/sign-out``."""

    path = "/console"
    include_in_schema = False

    @get("/")
    async def home(self, request: AnyRequest) -> Response[Any]:
        """To the user's landing page, or to sign-in."""
        try:
            user = await signed_in_user(request)
        except SignInRequired:
            return redirect(request, SIGN_IN_PATH)
        return redirect(request, home_path(user))

    @get("/sign-in")
    async def sign_in_form(self, request: AnyRequest) -> Template:
        """The sign-in form, with a fresh double-submit CSRF token."""
        return self._form(request, status=200)

    @post("/sign-in")
    async def sign_in(self, request: AnyRequest) -> Response[Any]:
        """Check the key; on success a new session, and the key is forgotten."""
        services: Services = request.app.state.services
        await check_csrf(request, request.cookies.get(SIGN_IN_CSRF_COOKIE))
        address = request.client.host if request.client else "unknown"
        try:
            await _refuse_if_locked_out(services, address)
        except RateLimited as exc:
            return self._form(request, status=429, error=exc.detail, retry_after=exc.retry_after)
        form = await request.form()
        key = str(form.get("key") or "").strip()
        principal = None
        if key.startswith(KEY_PREFIX):
            try:
                principal = await services.authenticator.principal_for(hash_api_key(key))
            except GatewayError:
                principal = None
        if principal is None or not may_sign_in(principal):
            try:
                await _count_failure(services, address)
            except RateLimited as exc:
                return self._form(
                    request, status=429, error=exc.detail, retry_after=exc.retry_after
                )
            return self._form(
                request,
                status=401,
                error="That key does not open the console: use the operator key or a tenant "
                "key with the admin scope.",
            )
        token, session = await sessions_of(services).open(
            hash_api_key(key), principal.key_id, principal.tenant_id
        )
        await services.audit.record(
            principal,
            AuditAction.CONSOLE_SIGNED_IN,
            tenant_id=principal.tenant_id,
            detail={"client": address},
        )
        response = redirect(request, home_path(ConsoleUser(principal=principal, session=session)))
        response.cookies.append(
            _cookie(services, SESSION_COOKIE, token, services.settings.console.session_seconds)
        )
        response.cookies.append(_expired(services, SIGN_IN_CSRF_COOKIE))
        return response

    @post("/sign-out", guards=[require_session])
    async def sign_out(self, request: AnyRequest) -> Response[Any]:
        """End the session here and in the database."""
        services: Services = request.app.state.services
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await sessions_of(services).close(token)
        principal = console_user(request).principal
        await services.audit.record(
            principal, AuditAction.CONSOLE_SIGNED_OUT, tenant_id=principal.tenant_id
        )
        response = redirect(request, SIGN_IN_PATH + "?signed_out=1")
        response.cookies.append(_expired(services, SESSION_COOKIE))
        return response

    def _form(
        self,
        request: AnyRequest,
        *,
        status: int,
        error: str | None = None,
        retry_after: int | None = None,
    ) -> Template:
        services: Services = request.app.state.services
        csrf = new_csrf_token()
        response = page(
            request,
            "sign_in.html",
            status=status,
            sign_in_csrf=csrf,
            error=error,
            signed_out=request.query_params.get("signed_out") == "1",
        )
        response.cookies.append(_cookie(services, SIGN_IN_CSRF_COOKIE, csrf, None))
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response
