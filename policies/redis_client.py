"""The Redis client every shared policy uses, with explicit timeouts, retries and health checks.

redis-py's defaults wait forever and never retry; a gateway must do neither. A policy that finds
Redis unreachable falls back on its own (see each policy), so these numbers are short on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError


@dataclass(frozen=True)
class RedisSettings:
    """How to reach Redis."""

    url: str
    """``redis://host:port/db``, ``rediss://`` for TLS, or ``unix:///path/to/socket``."""
    socket_timeout: float = 0.5
    """Seconds for one command to answer before it counts as a failure."""
    connect_timeout: float = 0.5
    """Seconds to establish a connection."""
    retries: int = 2
    """Retries of one command on connection errors, with exponential backoff."""
    health_check_interval: float = 15.0
    """Seconds after which an idle pooled connection is pinged before use."""
    max_connections: int = 100
    """Pool size per process."""


def create_redis(settings: RedisSettings) -> Redis:
    """A pooled asyncio client; it connects lazily, on first use."""
    return Redis.from_url(
        settings.url,
        socket_timeout=settings.socket_timeout,
        socket_connect_timeout=settings.connect_timeout,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.01), settings.retries),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=settings.health_check_interval,
        max_connections=settings.max_connections,
        decode_responses=False,
    )


REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OutOfMemoryError, OSError)
"""What a policy treats as "Redis is unavailable" and falls back from (including a replica that
became read-only in a failover, and a full one)."""


RELEASE_LOCK_SCRIPT = Path(__file__).with_name("release_lock.lua").read_text()
"""Deletes a lock only while it still holds its owner's token (for ``register_script``)."""


def reply_bytes(reply: bytes | str) -> bytes:
    """A value read from Redis, as the bytes a client of :func:`create_redis` returns.

    redis-py types every reply as ``bytes | str`` whatever the client's ``decode_responses``; the
    stores here keep binary values (msgpack), which only a non-decoding client reads back intact.
    """
    if isinstance(reply, bytes):
        return reply
    raise _not_bytes(reply)


def reply_text(reply: object) -> str:
    """A short ASCII value read from Redis (a token), as text."""
    if isinstance(reply, bytes):
        return reply.decode()
    if isinstance(reply, str):
        return reply
    raise _not_bytes(reply)


def reply_members(reply: Iterable[object]) -> list[bytes]:
    """The members of a set or sorted-set reply (``SMEMBERS``, ``ZRANGE`` without scores)."""
    members: list[bytes] = []
    for member in reply:
        if not isinstance(member, bytes):
            raise _not_bytes(member)
        members.append(member)
    return members


def _not_bytes(reply: object) -> TypeError:
    return TypeError(
        f"expected bytes from Redis, got {type(reply).__name__} "
        "(the client must have decode_responses=False)"
    )


def checked_prefix(prefix: str) -> str:
    """A key prefix for a store; braces would break Redis Cluster hash tags."""
    if "{" in prefix or "}" in prefix:
        raise ValueError("the key prefix may not contain '{' or '}' (Redis Cluster hash tags)")
    return prefix
