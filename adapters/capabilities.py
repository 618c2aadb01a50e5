"""What an adapter can do: capability protocols, generic over the vendor's credential type.

An adapter implements the capabilities its vendor has (``TrustCallerAdapter`` is a
``NumberSource[TrustCallerCredential]``, among others); the gateway finds them with ``isinstance``
and never names a vendor. Each method's name is an :class:`~adapters.declaration.Op` that the
adapter's declaration gives a policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar, runtime_checkable

import msgspec

from adapters.declaration import VendorDeclaration
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
S = TypeVar("S")
C = TypeVar("C", contravariant=True)
"""A vendor's credential type (what its ``load_credential`` returns)."""


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
class IssuedCredential:
    """A new vendor credential made by rotation, before it replaces the stored one."""

    credential: msgspec.Struct
    labels: dict[str, str]


class VendorAdapter(Protocol):
    """Every adapter has a declaration and can decode a stored secret."""

    declaration: VendorDeclaration

    def load_credential(self, secret: Mapping[str, str]) -> object:
        """Turn the vault's secret mapping into this vendor's credential type (422 when it is
        not one); the gateway hands the result back to this adapter's methods unopened."""
        ...

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        """Non-secret labels to keep beside a secret (such as the vendor's key id)."""
        ...


@runtime_checkable
class NumberSource(Protocol[C]):
    """Lists and reads the numbers a tenant holds with a vendor."""

    async def list_numbers(
        self, credential: C, token: str | None, limit: int
    ) -> VendorPage[Number]:
        """One page of numbers, from the position ``token`` (``None``: the first page)."""
        ...

    async def get_number(self, credential: C, vendor_id: str) -> Number:
        """One number by the vendor's own id (raise ``NotFound`` when absent)."""
        ...


@runtime_checkable
class TestNumberSource(Protocol[C]):
    """Public test numbers."""

    async def list_test_numbers(self, credential: C, prefix: str | None) -> TestNumberList:
        """Test numbers whose digits start with ``prefix`` (all when ``None``)."""
        ...


@runtime_checkable
class CallSource(Protocol[C]):
    """Lists and reads call records."""

    async def list_calls(
        self,
        credential: C,
        token: str | None,
        limit: int,
        from_date: date | None,
        to_date: date | None,
    ) -> VendorPage[Call]:
        """One page of calls, most recent first, from the position ``token``."""
        ...

    async def get_call(self, credential: C, vendor_id: str) -> Call:
        """One call by the vendor's own id (raise ``NotFound`` when absent)."""
        ...


@runtime_checkable
class LiveCallChecker(Protocol[C]):
    """Says whether an answered call is in progress on a number."""

    async def check_live_call(self, credential: C, number_e164: str) -> LiveCallCheck:
        """Live-call state of one of the tenant's numbers."""
        ...


@runtime_checkable
class CredentialVerifier(VendorAdapter, Protocol[C]):
    """Checks a credential with one cheap authenticated read, before it is stored or used."""

    async def verify_credential(self, credential: C) -> None:
        """Prove a credential works (``VendorCredentialRejected`` when the vendor refuses it)."""
        ...


@runtime_checkable
class CredentialRotator(CredentialVerifier[C], Protocol[C]):
    """Issues, verifies and revokes vendor credentials, so the gateway can rotate them."""

    async def issue_credential(self, current: C, label: str) -> IssuedCredential:
        """Create a new vendor credential using the current one."""
        ...

    async def revoke_credential(self, using: C, labels: dict[str, str]) -> None:
        """Revoke the vendor credential described by ``labels``, authenticating with ``using``."""
        ...


@runtime_checkable
class CallPlacer(Protocol[C]):
    """Places AI calls and stops or cancels them.

    ``idempotency_key`` is forwarded to the vendor, so a repeat of the same request (a retry at any
    layer) never acts twice.
    """

    def validate_call(self, request: CallCreate) -> list[FieldError]:
        """The vendor's rules for a call request, checked before anything is sent."""
        ...

    async def place_call(
        self,
        credential: C,
        request: CallCreate,
        to_e164: str,
        from_e164: str | None,
        idempotency_key: str,
    ) -> Call:
        """Place a call to ``to_e164``; the answer is the call as queued."""
        ...

    async def stop_call(self, credential: C, vendor_id: str, idempotency_key: str) -> None:
        """Stop a queued or in-progress call (``Conflict`` when it already ended)."""
        ...

    async def cancel_call(self, credential: C, vendor_id: str, idempotency_key: str) -> None:
        """Cancel a call that has not started (``Conflict`` otherwise)."""
        ...


