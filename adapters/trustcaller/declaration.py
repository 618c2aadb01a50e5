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
        "list_numbers": OperationSpec(cache_ttl_seconds=None),
        "get_number": OperationSpec(cache_ttl_seconds=None),
        "list_test_numbers": OperationSpec(cache_ttl_seconds=300.0),
        "list_calls": OperationSpec(cache_ttl_seconds=None),
        "get_call": OperationSpec(cache_ttl_seconds=None),
        "check_live_call": OperationSpec(cache_ttl_seconds=None),
        "issue_credential": OperationSpec(idempotent=False),
        "verify_credential": OperationSpec(),
        "revoke_credential": OperationSpec(idempotent=False),
    },
    credential_labels=("vendor_key_id",),
)
