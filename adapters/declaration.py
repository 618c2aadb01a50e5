"""What a vendor declares: every fact about it that the gateway and the policies apply.

Policies and routes never see a vendor's name or payloads. They see a :class:`VendorDeclaration`
(what to apply) and the capability protocols of :mod:`adapters.capabilities` (what to ask).
Operations are :class:`Op` members, not strings: a typo is a type error, and the pipeline refuses
an operation its vendor did not declare instead of guessing a policy for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import msgspec


class Op(StrEnum):
    """Every vendor operation the gateway can ask for; each is a capability method's name."""

    LIST_NUMBERS = "list_numbers"
    GET_NUMBER = "get_number"
    LIST_TEST_NUMBERS = "list_test_numbers"
    LIST_CALLS = "list_calls"
    GET_CALL = "get_call"
    CHECK_LIVE_CALL = "check_live_call"
    PLACE_CALL = "place_call"
    STOP_CALL = "stop_call"
    CANCEL_CALL = "cancel_call"
    ADD_NUMBER = "add_number"
    RELEASE_NUMBER = "release_number"
    LIST_CARRIERS = "list_carriers"
    ADD_CARRIER = "add_carrier"
    DELETE_CARRIER = "delete_carrier"
    LIST_CAMPAIGNS = "list_campaigns"
    GET_CAMPAIGN = "get_campaign"
    START_CAMPAIGN = "start_campaign"
    PAUSE_CAMPAIGN = "pause_campaign"
    LIST_MODELS = "list_models"
    LIST_VOICES = "list_voices"
    GET_BALANCE = "get_balance"
    LIST_WEBHOOKS = "list_webhooks"
    CREATE_WEBHOOK = "create_webhook"
    DELETE_WEBHOOK = "delete_webhook"
    LIST_LABELS = "list_labels"
    LIST_FEATURE_SETS = "list_feature_sets"
    PERSONALIZE = "personalize"
    SUBMIT_BATCH = "submit_batch"
    BATCH_STATUS = "batch_status"
    CALLBACK_REQUESTS = "callback_requests"
    FEEDBACK_REPORT = "feedback_report"
    REGISTER_NUMBERS = "register_numbers"
    RELEASE_NUMBERS = "release_numbers"
    LOCATE_NUMBER = "locate_number"
    NUMBER_STATES = "number_states"
    FETCH_PROFILE = "fetch_profile"
    EXCHANGE_TOKEN = "exchange_token"  # noqa: S105 (an operation name)
    ISSUE_CREDENTIAL = "issue_credential"
    VERIFY_CREDENTIAL = "verify_credential"
    REVOKE_CREDENTIAL = "revoke_credential"


@dataclass(frozen=True)
class RateCeiling:
    """The most a vendor grants any account, whatever it pays: at most ``limit`` requests in any
    ``period_seconds``. Declared only where the vendor's contract documents such a maximum."""

    limit: int
    period_seconds: float


@dataclass(frozen=True)
class RateBudget:
    """A vendor's documented limit: ``limit`` requests per ``period_seconds``, per ``scope``.

    It is the default of every credential; an operator may set a credential's own (vendors sell
    higher limits), never past the ``ceiling`` when the vendor documents one.
    """

    limit: int
    period_seconds: float
    scope: str = "credential"
    """``credential`` (counted per stored key) or ``account`` (per vendor account, which the
    adapter names)."""
    counts_refused: bool = True
    """Whether the vendor counts a request it refuses for a bad credential. When it does not, the
    gateway gives the slot back on such a refusal: whoever names an account with a wrong key
    spends nothing of the budget the account's real holder depends on."""
    ceiling: RateCeiling | None = None
    """The vendor's documented maximum for this budget (``None``: none documented)."""


@dataclass(frozen=True)
class OperationSpec:
    """What the policies need to know about one vendor operation."""

    cache_ttl_seconds: float | None = None
    """How long a successful answer may be reused; ``None``: never cached."""
    idempotent: bool = False
    """Whether a retry can repeat the call without a second side effect (never assumed)."""
    budget: str | None = "default"
    """Which of the vendor's rate budgets the call consumes (``None``: none)."""


@dataclass(frozen=True)
class VendorDeclaration:
    """Every fact about one vendor, typed and in one place."""

    name: str
    """The vendor's name in ids (``name:native``), routes, settings and metrics."""
    display_name: str
    default_base_url: str
    """The vendor's production API root; ``GATEWAY_<NAME>_BASE_URL`` overrides it."""
    credential_type: type[msgspec.Struct]
    """The shape of the secret a tenant stores for this vendor."""
    budgets: Mapping[str, RateBudget] = field(default_factory=dict)
    operations: Mapping[Op, OperationSpec] = field(default_factory=dict)
    credential_labels: tuple[str, ...] = ()
    """Non-secret facts about a credential worth showing (e.g. the vendor's key id)."""
    secret_patterns: tuple[str, ...] = ()
    """Regular expressions matching this vendor's secrets wherever they appear, so logs mask
    them even when nobody meant to log one."""
    trusted_origins: tuple[str, ...] = ()
    """Origins the gateway may fetch from on the vendor's say-so (a verification profile
    endpoint), unless the operator sets ``GATEWAY_VERIFICATION_ENDPOINTS``."""
    simulator: str | None = None
    """The module of this vendor's sandbox simulator (``start_sandbox`` and
    ``run_standalone``), shipped in the ``[sandbox]`` extra; imported only in sandbox mode."""

    @property
    def settings_prefix(self) -> str:
        """The prefix of this vendor's own settings (``GATEWAY_TRUSTCALLER_``)."""
        return f"GATEWAY_{self.name.upper()}_"

    def spec(self, op: Op) -> OperationSpec:
        """The policy of ``op`` (:class:`UndeclaredOperation` when the vendor never declared it)."""
        try:
            return self.operations[op]
        except KeyError:
            raise UndeclaredOperation(
                f"{self.display_name} does not declare the operation {op.value!r}"
            ) from None


class UndeclaredOperation(LookupError):
    """An adapter was asked for an operation its declaration does not list (a programming
    error: the conformance test catches it before it ships)."""