@runtime_checkable
class NumberProvisioner(Protocol[C]):
    """Adds numbers to, and releases them from, a vendor account."""

    async def add_number(
        self,
        credential: C,
        request: NumberCreate,
        number_e164: str,
        carrier_vendor_id: str | None,
        idempotency_key: str,
    ) -> Number:
        """Add a number (``carrier_vendor_id``: the native id of one of its carriers)."""
        ...

    async def release_number(self, credential: C, vendor_id: str) -> None:
        """Release a number (``NotFound`` when absent, ``Conflict`` when in use)."""
        ...


@runtime_checkable
class CarrierSource(Protocol[C]):
    """Bring-your-own-carrier SIP trunks."""

    async def list_carriers(self, credential: C) -> list[Carrier]:
        """Every carrier of the account, the vendor's own first."""
        ...

    async def add_carrier(
        self, credential: C, request: CarrierCreate, idempotency_key: str
    ) -> Carrier:
        """Add a carrier (validated locally first by :meth:`validate_carrier`)."""
        ...

    def validate_carrier(self, request: CarrierCreate) -> list[FieldError]:
        """The vendor's rules for a carrier, checked before anything is sent."""
        ...

    async def delete_carrier(self, credential: C, vendor_id: str) -> None:
        """Delete a carrier (``Conflict`` while numbers use it)."""
        ...


@runtime_checkable
class CampaignSource(Protocol[C]):
    """Campaigns: watched and started or paused (they are built in the vendor's dashboard)."""

    async def list_campaigns(self, credential: C) -> list[Campaign]:
        """Every campaign of the account."""
        ...

    async def get_campaign(self, credential: C, vendor_id: str) -> Campaign:
        """One campaign with its stats."""
        ...

    async def start_campaign(self, credential: C, vendor_id: str, idempotency_key: str) -> None:
        """Start or resume a campaign."""
        ...

    async def pause_campaign(self, credential: C, vendor_id: str, idempotency_key: str) -> None:
        """Pause a running campaign."""
        ...


@runtime_checkable
class AgentCatalog(Protocol[C]):
    """Models and voices an AI call can use."""

    async def list_models(self, credential: C) -> list[AgentModel]:
        """Every model on offer."""
        ...

    async def list_voices(self, credential: C, filters: VoiceFilters) -> list[Voice]:
        """Voices matching ``filters``."""
        ...


@runtime_checkable
class VendorWebhooks(Protocol[C]):
    """Account-level webhook subscriptions kept at the vendor (it delivers its own payloads)."""

    async def list_webhooks(self, credential: C) -> list[VendorWebhook]:
        """Subscriptions that are not deleted."""
        ...

    async def create_webhook(
        self, credential: C, request: VendorWebhookCreate, idempotency_key: str
    ) -> VendorWebhook:
        """Subscribe a URL."""
        ...

    async def delete_webhook(self, credential: C, vendor_id: str) -> None:
        """Delete a subscription."""
        ...


@runtime_checkable
class BalanceSource(Protocol[C]):
    """An account that bills by usage."""

    async def get_balance(self, credential: C) -> Balance:
        """What is left to spend."""
        ...


@dataclass(frozen=True)
class IssuedToken:
    """A short-lived bearer token a vendor exchanged for the stored key pair."""

    token: str = field(repr=False)
    lifetime_seconds: float


@dataclass
class TokenSession(Generic[S]):
    """What an adapter of a token-exchanging vendor receives as its credential.

    ``token`` is filled in by the gateway before each attempt (and replaced once when the vendor
    rejects it); adapters only read it.
    """

    credential: S = field(repr=False)
    token: str = field(default="", repr=False)


