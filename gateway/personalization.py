"""Caller-ID personalization: local checks first, then real-time pushes or tracked batches.

The vendor's rules (its adapter's ``validate_personalization``) are checked before anything is
sent, so a bad record fails fast with the field named. A batch larger than the vendor takes per
call is split; the gateway batch records each vendor batch it submitted, and a status request
merges the vendor's per-record statuses back into the consumer's order. If the vendor refuses a
later slice, the records already submitted stay submitted (never sent twice) and the refused
ones are reported failed with the vendor's reason. A batch is followed by the background poller
until its one ``caller_id.personalization_batch.completed`` is recorded, by whichever status
request sees no record pending first (the poller's or a consumer's).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec

from adapters.capabilities import CallerIdProvider, PersonalizationInput
from adapters.declaration import Op
from contract.caller_id import (
    BatchCounts,
    BatchState,
    CallerLabel,
    PersonalizationBatch,
    PersonalizationRecord,
    PersonalizationRecordStatus,
    RecordState,
)
from contract.errors import FieldError, GatewayError, NotFound, ValidationFailed
from contract.phone import InvalidNumber, parse_e164
from gateway.dispatch import Bound, Invoke, VendorDispatcher
from gateway.events.follow import FollowKind
from gateway.events.settled import Settlements
from gateway.pipeline import CacheUse
from policies.records import RecordStore

KEEP_SECONDS = 7 * 24 * 3600.0


class _Slice(msgspec.Struct, frozen=True):
    start: int
    size: int
    vendor_batch_id: str | None = None
    refused: str | None = None


class _StoredBatch(msgspec.Struct, frozen=True):
    id: str
    vendor: str
    created_at: datetime
    total: int
    slices: list[_Slice]
    settled: bool = False
    """Whether its event was recorded (the vendor is still asked for each status request)."""


def check_record(
    record: PersonalizationRecord,
    prefix: str,
    now: datetime,
    adapter: CallerIdProvider[object],
) -> tuple[str, str, list[FieldError]]:
    """The record's numbers in E.164 and every rule it breaks (ours, then the vendor's), fields
    named under ``prefix``."""
    errors: list[FieldError] = []
    numbers = []
    for name in ("caller_number", "receiver_number"):
        try:
            numbers.append(parse_e164(getattr(record, name)))
        except InvalidNumber as exc:
            numbers.append("")
            errors.append(FieldError(field=f"{prefix}.{name}", message=str(exc)))
    errors += [
        FieldError(field=f"{prefix}.{problem.field}", message=problem.message)
        for problem in adapter.validate_personalization(record, now)
    ]
    return numbers[0], numbers[1], errors


class Personalizations:
    """Real-time personalizations and gateway batches for one process."""

    def __init__(
        self, dispatcher: VendorDispatcher, records: RecordStore, settlements: Settlements
    ) -> None:
        self._dispatcher = dispatcher
        self._records = records
        self._settlements = settlements

    async def prepare(
        self,
        bound: Bound[CallerIdProvider[object]],
        records: Sequence[PersonalizationRecord],
        prefix: str,
        indexed: bool,
    ) -> list[PersonalizationInput]:
        """Check every record (numbers, window, label of this account); 422 naming each field.

        Fields are named under ``prefix`` (``body.records[3]`` when ``indexed``). Labels are
        checked against the cached list, read again once if one is missing (it may be new).
        """
        now = datetime.now(UTC)
        errors: list[FieldError] = []
        prepared = []
        for index, record in enumerate(records):
            where = f"{prefix}[{index}]" if indexed else prefix
            caller, receiver, problems = check_record(record, where, now, bound.adapter)
            errors += problems
            native = record.label_id.partition(":")[2] if record.label_id else None
            prepared.append(PersonalizationInput(record, caller, receiver, native))
        wanted = {r.label_id for r in records if r.label_id is not None}
        if wanted:
            known = await self._label_ids(bound, refresh=False)
            if not wanted <= known:
                known = await self._label_ids(bound, refresh=True)
            errors += [
                FieldError(
                    field=(f"{prefix}[{index}]" if indexed else prefix) + ".label_id",
                    message="is not a dynamic label of this account",
                )
                for index, record in enumerate(records)
                if record.label_id is not None and record.label_id not in known
            ]
        if errors:
            raise ValidationFailed("the personalization breaks the vendor's rules", errors=errors)
        return prepared

    async def _label_ids(self, bound: Bound[CallerIdProvider[object]], refresh: bool) -> set[str]:
        labels = await self._dispatcher.call(
            bound,
            Op.LIST_LABELS,
            lambda adapter, credential: adapter.list_labels(credential),
            CacheUse((), list[CallerLabel], refresh),
        )
        return {label.id for label in labels.value}

    async def submit(
        self, bound: Bound[CallerIdProvider[object]], items: Sequence[PersonalizationInput]
    ) -> PersonalizationBatch:
        """Split into vendor-sized slices and submit each once; the first refusal is raised."""
        size = bound.adapter.batch_size()
        slices: list[_Slice] = []
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            try:
                submitted = await self._dispatcher.call(
                    bound,
                    Op.SUBMIT_BATCH,
                    _submitting(chunk),
                )
                vendor_batch = submitted.value
            except GatewayError as exc:
                if not slices:
                    raise
                slices.append(_Slice(start, len(chunk), refused=exc.detail))
                continue
            slices.append(_Slice(start, len(chunk), vendor_batch_id=vendor_batch))
        stored = _StoredBatch(
            id="pb_" + secrets.token_urlsafe(12),
            vendor=bound.vendor,
            created_at=datetime.now(UTC),
            total=len(items),
            slices=slices,
        )
        await self._records.put(
            _key(bound.tenant_id, stored.id),
            msgspec.json.encode(stored),
            KEEP_SECONDS,
            tenant_id=bound.tenant_id,
        )
        await self._settlements.pending(
            FollowKind.PERSONALIZATION_BATCH, bound.tenant_id, stored.id, KEEP_SECONDS
        )
        return _summary(stored, [_pending(s) for s in slices], with_records=False)

    async def status(self, tenant_id: str, batch_id: str) -> PersonalizationBatch:
        """Every record's status, merged from the vendor batches (404 for another tenant's)."""
        raw = await self._records.get(_key(tenant_id, batch_id))
        if raw is None:
            raise NotFound(f"no personalization batch '{batch_id}'")
        stored = msgspec.json.decode(raw, type=_StoredBatch)
        bound = self._dispatcher.bind(tenant_id, stored.vendor, CallerIdProvider)
        merged = []
        for piece in stored.slices:
            if piece.vendor_batch_id is None:
                merged.append(_pending(piece))
                continue
            vendor_id = piece.vendor_batch_id
            statuses = await self._dispatcher.call(
                bound,
                Op.BATCH_STATUS,
                _status_of(vendor_id),
            )
            merged.append(_aligned(piece, statuses.value))
        batch = _summary(stored, merged, with_records=True)
        if batch.status is not BatchState.PENDING and not stored.settled:
            kept = KEEP_SECONDS - (datetime.now(UTC) - stored.created_at).total_seconds()
            await self._records.put(
                _key(tenant_id, batch_id),
                msgspec.json.encode(msgspec.structs.replace(stored, settled=True)),
                max(1.0, kept),
                tenant_id=tenant_id,
            )
            await self._settlements.batch(tenant_id, batch)
        return batch


def _submitting(
    chunk: Sequence[PersonalizationInput],
) -> Invoke[CallerIdProvider[object], str]:
    return lambda adapter, credential: adapter.submit_batch(credential, chunk)


def _status_of(
    vendor_batch_id: str,
) -> Invoke[CallerIdProvider[object], list[PersonalizationRecordStatus]]:
    return lambda adapter, credential: adapter.batch_status(credential, vendor_batch_id)


def _key(tenant_id: str, batch_id: str) -> str:
    return f"gw:pbatch:{{{tenant_id}}}:{batch_id}"


def _pending(piece: _Slice) -> list[PersonalizationRecordStatus]:
    if piece.refused is not None:
        return [
            PersonalizationRecordStatus(
                index=piece.start + i, status=RecordState.FAILED, message=piece.refused
            )
            for i in range(piece.size)
        ]
    return [
        PersonalizationRecordStatus(index=piece.start + i, status=RecordState.PENDING)
        for i in range(piece.size)
    ]


def _aligned(
    piece: _Slice, statuses: Sequence[PersonalizationRecordStatus]
) -> list[PersonalizationRecordStatus]:
    """Vendor statuses re-indexed into the gateway batch; records it has not shown are pending."""
    by_index = {status.index: status for status in statuses}
    return [
        msgspec.structs.replace(by_index[i], index=piece.start + i)
        if i in by_index
        else PersonalizationRecordStatus(index=piece.start + i, status=RecordState.PENDING)
        for i in range(piece.size)
    ]


def _summary(
    stored: _StoredBatch,
    per_slice: Sequence[Sequence[PersonalizationRecordStatus]],
    with_records: bool,
) -> PersonalizationBatch:
    records = [status for piece in per_slice for status in piece]
    counts = BatchCounts(
        pending=sum(r.status is RecordState.PENDING for r in records),
        succeeded=sum(r.status is RecordState.SUCCEEDED for r in records),
        failed=sum(r.status is RecordState.FAILED for r in records),
    )
    if counts.pending:
        state = BatchState.PENDING
    elif not counts.failed:
        state = BatchState.SUCCEEDED
    elif not counts.succeeded:
        state = BatchState.FAILED
    else:
        state = BatchState.PARTIALLY_FAILED
    return PersonalizationBatch(
        id=stored.id,
        vendor=stored.vendor,
        status=state,
        total=stored.total,
        counts=counts,
        vendor_batches=sum(piece.vendor_batch_id is not None for piece in stored.slices),
        created_at=stored.created_at,
        records=records if with_records else [],
    )
