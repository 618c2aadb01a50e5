"""What an adapter is: a declaration of vendor facts plus the operations it implements.

Policies and routes never see a vendor's name or payloads. They see a :class:`VendorDeclaration`
(what the policies must apply) and the capability protocols below (what the routes may ask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import msgspec

from contract.agents import (
    AgentModel,
    Balance,
    CallCreate,
    Campaign,
    Carrier,
    CarrierCreate,
    NumberCreate,
    VendorWebhook,
    VendorWebhookCreate,
    Voice,
    VoiceFilters,
)
from contract.caller_id import (
    CallerLabel,
    CallerProfile,
    ExportLink,
    FeatureSet,
    NumberOperationItem,
    Personalization,
    PersonalizationRecord,
    PersonalizationRecordStatus,
)
from contract.errors import FieldError
from contract.schema import Call, LiveCallCheck, Number, NumberStatus, TestNumberList

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
    next_token: str | None
    """The vendor's position of the following page, as the adapter understands it."""

    @property
    def has_more(self) -> bool:
        """Whether the vendor has items after this page."""
        return self.next_token is not None


@dataclass(frozen=True)
class SandboxVendor:
    """A vendor simulator started for sandbox mode, with a credential that works against it."""

    vendor: str
    base_url: str
    control_url: str
    secret: dict[str, str] = field(repr=False)
    sample_number: str
    server: Any = field(repr=False)
    demo_commands: tuple[str, ...] = ()
    """Shell lines to try this vendor through the gateway; ``{gateway}`` is the gateway's URL and
    ``$GW_KEY`` the demo tenant's key."""
    verification_origin: str | None = None
    """An origin the gateway must allow as a verification profile endpoint (the simulator's)."""


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

    async def list_numbers(
        self, credential: Any, token: str | None, limit: int
    ) -> VendorPage[Number]:
        """One page of numbers, from the position ``token`` (``None``: the first page)."""
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
        self,
        credential: Any,
        token: str | None,
        limit: int,
        from_date: date | None,
        to_date: date | None,
    ) -> VendorPage[Call]:
        """One page of calls, most recent first, from the position ``token``."""
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


@runtime_checkable
class CallPlacer(Protocol):
    """Places AI calls and stops or cancels them.

    ``idempotency_key`` is forwarded to the vendor, so a repeat of the same request (a retry at any
    layer) never acts twice.
    """

    async def place_call(
        self,
        credential: Any,
        request: CallCreate,
        to_e164: str,
        from_e164: str | None,
        idempotency_key: str,
    ) -> Call:
        """Place a call to ``to_e164``; the answer is the call as queued."""
        ...

    async def stop_call(self, credential: Any, vendor_id: str, idempotency_key: str) -> None:
        """Stop a queued or in-progress call (``Conflict`` when it already ended)."""
        ...

    async def cancel_call(self, credential: Any, vendor_id: str, idempotency_key: str) -> None:
        """Cancel a call that has not started (``Conflict`` otherwise)."""
        ...


@runtime_checkable
class NumberProvisioner(Protocol):
    """Adds numbers to, and releases them from, a vendor account."""

    async def add_number(
        self,
        credential: Any,
        request: NumberCreate,
        number_e164: str,
        carrier_vendor_id: str | None,
        idempotency_key: str,
    ) -> Number:
        """Add a number (``carrier_vendor_id``: the native id of one of its carriers)."""
        ...

    async def release_number(self, credential: Any, vendor_id: str) -> None:
        """Release a number (``NotFound`` when absent, ``Conflict`` when in use)."""
        ...


@runtime_checkable
class CarrierSource(Protocol):
    """Bring-your-own-carrier SIP trunks."""

    async def list_carriers(self, credential: Any) -> list[Carrier]:
        """Every carrier of the account, the vendor's own first."""
        ...

    async def add_carrier(
        self, credential: Any, request: CarrierCreate, idempotency_key: str
    ) -> Carrier:
        """Add a carrier (validated locally first by :meth:`validate_carrier`)."""
        ...

    def validate_carrier(self, request: CarrierCreate) -> list[FieldError]:
        """The vendor's rules for a carrier, checked before anything is sent."""
        ...

    async def delete_carrier(self, credential: Any, vendor_id: str) -> None:
        """Delete a carrier (``Conflict`` while numbers use it)."""
        ...


@runtime_checkable
class CampaignSource(Protocol):
    """Campaigns: watched and started or paused (they are built in the vendor's dashboard)."""

    async def list_campaigns(self, credential: Any) -> list[Campaign]:
        """Every campaign of the account."""
        ...

    async def get_campaign(self, credential: Any, vendor_id: str) -> Campaign:
        """One campaign with its stats."""
        ...

    async def start_campaign(self, credential: Any, vendor_id: str, idempotency_key: str) -> None:
        """Start or resume a campaign."""
        ...

    async def pause_campaign(self, credential: Any, vendor_id: str, idempotency_key: str) -> None:
        """Pause a running campaign."""
        ...


@runtime_checkable
class AgentCatalog(Protocol):
    """Models and voices an AI call can use."""

    async def list_models(self, credential: Any) -> list[AgentModel]:
        """Every model on offer."""
        ...

    async def list_voices(self, credential: Any, filters: VoiceFilters) -> list[Voice]:
        """Voices matching ``filters``."""
        ...


