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
