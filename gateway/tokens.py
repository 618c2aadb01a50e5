"""Short-lived vendor tokens: exchanged, sealed, shared by replicas, refreshed single-flight.

A token is sealed with the vault's keys (bound to the tenant) and kept in the record store until
shortly before it expires. Refreshing takes a lock that spans replicas, then looks again: whoever
waited finds the token the lock holder made instead of making another. Creating one passes
through the pipeline on the vendor's ``token`` budget, so the vendor's creation limit is a rate
limit like any other: honoured exactly across replicas, a 429 when spent, never a hope.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass

import msgspec
from cachetools import TTLCache

from adapters.capabilities import IssuedToken, TokenExchanger
from adapters.declaration import Op
from contract.errors import ServiceUnavailable
from gateway.pipeline import Held, VendorCall, VendorPipeline
from policies.clock import SYSTEM_CLOCK, Clock
from policies.records import RecordStore
from policies.vault import Vault

REFRESH_MARGIN_SECONDS = 120.0
"""A token this close to expiry is replaced before use, so no request carries a dying one."""
LOCK_SECONDS = 30.0
MEMO_SECONDS = 300.0
MEMO_ENTRIES = 10_000
WAIT_POLL_SECONDS = 0.05


class StoredToken(msgspec.Struct, frozen=True):
    """A token and when it expires (epoch seconds)."""

    token: str
    expires_at: float


def token_memo() -> MutableMapping[str, StoredToken]:
    """A process's copy of the tokens it handed out, so a request does not read and decrypt the
    shared record every time; a replaced token is seen at the latest when the vendor refuses the
    old one (a refresh reads the shared record)."""
    return TTLCache(maxsize=MEMO_ENTRIES, ttl=MEMO_SECONDS)


class VendorTokens:
    """Hands out live tokens for tenants' credentials with token-exchanging vendors.

    Long-lived, one per process; it exchanges through the pipeline it is given (the pipeline
    asks it for tokens, so the two are wired together once at start).
    """

    def __init__(
        self,
        pipeline: VendorPipeline,
        records: RecordStore,
        vault: Vault,
        memo: MutableMapping[str, StoredToken] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._pipeline = pipeline
        self._memo = memo if memo is not None else token_memo()
        self._records = records
        self._vault = vault
        self._clock = clock

    async def current(
        self, adapter: TokenExchanger[object], held: Held, tenant_id: str, deadline: float
    ) -> str:
        """A token good for at least the refresh margin."""
        slot = _Slot(adapter, held, tenant_id, deadline)
        stored = self._memo.get(slot.key)
        if stored is None or not self._fresh(stored):
            stored = await self._load(slot)
        if stored is not None and self._fresh(stored):
            return self._remember(slot, stored)
        return await self._replace(slot, stale=stored.token if stored else None)

    async def refresh(
        self,
        adapter: TokenExchanger[object],
        held: Held,
        tenant_id: str,
        rejected: str,
        deadline: float,
    ) -> str:
        """A token other than ``rejected`` (which the vendor refused)."""
        return await self._replace(_Slot(adapter, held, tenant_id, deadline), stale=rejected)

    async def _replace(self, slot: _Slot, stale: str | None) -> str:
        owner = uuid.uuid4().hex
        give_up_at = self._clock.monotonic() + LOCK_SECONDS
        lock = slot.key + ":lock"
        while True:
            if await self._records.acquire(lock, owner, LOCK_SECONDS):
                try:
                    stored = await self._load(slot)
                    if stored is None or not self._usable(stored, stale):
                        stored = await self._exchange(slot)
                    return self._remember(slot, stored)
                finally:
                    await self._records.release(lock, owner)
            await self._clock.sleep(WAIT_POLL_SECONDS)
            stored = await self._load(slot)
            if stored is not None and self._usable(stored, stale):
                return self._remember(slot, stored)
            if self._clock.monotonic() > give_up_at:
                raise ServiceUnavailable("a vendor token refresh is taking too long; retry")

    def _remember(self, slot: _Slot, stored: StoredToken) -> str:
        self._memo[slot.key] = stored
        return stored.token

    async def _exchange(self, slot: _Slot) -> StoredToken:
        adapter = slot.adapter
        account_key = account_budget_key(adapter, slot.held.credential)
        outcome = await self._pipeline.run(
            VendorCall(
                adapter=adapter,
                op=Op.EXCHANGE_TOKEN,
                tenant_id=slot.tenant_id,
                invoke=adapter.exchange_token,
                held=Held(
                    slot.held.credential,
                    slot.held.key,
                    budget_key=account_key,
                    budgets=slot.held.budgets,
                ),
                deadline=slot.deadline,
            )
        )
        issued: IssuedToken = outcome.value
        stored = StoredToken(issued.token, self._clock.time() + issued.lifetime_seconds)
        keep = issued.lifetime_seconds - REFRESH_MARGIN_SECONDS
        if keep > 0:
            sealed = self._vault.seal_value(
                slot.tenant_id, slot.purpose, msgspec.json.encode(stored)
            )
            await self._records.put(slot.key, sealed, keep)
        return stored

    async def _load(self, slot: _Slot) -> StoredToken | None:
        sealed = await self._records.get(slot.key)
        if sealed is None:
            return None
        plaintext = self._vault.open_value(slot.tenant_id, slot.purpose, sealed)
        if plaintext is None:
            return None
        try:
            return msgspec.json.decode(plaintext, type=StoredToken)
        except msgspec.DecodeError:
            return None

    def _fresh(self, stored: StoredToken) -> bool:
        return stored.expires_at - REFRESH_MARGIN_SECONDS > self._clock.time()

    def _usable(self, stored: StoredToken, stale: str | None) -> bool:
        return stored.token != stale and self._fresh(stored)


@dataclass(frozen=True)
class _Slot:
    """One tenant's token for one credential of one vendor, and where it is kept."""

    adapter: TokenExchanger[object]
    held: Held
    tenant_id: str
    deadline: float

    @property
    def key(self) -> str:
        vendor = self.adapter.declaration.name
        return f"gw:token:{{{self.tenant_id}}}:{vendor}:{self.held.key}"

    @property
    def purpose(self) -> str:
        return f"{self.adapter.declaration.name}#token"


def account_budget_key(adapter: TokenExchanger[object], credential: object) -> str:
    """Where the budgets a vendor counts per account (not per key) count for ``credential``:
    a non-reversible id of the account it names."""
    account = adapter.token_account(credential)
    return "acct-" + hashlib.sha256(account.encode()).hexdigest()[:24]
