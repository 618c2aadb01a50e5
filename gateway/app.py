"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Sequence

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope
from opentelemetry.sdk.trace.export import SpanExporter

from adapters.registry import VENDORS, VendorEntry
from contract.agents import REQUEST_BODIES as AGENT_BODIES
from contract.caller_id import REQUEST_BODIES as CALLER_ID_BODIES
from contract.subscriptions import REQUEST_BODIES as SUBSCRIPTION_BODIES
from gateway.bodies import JsonBodyRequest
from gateway.console import console_router, template_config
from gateway.events.endpoints import WebhookEndpointSettings
from gateway.janitor import purge_expired_forever
from gateway.logs import configure_logging
from gateway.metrics import GatewayMetrics
from gateway.openapi import finish_document, openapi_config, public_operations
from gateway.problems import EXCEPTION_HANDLERS
from gateway.request_context import RequestContextMiddleware
from gateway.routes.admin_audit import AuditController
from gateway.routes.admin_budgets import CredentialBudgetsController
from gateway.routes.admin_credentials import CredentialsController
from gateway.routes.admin_schema import REQUEST_BODIES as ADMIN_BODIES
from gateway.routes.admin_tenants import TenantsController
from gateway.routes.admin_webhook_endpoints import WebhookEndpointsController
from gateway.routes.agents import AgentsController
from gateway.routes.caller_id import CallerIdController
from gateway.routes.calls import CallsController
from gateway.routes.campaigns import CampaignsController
from gateway.routes.carriers import CarriersController
from gateway.routes.events import EventsController
from gateway.routes.guards import (
    authorize,
    is_automatic_options,
    provide_principal,
    provide_services,
    required_scope,
)
from gateway.routes.health import healthz, metrics_endpoint, readyz
from gateway.routes.numbers import NumbersController
from gateway.routes.operations import OperationsController
from gateway.routes.subscriptions import (
    CallWebhooksController,
    EventRedeliveryController,
    SubscriptionsController,
)
from gateway.routes.vendor_webhooks import VendorWebhooksController
from gateway.routes.vendors import VendorsController
from gateway.routes.verifications import VerificationsController, verification_callback
from gateway.routes.webhooks_inbound import receive_vendor_webhook
from gateway.server_spans import ServerSpans
from gateway.services import Services, open_services
from gateway.serving_process import tune_serving_process
from gateway.settings import Settings
from gateway.telemetry import build_tracer_provider

MAX_BODY_BYTES = 1024 * 1024
UNTRACED_PATHS = ("/metrics", "/healthz", "/readyz")
"""Probes and scrapes: polled all the time, never worth a span."""


async def _complete_allow_headers(message: Message, scope: Scope) -> None:
    """Litestar's generated OPTIONS answers list only the first handler's methods of a path
    served by several handlers; answer with every method of the path instead."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    template = scope.get("path_template", "")
    methods = next(
        (", ".join(sorted(r.methods)) for r in scope["app"].routes if r.path_format == template),
        None,
    )
    if methods:
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", methods.encode())]


def create_app(
    settings: Settings,
    span_exporter: SpanExporter | None = None,
    vendors: Sequence[VendorEntry] = VENDORS,
    *,
    serving_process: bool = False,
) -> Litestar:
    """Build the gateway for ``settings`` serving ``vendors`` (the registry's, unless a test adds
    one); stores and vendor clients open at start-up.

    Spans go to ``span_exporter`` when given (tests), else wherever ``OTEL_*`` says (or nowhere).
    ``serving_process``: the app is the one app of a serving process, which is tuned for it
    once started (:func:`gateway.serving_process.tune_serving_process`).
    """
    tracer_provider = build_tracer_provider(span_exporter)
    metrics = GatewayMetrics()
    api = Router(
        path="/",
        route_handlers=[
            NumbersController,
            CallsController,
            CarriersController,
            CampaignsController,
            AgentsController,
            VendorWebhooksController,
            CallerIdController,
            VerificationsController,
            OperationsController,
            VendorsController,
            TenantsController,
            CredentialsController,
            CredentialBudgetsController,
            AuditController,
            EventsController,
            WebhookEndpointsController,
            SubscriptionsController,
            EventRedeliveryController,
            CallWebhooksController,
        ],
        before_request=authorize,
        dependencies={"principal": Provide(provide_principal, sync_to_thread=False)},
    )
    for route in api.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if not is_automatic_options(handler):
                    required_scope(handler)

    async def start(app: Litestar) -> None:
        metrics.collections.start()
        services = await open_services(settings, tracer_provider, metrics, vendors)
        app.state.services = services
        app.state.background = [
            asyncio.create_task(
                purge_expired_forever(
                    services.records, services.idempotency, services.event_retention
                )
            ),
            asyncio.create_task(services.pipeline.shaper.watch_epochs()),
            asyncio.create_task(services.invalidations.listen_forever()),
            asyncio.create_task(services.ingestor.run_forever()),
            asyncio.create_task(services.poller.run_forever()),
            asyncio.create_task(services.deliveries.run_forever()),
            asyncio.create_task(metrics.mirror_forever()),
        ]
        if serving_process:
            tune_serving_process()

    async def stop(app: Litestar) -> None:
        background: list[asyncio.Task[None]] = getattr(app.state, "background", [])
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        services: Services | None = getattr(app.state, "services", None)
        if services is not None:
            await services.aclose()
        tracer_provider.shutdown()
        metrics.collections.stop()
        metrics.close()

    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            metrics_endpoint,
            verification_callback,
            receive_vendor_webhook,
            api,
            console_router(),
        ],
        state=State({"metrics": metrics}),
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[start],
        on_shutdown=[stop],
        openapi_config=openapi_config(),
        template_config=template_config(),
        request_max_body_size=MAX_BODY_BYTES,
        request_class=JsonBodyRequest,
        logging_config=None,
        before_send=[_complete_allow_headers],
        debug=False,
    )
    finish_document(
        app.openapi_schema,
        closed_bodies=ADMIN_BODIES
        + AGENT_BODIES
        + CALLER_ID_BODIES
        + SUBSCRIPTION_BODIES
        + (WebhookEndpointSettings,),
        public=public_operations(app.routes),
        raw_json_bodies={"receiveVendorWebhook": "The vendor's webhook, exactly as it sends it."},
    )
    app.asgi_handler = RequestContextMiddleware(
        ServerSpans(app.asgi_handler, tracer_provider, exclude=UNTRACED_PATHS), metrics
    )
    return app


def app_from_environment() -> Litestar:
    """Factory for ``uvicorn --factory`` (and each worker): settings from ``GATEWAY_*``."""
    settings = Settings.from_env(os.environ)
    configure_logging(settings.server.log_level, settings.server.log_format)
    settings.check_ready_to_serve()
    return create_app(settings, serving_process=True)