@runtime_checkable
class VendorWebhooks(Protocol):
    """Account-level webhook subscriptions kept at the vendor (it delivers its own payloads)."""

    async def list_webhooks(self, credential: Any) -> list[VendorWebhook]:
        """Subscriptions that are not deleted."""
        ...

    async def create_webhook(
        self, credential: Any, request: VendorWebhookCreate, idempotency_key: str
    ) -> VendorWebhook:
        """Subscribe a URL."""
        ...

    async def delete_webhook(self, credential: Any, vendor_id: str) -> None:
        """Delete a subscription."""
        ...


@runtime_checkable
class BalanceSource(Protocol):
    """An account that bills by usage."""

    async def get_balance(self, credential: Any) -> Balance:
        """What is left to spend."""
        ...


@dataclass(frozen=True)
class IssuedToken:
    """A short-lived bearer token a vendor exchanged for the stored key pair."""

    token: str = field(repr=False)
    lifetime_seconds: float


@dataclass
class TokenSession:
    """What an adapter of a token-exchanging vendor receives as its credential.

    ``token`` is filled in by the gateway before each attempt (and replaced once when the vendor
    rejects it); adapters only read it.
    """

    credential: Any = field(repr=False)
    token: str = field(default="", repr=False)


@runtime_checkable
class TokenExchanger(Protocol):
    """A vendor whose stored key pair is exchanged for short-lived tokens.

    Its declaration has a ``token`` budget (the vendor's creation limit) and an
    ``exchange_token`` operation on it. Its other operations get a :class:`TokenSession` and
    raise ``VendorTokenRejected`` when the vendor says the token is no longer good.
    """

    declaration: VendorDeclaration

    async def exchange_token(self, credential: Any) -> IssuedToken:
        """Create a token with the stored key pair."""
        ...

    def token_account(self, credential: Any) -> str:
        """The vendor account the creation limit is counted on."""
        ...


@dataclass(frozen=True)
class PersonalizationInput:
    """One personalization record, normalized and checked, ready for a vendor."""

    record: PersonalizationRecord
    caller_e164: str
    receiver_e164: str
    label_vendor_id: str | None


@runtime_checkable
class CallerIdProvider(Protocol):
    """Dynamic caller ID: labels, feature sets, personalization and the vendor's logs."""

    async def list_labels(self, credential: Any) -> list[CallerLabel]:
        """Dynamic labels of the account."""
        ...

    async def list_feature_sets(self, credential: Any) -> list[FeatureSet]:
        """Feature sets of the account."""
        ...

    def batch_size(self) -> int:
        """Records the vendor takes per batch call."""
        ...

    async def personalize(self, credential: Any, item: PersonalizationInput) -> Personalization:
        """Push one personalization now (a business failure raises a ``GatewayError``)."""
        ...

    async def submit_batch(self, credential: Any, items: Sequence[PersonalizationInput]) -> str:
        """Queue up to :meth:`batch_size` records; the vendor's batch id."""
        ...

    async def batch_status(
        self, credential: Any, vendor_batch_id: str
    ) -> list[PersonalizationRecordStatus]:
        """Per-record statuses of one vendor batch, in submission order (``index`` from 0)."""
        ...

    async def callback_requests(
        self, credential: Any, start: datetime, end: datetime
    ) -> ExportLink:
        """A link to the call-me-back log (a deprecated vendor endpoint)."""
        ...

    async def feedback_report(self, credential: Any, survey_id: str, start: datetime) -> ExportLink:
        """A link to a feedback survey's report (a deprecated vendor endpoint)."""
        ...


@runtime_checkable
class NumberRegistrar(Protocol):
    """Registers numbers for caller ID asynchronously: the vendor answers, then works."""

    async def register_numbers(
        self, credential: Any, feature_set_id: str, numbers_e164: Sequence[str]
    ) -> list[NumberOperationItem]:
        """Ask the vendor to list numbers; how it classified each one."""
        ...

    async def release_numbers(
        self, credential: Any, feature_set_id: str, numbers_e164: Sequence[str]
    ) -> list[NumberOperationItem]:
        """Ask the vendor to delist numbers; how it classified each one."""
        ...

    async def locate_number(self, credential: Any, vendor_id: str) -> tuple[Number, str]:
        """A registered number and the feature set it is in (``NotFound`` when absent)."""
        ...

    async def number_states(self, credential: Any, feature_set_id: str) -> dict[str, NumberStatus]:
        """Status of every number the vendor has in the feature set, by E.164 number."""
        ...


@dataclass(frozen=True)
class VerificationCallbackData:
    """What a vendor's verification callback said, decoded."""

    request_id: str
    approved: bool
    access_token: str | None = field(default=None, repr=False)
    endpoint: str | None = None
    status: str | None = None


@runtime_checkable
class PhoneVerifier(Protocol):
    """One-tap phone verification: a deep link out, a callback in, a profile fetched."""

    def deep_link(
        self, credential: Any, request_id: str, language: str | None, ttl_seconds: int
    ) -> tuple[str, dict[str, str]]:
        """The link that starts the flow on the user's phone, and its parameters."""
        ...

    def parse_callback(self, body: dict[str, Any]) -> VerificationCallbackData:
        """Decode the vendor's callback (``ValidationFailed`` when it is not one)."""
        ...

    async def fetch_profile(self, endpoint: str, access_token: str) -> CallerProfile:
        """Fetch the verified profile from an endpoint the gateway has already allowed."""
        ...
