"""How a change to keys, tenants or credentials reaches every replica's in-process copies.

Requests read keys and credentials from copies (:class:`policies.fresh_copies.FreshCopies`), not
from the database. The replica that changes one drops its own copies at once and publishes the
change on a Redis channel; every replica listens on that channel with one subscriber connection
(no round trip per request) and drops its copies as the message arrives. While the subscription
is live a copy may be served for ``shared_seconds`` (the bound for a message lost to a broken
publish); while it is not (no Redis, Redis unreachable, reconnecting), for ``local_seconds``;
each (re)subscription drops every copy, since messages may have been missed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress

from redis.asyncio import Redis

from policies.redis_client import REDIS_ERRORS, reply_text

CHANNEL = "gw:invalidate"
KEYS = "keys"
"""Every copy of a gateway key (a key revoked, a tenant disabled, enabled or erased)."""
CREDENTIALS = "credentials:"
"""Followed by a tenant id: the copies of that tenant's credentials."""
RETRY_SECONDS = 1.0
log = logging.getLogger(__name__)


class Invalidations:
    """Publishes changes and applies the ones published, for this process's copies."""

    def __init__(
        self,
        subscriber: Redis | None,
        publisher: Redis | None,
        *,
        local_seconds: float,
        shared_seconds: float,
    ) -> None:
        self._subscriber = subscriber
        self._publisher = publisher
        self._local_seconds = local_seconds
        self._shared_seconds = shared_seconds
        self._keys: list[Callable[[], None]] = []
        self._credentials: list[Callable[[str | None], None]] = []
        self.live = False
        """Whether changes made elsewhere reach this process now (subscribed)."""

    def copy_seconds(self) -> float:
        """How long a copy may be served now."""
        return self._shared_seconds if self.live else self._local_seconds

    def on_keys(self, forget: Callable[[], None]) -> None:
        """Call ``forget`` when any key's copy must go."""
        self._keys.append(forget)

    def on_credentials(self, forget: Callable[[str | None], None]) -> None:
        """Call ``forget(tenant_id)`` when a tenant's credentials change (``None``: anyone's)."""
        self._credentials.append(forget)

    async def keys_changed(self) -> None:
        """This process changed a key or a tenant: every replica drops its key copies."""
        self._apply(KEYS)
        await self._publish(KEYS)

    async def credentials_changed(self, tenant_id: str) -> None:
        """This process changed a tenant's credentials: every replica drops its copies."""
        self._apply(CREDENTIALS + tenant_id)
        await self._publish(CREDENTIALS + tenant_id)

    async def listen_forever(self) -> None:
        """Until cancelled: apply what other replicas publish; resubscribe after a failure."""
        if self._subscriber is None:
            return
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self.live = True
                        self._forget_everything()
                    elif message["type"] == "message":
                        self._apply(reply_text(message["data"]))
            except REDIS_ERRORS:
                if self.live:
                    log.warning(
                        "invalidations: Redis unreachable; copies of keys and credentials now "
                        "live %g s",
                        self._local_seconds,
                    )
            finally:
                self.live = False
                with suppress(*REDIS_ERRORS):
                    await pubsub.aclose()
            await asyncio.sleep(RETRY_SECONDS)

    async def aclose(self) -> None:
        """Close the subscriber's connection (the publisher is the process's shared client)."""
        if self._subscriber is not None:
            await self._subscriber.aclose()

    def _apply(self, message: str) -> None:
        if message == KEYS:
            for forget in self._keys:
                forget()
        elif message.startswith(CREDENTIALS):
            for forget_tenant in self._credentials:
                forget_tenant(message.removeprefix(CREDENTIALS))

    def _forget_everything(self) -> None:
        for forget in self._keys:
            forget()
        for forget_tenant in self._credentials:
            forget_tenant(None)

    async def _publish(self, message: str) -> None:
        if self._publisher is None:
            return
        try:
            await self._publisher.publish(CHANNEL, message)
        except REDIS_ERRORS:
            log.warning(
                "invalidations: could not tell other replicas of a change; their copies expire "
                "within %g s",
                self._shared_seconds,
            )
