"""Log redaction and formatting: secrets never reach a log line, JSON lines carry context."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.logs import JsonFormatter, RequestIdFilter, TextFormatter, redact
from gateway.request_context import request_id_var

GATEWAY_KEY = "gw_" + "Ab3-_x" * 7
TRUSTCALLER_TOKEN = "7|" + "aBcD1234eFgH5678iJkL" * 2


@pytest.fixture
def request_id() -> Iterator[str]:
    token = request_id_var.set("req-7f3a9c")
    yield "req-7f3a9c"
    request_id_var.reset(token)


def log_record(
    message: str, *args: object, extra: dict[str, object] | None = None, exc: bool = False
) -> logging.LogRecord:
    record = logging.getLogger("gateway.test").makeRecord(
        "gateway.test",
        logging.WARNING,
        __file__,
        1,
        message,
        args,
        sys.exc_info() if exc else None,
        extra=extra,
    )
    RequestIdFilter().filter(record)
    return record


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"created {GATEWAY_KEY} for tenant", "created [REDACTED] for tenant"),
        (f"Authorization: Bearer {GATEWAY_KEY}", "Authorization: Bearer [REDACTED]"),
        ("authorization: bearer opaque.token-value", "authorization: bearer [REDACTED]"),
        (f"vendor token {TRUSTCALLER_TOKEN} stored", "vendor token [REDACTED] stored"),
        (f'{{"token": "{TRUSTCALLER_TOKEN}"}}', '{"token": "[REDACTED]"}'),
    ],
    ids=["gateway-key", "bearer-gateway-key", "bearer-other", "trustcaller", "json"],
)
def test_redact_masks_credentials(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "key gw_abcdef... shown as its prefix",
        "call 98765 on +120000486562997 lasted 135 s",
        "vendor key 7 revoked; page 2|3",
        "trustcaller:98765",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_json_formatter_writes_one_object_with_request_id_and_extras(request_id: str) -> None:
    record = log_record(
        "vendor %s answered %d", "trustcaller", 429, extra={"tenant_id": "ten_abc", "ms": 12.5}
    )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "vendor trustcaller answered 429"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "gateway.test"
    assert entry["request_id"] == request_id
    assert entry["tenant_id"] == "ten_abc"
    assert entry["ms"] == 12.5
    assert entry["time"].endswith("+00:00")
    assert not {"args", "msg", "levelno", "pathname", "lineno"} & set(entry)


def test_json_formatter_keeps_a_line_whose_extra_is_not_json(request_id: str) -> None:
    record = log_record("stores opened", extra={"data_dir": Path("/var/lib/gateway")})

    entry = json.loads(JsonFormatter().format(record))

    assert entry["data_dir"] == "/var/lib/gateway"


def test_json_formatter_has_null_request_id_outside_a_request() -> None:
    entry = json.loads(JsonFormatter().format(log_record("starting")))

    assert entry["request_id"] is None


def test_json_formatter_redacts_message_and_extras(request_id: str) -> None:
    record = log_record(
        "issued %s", GATEWAY_KEY, extra={"authorization": f"Bearer {TRUSTCALLER_TOKEN}"}
    )

    line = JsonFormatter().format(record)

    assert GATEWAY_KEY not in line
    assert TRUSTCALLER_TOKEN.split("|")[1] not in line
    entry = json.loads(line)
    assert entry["message"] == "issued [REDACTED]"
    assert entry["authorization"] == "Bearer [REDACTED]"


def test_json_formatter_includes_the_exception_redacted(request_id: str) -> None:
    try:
        raise RuntimeError(f"vendor refused {TRUSTCALLER_TOKEN}")
    except RuntimeError:
        record = log_record("rotation failed", exc=True)

    entry = json.loads(JsonFormatter().format(record))

    assert "RuntimeError: vendor refused [REDACTED]" in entry["exception"]
    assert TRUSTCALLER_TOKEN not in entry["exception"]


def test_text_formatter_shows_extras_and_redacts(request_id: str) -> None:
    record = log_record("issued %s", GATEWAY_KEY, extra={"tenant_id": "ten_abc"})

    line = TextFormatter().format(record)

    assert line.startswith("WARNING gateway.test: issued [REDACTED]")
    assert f"request_id={request_id}" in line
    assert "tenant_id=ten_abc" in line
    assert GATEWAY_KEY not in line
