"""Who is calling: resolved from the bearer key once per request."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from contract.errors import Forbidden, NotFound, Unauthorized
from gateway.auth.keys import KEY_PREFIX, Scope, hash_api_key
from gateway.auth.store import TenantStore
from policies.last_known import LastKnown


@dataclass(frozen=True)
class Principal:
    """The caller: a tenant's key (``tenant_id`` set) or an operator key (``tenant_id`` None)."""

    key_id: str
    tenant_id: str | None
    scopes: frozenset[Scope]

    @property
    def is_operator(self) -> bool:
        """Operator keys administer every tenant."""
        return self.tenant_id is None

    def require(self, scope: Scope) -> None:
        """403 unless this key holds ``scope`` (operators hold every scope)."""
        if not self.is_operator and scope not in self.scopes:
            raise Forbidden(f"this key lacks the '{scope.value}' scope")

    def require_tenant(self) -> str:
        """The caller's tenant; operator keys must use the admin routes instead."""
        if self.tenant_id is None:
            raise Forbidden(
                "operator keys administer tenants; use a tenant's key to call tenant routes"
            )
        return self.tenant_id

    def check_manages(self, tenant_id: str) -> None:
        """404 (not 403, to reveal nothing) unless the caller may administer ``tenant_id``."""
        if not self.is_operator and tenant_id != self.tenant_id:
            raise NotFound("tenant not found")


class Authenticator:
    """Resolves ``Authorization: Bearer gw_...`` to a :class:`Principal`."""

    def __init__(
        self, store: TenantStore, operator_key: str | None, last_known: LastKnown | None = None
    ) -> None:
        self._store = store
        self._operator_hash = hash_api_key(operator_key) if operator_key else None
        self._last_known = last_known or LastKnown()

    async def authenticate(self, authorization: str | None) -> Principal:
        """401 for a missing, malformed, unknown or revoked key."""
        if not authorization:
            raise Unauthorized("missing 'Authorization: Bearer <gateway key>' header")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
            raise Unauthorized("expected 'Authorization: Bearer gw_...'")
        key_hash = hash_api_key(token)
        if self._operator_hash and hmac.compare_digest(key_hash, self._operator_hash):
            return Principal(key_id="operator", tenant_id=None, scopes=frozenset(Scope))
        record = await self._last_known.read(
            ("key", key_hash), lambda: self._store.find_active_key(key_hash)
        )
        if record is None:
            raise Unauthorized("unknown or revoked gateway key")
        return Principal(
            key_id=record.id, tenant_id=record.tenant_id, scopes=frozenset(record.scopes)
        )
