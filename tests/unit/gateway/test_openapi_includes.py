"""Every read route whose answer holds a vendor object lets the consumer ask for it.

Walks the app's own OpenAPI document: a GET whose 200 schema reaches, at any depth, a schema
with a ``vendor_data`` property must declare the ``include`` query parameter. The event log is
the exception: an event's object is recorded once, as answered without ``vendor_data``.
"""

from __future__ import annotations

from gateway.app import create_app
from gateway.settings import Settings
from tests.openapi_schemas import EVENT_READS, reaches_vendor_data


def test_every_read_of_vendor_objects_declares_include() -> None:
    document = create_app(Settings()).openapi_schema.to_schema()
    schemas = document["components"]["schemas"]
    reads = {
        path: operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method == "get" and not path.startswith(EVENT_READS)
    }
    with_vendor_objects = {
        path: operation
        for path, operation in reads.items()
        if reaches_vendor_data(
            operation["responses"].get("200", {}).get("content", {}), schemas, set()
        )
    }

    missing = [
        path
        for path, operation in with_vendor_objects.items()
        if "include" not in {p["name"] for p in operation.get("parameters", [])}
    ]
    assert len(with_vendor_objects) >= 10, sorted(with_vendor_objects)
    assert missing == []
