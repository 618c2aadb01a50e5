"""What an idempotency store is: claims by key, then the response to replay.

A record is claimed atomically (``begin``), then either completed with the response to replay
for 24 h, or abandoned so that a retry can run. A claim whose owner died expires on its own.
Records live in the system of record (:class:`~policies.idempotency.sql_store.SqlIdempotencyStore`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import msgspec


class StoredResponse(msgspec.Struct, frozen=True):
    """The first response, replayed to later requests with the same key."""

    status: int
    body: bytes
    media_type: str


@dataclass(frozen=True)
class Begun:
    """What ``begin`` found: the claim is ours, someone else's, a different request, or done."""

    outcome: Literal["new", "pending", "conflict", "done"]
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    """Claims and results by key (the caller scopes keys by tenant and operation).

    ``owner`` is a token of the claiming request: only its owner completes or abandons a claim.
    """

    async def begin(
        self,
        key: str,
        fingerprint: str,
        claim_seconds: float,
        owner: str,
        *,
        tenant_id: str | None = None,
    ) -> Begun:
        """Claim ``key`` for a request with ``fingerprint``, or report what holds it.

        ``new``: the claim is ``owner``'s (just taken, or already its own); ``pending``: another
        owner's live claim; ``conflict``: the key remembers another fingerprint; ``done``: with
        the response to replay. ``tenant_id`` names whose record it is, for erasure.
        """
        ...

    async def complete(
        self, key: str, owner: str, response: StoredResponse, keep_seconds: float
    ) -> bool:
        """Store the response to replay for ``keep_seconds``, if the claim is still ``owner``'s."""
        ...

    async def abandon(self, key: str, owner: str, keep_seconds: float) -> None:
        """Release ``owner``'s claim without a response: the same request may claim the key
        again; another request under it stays a conflict for ``keep_seconds``."""
        ...
