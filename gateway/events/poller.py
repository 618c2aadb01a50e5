"""The background poller: pending operations and batches followed until they settle.

Every replica runs it. Each round it takes the items that are due from the follow list, claims
each with the record store's cross-replica lock (one replica per item), and asks for its status
through the same function a consumer's GET uses, so the vendor call goes through the pipeline
(the vendor's budget, breaker and the tenant's quota) and a settled item records its one event
there, whoever asked first. An item still pending is looked at again later and later; one whose
vendor cannot be asked now waits the same way.
"""

from __future__ import annotations

import logging
import secrets

from contract.caller_id import BatchState, OperationState
from contract.errors import GatewayError, NotFound
from gateway.events.follow import Followed, FollowKind, FollowList
from gateway.events.settled import Settlements
from gateway.number_operations import NumberOperations
from gateway.personalization import Personalizations
from policies.clock import SYSTEM_CLOCK, Clock
from policies.sql import DatabaseUnavailable

log = logging.getLogger(__name__)

ITEMS_PER_ROUND = 50
"""The most items one replica looks at in a round (the rest wait for the next)."""
LEASE_SECONDS = 60.0
"""How long a replica holds an item it is looking at (another may take it after)."""
MAX_BACKOFF_SECONDS = 300.0
"""The longest wait between two looks at an item that stays pending."""


def backoff(interval: float, looks: int) -> float:
    """Seconds before the next look at an item found pending ``looks`` times: doubling from
    ``interval``, at most :data:`MAX_BACKOFF_SECONDS` (or ``interval``, if that is longer)."""
    return min(max(MAX_BACKOFF_SECONDS, interval), interval * 2.0 ** min(looks, 30))


class EventPoller:
    """Follows pending work until it settles, so that its event is recorded unasked."""

    def __init__(
        self,
        follows: FollowList,
        settlements: Settlements,
        operations: NumberOperations,
        personalizations: Personalizations,
        interval: float,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._follows = follows
        self._settlements = settlements
        self._operations = operations
        self._personalizations = personalizations
        self._interval = interval
        self._clock = clock
        self._owner = "poller-" + secrets.token_hex(8)

    async def run_forever(self) -> None:
        """Until cancelled: a round every ``interval`` seconds."""
        while True:
            try:
                await self.poll_once()
            except DatabaseUnavailable:
                log.warning("events: the database is unreachable; pending work waits")
            except Exception:
                log.exception("events: following pending work failed unexpectedly")
            await self._clock.sleep(self._interval)

    async def poll_once(self) -> int:
        """Look at every due item this replica can claim; how many were looked at."""
        looked = 0
        for followed in await self._follows.due(ITEMS_PER_ROUND):
            if not await self._follows.claim(followed, self._owner, LEASE_SECONDS):
                continue
            try:
                current = await self._follows.current(followed)
                if current is None or current.due_at > self._clock.time():
                    continue
                await self._look(current)
                looked += 1
            finally:
                await self._follows.unclaim(followed, self._owner)
        return looked

    async def _look(self, followed: Followed) -> None:
        try:
            settled = await self._settled(followed)
        except NotFound:
            settled = True
        except GatewayError as exc:
            log.info(
                "events: pending work waits for its vendor",
                extra={"item": followed.item_id, "problem": exc.slug},
            )
            settled = False
        except DatabaseUnavailable:
            raise
        except Exception:
            # A defect, not the vendor: this item waits like one whose vendor cannot be asked,
            # instead of failing every round first (it is the longest overdue) and so keeping
            # every item behind it from being looked at.
            log.exception("events: looking at pending work failed unexpectedly")
            settled = False
        if settled:
            await self._follows.drop(followed.kind, followed.tenant_id, followed.item_id)
        else:
            await self._follows.later(followed, backoff(self._interval, followed.looks))

    async def _settled(self, followed: Followed) -> bool:
        """Whether the item has settled. Asking records its event when it just did; a settled
        item still followed may have missed it (a failure in between), so it is recorded here
        again, which changes nothing when it was not missed."""
        tenant_id = followed.tenant_id
        if followed.kind is FollowKind.NUMBER_OPERATION:
            operation = await self._operations.get(tenant_id, followed.item_id)
            if operation.status is OperationState.PENDING:
                return False
            await self._settlements.operation(tenant_id, operation)
            return True
        batch = await self._personalizations.status(tenant_id, followed.item_id)
        if batch.status is BatchState.PENDING:
            return False
        await self._settlements.batch(tenant_id, batch)
        return True
