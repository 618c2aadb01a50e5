"""Idempotency keys: the first request with a key runs, later ones with the same key replay it."""

from policies.idempotency.sql_store import SqlIdempotencyStore
from policies.idempotency.store import Begun, IdempotencyStore, StoredResponse

__all__ = ["Begun", "IdempotencyStore", "SqlIdempotencyStore", "StoredResponse"]
