"""Request and response bodies of the admin routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from contract.credentials import CredentialVerification
from contract.patterns import whole
from gateway.auth.keys import Scope
from gateway.budgets import MAX_LIMIT, MAX_PERIOD_SECONDS, MIN_PERIOD_SECONDS

Name = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        pattern=whole(
            r"[^\x00-\x1f\x7f]*[^\s][^\x00-\x1f\x7f]*",
            "a name with a visible character and no control characters (no tabs or line breaks)",
        ),
        examples=["acme-backend"],
    ),
]


class TenantCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new tenant."""

    name: Name


class TenantOut(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant."""

    id: str
    name: str
    created_at: datetime
    disabled_at: Annotated[
        datetime | None,
        msgspec.Meta(description="Set while the tenant is disabled: its keys do not work."),
    ] = None


class TenantList(msgspec.Struct, frozen=True, kw_only=True):
    """Tenants, in a ``data`` array like every list the gateway answers."""

    data: list[TenantOut]


class TenantUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A change to a tenant."""

    disabled: Annotated[
        bool,
        msgspec.Meta(description="`true`: every key of the tenant stops working; `false`: back."),
    ]


class KeyCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new gateway key for a tenant."""

    name: Name
    scopes: Annotated[
        list[Scope], msgspec.Meta(min_length=1, examples=[["numbers:read", "calls:read"]])
    ]


class KeyOut(msgspec.Struct, frozen=True, kw_only=True):
    """A gateway key's metadata (the key itself is shown only once, at creation)."""

    id: str
    tenant_id: str
    name: str
    prefix: str
    scopes: list[Scope]
    created_at: datetime
    revoked_at: datetime | None = None


class KeyList(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant's keys, in a ``data`` array like every list the gateway answers."""

    data: list[KeyOut]


class KeyCreated(msgspec.Struct, frozen=True, kw_only=True):
    """A new key: ``key`` is shown here once and never again."""

    id: str
    tenant_id: str
    name: str
    prefix: str
    scopes: list[Scope]
    created_at: datetime
    key: str


class CredentialPut(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A vendor credential; the secret is write-only (TrustCaller: ``{"token": "7|..."}``)."""

    secret: Annotated[
        dict[str, str],
        msgspec.Meta(
            description="The vendor's credential fields; never returned.",
            examples=[{"token": "7|<40 characters shown once by TrustCaller>"}],
        ),
    ]

    def __repr__(self) -> str:
        return "CredentialPut(secret=***)"


class BudgetPut(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A credential's own limit for one of its vendor's budgets (what the account bought)."""

    limit: Annotated[
        int,
        msgspec.Meta(
            ge=1, le=MAX_LIMIT, description="Requests admitted per period.", examples=[600]
        ),
    ]
    period_seconds: Annotated[
        float,
        msgspec.Meta(
            ge=MIN_PERIOD_SECONDS,
            le=MAX_PERIOD_SECONDS,
            description="The sliding window the limit counts over, in seconds.",
            examples=[60],
        ),
    ]


class RateOut(msgspec.Struct, frozen=True, kw_only=True):
    """``limit`` requests per ``period_seconds``."""

    limit: int
    period_seconds: float


class BudgetOut(msgspec.Struct, frozen=True, kw_only=True):
    """One rate budget of a credential: what the gateway shapes its calls with."""

    name: str
    limit: int
    period_seconds: float
    overridden: bool
    """Whether an operator set this credential's limit (else the vendor's default applies)."""
    default: RateOut
    """The vendor's documented default."""
    ceiling: RateOut | None
    """The most the vendor documents for any account; ``null``: none documented."""


class CredentialOut(msgspec.Struct, frozen=True, kw_only=True):
    """What the gateway shows of a stored credential: never the secret."""

    vendor: str
    fingerprint: str
    created_at: datetime
    rotated_at: datetime | None
    labels: dict[str, str]
    budgets: list[BudgetOut]
    """The vendor's rate budgets as they apply to this credential, by name."""


class CredentialStored(CredentialOut, frozen=True, kw_only=True):
    """A credential just stored, and what its vendor said of it."""

    verification: CredentialVerification


class RotationOut(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of a credential rotation."""

    credential: CredentialOut
    previous_revoked: bool
    warnings: list[str]


REQUEST_BODIES: tuple[type[msgspec.Struct], ...] = (
    TenantCreate,
    TenantUpdate,
    KeyCreate,
    CredentialPut,
    BudgetPut,
)
"""Bodies the admin routes accept; each refuses unknown fields."""


class CredentialList(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant's stored credentials, in a ``data`` array like every list the gateway answers."""

    data: list[CredentialOut]