@runtime_checkable
class TokenExchanger(VendorAdapter, Protocol[C]):
    """A vendor whose stored key pair is exchanged for short-lived tokens.

    Its declaration has a ``token`` budget (the vendor's creation limit) and an
    ``exchange_token`` operation on it. Its other operations get a :class:`TokenSession` and
    raise ``VendorTokenRejected`` when the vendor says the token is no longer good.
    """

    declaration: VendorDeclaration

    async def exchange_token(self, credential: C) -> IssuedToken:
        """Create a token with the stored key pair."""
        ...

    def token_account(self, credential: C) -> str:
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
class CallerIdProvider(Protocol[C]):
    """Dynamic caller ID: labels, feature sets, personalization and the vendor's logs."""

    async def list_labels(self, credential: C) -> list[CallerLabel]:
        """Dynamic labels of the account."""
        ...

    async def list_feature_sets(self, credential: C) -> list[FeatureSet]:
        """Feature sets of the account."""
        ...

    def batch_size(self) -> int:
        """Records the vendor takes per batch call."""
        ...

    def validate_personalization(
        self, record: PersonalizationRecord, now: datetime
    ) -> list[FieldError]:
        """The vendor's rules for one record, checked before anything is sent; fields are
        named relative to the record (``ends_at``)."""
        ...

    async def personalize(self, credential: C, item: PersonalizationInput) -> Personalization:
        """Push one personalization now (a business failure raises a ``GatewayError``)."""
        ...

    async def submit_batch(self, credential: C, items: Sequence[PersonalizationInput]) -> str:
        """Queue up to :meth:`batch_size` records; the vendor's batch id."""
        ...

    async def batch_status(
        self, credential: C, vendor_batch_id: str
    ) -> list[PersonalizationRecordStatus]:
        """Per-record statuses of one vendor batch, in submission order (``index`` from 0)."""
        ...

    async def callback_requests(self, credential: C, start: datetime, end: datetime) -> ExportLink:
        """A link to the call-me-back log (a deprecated vendor endpoint)."""
        ...

    async def feedback_report(self, credential: C, survey_id: str, start: datetime) -> ExportLink:
        """A link to a feedback survey's report (a deprecated vendor endpoint)."""
        ...


@runtime_checkable
class NumberRegistrar(Protocol[C]):
    """Registers numbers for caller ID asynchronously: the vendor answers, then works."""

    async def register_numbers(
        self, credential: C, feature_set_id: str, numbers_e164: Sequence[str]
    ) -> list[NumberOperationItem]:
        """Ask the vendor to list numbers; how it classified each one."""
        ...

    async def release_numbers(
        self, credential: C, feature_set_id: str, numbers_e164: Sequence[str]
    ) -> list[NumberOperationItem]:
        """Ask the vendor to delist numbers; how it classified each one."""
        ...

    async def locate_number(self, credential: C, vendor_id: str) -> tuple[Number, str]:
        """A registered number and the feature set it is in (``NotFound`` when absent)."""
        ...

    async def number_states(self, credential: C, feature_set_id: str) -> dict[str, NumberStatus]:
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
class PhoneVerifier(Protocol[C]):
    """One-tap phone verification: a deep link out, a callback in, a profile fetched."""

    def deep_link(
        self, credential: C, request_id: str, language: str | None, ttl_seconds: int
    ) -> tuple[str, dict[str, str]]:
        """The link that starts the flow on the user's phone, and its parameters."""
        ...

    def parse_callback(self, body: object) -> VerificationCallbackData:
        """Decode the vendor's callback (``ValidationFailed`` when it is not one)."""
        ...

    async def fetch_profile(self, endpoint: str, access_token: str) -> CallerProfile:
        """Fetch the verified profile from an endpoint the gateway has already allowed."""
        ...


CAPABILITIES: tuple[type, ...] = (
    NumberSource,
    TestNumberSource,
    CallSource,
    LiveCallChecker,
    CredentialVerifier,
    CredentialRotator,
    CallPlacer,
    NumberProvisioner,
    CarrierSource,
    CampaignSource,
    AgentCatalog,
    VendorWebhooks,
    BalanceSource,
    TokenExchanger,
    CallerIdProvider,
    NumberRegistrar,
    PhoneVerifier,
)
"""Every capability an adapter may implement; their ``async`` methods are vendor operations."""
