"""``/console/audit`` (operators: every tenant) and ``/console/tenants/{tenant}/audit``: the
audit log, newest first, filtered by action and time."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from contract.errors import FieldError, ValidationFailed
from gateway import tenant_admin
from gateway.audit import AuditAction
from gateway.auth.store import Tenant
from gateway.console.auth import require_session
from gateway.console.forms import moment, query_text
from gateway.console.render import AnyRequest, console_user, page
from gateway.services import Services
from gateway.tenant_admin import operator_only

PAGE_SIZE = 50


class AuditPages(Controller):
    """Who did what, to which tenant, and how it ended."""

    path = "/console"
    guards = [require_session]
    include_in_schema = False

    @get("/audit")
    async def every_tenant(self, request: AnyRequest) -> Template:
        """Operators: every tenant's entries (or one tenant's, by filter)."""
        operator_only(console_user(request).principal, "read every tenant's audit log")
        return await _audit_page(request, None, query_text(request, "tenant_id"))

    @get("/tenants/{tenant_id:str}/audit")
    async def one_tenant(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """One tenant's entries."""
        services: Services = request.app.state.services
        tenant = await tenant_admin.managed_tenant(
            services, console_user(request).principal, tenant_id
        )
        return await _audit_page(request, tenant, tenant.id)


def _action(request: AnyRequest) -> AuditAction | None:
    raw = query_text(request, "action")
    if raw is None:
        return None
    try:
        return AuditAction(raw)
    except ValueError:
        raise ValidationFailed(
            "unknown audit action", errors=[FieldError(field="query.action", message="unknown")]
        ) from None


async def _audit_page(
    request: AnyRequest, tenant: Tenant | None, tenant_id: str | None, **context: Any
) -> Template:
    services: Services = request.app.state.services
    entries = await services.audit.page(
        tenant_id=tenant_id,
        action=_action(request),
        since=moment(query_text(request, "since"), "since"),
        until=moment(query_text(request, "until"), "until"),
        cursor=query_text(request, "cursor", 512),
        limit=PAGE_SIZE,
    )
    return page(
        request,
        "audit.html",
        tenant=tenant,
        section="audit",
        entries=entries,
        actions=list(AuditAction),
        filters={
            k: query_text(request, k) or "" for k in ("action", "since", "until", "tenant_id")
        },
        **context,
    )
