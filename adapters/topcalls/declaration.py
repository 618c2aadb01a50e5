"""TopCalls' facts for the policies: budget, cache TTLs, idempotency, credential shape.

Every TopCalls POST carries an ``Idempotency-Key`` the gateway chose before the first attempt, so
retrying one cannot act twice at the vendor: those operations are declared idempotent. Deletes
carry no key (a retried delete that had succeeded would answer 404), so they are never retried.
"""

from __future__ import annotations

from adapters.base import OperationSpec, RateBudget, VendorDeclaration
from adapters.topcalls.payloads import TopCallsCredential

CATALOG_TTL_SECONDS = 600.0

DECLARATION = VendorDeclaration(
    name="topcalls",
    display_name="TopCalls",
    credential_type=TopCallsCredential,
    budgets={"default": RateBudget(limit=60, period_seconds=60.0, scope="credential")},
    operations={
        "list_calls": OperationSpec(idempotent=True),
        "get_call": OperationSpec(idempotent=True),
        "place_call": OperationSpec(idempotent=True),
        "stop_call": OperationSpec(idempotent=True),
        "cancel_call": OperationSpec(idempotent=True),
        "list_numbers": OperationSpec(idempotent=True),
        "get_number": OperationSpec(idempotent=True),
        "add_number": OperationSpec(idempotent=True),
        "release_number": OperationSpec(idempotent=False),
        "list_carriers": OperationSpec(idempotent=True),
        "add_carrier": OperationSpec(idempotent=True),
        "delete_carrier": OperationSpec(idempotent=False),
        "list_campaigns": OperationSpec(idempotent=True),
        "get_campaign": OperationSpec(idempotent=True),
        "start_campaign": OperationSpec(idempotent=True),
        "pause_campaign": OperationSpec(idempotent=True),
        "list_models": OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        "list_voices": OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        "get_balance": OperationSpec(idempotent=True),
        "list_webhooks": OperationSpec(idempotent=True),
        "create_webhook": OperationSpec(idempotent=True),
        "delete_webhook": OperationSpec(idempotent=False),
    },
)
