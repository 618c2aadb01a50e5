"""Resilience around vendor calls: retries within a budget, circuit breakers, bulkheads."""

from policies.resilience.breaker import (
    BreakerOpen,
    BreakerSettings,
    BreakerState,
    CircuitBreaker,
    CircuitBreakers,
)
from policies.resilience.bulkhead import Bulkhead, BulkheadFull
from policies.resilience.retry import RetryBudget, RetryPolicy, backoff_delays

__all__ = [
    "BreakerOpen",
    "BreakerSettings",
    "BreakerState",
    "Bulkhead",
    "BulkheadFull",
    "CircuitBreaker",
    "CircuitBreakers",
    "RetryBudget",
    "RetryPolicy",
    "backoff_delays",
]
