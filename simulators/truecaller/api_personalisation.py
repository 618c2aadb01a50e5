"""Truecaller for Business vendor API, part two: call personalisation and the deprecated APIs.

Real-time v2 answers every business outcome as ``{"status_info": ...}``: success and delivery
failures with HTTP 200, validation failures with ``SimulatorConfig.realtime_validation_status``
(400, as in the seed). Batch v2 accepts 1-500 records and reports each later through the batch
status, served under both ``/v2/`` and ``/v3/``. The deprecated v1 endpoints and the Call-Me-Back
and User-Feedback downloads are served as §6 of the sheet describes.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from simulators.truecaller import wire
from simulators.truecaller.http import (
    MALFORMED,
    AnyRequest,
    authorize,
    json_body,
    params,
    require_json,
    sim,
)
from simulators.truecaller.logs import Download, expires_text, read_epoch
from simulators.truecaller.personalisation import CallRecord, Outcome, v1_reason
from simulators.truecaller.records import (
    CALL_ME_BACK,
    CALL_PERSONALISATION,
    USER_FEEDBACK,
    iso,
    mask,
    new_id,
)

ACCOUNT = "/clients/{client_account_id:str}"
NO_DATA = wire.MessageOnly("No CMB found for client Id")


def _labels(request: AnyRequest, account_id: str) -> dict[str, Any]:
    return {label.id: label for label in sim(request).directory.labels(account_id)}


def _status_info(outcome: Outcome) -> wire.StatusInfo:
    return wire.StatusInfo(outcome.status, outcome.field, outcome.message)


async def _records(request: AnyRequest) -> list[Any]:
    require_json(request)
    body = await json_body(request)
    records = body.get("call_records") if isinstance(body, dict) else None
    limit = sim(request).config.batch_max_records
    if not isinstance(records, list) or not 1 <= len(records) <= limit:
        raise wire.refuse(400, f"call_records must contain between 1 and {limit} records")
    return records


# --- v2 ----------------------------------------------------------------------------------------


@post("/v2" + ACCOUNT + "/dynamic_call_record", status_code=200)
async def realtime_v2(request: AnyRequest, client_account_id: FromPath[str]) -> Response[Any]:
    """Personalise one call now (100 requests per second per token)."""
    authorize(request, client_account_id, CALL_PERSONALISATION, "realtime")
    require_json(request)
    body = await json_body(request)
    record = sim(request).calls.realtime(
        client_account_id, None if body is MALFORMED else body, _labels(request, client_account_id)
    )
    outcome = record.outcome
    if outcome.status == "success":
        info = wire.StatusInfo("success", message="Record processed successfully")
        return Response(wire.StatusInfoBody(info), status_code=200)
    status = 200 if outcome.kind == "delivery" else sim(request).config.realtime_validation_status
    return Response(wire.StatusInfoBody(_status_info(outcome)), status_code=status)


@post("/v2" + ACCOUNT + "/dynamic_call_records", status_code=200)
async def batch_v2(request: AnyRequest, client_account_id: FromPath[str]) -> wire.BatchCreated:
    """Accept up to 500 records; each is processed later (60 requests per minute per token)."""
    authorize(request, client_account_id, CALL_PERSONALISATION, "batch")
    records = await _records(request)
    batch_id, _ = sim(request).calls.create_batch(
        client_account_id, records, _labels(request, client_account_id)
    )
    return wire.BatchCreated(batch_id)


def _batch_id(request: AnyRequest) -> str:
    batch_id = params(request).get("batchId", "").strip()
    if not batch_id:
        raise wire.refuse(400, "batchId is required")
    return batch_id


def _record_out(record: CallRecord, outcome: Outcome) -> wire.BatchRecordOut:
    def number(name: str) -> str | None:
        value = record.value(name)
        return mask(value) if isinstance(value, str) else None

    def text(name: str) -> str | None:
        value = record.value(name)
        return value if isinstance(value, str) else None

    def moment(name: str) -> int | None:
        value = record.value(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return wire.BatchRecordOut(
        id=record.id,
        caller_number=number("caller_number"),
        receiver_number=number("receiver_number"),
        label_id=text("label_id"),
        dynamic_label_name=text("dynamic_label_name"),
        dynamic_call_reason=text("dynamic_call_reason"),
        starts_at=moment("starts_at"),
        ends_at=moment("ends_at"),
        status_info=_status_info(outcome),
        created_at=iso(record.created_at),
    )


@get(["/v2" + ACCOUNT + "/dynamic_call_records", "/v3" + ACCOUNT + "/dynamic_call_records"])
async def batch_status(
    request: AnyRequest, client_account_id: FromPath[str]
) -> wire.BatchStatusOut:
    """Per-record status of a batch, in submitted order, numbers masked."""
    authorize(request, client_account_id, CALL_PERSONALISATION)
    batch_id = _batch_id(request)
    found = sim(request).calls.batch(client_account_id, batch_id)
    return wire.BatchStatusOut(
        client_account_id, batch_id, [_record_out(record, outcome) for record, outcome in found]
    )


# --- deprecated v1 -----------------------------------------------------------------------------


def _v1_answer(batch_id: str, failed: Outcome | None) -> Response[wire.V1Result]:
    if failed is None:
        message = f"Records Uploaded Successfully. BatchID: {batch_id}"
        return Response(wire.V1Result("success", message), status_code=200)
    return Response(
        wire.V1Result("failure", f"{v1_reason(failed)}. BatchID: {batch_id}"), status_code=400
    )


@post(ACCOUNT + "/dynamic_call_record", status_code=200)
async def realtime_v1(
    request: AnyRequest, client_account_id: FromPath[str]
) -> Response[wire.V1Result]:
    """Deprecated real-time personalisation (old field names, no ``+`` in numbers)."""
    authorize(request, client_account_id, CALL_PERSONALISATION, "realtime")
    require_json(request)
    body = await json_body(request)
    batch_id = new_id()
    record = sim(request).calls.realtime(
        client_account_id,
        None if body is MALFORMED else body,
        _labels(request, client_account_id),
        old_names=True,
        batch_id=batch_id,
    )
    return _v1_answer(batch_id, None if record.outcome.status == "success" else record.outcome)


@post(ACCOUNT + "/dynamic_call_records", status_code=200)
async def bulk_v1(request: AnyRequest, client_account_id: FromPath[str]) -> Response[wire.V1Result]:
    """Deprecated bulk personalisation: up to 500 v1 records, checked at once."""
    authorize(request, client_account_id, CALL_PERSONALISATION, "batch")
    records = await _records(request)
    batch_id, made = sim(request).calls.create_batch(
        client_account_id, records, _labels(request, client_account_id), old_names=True, delay=0
    )
    failed = next((r.outcome for r in made if r.outcome.status != "success"), None)
    return _v1_answer(batch_id, failed)


@get(ACCOUNT + "/dynamic_call_records")
async def batch_status_v1(
    request: AnyRequest, client_account_id: FromPath[str]
) -> list[wire.V1RecordOut]:
    """Deprecated batch status: a bare array in the old field names."""
    authorize(request, client_account_id, CALL_PERSONALISATION)
    batch_id = _batch_id(request)
    out = []
    for record, outcome in sim(request).calls.batch(client_account_id, batch_id):
        v2 = _record_out(record, outcome)
        status = {"success": "success", "pending": "pending"}.get(outcome.status, "failure")
        out.append(
            wire.V1RecordOut(
                id=record.id,
                client_account_id=client_account_id,
                batch_id=batch_id,
                caller=v2.caller_number,
                receiver=v2.receiver_number,
                label_id=v2.label_id,
                label_name=v2.dynamic_label_name,
                call_reason=v2.dynamic_call_reason,
                starts_at=v2.starts_at,
                ends_at=v2.ends_at,
                status=status,
                created_at=v2.created_at,
            )
        )
    return out


# --- deprecated downloads ----------------------------------------------------------------------


def _epoch_param(values: dict[str, str], name: str) -> float:
    raw = values.get(name, "").strip()
    if not raw:
        raise wire.refuse(400, f"{name} is required")
    if not raw.isdigit():
        raise wire.refuse(400, f"{name} must be epoch seconds or milliseconds")
    return read_epoch(raw)


def _download_out(request: AnyRequest, download: Download) -> wire.DownloadOut:
    root = str(request.base_url).rstrip("/")
    return wire.DownloadOut(
        f"{root}/files/{download.kind}/{download.id}.csv", expires_text(download)
    )


@get(ACCOUNT + "/openapi/callback-logs/summary")
async def cmb_logs(request: AnyRequest, client_account_id: FromPath[str]) -> Response[Any]:
    """Deprecated: a 10-minute URL of the Call-Me-Back requests between ``from`` and ``to``."""
    authorize(request, client_account_id, CALL_ME_BACK)
    query = params(request)
    start, end = _epoch_param(query, "from"), _epoch_param(query, "to")
    events = sim(request).events.cmb_between(client_account_id, start, end)
    if not events:
        return Response(NO_DATA, status_code=404)
    return Response(_download_out(request, sim(request).events.cmb_download(events)))


@get(ACCOUNT + "/openapi/feedback_stack/{survey_id:str}/export_report")
async def feedback_report(
    request: AnyRequest, client_account_id: FromPath[str], survey_id: FromPath[str]
) -> Response[Any]:
    """Deprecated: a 10-minute URL of a survey's answers since ``from_date``."""
    authorize(request, client_account_id, USER_FEEDBACK)
    start = _epoch_param(params(request), "from_date")
    events = sim(request).events.feedback_since(client_account_id, survey_id, start)
    if not events:
        return Response(NO_DATA, status_code=404)
    return Response(_download_out(request, sim(request).events.feedback_download(events)))


