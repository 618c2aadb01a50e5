"""What Redocly's and Spectral's recommended rules ask of the generated document.

`make test` runs the linters themselves (tools/openapi-lint/lint.sh); these pin the same facts
on the app's own document, so a route that breaks them fails here without Node.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.app import create_app
from gateway.settings import Settings

METHODS = ("get", "put", "post", "delete", "patch")
PUBLIC = {
    "getHealth",
    "getReadiness",
    "getMetrics",
    "receiveVerificationCallback",
    "receiveVendorWebhook",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings()).openapi_schema.to_schema()


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_operation_states_its_security_and_public_ones_say_none(
    document: dict[str, Any],
) -> None:
    unstated = [op["operationId"] for op in _operations(document) if "security" not in op]
    public = {op["operationId"] for op in _operations(document) if op.get("security") == []}

    assert unstated == []
    assert public == PUBLIC


def test_every_tag_an_operation_uses_is_defined_and_described(document: dict[str, Any]) -> None:
    defined = {tag["name"]: tag.get("description") for tag in document.get("tags", [])}
    used = {tag for op in _operations(document) for tag in op.get("tags", [])}

    assert used <= set(defined), f"undefined tags: {sorted(used - set(defined))}"
    assert all(defined[tag] for tag in used)


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    bare = [
        op["operationId"]
        for op in _operations(document)
        if not op.get("summary") or not op.get("description")
    ]

    assert bare == []
