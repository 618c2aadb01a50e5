"""What the gateway says about a stored vendor credential's check with its vendor.

Shared by the credentials admin API (the answer to storing one) and ``GET /v1/vendors``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec


class VerificationStatus(StrEnum):
    """What the vendor said of a credential when it was stored."""

    VERIFIED = "verified"
    REJECTED = "rejected"
    UNVERIFIED = "unverified"


class CredentialVerification(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of checking a credential with its vendor when it was stored."""

    status: Annotated[
        VerificationStatus,
        msgspec.Meta(
            description=(
                "`verified`: the vendor accepted it; `rejected`: the vendor refused it (it is "
                "not stored); `unverified`: not checked (asked not to, the vendor has no call "
                "to check with, or it could not be reached), see `detail`."
            )
        ),
    ]
    checked_at: Annotated[
        datetime | None, msgspec.Meta(description="When the vendor was asked; null if it was not.")
    ] = None
    detail: str
