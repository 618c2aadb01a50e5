"""``/v1/admin/audit``: the audit log, read-only."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from gateway.audit import AuditAction, AuditPage
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import READ_ERRORS, contract
from gateway.routes.params import RFC3339, CursorParam, Limit, parse_moment
from gateway.services import Services


class AuditController(Controller):
    """Who did what to which tenant. Operators read every tenant's entries; a tenant admin key,
    its own tenant's. No route changes or deletes an entry."""

    path = "/v1/admin/audit"
    tags = ["admin"]

    @get(
        "/",
        operation_id="listAuditEntries",
        summary="List audit entries",
        **contract(Scope.ADMIN, 404, *READ_ERRORS),
    )
    async def list_entries(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: Annotated[
            str | None, Parameter(description="Operators: one tenant's entries only.")
        ] = None,
        action: Annotated[AuditAction | None, Parameter(description="Only this action.")] = None,
        since: Annotated[
            str | None,
            Parameter(description="Entries at or after this time (RFC 3339).", pattern=RFC3339),
        ] = None,
        until: Annotated[
            str | None,
            Parameter(description="Entries before this time (RFC 3339).", pattern=RFC3339),
        ] = None,
        limit: Limit = 50,
        cursor: CursorParam = None,
    ) -> AuditPage:
        """Entries newest first, cursor-paginated."""
        scope = tenant_id if principal.is_operator else principal.require_tenant()
        if not principal.is_operator and tenant_id is not None:
            principal.check_manages(tenant_id)
        return await services.audit.page(
            tenant_id=scope,
            action=action,
            since=parse_moment(since, "query.since"),
            until=parse_moment(until, "query.until"),
            cursor=cursor,
            limit=limit,
        )
