"""Signing deliveries per Standard Webhooks (the ``standardwebhooks`` library does the work).

A secret is ``whsec_`` and the base64 of 24 random bytes. During a rotation's overlap a delivery
carries one signature per secret, space-separated, so a receiver holding either verifies it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """A fresh signing secret."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(
    signing_secrets: Sequence[str], message_id: str, at: datetime, body: bytes
) -> dict[str, str]:
    """The headers of one delivery of ``body``: its id, its time and every secret's signature."""
    payload = body.decode()
    signatures = [Webhook(secret).sign(message_id, at, payload) for secret in signing_secrets]
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
