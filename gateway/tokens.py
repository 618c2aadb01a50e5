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
from collections.abc import MutableMapping

import msgspec
from cachetools import TTLCache

from adapters.base import IssuedToken, TokenExchanger
from contract.errors import ServiceUnavailable
from gateway.pipeline import VendorPipeline
from policies.records import RecordStore
from policies.vault import Vault

REFRESH_MARGIN_SECONDS = 120.0
"""A token this close to expiry is replaced before use, so no request carries a dying one."""
LOCK_SECONDS = 30.0
MEMO_SECONDS = 300.0
MEMO_ENTRIES = 10_000
WAIT_POLL_SECONDS = 0.05
EXCHANGE_OPERATION = "exchange_token"


class StoredToken(msgspec.Struct, frozen=True):
    """A token and when it expires (epoch seconds)."""

    token: str
    expires_at: float


def token_memo() -> MutableMapping[str, StoredToken]:
    """A process's copy of the tokens it handed out, so a request does not read and decrypt the
    shared record every time; a replaced token is seen at the latest when the vendor refuses the
    old one (a refresh reads the shared record)."""
    return TTLCache(maxsize=MEMO_ENTRIES, ttl=MEMO_SECONDS)


class TokenBroker:
    """Hands out a live token for one tenant's credential with one vendor."""

    def __init__(
        self,
        pipeline: VendorPipeline,
        records: RecordStore,
        vault: Vault,
        adapter: TokenExchanger,
        credential: object,
        tenant_id: str,
        credential_key: str,
        memo: MutableMapping[str, StoredToken] | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._memo = memo if memo is not None else token_memo()
        self._records = records
        self._vault = vault
        self._adapter = adapter
        self._credential = credential
        self._tenant_id = tenant_id
        declaration = adapter.declaration
        self._declaration = declaration
        self._purpose = f"{declaration.name}#token"
        self._key = f"gw:token:{{{tenant_id}}}:{declaration.name}:{credential_key}"
        account = adapter.token_account(credential)
        self._account_key = "acct-" + hashlib.sha256(account.encode()).hexdigest()[:24]

    async def current(self) -> str:
        """A token good for at least the refresh margin."""
        stored = self._memo.get(self._key)
        if stored is None or not _fresh(stored):
            stored = await self._load()
        if stored is not None and _fresh(stored):
            return self._remember(stored)
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
                    if stored is None or not _usable(stored, stale):
                        stored = await self._exchange()
                    return self._remember(stored)
                finally:
                    await self._records.release(lock, owner)
            await asyncio.sleep(WAIT_POLL_SECONDS)
            stored = await self._load()
            if stored is not None and _usable(stored, stale):
                return self._remember(stored)
            if time.monotonic() > deadline:
                raise ServiceUnavailable("a vendor token refresh is taking too long; retry")

    def _remember(self, stored: StoredToken) -> str:
        self._memo[self._key] = stored
        return stored.token

    async def _exchange(self) -> StoredToken:
        issued: IssuedToken = await self._pipeline.call(
            self._declaration,
            self._account_key,
            EXCHANGE_OPERATION,
            lambda: self._adapter.exchange_token(self._credential),
            self._tenant_id,
        )
        stored = StoredToken(issued.token, time.time() + issued.lifetime_seconds)
        keep = issued.lifetime_seconds - REFRESH_MARGIN_SECONDS
        if keep > 0:
            sealed = self._vault.seal_value(
                self._tenant_id, self._purpose, msgspec.json.encode(stored)
            )
            await self._records.put(self._key, sealed, keep)
        return stored

    async def _load(self) -> StoredToken | None:
        sealed = await self._records.get(self._key)
        if sealed is None:
            return None
        plaintext = self._vault.open_value(self._tenant_id, self._purpose, sealed)
        if plaintext is None:
            return None
        try:
            return msgspec.json.decode(plaintext, type=StoredToken)
        except msgspec.DecodeError:
            return None


def _fresh(stored: StoredToken) -> bool:
    return stored.expires_at - REFRESH_MARGIN_SECONDS > time.time()


def _usable(stored: StoredToken, stale: str | None) -> bool:
    return stored.token != stale and _fresh(stored)
