"""Truecaller's facts for the policies: budgets, cache TTLs, idempotency, credential shapes.

Budgets are the documented limits: 100 requests a second per token for real-time
personalization (assumed for the undocumented endpoints too), 60 batch calls a minute, and 10
token creations per 30 minutes per client account (a refused exchange creates nothing and is not
counted: see ``counts_refused``). Token creation is the one limit the contract states as a
maximum ("at most 10 tokens per 30 minutes"), so it is also the ceiling of what an operator may
set for a credential; the others may be raised to what the account bought. Nothing that acts at
the vendor is retried: it takes no idempotency key, so a retry could act twice.
"""

from __future__ import annotations

from adapters.declaration import Op, OperationSpec, RateBudget, RateCeiling, VendorDeclaration
from adapters.truecaller.payloads import ProfileAppCredential, TruecallerCredential

CATALOG_TTL_SECONDS = 600.0
TOKEN_LIFETIME_SECONDS = 3600.0

DECLARATION = VendorDeclaration(
    name="truecaller",
    display_name="Truecaller for Business",
    default_base_url="https://enterprise-portal-noneu.truecaller.com",
    credential_type=TruecallerCredential,
    budgets={
        "default": RateBudget(limit=100, period_seconds=1.0),
        "realtime": RateBudget(limit=100, period_seconds=1.0),
        "batch": RateBudget(limit=60, period_seconds=60.0),
        "token": RateBudget(
            limit=10,
            period_seconds=1800.0,
            scope="account",
            counts_refused=False,
            ceiling=RateCeiling(limit=10, period_seconds=1800.0),
        ),
    },
    operations={
        Op.EXCHANGE_TOKEN: OperationSpec(budget="token"),
        Op.VERIFY_CREDENTIAL: OperationSpec(idempotent=True),
        Op.LIST_LABELS: OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        Op.LIST_FEATURE_SETS: OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        Op.LIST_NUMBERS: OperationSpec(idempotent=True),
        Op.GET_NUMBER: OperationSpec(idempotent=True),
        Op.LOCATE_NUMBER: OperationSpec(idempotent=True),
        Op.NUMBER_STATES: OperationSpec(idempotent=True),
        Op.REGISTER_NUMBERS: OperationSpec(),
        Op.RELEASE_NUMBERS: OperationSpec(),
        Op.PERSONALIZE: OperationSpec(budget="realtime"),
        Op.SUBMIT_BATCH: OperationSpec(budget="batch"),
        Op.BATCH_STATUS: OperationSpec(idempotent=True),
        Op.CALLBACK_REQUESTS: OperationSpec(idempotent=True),
        Op.FEEDBACK_REPORT: OperationSpec(idempotent=True),
    },
    credential_labels=("key_id",),
    simulator="simulators.truecaller.sandbox",
)

PROFILE_DECLARATION = VendorDeclaration(
    name="truecaller_profile",
    display_name="Truecaller profile",
    default_base_url="https://profile4-noneu.truecaller.com",
    credential_type=ProfileAppCredential,
    operations={Op.FETCH_PROFILE: OperationSpec(idempotent=True, budget=None)},
    credential_labels=("partner_name",),
    trusted_origins=("https://*.truecaller.com",),
    simulator="simulators.truecaller.sandbox",
)
