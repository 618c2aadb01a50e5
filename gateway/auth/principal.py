"""Who is calling: resolved from the bearer key once per request."""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import TTLCache

from contract.errors import Forbidden, NotFound, Unauthorized
from gateway.auth.keys import KEY_PREFIX, Scope, hash_api_key
from gateway.auth.store import ApiKeyRecord, TenantStore
from policies.clock import SYSTEM_CLOCK, Clock
from policies.fresh_copies import FreshCopies
from policies.last_known import LastKnown
from policies.sql import DatabaseUnavailable

LAST_USE_EVERY_SECONDS = 60.0
"""How often a process writes down that a key it keeps seeing was used."""
FRESHNESS_SECONDS = 1.0
"""How stale this process's copy of a key may be when no invalidation reaches it (a revocation
elsewhere shows within it)."""
CACHED_KEYS = 100_000


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
    """Resolves ``Authorization: Bearer gw_...`` to a :class:`Principal`.

    Keys are read through an in-process copy at most ``copy_seconds()`` old, so a request does
    not query the database for a key used a moment ago. A key revoked (or a tenant disabled) on
    another replica stops working here when its invalidation arrives (see
    :mod:`gateway.invalidation`), and within that bound in any case; at once on the replica that
    made the change (:meth:`forget_all`). While the database is down, :class:`LastKnown` serves
    keys seen recently for a bounded time.
    """

    def __init__(
        self,
        store: TenantStore,
        operator_key: str | None,
        last_known: LastKnown | None = None,
        copy_seconds: Callable[[], float] = lambda: FRESHNESS_SECONDS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._store = store
        self._operator_hash = hash_api_key(operator_key) if operator_key else None
        self._last_known = last_known or LastKnown()
        self._fresh: FreshCopies[str, ApiKeyRecord | None] = FreshCopies(
            CACHED_KEYS, copy_seconds, clock=clock
        )
        self._clock = clock
        self._use_noted: TTLCache[str, bool] = TTLCache(
            CACHED_KEYS, LAST_USE_EVERY_SECONDS, timer=clock.monotonic
        )

    def forget_all(self) -> None:
        """Drop every copy (a key was revoked or a tenant disabled, here or elsewhere)."""
        self._fresh.clear()

    async def authenticate(self, authorization: str | None) -> Principal:
        """401 for a missing, malformed, unknown or revoked key."""
        if not authorization:
            raise Unauthorized("missing 'Authorization: Bearer <gateway key>' header")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
            raise Unauthorized("expected 'Authorization: Bearer gw_...'")
        return await self.principal_for(hash_api_key(token))

    async def _note_use(self, key_id: str) -> None:
        """Write down that the key was used, once a minute at most (a database that cannot be
        written to now costs the record, never the request)."""
        if key_id in self._use_noted:
            return
        self._use_noted[key_id] = True
        with contextlib.suppress(DatabaseUnavailable):
            await self._store.note_key_used(key_id, datetime.fromtimestamp(self._clock.time(), UTC))

    async def principal_for(self, key_hash: str) -> Principal:
        """The holder of the key whose hash is ``key_hash``: 401 unless that key is the operator
        key or an active key (a console session rechecks its key this way on every page)."""
        if self._operator_hash and hmac.compare_digest(key_hash, self._operator_hash):
            return Principal(key_id="operator", tenant_id=None, scopes=frozenset(Scope))
        record = await self._fresh.read_through(
            key_hash,
            lambda: self._last_known.read(
                ("key", key_hash), lambda: self._store.find_active_key(key_hash)
            ),
        )
        if record is None:
            raise Unauthorized("unknown or revoked gateway key")
        await self._note_use(record.id)
        return Principal(
            key_id=record.id, tenant_id=record.tenant_id, scopes=frozenset(record.scopes)
        )
