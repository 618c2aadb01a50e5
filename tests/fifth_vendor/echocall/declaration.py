"""Every fact about EchoCall the gateway needs."""

from __future__ import annotations

import msgspec

from adapters.declaration import Op, OperationSpec, RateBudget, VendorDeclaration


class EchoCallCredential(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An EchoCall API key, ``ek_`` and 24 characters."""

    api_key: str


DECLARATION = VendorDeclaration(
    name="echocall",
    display_name="EchoCall",
    default_base_url="https://api.echocall.example/v2",
    credential_type=EchoCallCredential,
    budgets={"default": RateBudget(limit=30, period_seconds=60.0)},
    operations={
        Op.LIST_NUMBERS: OperationSpec(idempotent=True),
        Op.GET_NUMBER: OperationSpec(idempotent=True),
        Op.LIST_CALLS: OperationSpec(idempotent=True),
        Op.GET_CALL: OperationSpec(idempotent=True),
        Op.PLACE_CALL: OperationSpec(idempotent=False),
        Op.STOP_CALL: OperationSpec(idempotent=False),
        Op.CANCEL_CALL: OperationSpec(idempotent=False),
    },
    secret_patterns=(r"\bek_[A-Za-z0-9]{24}\b",),
    simulator="tests.fifth_vendor.echocall_sim.sandbox",
)
