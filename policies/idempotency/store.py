"""Where idempotency records live: Redis (shared by replicas) or process memory.

A record is claimed atomically (``begin``), then either completed with the response to replay
for 24 h, or abandoned so that a retry can run. A claim whose owner died expires on its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import msgspec
from redis.asyncio import Redis

_BEGIN = (Path(__file__).with_name("begin.lua")).read_text()
_COMPLETE = (Path(__file__).with_name("complete.lua")).read_text()
_ABANDON = (Path(__file__).with_name("abandon.lua")).read_text()


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
        self, key: str, fingerprint: str, claim_seconds: float, owner: str
    ) -> Begun: ...
    async def complete(
        self, key: str, owner: str, response: StoredResponse, keep_seconds: float
    ) -> bool: ...
    async def abandon(self, key: str, owner: str, keep_seconds: float) -> None: ...


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(StoredResponse)


class RedisIdempotencyStore:
    """Records in Redis hashes; ``begin`` is one atomic script."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._begin = redis.register_script(_BEGIN)
        self._complete = redis.register_script(_COMPLETE)
        self._abandon = redis.register_script(_ABANDON)

    async def begin(self, key: str, fingerprint: str, claim_seconds: float, owner: str) -> Begun:
        """Claim ``key`` for a request with ``fingerprint``."""
        found = await self._begin(keys=[key], args=[fingerprint, int(claim_seconds * 1000), owner])
        outcome: str = found[0].decode()
        match outcome:
            case "done":
                return Begun("done", _decoder.decode(found[1]))
            case "new" | "pending" | "conflict":
                return Begun(outcome)
            case _:
                raise ValueError(f"unexpected idempotency claim outcome {outcome!r}")

    async def complete(
        self, key: str, owner: str, response: StoredResponse, keep_seconds: float
    ) -> bool:
        """Store the response to replay for ``keep_seconds``, if the claim is still ours."""
        stored = await self._complete(
            keys=[key], args=[owner, _encoder.encode(response), int(keep_seconds * 1000)]
        )
        return bool(stored)

    async def abandon(self, key: str, owner: str, keep_seconds: float) -> None:
        """Release our claim without a response (the request failed): the same request may run
        again, another request under the key is still a conflict for ``keep_seconds``."""
        await self._abandon(keys=[key], args=[owner, int(keep_seconds * 1000)])


@dataclass
class _Entry:
    fingerprint: str
    owner: str
    expires_at: float
    response: StoredResponse | None = None


class MemoryIdempotencyStore:
    """The same records in one process (the embedded mode)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[str, _Entry] = {}
        self._max_entries = max_entries

    async def begin(self, key: str, fingerprint: str, claim_seconds: float, owner: str) -> Begun:
        """Claim ``key`` for a request with ``fingerprint``."""
        now = time.monotonic()
        if len(self._entries) >= self._max_entries:
            self._entries = {k: e for k, e in self._entries.items() if e.expires_at > now}
        entry = self._entries.get(key)
        if entry is None or entry.expires_at <= now:
            self._entries[key] = _Entry(fingerprint, owner, now + claim_seconds)
            return Begun("new")
        if entry.fingerprint != fingerprint:
            return Begun("conflict")
        if entry.response is not None:
            return Begun("done", entry.response)
        if entry.owner in ("", owner):
            entry.owner = owner
            entry.expires_at = now + claim_seconds
            return Begun("new")
        return Begun("pending")

    async def complete(
        self, key: str, owner: str, response: StoredResponse, keep_seconds: float
    ) -> bool:
        """Store the response to replay for ``keep_seconds``, if the claim is still ours."""
        entry = self._entries.get(key)
        if entry is None or entry.owner != owner:
            return False
        entry.response = response
        entry.expires_at = time.monotonic() + keep_seconds
        return True

    async def abandon(self, key: str, owner: str, keep_seconds: float) -> None:
        """Release our claim without a response, keeping its fingerprint."""
        entry = self._entries.get(key)
        if entry is not None and entry.owner == owner:
            entry.owner = ""
            entry.expires_at = time.monotonic() + keep_seconds
