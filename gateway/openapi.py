"""The OpenAPI contract: per-operation scopes and error responses, and headers on every answer.

Routes declare their contract with :func:`contract` next to their decorator; :func:`finish_document`
adds what is the same everywhere (the request-id header, ``Retry-After`` on 429) once, at start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import msgspec
from litestar import Response, Router
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import (
    Components,
    Discriminator,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
    Tag,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import BaseRoute, HTTPRoute

from contract.errors import PROBLEM_MEDIA_TYPE, NotFound, Problem
from contract.events import EVENT_DATA, EventType, event_schema_name
from gateway.api_reference import assets_router, render_plugins
from gateway.auth.keys import Scope
from gateway.request_context import current_request_id

API_VERSION = "1.0.0"
SCHEMA_PATH = "/schema"
SECURITY_SCHEME = "gatewayKey"

PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "The request body could not be read: not UTF-8 JSON, or nested too deeply.",
    401: "Missing, unknown or revoked gateway key.",
    402: "The vendor account's balance cannot pay for this; see `detail`.",
    403: "The key lacks the scope this operation needs.",
    404: "No such object for this tenant.",
    409: (
        "Conflict, by `type`: `/problems/vendor-not-configured`, the tenant has no credential "
        "for the vendor this needs (`detail` names it, and `vendor` when there is one); "
        "`/problems/not-supported-by-vendor`, the object's vendor cannot do this at all (a "
        "TrustCaller call cannot be stopped); `/problems/conflict`, the object's state does not "
        "allow it now."
    ),
    413: "The request body is too large.",
    415: "The request body was not sent as `Content-Type: application/json`.",
    422: "Invalid input; `errors` names each field.",
    429: "A rate limit is spent; retry after `Retry-After` seconds.",
    500: "Unexpected error (details are in the gateway's logs under `request_id`).",
    502: "The vendor failed or refused the stored credential; see `vendor` and `vendor_status`.",
    503: "The vendor is failing (circuit open) or saturated; retry after `Retry-After` seconds.",
    504: "The vendor did not answer in time.",
}
TAGS: dict[str, str] = {
    "numbers": "Phone numbers of every vendor, test numbers, and asynchronous number operations.",
    "calls": "Call records and live-call checks, AI calls, and the vendor's call webhooks.",
    "carriers": "Bring-your-own-carrier SIP trunks for AI calls.",
    "campaigns": "AI call campaigns: their stats, starting and pausing them.",
    "agents": "What AI calls can use: agent models, voices and the account's balance.",
    "caller-id": "Branded caller ID: labels, feature sets, personalizations and vendor logs.",
    "verifications": "One-tap phone verification through the vendor's app, and its callback.",
    "events": "What happened at the vendors after the requests: the event log, and where vendors "
    "deliver their webhooks.",
    "vendors": "The vendors behind the gateway and their health for the tenant: credential, "
    "budgets, circuit breaker, cache and the last failure.",
    "admin": "Tenants, their gateway keys and vendor credentials, and the audit log.",
    "operations": "Probes and metrics for the people and systems that run the gateway.",
}
"""Every tag an operation may carry, described once for the document's global ``tags``."""
ALWAYS = (401, 403, 500)
READ_ERRORS = (409, 422, 429, 502, 503, 504)
"""What any vendor-backed read can answer besides success."""
WRITE_ERRORS = (402, 409, 422, 429, 502, 503, 504)
"""What any vendor-backed change can answer besides success (402: the vendor cannot bill it)."""
BODY_ERRORS = (400, 413, 415, 422)
"""What any operation with a JSON body can answer besides success."""


def with_accepted(arguments: dict[str, Any], container: type[msgspec.Struct]) -> dict[str, Any]:
    """:func:`contract` arguments plus a 202 answer, for vendors that work asynchronously."""
    responses = dict(arguments["responses"])
    responses[202] = ResponseSpec(
        data_container=container,
        description="Accepted: the vendor works asynchronously; poll what this returns.",
        generate_examples=False,
    )
    return {**arguments, "responses": responses}


def contract(scope: Scope, *statuses: int) -> dict[str, Any]:
    """Decorator arguments for an authenticated operation: its scope and its error answers."""
    return {
        "opt": {"scope": scope},
        "security": [{SECURITY_SCHEME: [scope.value]}],
        "responses": problem_responses(*ALWAYS, *statuses),
    }


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The documented problem answers of an operation."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=PROBLEM_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in sorted(set(statuses))
    }


