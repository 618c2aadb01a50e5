"""Walking the OpenAPI document's schemas, for tests that find routes by what they answer."""

from __future__ import annotations

from typing import Any


def reaches_vendor_data(schema: Any, schemas: dict[str, Any], seen: set[str]) -> bool:
    """Whether ``schema`` (or anything it refers to) has a ``vendor_data`` property."""
    if isinstance(schema, list):
        return any(reaches_vendor_data(item, schemas, seen) for item in schema)
    if not isinstance(schema, dict):
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return False
        seen.add(name)
        return reaches_vendor_data(schemas[name], schemas, seen)
    if "vendor_data" in schema.get("properties", {}):
        return True
    return any(reaches_vendor_data(value, schemas, seen) for value in schema.values())


EVENT_READS = "/v1/events"
"""Events carry objects as the API answers them unasked (``vendor_data`` null), so the event
log's reads offer no ``include``."""


def reads_with_vendor_objects(document: dict[str, Any]) -> list[str]:
    """Paths of every GET whose 200 answer holds a schema with ``vendor_data`` (the event log's
    reads aside)."""
    schemas = document["components"]["schemas"]
    return sorted(
        path
        for path, item in document["paths"].items()
        if "get" in item
        and not path.startswith(EVENT_READS)
        and reaches_vendor_data(item["get"]["responses"].get("200", {}), schemas, set())
    )
