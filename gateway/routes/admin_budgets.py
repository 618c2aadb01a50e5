"""``/v1/admin/tenants/{tenant}/credentials/{vendor}/budgets``: a credential's own rate limits.

Vendors sell higher limits than their defaults. An operator sets what a credential's account
bought (never past a ceiling the vendor documents) or gives the budget back to the vendor's
default. The limit is stored with the credential, so every replica's pipeline reads it with the
credential itself (within the credential copy's freshness bound), at no extra cost per call.
"""

from __future__ import annotations

from litestar import Controller, delete, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from adapters.capabilities import VendorAdapter
from adapters.declaration import RateCeiling, VendorDeclaration
from contract.errors import NotFound
from gateway.audit import AuditAction
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.budgets import checked_limit, declared_budget, effective_budget
from gateway.openapi import BODY_ERRORS, contract
from gateway.routes.admin_schema import BudgetOut, BudgetPut, CredentialOut, RateOut
from gateway.services import Services
from gateway.tenant_admin import managed_tenant
from policies.vault import BudgetLimit, CredentialMetadata


def budgets_out(declaration: VendorDeclaration | None, meta: CredentialMetadata) -> list[BudgetOut]:
    """Every budget the vendor declares, as it applies to the credential ``meta`` describes."""
    if declaration is None:
        return []
    shown = []
    for name, default in sorted(declaration.budgets.items()):
        budget = effective_budget(declaration, name, meta.budgets) or default
        shown.append(
            BudgetOut(
                name=name,
                limit=budget.limit,
                period_seconds=budget.period_seconds,
                overridden=name in meta.budgets,
                default=RateOut(limit=default.limit, period_seconds=default.period_seconds),
                ceiling=_rate(default.ceiling),
            )
        )
    return shown


def credential_out(services: Services, meta: CredentialMetadata) -> CredentialOut:
    """What the admin API shows of a stored credential: never its secret."""
    adapter = services.registry.get(meta.vendor)
    return CredentialOut(
        vendor=meta.vendor,
        fingerprint=meta.fingerprint,
        created_at=meta.created_at,
        rotated_at=meta.rotated_at,
        labels=dict(meta.labels),
        budgets=budgets_out(adapter.declaration if adapter else None, meta),
    )


def _rate(ceiling: RateCeiling | None) -> RateOut | None:
    if ceiling is None:
        return None
    return RateOut(limit=ceiling.limit, period_seconds=ceiling.period_seconds)


def _vendor(services: Services, vendor: str) -> VendorAdapter:
    adapter = services.registry.get(vendor)
    if adapter is None:
        raise NotFound(f"unknown vendor '{vendor}'")
    return adapter


class CredentialBudgetsController(Controller):
    """A stored credential's own rate budgets."""

    path = "/v1/admin/tenants/{tenant_id:str}/credentials/{vendor:str}/budgets"
    tags = ["admin"]

    @put(
        "/{budget:str}",
        operation_id="putCredentialBudget",
        summary="Set a credential's budget",
        description=(
            "Sets this credential's limit for one of its vendor's rate budgets (the vendor sold "
            "the account more than its default, or the operator wants less). A limit past the "
            "vendor's documented ceiling is refused (422, naming the ceiling). Every replica "
            "shapes with it within a second. Answers the credential with its budgets."
        ),
        **contract(Scope.ADMIN, 404, *BODY_ERRORS),
        status_code=200,
    )
    async def put_budget(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
        budget: FromPath[str],
        data: JSONBody[BudgetPut],
    ) -> CredentialOut:
        """Set the credential's limit for ``budget``; audited."""
        tenant = await managed_tenant(services, principal, tenant_id)
        async with services.audit.action(
            principal, AuditAction.CREDENTIAL_BUDGET_SET, tenant_id=tenant.id, target=vendor
        ) as note:
            note.detail["budget"] = budget
            note.detail["limit"] = str(data.limit)
            note.detail["period_seconds"] = f"{data.period_seconds:g}"
            declaration = _vendor(services, vendor).declaration
            limit = checked_limit(declaration, budget, BudgetLimit(data.limit, data.period_seconds))
            meta = await services.vault.set_budget(tenant.id, vendor, budget, limit)
            if meta is None:
                raise NotFound(f"this tenant has no {vendor} credential")
        await services.invalidations.credentials_changed(tenant.id)
        return credential_out(services, meta)

    @delete(
        "/{budget:str}",
        operation_id="deleteCredentialBudget",
        summary="Return a credential's budget to the vendor's default",
        **contract(Scope.ADMIN, 404),
    )
    async def delete_budget(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
        budget: FromPath[str],
    ) -> None:
        """Forget the credential's own limit for ``budget`` (none set: nothing changes)."""
        tenant = await managed_tenant(services, principal, tenant_id)
        async with services.audit.action(
            principal, AuditAction.CREDENTIAL_BUDGET_RESET, tenant_id=tenant.id, target=vendor
        ) as note:
            note.detail["budget"] = budget
            declared_budget(_vendor(services, vendor).declaration, budget)
            if await services.vault.set_budget(tenant.id, vendor, budget, None) is None:
                raise NotFound(f"this tenant has no {vendor} credential")
        await services.invalidations.credentials_changed(tenant.id)
