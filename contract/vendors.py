"""``GET /v1/vendors``: each registered vendor's health as one tenant sees it, never a secret.

The figures of budgets, cache and the last error are this replica's (each replica counts what
it served); ``remaining`` is the budget's own state, shared by replicas when Redis is, and the
breaker is this replica's breaker of the tenant's credential.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from contract.credentials import CredentialVerification


class CircuitState(StrEnum):
    """Where the circuit breaker of a credential stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CredentialSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What the gateway shows of the tenant's stored credential for a vendor: never the secret."""

    fingerprint: Annotated[
        str, msgspec.Meta(description="A short, non-reversible id of the stored secret.")
    ]
    labels: Annotated[
        dict[str, str],
        msgspec.Meta(description="Non-secret facts the vendor declares (e.g. its key id)."),
    ]
    created_at: datetime
    rotated_at: Annotated[
        datetime | None, msgspec.Meta(description="When it was last replaced; null if never.")
    ]
    verification: Annotated[
        CredentialVerification | None,
        msgspec.Meta(
            description=(
                "What the vendor said when this credential was stored or rotated, from the audit "
                "log; null when the log holds no check of this credential."
            )
        ),
    ]


class BudgetStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One of the vendor's rate budgets, as it stands for the tenant's credential."""

    name: Annotated[str, msgspec.Meta(description="The budget's name in the vendor declaration.")]
    limit: Annotated[int, msgspec.Meta(description="Calls allowed per period.")]
    period_seconds: float
    remaining: Annotated[
        int | None,
        msgspec.Meta(
            description=(
                "Calls the budget admits now (read without spending one); null without a "
                "stored credential."
            )
        ),
    ]
    used_per_minute: Annotated[
        list[int],
        msgspec.Meta(
            description=(
                "Calls of this tenant this replica admitted on the budget in each of the last "
                "10 minutes, oldest first (the current minute last)."
            )
        ),
    ]


class BreakerStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The circuit breaker of the tenant's credential on this replica."""

    state: CircuitState
    retry_after_seconds: Annotated[
        int | None,
        msgspec.Meta(description="While open: seconds until a probe call is let through."),
    ]


class CacheStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Cached reads of the tenant at this vendor on this replica, over a trailing window."""

    window_seconds: int
    hits: int
    misses: int
    stale: Annotated[
        int, msgspec.Meta(description="Answers served past their TTL because the vendor failed.")
    ]
    hit_ratio: Annotated[
        float | None,
        msgspec.Meta(
            description="hits / (hits + misses + stale); null without a lookup in the window."
        ),
    ]


class VendorErrorStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The last failure of a call to the vendor for this tenant on this replica."""

    at: datetime
    operation: Annotated[str, msgspec.Meta(description="The vendor operation, e.g. `list_calls`.")]
    status: Annotated[int, msgspec.Meta(description="The HTTP status the gateway answered.")]
    type: Annotated[str, msgspec.Meta(description="The problem type the gateway answered.")]
    vendor_status: Annotated[
        int | None, msgspec.Meta(description="The vendor's own HTTP status, when it answered.")
    ]


class VendorStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One registered vendor as the tenant sees it."""

    vendor: Annotated[str, msgspec.Meta(description="The vendor's name, e.g. `trustcaller`.")]
    display_name: str
    capabilities: Annotated[
        list[str],
        msgspec.Meta(description="The operations the vendor serves, as its declaration lists."),
    ]
    credential: Annotated[
        CredentialSummary | None,
        msgspec.Meta(description="null: the tenant stored no credential for this vendor."),
    ]
    budgets: list[BudgetStatus]
    breaker: BreakerStatus
    cache: CacheStatus
    last_error: VendorErrorStatus | None


class VendorStatusList(msgspec.Struct, frozen=True, kw_only=True):
    """Every registered vendor, in registry order."""

    data: list[VendorStatus]