@get("/files/{kind:str}/{name:str}", media_type="text/csv")
async def download_file(
    request: AnyRequest, kind: FromPath[str], name: FromPath[str]
) -> Response[str]:
    """A download URL: the CSV while it is valid, 403 once it has expired."""
    events = sim(request).events
    download = events.download(kind, name.removesuffix(".csv"))
    if download is None or not name.endswith(".csv"):
        return Response("Not Found", status_code=404, media_type="text/plain")
    if events.expired(download):
        return Response("Request has expired", status_code=403, media_type="text/plain")
    return Response(download.content, media_type="text/csv")


HANDLERS = [
    realtime_v2,
    batch_v2,
    batch_status,
    realtime_v1,
    bulk_v1,
    batch_status_v1,
    cmb_logs,
    feedback_report,
    download_file,
]
ROUTES = {
    "/v2/clients/{clientAccountId}/dynamic_call_record": ("POST",),
    "/v2/clients/{clientAccountId}/dynamic_call_records": ("GET", "POST"),
    "/v3/clients/{clientAccountId}/dynamic_call_records": ("GET",),
    "/clients/{clientAccountId}/dynamic_call_record": ("POST",),
    "/clients/{clientAccountId}/dynamic_call_records": ("GET", "POST"),
    "/clients/{clientAccountId}/openapi/callback-logs/summary": ("GET",),
    "/clients/{clientAccountId}/openapi/feedback_stack/{surveyId}/export_report": ("GET",),
    "/files/{kind}/{file}": ("GET",),
}
"""Route templates of this module's handlers, as the request log names them."""
