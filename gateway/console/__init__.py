"""The web console at ``/console``: server-rendered pages (Jinja templates, htmx) for operators
and tenant admins, on the same administration code as the admin API.

:func:`console_router` assembles the pages; :func:`template_config` and the static files are
mounted by the app factory. Every asset is served from this package, never from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from contract.errors import GatewayError
from gateway.console.auth import SignInController
from gateway.console.pages.audit import AuditPages
from gateway.console.pages.credentials import CredentialPages
from gateway.console.pages.events import EventPages
from gateway.console.pages.keys import KeyPages
from gateway.console.pages.sandbox import SandboxPages
from gateway.console.pages.tenants import TenantPages
from gateway.console.pages.vendors import VendorPages
from gateway.console.render import (
    SECURITY_HEADERS,
    SignInRequired,
    on_gateway_error,
    on_sign_in_required,
)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja on the console's templates (autoescaping on)."""
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)


def console_router() -> Router:
    """Every console page, its static assets, and problems rendered as pages."""
    static = create_static_files_router(
        path="/console/static",
        directories=[STATIC],
        include_in_schema=False,
    )
    return Router(
        path="/",
        route_handlers=[
            SignInController,
            TenantPages,
            KeyPages,
            CredentialPages,
            VendorPages,
            EventPages,
            AuditPages,
            SandboxPages,
            static,
        ],
        include_in_schema=False,
        response_headers=SECURITY_HEADERS,
        exception_handlers={
            SignInRequired: on_sign_in_required,
            GatewayError: on_gateway_error,
        },
    )
