"""Test data shared by the vault's unit tests and its backend contract tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(100, 132))
SECRET = {"api_key": "sk_live_TOP-SECRET-0001", "client_id": "client-7"}
NEW_SECRET = {"api_key": "sk_live_TOP-SECRET-0002", "client_id": "client-7"}

Hook = Callable[[], Awaitable[None]]
"""Something a test runs between a backend's read and its write (to race it)."""
