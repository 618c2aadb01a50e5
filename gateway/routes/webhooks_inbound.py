"""``POST /v1/webhooks/{vendor}/{token}``: where vendors deliver a tenant's webhooks."""

from __future__ import annotations

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from gateway.bodies import require_json_media_type
from gateway.openapi import problem_responses
from gateway.routes.verifications import CallbackAck
from gateway.services import Services


@post(
    "/v1/webhooks/{vendor:str}/{token:str}",
    operation_id="receiveVendorWebhook",
    summary="Receive a vendor webhook (called by the vendor)",
    status_code=200,
    tags=["events"],
    security=[],
    responses=problem_responses(400, 401, 404, 413, 415, 503),
)
async def receive_vendor_webhook(
    request: Request,
    services: NamedDependency[Services],
    vendor: FromPath[str],
    token: FromPath[str],
) -> CallbackAck:
    """A vendor's delivery, not for consumers: the URL's token (from
    `GET /v1/admin/tenants/{tenant_id}/webhook-endpoints`) says whose it is, and a vendor that
    signs must sign it. The raw delivery is stored before the answer; it becomes events after.
    """
    require_json_media_type(request.headers.get("content-type"))
    body = await request.body()
    await services.ingestor.receive(vendor, token, dict(request.headers), body)
    return CallbackAck()
