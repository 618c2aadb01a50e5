"""TopCalls' facts for the policies: budget, cache TTLs, idempotency, credential shape.

Every TopCalls POST carries an ``Idempotency-Key`` the gateway chose before the first attempt, so
retrying one cannot act twice at the vendor: those operations are declared idempotent. Deletes
carry no key (a retried delete that had succeeded would answer 404), so they are never retried.
"""

from __future__ import annotations

from adapters.declaration import Op, OperationSpec, RateBudget, VendorDeclaration
from adapters.topcalls.payloads import TopCallsCredential

CATALOG_TTL_SECONDS = 600.0

DECLARATION = VendorDeclaration(
    name="topcalls",
    display_name="TopCalls",
    default_base_url="https://api.topcalls.ai",
    credential_type=TopCallsCredential,
    budgets={"default": RateBudget(limit=60, period_seconds=60.0, scope="credential")},
    operations={
        Op.LIST_CALLS: OperationSpec(idempotent=True),
        Op.GET_CALL: OperationSpec(idempotent=True),
        Op.PLACE_CALL: OperationSpec(idempotent=True),
        Op.STOP_CALL: OperationSpec(idempotent=True),
        Op.CANCEL_CALL: OperationSpec(idempotent=True),
        Op.LIST_NUMBERS: OperationSpec(idempotent=True),
        Op.GET_NUMBER: OperationSpec(idempotent=True),
        Op.ADD_NUMBER: OperationSpec(idempotent=True),
        Op.RELEASE_NUMBER: OperationSpec(idempotent=False),
        Op.LIST_CARRIERS: OperationSpec(idempotent=True),
        Op.ADD_CARRIER: OperationSpec(idempotent=True),
        Op.DELETE_CARRIER: OperationSpec(idempotent=False),
        Op.LIST_CAMPAIGNS: OperationSpec(idempotent=True),
        Op.GET_CAMPAIGN: OperationSpec(idempotent=True),
        Op.START_CAMPAIGN: OperationSpec(idempotent=True),
        Op.PAUSE_CAMPAIGN: OperationSpec(idempotent=True),
        Op.LIST_MODELS: OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        Op.LIST_VOICES: OperationSpec(idempotent=True, cache_ttl_seconds=CATALOG_TTL_SECONDS),
        Op.GET_BALANCE: OperationSpec(idempotent=True),
        Op.VERIFY_CREDENTIAL: OperationSpec(idempotent=True),
        Op.LIST_WEBHOOKS: OperationSpec(idempotent=True),
        Op.CREATE_WEBHOOK: OperationSpec(idempotent=True),
        Op.DELETE_WEBHOOK: OperationSpec(idempotent=False),
    },
    secret_patterns=(r"\btc_[a-z]+_[A-Za-z0-9_\-]{8,}",),
    simulator="simulators.topcalls.sandbox",
)
