"""The committed OpenAPI document is exactly what the app generates."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.app import create_app
from gateway.settings import Settings

COMMITTED = Path(__file__).resolve().parents[3] / "openapi" / "openapi.json"


def test_committed_openapi_document_matches_the_app() -> None:
    generated = create_app(Settings()).openapi_schema.to_schema()

    committed = json.loads(COMMITTED.read_text())

    assert committed == generated, (
        "openapi/openapi.json is stale: regenerate it with "
        "`.venv/bin/gateway openapi --output openapi/openapi.json` and commit the result"
    )
