"""The vendor's own object beside a unified one, for what the unified schema leaves out.

Consumers ask for it with ``?include=vendor_data``; it is opaque (the vendor's field names and
values as the adapter decoded them) and never carries a secret: any field whose name says it
holds a token, key, password or secret is dropped, at any depth.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

import msgspec

SECRET_FIELD = re.compile(
    r"token|secret|password|passwd|api_?key|private_?key|partner_?key|authori[sz]ation|credential",
    re.IGNORECASE,
)
"""Names of vendor fields that carry a secret (``accessToken``, ``api_key``, ``sip_password``)."""

VendorData = Annotated[
    dict[str, Any] | None,
    msgspec.Meta(
        description=(
            "The vendor's own object, opaque, with fields the unified shape leaves out; only "
            "with `include=vendor_data` (null otherwise). Secrets are never included."
        )
    ),
]


class Include(StrEnum):
    """Optional parts of an answer a consumer may ask for with ``include``."""

    VENDOR_DATA = "vendor_data"


def vendor_object(payload: object) -> dict[str, Any]:
    """``payload`` (a decoded vendor Struct) as plain data, without any secret-bearing field."""
    builtins = msgspec.to_builtins(payload)
    if not isinstance(builtins, dict):
        raise TypeError(f"a vendor object is a mapping, not {type(builtins).__name__}")
    return _without_secrets(builtins)


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_secrets(item)
            for key, item in value.items()
            if not SECRET_FIELD.search(str(key))
        }
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


VENDOR_DATA_FIELD = "vendor_data"
"""The field of a unified object that holds its vendor's own object."""