def openapi_config() -> OpenAPIConfig:
    """Document metadata and the bearer scheme (operations name their own scopes)."""
    return OpenAPIConfig(
        title="Caller-ID & telephony gateway",
        version=API_VERSION,
        description=(
            "One API over TrustCaller, Truecaller (for Business and its profile flow) and "
            "TopCalls. Authenticate with `Authorization: Bearer gw_...`; each operation lists the "
            "scope it needs. Errors are "
            "RFC 9457 `application/problem+json`. Lists are cursor-paginated: pass `next_cursor` "
            "back as `cursor`."
        ),
        tags=[Tag(name=name, description=text) for name, text in TAGS.items()],
        use_handler_docstrings=True,
        path=SCHEMA_PATH,
        render_plugins=render_plugins(SCHEMA_PATH),
        components=Components(
            security_schemes={
                SECURITY_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A gateway key (`gw_...`) from `POST /v1/admin/tenants/{t}/keys`.",
                )
            }
        ),
        create_examples=False,
        openapi_router=Router(
            SCHEMA_PATH,
            route_handlers=[assets_router()],
            include_in_schema=False,
            after_request=_problem_for_unknown_schema_path,
        ),
    )


def _problem_for_unknown_schema_path(response: Response[Any]) -> Response[Any]:
    """Litestar answers unknown ``/schema/*`` paths with an HTML page; answer a problem instead."""
    if response.status_code != 404:
        return response
    problem = NotFound("no such schema document").to_problem(current_request_id())
    return Response(content=problem, status_code=404, media_type=PROBLEM_MEDIA_TYPE)


_REQUEST_ID = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING),
    required=True,
    description="The request's id (the caller's `X-Request-ID` when it sent a valid one).",
)
_RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
    description="Seconds to wait before retrying.",
)


def _operations(document: OpenAPI) -> list[Operation]:
    methods = ("get", "put", "post", "delete", "patch")
    return [
        operation
        for item in (document.paths or {}).values()
        for operation in (getattr(item, method) for method in methods)
        if operation is not None
    ]


def public_operations(routes: Iterable[BaseRoute]) -> set[str]:
    """The operation ids of handlers that declare ``security=[]``: reachable without a key."""
    return {
        str(handler.operation_id)
        for route in routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if isinstance(handler, HTTPRouteHandler)
        and handler.security is not None
        and not handler.security
        and handler.operation_id
    }


def finish_document(
    document: OpenAPI,
    closed_bodies: Iterable[type[msgspec.Struct]] = (),
    public: Iterable[str] = (),
    raw_json_bodies: Mapping[str, str] = MappingProxyType({}),
) -> None:
    """Add the headers every response carries, and drop Litestar's own 400 body, in place.

    ``public`` names operations that need no key; Litestar leaves their empty ``security`` out,
    which reads as "not said" to linters and generators, so it is written back explicitly.

    ``closed_bodies`` are request bodies that refuse unknown fields; their schemas say so
    (``additionalProperties: false``), which Litestar does not derive from msgspec.

    ``raw_json_bodies`` names operations that read their JSON body as raw bytes (a vendor's
    webhook, whose signature covers the bytes), with a description of it: Litestar cannot see
    such a body, so it is declared here.

    Litestar documents a 400 with its own error shape for any operation with parameters; the
    gateway answers invalid input with a 422 problem instead, and a 400 only for unreadable bodies,
    which operations with a body declare themselves.
    """
    schemas = document.components.schemas if document.components else {}
    if "Event" in schemas:
        _type_events(document, schemas)
    for body in closed_bodies:
        schemas[body.__name__].additional_properties = False
    public = set(public)
    for operation in _operations(document):
        if operation.operation_id in public:
            operation.security = []
        if operation.operation_id is not None and operation.operation_id in raw_json_bodies:
            operation.request_body = RequestBody(
                content={
                    "application/json": OpenAPIMediaType(
                        schema=Schema(
                            type=OpenAPIType.OBJECT,
                            description=raw_json_bodies[operation.operation_id],
                        )
                    )
                },
                required=True,
            )
        responses = operation.responses or {}
        litestar_400 = responses.get("400")
        if isinstance(litestar_400, OpenAPIResponse) and PROBLEM_MEDIA_TYPE not in (
            litestar_400.content or {}
        ):
            del responses["400"]
        for status, response in responses.items():
            if not isinstance(response, OpenAPIResponse):
                continue
            headers = dict(response.headers or {})
            headers["X-Request-ID"] = _REQUEST_ID
            if status in ("429", "503"):
                headers["Retry-After"] = _RETRY_AFTER
            response.headers = headers


