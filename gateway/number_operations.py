"""Asynchronous number registration and release, tracked as gateway operations.

The vendor answers a list or delist request at once with a classification per number and works
afterwards. The gateway records that answer as an operation (in the record store, per tenant),
and a poll asks the vendor where each still-pending number stands. A number the vendor ignored
(a listing while its delisting is still processing) is reported as failed with the reason, never
as success. Every operation is followed by the background poller until its one
``number.operation.completed`` is recorded: whichever poll sees it settle (the poller's or a
consumer's), :meth:`NumberOperations.get` saves the final state, then records the event.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec

from adapters.capabilities import NumberRegistrar
from adapters.declaration import Op
from contract.caller_id import (
    NumberOperationItem,
    NumberProgress,
    Operation,
    OperationState,
)
from contract.errors import NotFound
from contract.schema import NumberStatus
from gateway.dispatch import Bound, VendorDispatcher
from gateway.events.follow import FollowKind
from gateway.events.settled import Settlements
from policies.records import RecordStore

KEEP_SECONDS = 7 * 24 * 3600.0
SETTLE_LOCK_SECONDS = 30.0
REGISTER = "register_numbers"
RELEASE = "release_numbers"


def _key(tenant_id: str, operation_id: str) -> str:
    return f"gw:op:{{{tenant_id}}}:{operation_id}"


def _state(items: Sequence[NumberOperationItem]) -> OperationState:
    progress = [item.progress for item in items]
    if NumberProgress.PENDING in progress:
        return OperationState.PENDING
    failed = progress.count(NumberProgress.FAILED)
    if failed == 0:
        return OperationState.SUCCEEDED
    return OperationState.FAILED if failed == len(progress) else OperationState.PARTIALLY_FAILED


def _settle(item: NumberOperationItem, kind: str, seen: NumberStatus | None) -> NumberOperationItem:
    """A pending item moved on by what the vendor now says about its number."""
    if item.progress is not NumberProgress.PENDING:
        return item
    if kind == REGISTER:
        if seen is NumberStatus.ACTIVE:
            return msgspec.structs.replace(item, progress=NumberProgress.DONE)
        if seen is NumberStatus.FAILED:
            return msgspec.structs.replace(
                item, progress=NumberProgress.FAILED, detail="the vendor failed to list it"
            )
        return item
    if seen is None or seen is NumberStatus.RELEASED:
        return msgspec.structs.replace(item, progress=NumberProgress.DONE)
    return item


class NumberOperations:
    """Starts and follows register/release operations for one process."""

    def __init__(
        self, dispatcher: VendorDispatcher, records: RecordStore, settlements: Settlements
    ) -> None:
        self._dispatcher = dispatcher
        self._records = records
        self._settlements = settlements

    async def start(
        self,
        bound: Bound[NumberRegistrar[object]],
        kind: str,
        feature_set_id: str,
        numbers_e164: Sequence[str],
    ) -> Operation:
        """Send the request to the vendor and record its classification as an operation."""
        if kind == REGISTER:
            outcome = await self._dispatcher.call(
                bound,
                Op.REGISTER_NUMBERS,
                lambda adapter, credential: adapter.register_numbers(
                    credential, feature_set_id, numbers_e164
                ),
            )
        else:
            outcome = await self._dispatcher.call(
                bound,
                Op.RELEASE_NUMBERS,
                lambda adapter, credential: adapter.release_numbers(
                    credential, feature_set_id, numbers_e164
                ),
            )
        items = outcome.value
        now = datetime.now(UTC)
        operation = Operation(
            id="op_" + secrets.token_urlsafe(12),
            kind=kind,
            vendor=bound.vendor,
            status=_state(items),
            created_at=now,
            updated_at=now,
            items=items,
            feature_set_id=f"{bound.vendor}:{feature_set_id}",
        )
        await self._save(bound.tenant_id, operation)
        await self._settlements.pending(
            FollowKind.NUMBER_OPERATION, bound.tenant_id, operation.id, KEEP_SECONDS
        )
        if operation.status is not OperationState.PENDING:
            await self._settlements.operation(bound.tenant_id, operation)
        return operation

    async def get(self, tenant_id: str, operation_id: str) -> Operation:
        """The operation, with pending numbers checked at the vendor (404 for another tenant's)."""
        raw = await self._records.get(_key(tenant_id, operation_id))
        if raw is None:
            raise NotFound(f"no operation '{operation_id}'")
        operation = msgspec.json.decode(raw, type=Operation)
        if operation.status is not OperationState.PENDING:
            return operation
        bound = self._dispatcher.bind(tenant_id, operation.vendor, NumberRegistrar)
        feature_set = operation.feature_set_id.partition(":")[2]
        checked = await self._dispatcher.call(
            bound,
            Op.NUMBER_STATES,
            lambda adapter, credential: adapter.number_states(credential, feature_set),
        )
        states = checked.value
        items = [_settle(item, operation.kind, states.get(item.number)) for item in operation.items]
        if items == operation.items:
            return operation
        updated = msgspec.structs.replace(
            operation, items=items, status=_state(items), updated_at=datetime.now(UTC)
        )
        if updated.status is OperationState.PENDING:
            await self._save(tenant_id, updated)
            return updated
        return await self._finish(tenant_id, operation, updated)

    async def _finish(self, tenant_id: str, seen: Operation, settled: Operation) -> Operation:
        """Save the final state, then record the event, once: of several polls that saw it
        settle (any replica), the one holding the lock writes, and the others answer what it
        wrote or, while it writes, the operation as it was. Should the event fail to be
        recorded, the poller records it when it next finds the operation settled."""
        lock, owner = _key(tenant_id, settled.id) + ":settling", secrets.token_hex(8)
        if not await self._records.acquire(lock, owner, SETTLE_LOCK_SECONDS):
            return seen
        try:
            raw = await self._records.get(_key(tenant_id, settled.id))
            if raw is not None:
                stored = msgspec.json.decode(raw, type=Operation)
                if stored.status is not OperationState.PENDING:
                    return stored
            await self._save(tenant_id, settled)
            await self._settlements.operation(tenant_id, settled)
            return settled
        finally:
            await self._records.release(lock, owner)

    async def _save(self, tenant_id: str, operation: Operation) -> None:
        await self._records.put(
            _key(tenant_id, operation.id),
            msgspec.json.encode(operation),
            KEEP_SECONDS,
            tenant_id=tenant_id,
        )
