"""Every list the gateway answers is an object with a `data` array, never a bare array.

Clients read every list the same way, and a list can gain fields (a cursor, `errors`) without
breaking them.
"""

from __future__ import annotations

from typing import Any

from gateway.app import create_app
from gateway.settings import Settings


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def test_no_operation_answers_a_bare_array() -> None:
    document = create_app(Settings()).openapi_schema.to_schema()
    bare = []
    lists = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                for content in response.get("content", {}).values():
                    schema = _resolve(document, content["schema"])
                    if schema.get("type") == "array":
                        bare.append(f"{method.upper()} {path} {status}")
                    elif (
                        _resolve(document, schema.get("properties", {}).get("data", {})).get("type")
                        == "array"
                    ):
                        lists.append(operation["operationId"])

    assert bare == []
    assert {"listTenants", "listKeys", "listCredentials", "listNumbers"} <= set(lists)
