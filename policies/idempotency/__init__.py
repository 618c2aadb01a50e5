"""Idempotency keys: the first request with a key runs, later ones with the same key replay it."""

from policies.idempotency.store import (
    Begun,
    IdempotencyStore,
    MemoryIdempotencyStore,
    RedisIdempotencyStore,
    StoredResponse,
)

__all__ = [
    "Begun",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "RedisIdempotencyStore",
    "StoredResponse",
]
