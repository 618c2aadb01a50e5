"""TrustCaller's facts for the policies: budget, cache TTLs, idempotency, credential shape."""

from __future__ import annotations

from adapters.base import OperationSpec, RateBudget, VendorDeclaration
from adapters.trustcaller.payloads import TrustCallerCredential

DECLARATION = VendorDeclaration(
    name="trustcaller",
    display_name="TrustCaller",
    credential_type=TrustCallerCredential,
    budgets={"default": RateBudget(limit=60, period_seconds=60.0, scope="credential")},
    operations={
        "list_numbers": OperationSpec(idempotent=True),
        "get_number": OperationSpec(idempotent=True),
        "list_test_numbers": OperationSpec(idempotent=True, cache_ttl_seconds=300.0),
        "list_calls": OperationSpec(idempotent=True),
        "get_call": OperationSpec(idempotent=True),
        "check_live_call": OperationSpec(idempotent=True),
        "issue_credential": OperationSpec(idempotent=False),
        "verify_credential": OperationSpec(idempotent=True),
        "revoke_credential": OperationSpec(idempotent=False),
    },
    credential_labels=("vendor_key_id",),
)
