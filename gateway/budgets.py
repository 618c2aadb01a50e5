"""A credential's rate budgets: the vendor's declared default, or the operator's own limit.

:func:`effective_budget` is the one place that decides what a budget is for a credential (the
pipeline shapes with it, pages and ``/v1/vendors`` show it); :func:`checked_limit` decides what
an operator may set: a sane number, and never past the ceiling the vendor documents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from adapters.declaration import RateBudget, RateCeiling, VendorDeclaration
from contract.errors import FieldError, NotFound, ValidationFailed
from policies.ratelimit.limiter import MAX_HISTORY_SECONDS
from policies.vault import BudgetLimit

MIN_PERIOD_SECONDS = 0.1
MAX_PERIOD_SECONDS = MAX_HISTORY_SECONDS
"""Longer windows than the limiter remembers could not be counted exactly."""
MAX_LIMIT = 1_000_000
"""Every admission in a window is one entry of the budget's log: past this, memory, not the
vendor, would be the limit."""


def effective_budget(
    declaration: VendorDeclaration, name: str, overrides: Mapping[str, BudgetLimit]
) -> RateBudget | None:
    """The budget ``name`` of ``declaration`` with the credential's override applied (``None``:
    the vendor declares no such budget)."""
    budget = declaration.budgets.get(name)
    override = overrides.get(name)
    if budget is None or override is None:
        return budget
    return replace(budget, limit=override.limit, period_seconds=override.period_seconds)


def declared_budget(declaration: VendorDeclaration, name: str) -> RateBudget:
    """The vendor's budget ``name`` (404 naming the ones it has)."""
    budget = declaration.budgets.get(name)
    if budget is None:
        known = ", ".join(sorted(declaration.budgets)) or "none"
        raise NotFound(
            f"{declaration.display_name} has no budget '{name}' (its budgets: {known})",
            vendor=declaration.name,
        )
    return budget


def most_in_window(limit: BudgetLimit, window_seconds: float) -> int:
    """The most requests ``limit`` (a sliding window) can admit in any ``window_seconds``."""
    windows = max(1, math.ceil(window_seconds / limit.period_seconds - 1e-9))
    return limit.limit * windows


def checked_limit(declaration: VendorDeclaration, name: str, limit: BudgetLimit) -> BudgetLimit:
    """``limit`` for the budget ``name``, if the vendor's documented ceiling allows it (422
    naming the ceiling otherwise; 404 for a budget the vendor does not have)."""
    budget = declared_budget(declaration, name)
    ceiling = budget.ceiling
    if ceiling is not None and most_in_window(limit, ceiling.period_seconds) > ceiling.limit:
        raise ValidationFailed(
            f"{declaration.display_name} allows at most {_rate(ceiling)} for its '{name}' "
            f"budget (its documented ceiling); {limit.limit} per {limit.period_seconds:g} s "
            f"could send {most_in_window(limit, ceiling.period_seconds)} in "
            f"{ceiling.period_seconds:g} s",
            errors=[
                FieldError(
                    field="body.limit", message=f"is above the vendor's ceiling of {_rate(ceiling)}"
                )
            ],
            vendor=declaration.name,
        )
    return limit


def _rate(ceiling: RateCeiling) -> str:
    return f"{ceiling.limit} per {ceiling.period_seconds:g} s"
