"""Where asynchronous work reports that it is pending and that it settled.

An operation, batch or verification that settles records one event, whoever noticed first: the
background poller, a consumer's GET, or the vendor's callback all end in the same method here,
and the event's identity (the item's id and final state) makes a second notice a no-op. The
event's ``data`` is the object as its GET answers it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from contract.caller_id import Operation, PersonalizationBatch, Verification
from contract.events import EventType
from gateway.events.follow import FollowKind, FollowList
from gateway.events.recorder import EventRecorder


class Settlements:
    """Follows pending work and records the event of work that settled."""

    def __init__(self, recorder: EventRecorder, follows: FollowList) -> None:
        self._recorder = recorder
        self._follows = follows

    async def pending(
        self, kind: FollowKind, tenant_id: str, item_id: str, keep_seconds: float
    ) -> None:
        """Follow an item until it settles (for as long as it is kept)."""
        await self._follows.add(kind, tenant_id, item_id, keep_seconds)

    async def operation(self, tenant_id: str, operation: Operation) -> None:
        """A number operation reached its final state: ``number.operation.completed``."""
        await self._record(
            tenant_id,
            EventType.NUMBER_OPERATION_COMPLETED,
            f"number_operation:{operation.id}:{operation.status.value}",
            operation.updated_at,
            operation,
        )
        await self._follows.drop(FollowKind.NUMBER_OPERATION, tenant_id, operation.id)

    async def batch(self, tenant_id: str, batch: PersonalizationBatch) -> None:
        """A personalization batch has no pending record left:
        ``caller_id.personalization_batch.completed``."""
        await self._record(
            tenant_id,
            EventType.PERSONALIZATION_BATCH_COMPLETED,
            f"personalization_batch:{batch.id}:{batch.status.value}",
            datetime.now(UTC),
            batch,
        )
        await self._follows.drop(FollowKind.PERSONALIZATION_BATCH, tenant_id, batch.id)

    async def verification(self, tenant_id: str, verification: Verification) -> None:
        """A verification ended (verified, rejected, expired or failed):
        ``verification.completed``."""
        await self._record(
            tenant_id,
            EventType.VERIFICATION_COMPLETED,
            f"verification:{verification.request_id}:{verification.status.value}",
            datetime.now(UTC),
            verification,
        )

    async def _record(
        self,
        tenant_id: str,
        type_: EventType,
        identity: str,
        occurred_at: datetime,
        item: Operation | PersonalizationBatch | Verification,
    ) -> None:
        subject = item.request_id if isinstance(item, Verification) else item.id
        data: dict[str, object] = msgspec.to_builtins(item)
        await self._recorder.record(
            tenant_id=tenant_id,
            vendor=item.vendor,
            type_=type_,
            identity=identity,
            occurred_at=occurred_at,
            subject=subject,
            data=data,
        )
