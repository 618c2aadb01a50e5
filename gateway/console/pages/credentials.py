"""``/console/tenants/{tenant}/credentials``: per vendor, store (write-only), verify, rotate,
delete; fingerprint, labels and times shown, never a secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Template

from adapters.capabilities import CredentialRotator, CredentialVerifier, VendorAdapter
from contract.errors import NotFound
from gateway import credential_admin, tenant_admin
from gateway.console.auth import require_session
from gateway.console.forms import checked
from gateway.console.render import AnyRequest, console_user, page
from gateway.services import Services
from policies.vault import CredentialMetadata

SECRET_FIELD_PREFIX = "secret."  # noqa: S105 (a form field name, not a secret)
"""Form fields of the credential are named ``secret.<field>``; their values are never echoed."""


@dataclass(frozen=True)
class CredentialField:
    """One input of a vendor's credential form."""

    name: str
    secret: bool
    """Rendered as a password field (every field but the vendor's declared labels)."""


@dataclass(frozen=True)
class VendorCredential:
    """What the page shows for one vendor: how to fill its form and what is stored."""

    vendor: str
    display_name: str
    fields: list[CredentialField]
    stored: CredentialMetadata | None
    verifiable: bool
    rotatable: bool


def credential_fields(adapter: VendorAdapter) -> list[CredentialField]:
    """The inputs of ``adapter``'s credential type, from its declaration."""
    declaration = adapter.declaration
    labels = declaration.credential_labels
    return [
        CredentialField(name=f.encode_name, secret=f.encode_name not in labels)
        for f in msgspec.structs.fields(declaration.credential_type)
    ]


class CredentialPages(Controller):
    """A tenant's vendor credentials."""

    path = "/console/tenants/{tenant_id:str}/credentials"
    guards = [require_session]
    include_in_schema = False

    @get("/")
    async def list_credentials(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """One card per vendor."""
        return await _credentials_page(request, tenant_id)

    @post("/{vendor:str}")
    async def store(
        self, request: AnyRequest, tenant_id: FromPath[str], vendor: FromPath[str]
    ) -> Template:
        """Store or replace the credential, checked with the vendor unless asked not to."""
        services: Services = request.app.state.services
        adapter = _adapter(services, vendor)
        form = await request.form()
        fields = credential_fields(adapter)
        entered = {f.name: form.get(SECRET_FIELD_PREFIX + f.name) for f in fields}
        secret = {
            name: value.strip()
            for name, value in entered.items()
            if isinstance(value, str) and value.strip()
        }
        verify = "yes" in await checked(request, "verify")
        stored = await credential_admin.store_credential(
            services, console_user(request).principal, tenant_id, vendor, secret, verify
        )
        return await _credentials_page(
            request,
            tenant_id,
            notice=f"{adapter.declaration.display_name} credential stored: "
            f"{stored.verification.status.value}, {stored.verification.detail}.",
            verdicts={vendor: stored.verification},
        )

    @post("/{vendor:str}/verify")
    async def verify(
        self, request: AnyRequest, tenant_id: FromPath[str], vendor: FromPath[str]
    ) -> Template:
        """Ask the vendor whether the stored credential still works."""
        services: Services = request.app.state.services
        adapter = _adapter(services, vendor)
        verification = await credential_admin.check_stored_credential(
            services, console_user(request).principal, tenant_id, vendor
        )
        return await _credentials_page(
            request,
            tenant_id,
            notice=f"{adapter.declaration.display_name}: {verification.status.value}, "
            f"{verification.detail}.",
            verdicts={vendor: verification},
        )

    @post("/{vendor:str}/rotate")
    async def rotate(
        self, request: AnyRequest, tenant_id: FromPath[str], vendor: FromPath[str]
    ) -> Template:
        """A new vendor key, verified and stored; the old one revoked."""
        services: Services = request.app.state.services
        adapter = _adapter(services, vendor)
        result = await credential_admin.rotate_credential(
            services, console_user(request).principal, tenant_id, vendor
        )
        warnings = " ".join(result.warnings)
        return await _credentials_page(
            request,
            tenant_id,
            notice=f"{adapter.declaration.display_name} credential rotated: new fingerprint "
            f"{result.credential.fingerprint}. {warnings}".strip(),
        )

    @post("/{vendor:str}/delete")
    async def delete(
        self, request: AnyRequest, tenant_id: FromPath[str], vendor: FromPath[str]
    ) -> Template:
        """Forget the credential (the vendor key itself stays valid)."""
        services: Services = request.app.state.services
        adapter = _adapter(services, vendor)
        await credential_admin.delete_credential(
            services, console_user(request).principal, tenant_id, vendor
        )
        return await _credentials_page(
            request, tenant_id, notice=f"{adapter.declaration.display_name} credential deleted."
        )


def _adapter(services: Services, vendor: str) -> VendorAdapter:
    adapter = services.registry.get(vendor)
    if adapter is None:
        raise NotFound(f"unknown vendor '{vendor}'")
    return adapter


async def _credentials_page(request: AnyRequest, tenant_id: str, **context: Any) -> Template:
    services: Services = request.app.state.services
    tenant = await tenant_admin.managed_tenant(services, console_user(request).principal, tenant_id)
    stored = {meta.vendor: meta for meta in await services.vault.list(tenant.id)}
    vendors = []
    for name in sorted(services.settings.vendors):
        adapter = services.registry.get(name)
        if adapter is None:
            continue
        vendors.append(
            VendorCredential(
                vendor=name,
                display_name=adapter.declaration.display_name,
                fields=credential_fields(adapter),
                stored=stored.get(name),
                verifiable=isinstance(adapter, CredentialVerifier),
                rotatable=isinstance(adapter, CredentialRotator),
            )
        )
    return page(
        request,
        "credentials.html",
        tenant=tenant,
        section="credentials",
        vendors=vendors,
        field_prefix=SECRET_FIELD_PREFIX,
        **{"verdicts": {}, **context},
    )
