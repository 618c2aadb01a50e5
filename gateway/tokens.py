"""Short-lived vendor tokens: exchanged, sealed, shared by replicas, refreshed single-flight.

A token is sealed with the vault's keys (bound to the tenant) and kept in the record store until
shortly before it expires. Refreshing takes a lock that spans replicas, then looks again: whoever
waited finds the token the lock holder made instead of making another. Creating one passes
through the pipeline on the vendor's ``token`` budget, so the vendor's creation limit is a rate
limit like any other: honoured exactly across replicas, a 429 when spent, never a hope.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid

import msgspec

from adapters.base import IssuedToken
from gateway.errors import ServiceUnavailable
from gateway.pipeline import VendorPipeline
from policies.records import RecordStore
from policies.vault import Vault

REFRESH_MARGIN_SECONDS = 120.0
"""A token this close to expiry is replaced before use, so no request carries a dying one."""
LOCK_SECONDS = 30.0
WAIT_POLL_SECONDS = 0.05
EXCHANGE_OPERATION = "exchange_token"


class _Stored(msgspec.Struct, frozen=True):
    token: str
    expires_at: float


class TokenBroker:
    """Hands out a live token for one tenant's credential with one vendor."""

    def __init__(
        self,
        pipeline: VendorPipeline,
        records: RecordStore,
        vault: Vault,
        adapter: object,
        credential: object,
        tenant_id: str,
        credential_key: str,
    ) -> None:
        self._pipeline = pipeline
        self._records = records
        self._vault = vault
        self._adapter = adapter
        self._credential = credential
        self._tenant_id = tenant_id
        declaration = adapter.declaration  # type: ignore[attr-defined]
        self._declaration = declaration
        self._purpose = f"{declaration.name}#token"
        self._key = f"gw:token:{{{tenant_id}}}:{declaration.name}:{credential_key}"
        account = adapter.token_account(credential)  # type: ignore[attr-defined]
        self._account_key = "acct-" + hashlib.sha256(account.encode()).hexdigest()[:24]

    async def current(self) -> str:
        """A token good for at least the refresh margin."""
        stored = await self._load()
        if stored is not None and _fresh(stored):
            return stored.token
        return await self._replace(stale=stored.token if stored else None)

    async def refresh(self, rejected: str) -> str:
        """A token other than ``rejected`` (which the vendor refused)."""
        return await self._replace(stale=rejected)

    async def _replace(self, stale: str | None) -> str:
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + LOCK_SECONDS
        lock = self._key + ":lock"
        while True:
            if await self._records.acquire(lock, owner, LOCK_SECONDS):
                try:
                    stored = await self._load()
                    if _usable(stored, stale):
                        return stored.token  # type: ignore[union-attr]
                    return await self._exchange()
                finally:
                    await self._records.release(lock, owner)
            await asyncio.sleep(WAIT_POLL_SECONDS)
            stored = await self._load()
            if _usable(stored, stale):
                return stored.token  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise ServiceUnavailable("a vendor token refresh is taking too long; retry")

    async def _exchange(self) -> str:
        issued: IssuedToken = await self._pipeline.call(
            self._declaration,
            self._account_key,
            EXCHANGE_OPERATION,
            lambda: self._adapter.exchange_token(self._credential),  # type: ignore[attr-defined]
            self._tenant_id,
        )
        stored = _Stored(issued.token, time.time() + issued.lifetime_seconds)
        keep = issued.lifetime_seconds - REFRESH_MARGIN_SECONDS
        if keep > 0:
            sealed = self._vault.seal_value(
                self._tenant_id, self._purpose, msgspec.json.encode(stored)
            )
            await self._records.put(self._key, sealed, keep)
        return issued.token

    async def _load(self) -> _Stored | None:
        sealed = await self._records.get(self._key)
        if sealed is None:
            return None
        plaintext = self._vault.open_value(self._tenant_id, self._purpose, sealed)
        if plaintext is None:
            return None
        try:
            return msgspec.json.decode(plaintext, type=_Stored)
        except msgspec.DecodeError:
            return None


def _fresh(stored: _Stored) -> bool:
    return stored.expires_at - REFRESH_MARGIN_SECONDS > time.time()


def _usable(stored: _Stored | None, stale: str | None) -> bool:
    return stored is not None and stored.token != stale and _fresh(stored)
