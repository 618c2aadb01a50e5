"""TrustCaller's facts for the policies: budget, cache TTLs, idempotency, credential shape."""

from __future__ import annotations

from adapters.declaration import Op, OperationSpec, RateBudget, VendorDeclaration
from adapters.trustcaller.payloads import TrustCallerCredential

DECLARATION = VendorDeclaration(
    name="trustcaller",
    display_name="TrustCaller",
    default_base_url="https://trustcaller.net/api/v1",
    credential_type=TrustCallerCredential,
    budgets={"default": RateBudget(limit=60, period_seconds=60.0, scope="credential")},
    operations={
        Op.LIST_NUMBERS: OperationSpec(idempotent=True),
        Op.GET_NUMBER: OperationSpec(idempotent=True),
        Op.LIST_TEST_NUMBERS: OperationSpec(idempotent=True, cache_ttl_seconds=300.0),
        Op.LIST_CALLS: OperationSpec(idempotent=True),
        Op.GET_CALL: OperationSpec(idempotent=True),
        Op.CHECK_LIVE_CALL: OperationSpec(idempotent=True),
        Op.ISSUE_CREDENTIAL: OperationSpec(idempotent=False),
        Op.VERIFY_CREDENTIAL: OperationSpec(idempotent=True),
        Op.REVOKE_CREDENTIAL: OperationSpec(idempotent=False),
    },
    credential_labels=("vendor_key_id",),
    secret_patterns=(r"\b\d+\|[A-Za-z0-9]{16,}",),
    simulator="simulators.trustcaller.sandbox",
)
