"""Rendering console pages: the shared context every template gets, and errors as pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Response
from litestar.datastructures import ResponseHeader
from litestar.response import Redirect, Template

from contract.errors import GatewayError
from gateway.auth.principal import Principal
from gateway.console.forms import AnyRequest
from gateway.console.sessions import ConsoleSession
from gateway.services import Services

USER_STATE = "console_user"
SIGN_IN_PATH = "/console/sign-in"

SECURITY_HEADERS = [
    ResponseHeader(name="Cache-Control", value="no-store"),
    ResponseHeader(
        name="Content-Security-Policy",
        value=(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
    ),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
]
"""On every console answer: nothing cached (a key is shown once), no framing, no inline code."""


@dataclass(frozen=True)
class ConsoleUser:
    """Who is signed in: the principal of the key they signed in with, and their session."""

    principal: Principal
    session: ConsoleSession

    @property
    def is_operator(self) -> bool:
        """Operators see every tenant."""
        return self.principal.is_operator

    @property
    def label(self) -> str:
        """How the header names them (never the key itself)."""
        if self.principal.is_operator:
            return "operator"
        return f"tenant admin ({self.principal.tenant_id})"


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""


def console_user(request: AnyRequest) -> ConsoleUser:
    """The signed-in user the console guard resolved."""
    user = request.state.get(USER_STATE)
    if not isinstance(user, ConsoleUser):
        raise SignInRequired
    return user


def page(
    request: AnyRequest,
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> Template:
    """``template`` with the console's common context: the user, the CSRF token, sandbox mode."""
    services: Services = request.app.state.services
    user = request.state.get(USER_STATE)
    common = {
        "user": user if isinstance(user, ConsoleUser) else None,
        "csrf_token": user.session.csrf_token if isinstance(user, ConsoleUser) else "",
        "sandbox": services.settings.sandbox,
        "path": request.url.path,
    }
    return Template(template_name=template, context={**common, **context}, status_code=status)


def redirect(request: AnyRequest, path: str) -> Response[Any]:
    """See-other to ``path``; htmx requests are told to navigate there instead."""
    if request.headers.get("hx-request"):
        return Response(content=b"", status_code=204, headers={"HX-Redirect": path})
    return Redirect(path=path, status_code=303)


def on_sign_in_required(request: AnyRequest, _: SignInRequired) -> Response[Any]:
    """To the sign-in page."""
    return redirect(request, SIGN_IN_PATH)


def on_gateway_error(request: AnyRequest, exc: GatewayError) -> Response[Any]:
    """A problem as a page of its own (status, title, what to do), never a stack trace."""
    return page(
        request,
        "error.html",
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        problem_status=exc.status,
    )
