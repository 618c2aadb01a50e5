"""What an adapter is: a declaration of vendor facts plus the operations it implements.

Policies and routes never see a vendor's name or payloads. They see a :class:`VendorDeclaration`
(what the policies must apply) and the capability protocols below (what the routes may ask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import msgspec

from gateway.schema import Call, LiveCallCheck, Number, TestNumberList

T = TypeVar("T")


@dataclass(frozen=True)
class RateBudget:
    """A vendor's documented limit: ``limit`` requests per ``period_seconds``, per ``scope``."""

    limit: int
    period_seconds: float
    scope: str = "credential"


@dataclass(frozen=True)
class OperationSpec:
    """What the policies need to know about one vendor operation."""

    cache_ttl_seconds: float | None = None
    """How long a successful answer may be reused; ``None``: never cached."""
    idempotent: bool = False
    """Whether a retry can repeat the call without a second side effect (never assumed)."""
    budget: str | None = "default"
    """Which of the vendor's rate budgets the call consumes."""


@dataclass(frozen=True)
class VendorDeclaration:
    """Per-vendor facts, typed and in one place."""

    name: str
    display_name: str
    credential_type: type[msgspec.Struct]
    """The shape of the secret a tenant stores for this vendor."""
    budgets: dict[str, RateBudget] = field(default_factory=dict)
    operations: dict[str, OperationSpec] = field(default_factory=dict)
    credential_labels: tuple[str, ...] = ()
    """Non-secret facts about a credential worth showing (e.g. the vendor's key id)."""


@dataclass(frozen=True)
class VendorPage(Generic[T]):
    """One page from a vendor, already normalized."""

    items: Sequence[T]
    has_more: bool


@dataclass(frozen=True)
class SandboxVendor:
    """A vendor simulator started for sandbox mode, with a credential that works against it."""

    vendor: str
    base_url: str
    control_url: str
    secret: dict[str, str] = field(repr=False)
    sample_number: str
    server: Any = field(repr=False)


@dataclass(frozen=True)
class IssuedCredential:
    """A new vendor credential made by rotation, before it replaces the stored one."""

    credential: msgspec.Struct
    labels: dict[str, str]


class VendorAdapter(Protocol):
    """Every adapter has a declaration and can decode a stored secret."""

    declaration: VendorDeclaration

    def load_credential(self, secret: dict[str, str]) -> Any:
        """Turn the vault's secret mapping into this vendor's credential type."""
        ...

    def credential_labels(self, credential: Any) -> dict[str, str]:
        """Non-secret labels to keep beside a credential (such as the vendor's key id)."""
        ...


@runtime_checkable
class NumberSource(Protocol):
    """Lists and reads the numbers a tenant holds with a vendor."""

    async def list_numbers(self, credential: Any, page: int, limit: int) -> VendorPage[Number]:
        """One page of numbers."""
        ...

    async def get_number(self, credential: Any, vendor_id: str) -> Number:
        """One number by the vendor's own id (raise ``NotFound`` when absent)."""
        ...


@runtime_checkable
class TestNumberSource(Protocol):
    """Public test numbers."""

    async def list_test_numbers(self, credential: Any, prefix: str | None) -> TestNumberList:
        """Test numbers whose digits start with ``prefix`` (all when ``None``)."""
        ...


@runtime_checkable
class CallSource(Protocol):
    """Lists and reads call records."""

    async def list_calls(
        self, credential: Any, page: int, limit: int, from_date: date | None, to_date: date | None
    ) -> VendorPage[Call]:
        """One page of calls, most recent first."""
        ...

    async def get_call(self, credential: Any, vendor_id: str) -> Call:
        """One call by the vendor's own id (raise ``NotFound`` when absent)."""
        ...


@runtime_checkable
class LiveCallChecker(Protocol):
    """Says whether an answered call is in progress on a number."""

    async def check_live_call(self, credential: Any, number_e164: str) -> LiveCallCheck:
        """Live-call state of one of the tenant's numbers."""
        ...


@runtime_checkable
class CredentialRotator(VendorAdapter, Protocol):
    """Issues, verifies and revokes vendor credentials, so the gateway can rotate them."""

    async def issue_credential(self, current: Any, label: str) -> IssuedCredential:
        """Create a new vendor credential using the current one."""
        ...

    async def verify_credential(self, credential: Any) -> None:
        """Prove a credential works (raise a ``GatewayError`` when it does not)."""
        ...

    async def revoke_credential(self, using: Any, labels: dict[str, str]) -> None:
        """Revoke the vendor credential described by ``labels``, authenticating with ``using``."""
        ...
