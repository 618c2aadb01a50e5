"""Real events from the log match the gateway's own document: the schema of their type.

The document types each event by its ``type`` (``Event`` is a discriminated ``oneOf``); the log
stores ``data`` as JSON, so this checks, over the simulators, that what the gateway answers is
what it documents.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema_rs

from contract.events import EventType, event_schema_name
from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.test_events_api import (
    events,
    poll,
    signed,
    topcalls_tenant,
    truecaller_tenant,
)

__all__ = ["topcalls_tenant", "truecaller_tenant"]  # fixtures shared with the events tests


def validator(document: dict[str, Any], name: str) -> Any:
    """A JSON Schema validator of one component of ``document``, its references resolved."""
    root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(root)


def test_events_in_the_log_validate_against_the_schema_of_their_type(
    gateway: GatewayStack,
    topcalls_tenant: tuple[TenantHandle, str],
    truecaller_tenant: tuple[TenantHandle, httpx.Client],
) -> None:
    document = gateway.admin().get("/schema/openapi.json").json()
    tenant, url = topcalls_tenant
    placed = tenant.client.post(
        "/v1/calls",
        json={"vendor": "topcalls", "to_number": "+14155550123", "task": "Confirm the visit"},
    )
    assert placed.status_code == 201, placed.text
    unmapped = json.dumps({"event": "call.transferred", "call_id": "c-1", "to": "+1555"}).encode()
    assert httpx.post(url, content=unmapped, headers=signed(unmapped)).status_code == 200
    other, control = truecaller_tenant
    feature_set = (other.truecaller_account or {})["feature_sets"][0]["name"]
    place = {"business_number": "910987654321", "feature_set": feature_set}
    assert control.post("/cmb", json={**place, "client_number": "918765432198"}).status_code == 201
    assert control.post("/feedback", json=place).status_code == 201
    wanted = {
        "call.queued",
        "call.started",
        "call.completed",
        "vendor.unmapped",
        "caller_id.callback_requested",
        "caller_id.feedback_received",
    }

    found = poll(
        lambda: events(tenant, limit=200) + events(other, limit=200),
        lambda found: wanted <= {event["type"] for event in found},
    )

    assert wanted <= {event["type"] for event in found}
    event_schema = validator(document, "Event")
    for event in found:
        own = validator(document, event_schema_name(EventType(event["type"])))
        assert [e.message for e in own.iter_errors(event)] == [], event
        assert event_schema.is_valid(event), event
        wrong = "call.completed" if event["type"] != "call.completed" else "vendor.unmapped"
        assert not validator(document, event_schema_name(EventType(wrong))).is_valid(event)