_WEBHOOK_HEADERS = {
    "webhook-id": "The event's id: the same on every attempt, so a receiver can drop repeats.",
    "webhook-timestamp": "When this attempt was sent, in seconds since the epoch.",
    "webhook-signature": "`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` per secret, "
    "space-separated (two during a secret's rotation), per Standard Webhooks.",
}


def _type_events(document: OpenAPI, schemas: dict[str, Schema]) -> None:
    """One schema per event type, ``Event`` the union of them, and a webhook per type.

    The envelope's ``data`` is stored as the JSON of the type's unified object, so the route's
    return type cannot say which object it is; the document does, from
    :data:`contract.events.EVENT_DATA`. Each ``<Type>Event`` is the envelope with ``type`` fixed
    to one value and ``data`` the object's schema; ``Event`` is their ``oneOf``, discriminated by
    ``type``; and ``webhooks`` documents what a subscription (or a call's ``webhook_url``)
    receives for each type.
    """
    envelope = schemas["Event"]
    assert isinstance(envelope, Schema) and envelope.properties is not None
    missing = [data for data in EVENT_DATA.values() if data.__name__ not in schemas]
    if missing:
        _, generated = msgspec.json.schema_components(
            missing, ref_template="#/components/schemas/{name}"
        )
        for name, schema in generated.items():
            schemas.setdefault(name, schema)  # a raw JSON Schema, serialized as it is
    mapping: dict[str, str] = {}
    webhooks: dict[str, PathItem | Reference] = {}
    for type_ in EventType:
        name = event_schema_name(type_)
        data = EVENT_DATA[type_].__name__
        properties = dict(envelope.properties)
        properties["type"] = Schema(type=OpenAPIType.STRING, const=type_.value)
        properties["data"] = Reference(ref=f"#/components/schemas/{data}")
        schemas[name] = Schema(
            type=OpenAPIType.OBJECT,
            title=name,
            description=f"A `{type_.value}` event: its `data` is a {data}.",
            properties=properties,
            required=envelope.required,
        )
        mapping[type_.value] = f"#/components/schemas/{name}"
        webhooks[type_.value] = PathItem(post=_webhook(type_, name, data))
    schemas["Event"] = Schema(
        title="Event",
        description=envelope.description,
        one_of=[Reference(ref=ref) for ref in mapping.values()],
        discriminator=Discriminator(property_name="type", mapping=mapping),
    )
    schemas.pop("EventType", None)  # only the envelope's `type` named it; each event has a const
    document.webhooks = webhooks


def _webhook(type_: EventType, name: str, data: str) -> Operation:
    return Operation(
        tags=["events"],
        summary=f"A {type_.value} event, delivered",
        description=(
            f"Sent to each enabled subscription whose `types` match `{type_.value}` (and, for "
            "`call.*`, to the call's `webhook_url`), at least once, signed per Standard "
            f"Webhooks; the body is the event as `GET /v1/events/{{id}}` answers it, its `data` "
            f"a {data}. Any 2xx acknowledges it; anything else, or no answer in time, is tried "
            "again on the retry schedule, and `410 Gone` disables the subscription."
        ),
        operation_id="on" + name,
        parameters=[
            Parameter(
                name=header,
                param_in="header",
                required=True,
                description=text,
                schema=Schema(type=OpenAPIType.STRING),
            )
            for header, text in _WEBHOOK_HEADERS.items()
        ],
        request_body=RequestBody(
            content={
                "application/json": OpenAPIMediaType(
                    schema=Reference(ref=f"#/components/schemas/{name}")
                )
            },
            required=True,
        ),
        responses={
            "200": OpenAPIResponse(description="Received (any 2xx will do)."),
            "410": OpenAPIResponse(description="Gone: disable the subscription, send no more."),
        },
        security=[],
    )
