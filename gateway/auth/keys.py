"""Gateway API keys: high-entropy, recognizable (``gw_``), stored only as a SHA-256 hash.

A slow password hash buys nothing for 256-bit random keys and would cost every request; a plain
SHA-256 of the key is the standard for such tokens and lets a lookup be one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

KEY_PREFIX = "gw_"


class Scope(StrEnum):
    """What a gateway key may do."""

    NUMBERS_READ = "numbers:read"
    NUMBERS_WRITE = "numbers:write"
    CALLS_READ = "calls:read"
    CALLS_WRITE = "calls:write"
    CAMPAIGNS_READ = "campaigns:read"
    CAMPAIGNS_WRITE = "campaigns:write"
    ACCOUNT_READ = "account:read"
    CALLER_ID_READ = "caller_id:read"
    CALLER_ID_WRITE = "caller_id:write"
    VERIFICATIONS = "verifications"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    ADMIN = "admin"


def generate_api_key() -> str:
    """A new key: ``gw_`` and 43 URL-safe characters (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """The first characters of a key, safe to show so people can tell keys apart."""
    return key[: len(KEY_PREFIX) + 6] + "..."


def new_id(kind: str) -> str:
    """A random public id such as ``ten_3kTq...`` or ``key_9XbA...``."""
    return f"{kind}_{secrets.token_urlsafe(9)}"
