"""The document has one schema per event type, with its own ``data``, and a webhook per type."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from contract.events import EVENT_DATA, EventType
from gateway.app import create_app
from gateway.settings import Settings


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings()).openapi_schema.to_schema()


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _event_schemas(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each event type the document knows, with the name and schema of its event."""
    schemas = document["components"]["schemas"]
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, schema in schemas.items():
        const = schema.get("properties", {}).get("type", {}).get("const")
        if "data" in schema.get("properties", {}) and isinstance(const, str):
            assert const not in found, f"{const} has two schemas: {found[const][0]}, {name}"
            found[const] = (name, schema)
    return found


def test_every_event_type_has_exactly_one_schema_with_its_data(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    events = _event_schemas(document)

    assert sorted(events) == sorted(type_.value for type_ in EventType)
    for type_ in EventType:
        _, schema = events[type_.value]
        data = EVENT_DATA[type_]
        assert schema["properties"]["data"] == {"$ref": _ref(data.__name__)}, type_
        assert "type" in schema["required"] and "data" in schema["required"]
        fields = {field.encode_name for field in msgspec.structs.fields(data)}
        assert set(schemas[data.__name__]["properties"]) == fields, type_


def test_a_call_event_carries_the_call_that_get_call_answers(document: dict[str, Any]) -> None:
    name, schema = _event_schemas(document)["call.completed"]
    get_call = document["paths"]["/v1/calls/{call_id}"]["get"]
    answer = get_call["responses"]["200"]["content"]["application/json"]["schema"]

    assert name == "CallCompletedEvent"
    assert schema["properties"]["data"] == answer


def test_event_is_the_union_of_the_types_discriminated_by_type(document: dict[str, Any]) -> None:
    event = document["components"]["schemas"]["Event"]
    events = _event_schemas(document)

    mapping = {type_: _ref(name) for type_, (name, _) in events.items()}
    assert event["discriminator"] == {"propertyName": "type", "mapping": mapping}
    assert sorted(item["$ref"] for item in event["oneOf"]) == sorted(mapping.values())
    one = document["paths"]["/v1/events/{event_id}"]["get"]["responses"]["200"]
    assert one["content"]["application/json"]["schema"] == {"$ref": _ref("Event")}
    page = document["components"]["schemas"]["EventPage"]["properties"]["data"]
    assert page["items"] == {"$ref": _ref("Event")}


def test_each_event_type_is_a_documented_signed_webhook(document: dict[str, Any]) -> None:
    events = _event_schemas(document)

    assert sorted(document["webhooks"]) == sorted(events)
    for type_, item in document["webhooks"].items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": _ref(events[type_][0])}
        headers = {p["name"] for p in item["post"]["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
