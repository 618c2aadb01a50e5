"""Truecaller's facts for the policies: budgets, cache TTLs, idempotency, credential shapes.

Budgets are the documented limits: 100 requests a second per token for real-time
personalization (assumed for the undocumented endpoints too), 60 batch calls a minute, and 10
token creations per 30 minutes per client account. Nothing that acts at the vendor is retried:
it takes no idempotency key, so a retry could act twice.
"""

from __future__ import annotations

from adapters.base import OperationSpec, RateBudget, VendorDeclaration
from adapters.truecaller.payloads import ProfileAppCredential, TruecallerCredential

CATALOG_TTL_SECONDS = 600.0
TOKEN_LIFETIME_SECONDS = 3600.0

DECLARATION = VendorDeclaration(
    name="truecaller",
    display_name="Truecaller for Business",
    credential_type=TruecallerCredential,
    budgets={
        "default": RateBudget(limit=100, period_seconds=1.0),
        "realtime": RateBudget(limit=100, period_seconds=1.0),
        "batch": RateBudget(limit=60, period_seconds=60.0),
        "token": RateBudget(limit=10, period_seconds=1800.0, scope="account"),
    },
    operations={
        "exchange_token": OperationSpec(budget="token"),
        "list_labels": OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        "list_feature_sets": OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        "list_numbers": OperationSpec(idempotent=True),
        "get_number": OperationSpec(idempotent=True),
        "locate_number": OperationSpec(idempotent=True),
        "number_states": OperationSpec(idempotent=True),
        "register_numbers": OperationSpec(),
        "release_numbers": OperationSpec(),
        "personalize": OperationSpec(budget="realtime"),
        "submit_batch": OperationSpec(budget="batch"),
        "batch_status": OperationSpec(idempotent=True),
        "callback_requests": OperationSpec(idempotent=True),
        "feedback_report": OperationSpec(idempotent=True),
    },
    credential_labels=("key_id",),
)

PROFILE_DECLARATION = VendorDeclaration(
    name="truecaller_profile",
    display_name="Truecaller profile",
    credential_type=ProfileAppCredential,
    operations={"fetch_profile": OperationSpec(idempotent=True, budget=None)},
)
