"""Structured logging: JSON lines when not on a terminal, readable text when on one.

Every record carries the request id. A redaction filter is the last line of defense: anything that
looks like a gateway key, a bearer token or a vendor secret (each vendor declares the shapes of
its own) is masked before a record is written, so a careless ``log.info(f"...{token}...")`` still
does not leak a secret.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.registry import VENDORS, VendorEntry
from gateway.request_context import request_id_var
from gateway.telemetry import CAPABILITY_TOKEN_PATTERN, current_trace_id

_GATEWAY_PATTERNS = (
    r"gw_[A-Za-z0-9_\-]{8,}",
    CAPABILITY_TOKEN_PATTERN,
    r"(?i)(bearer\s+)[^\s\"',]+",
)
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {
    "message",
    "asctime",
    "color_message",
}


class Redactor:
    """Masks the gateway's own secrets and those of the vendors it was given."""

    def __init__(self, vendors: Sequence[VendorEntry] = VENDORS) -> None:
        vendor_patterns = [p for v in vendors for p in v.declaration.secret_patterns]
        self._patterns = [re.compile(p) for p in (*_GATEWAY_PATTERNS, *vendor_patterns)]

    def __call__(self, text: str) -> str:
        """``text`` with anything that looks like a credential masked."""
        for pattern in self._patterns:
            text = pattern.sub(
                lambda m: (m.group(1) if m.re.groups else "") + "[REDACTED]",
                text,
            )
        return text


def redact(text: str, vendors: Sequence[VendorEntry] = VENDORS) -> str:
    """Mask anything in ``text`` that looks like a credential of the gateway or of ``vendors``."""
    return Redactor(vendors)(text)


class RequestIdFilter(logging.Filter):
    """Attach the current request id and trace id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or None
        if not hasattr(record, "trace_id"):
            record.trace_id = current_trace_id()
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    _encoder = msgspec.json.Encoder(enc_hook=str)

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self._redact(self._encoder.encode(entry).decode())


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, with the same fields as the JSON form."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items() if v is not None)
        line = f"{record.levelname:<7} {record.name}: {record.getMessage()} {extras}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self._redact(line)


def configure_logging(level: str, fmt: str, vendors: Sequence[VendorEntry] = VENDORS) -> None:
    """Install the gateway's log handler; ``fmt`` is ``json``, ``text`` or ``auto``; secrets of
    the gateway and of ``vendors`` are masked."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    redactor = Redactor(vendors)
    handler.setFormatter(JsonFormatter(redactor) if use_json else TextFormatter(redactor))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
