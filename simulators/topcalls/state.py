"""State of the TopCalls simulator: accounts, calls and their lifecycle, outcomes, webhooks.

Everything the simulated vendor knows lives in one :class:`SimulatorState` (records in
:class:`~.store.StateCore`, account resources in
:class:`~.inventory.InventoryState`); its methods are the only way to read or change it
and each holds a lock, so a test or the sandbox may seed accounts from another thread while the
server serves requests. Calls move on when :meth:`SimulatorState.advance` runs (the app's
background task calls it every ``tick_seconds``). Business rule violations raise
:class:`Refusal` (or :class:`~.validation.InvalidBody`); the app turns them into
problem responses.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from simulators.topcalls import rules, wire
from simulators.topcalls.config import SimulatorConfig
from simulators.topcalls.inventory import InventoryState
from simulators.topcalls.records import Account, Call, CallSpec, OutcomePlan
from simulators.topcalls.store import (
    CreatedAccount,
    IdempotencyStore,
    Refusal,
    StoredResponse,
    new_id,
)
from simulators.topcalls.validation import InvalidBody, Issue, NumberSpec
from simulators.topcalls.webhooks import Outbound, filters_match

__all__ = [
    "CreatedAccount",
    "IdempotencyStore",
    "Refusal",
    "SimulatorConfig",
    "SimulatorState",
    "StoredResponse",
]


class SimulatorState(InventoryState):
    """The whole state of one simulated TopCalls deployment.

    Built as ``SimulatorState(config, clock=time.monotonic, now=<UTC wall clock>)``: tests of the
    state alone may pass fakes (``now`` drives every call lifecycle step).
    """

    # --- accounts ---------------------------------------------------------------------------------

    def create_account(
        self,
        name: str = "demo",
        plan_minutes: float = 1000.0,
        used_minutes: float = 0.0,
        welcome_bonus_remaining: float = 0.0,
        welcome_bonus_used: float = 0.0,
        webhook_secret: str | None = None,
        numbers: int = 1,
    ) -> CreatedAccount:
        """An account with a full and a read-only key and ``numbers`` active TopCalls numbers."""
        with self._lock:
            account = Account(
                id=new_id(),
                name=name,
                plan_minutes=plan_minutes,
                used_minutes=used_minutes,
                welcome_bonus_remaining=welcome_bonus_remaining,
                welcome_bonus_used=welcome_bonus_used,
                webhook_secret=webhook_secret,
                created_at=self._stamp(),
            )
            self._accounts[account.id] = account
            full, reader = self._new_key(account.id, False), self._new_key(account.id, True)
            added = [self._seed_number(account.id) for _ in range(numbers)]
        return CreatedAccount(account.id, full.token, reader.token, tuple(added))

    def _seed_number(self, account_id: str) -> str:
        taken = {n.number for n in self._numbers.values() if n.status != "deleted"}
        while True:
            self._demo_numbers += 1
            number = f"+1800555{self._demo_numbers:04d}"
            if number not in taken:
                break
        self._add_number(account_id, NumberSpec(number, None, "Main line"), None)
        return number

    # --- calls ------------------------------------------------------------------------------------

    def custom_voice_ids(self, account_id: str) -> set[str]:
        """Ids of the account's cloned voices (usable in legacy mode)."""
        with self._lock:
            return {v.id for v in self._voices.get(account_id, [])}

    def create_call(self, account_id: str, spec: CallSpec) -> Call:
        """Queue a call: caller ID check (400), quota (402), then reserve ``max_duration``."""
        with self._lock:
            account = self._account(account_id)
            active = sorted(
                (
                    n
                    for n in self._numbers.values()
                    if n.account_id == account_id and n.status == "active"
                ),
                key=lambda n: n.created_at,
            )
            if spec.from_number is not None:
                if all(n.number != spec.from_number for n in active):
                    message = "from_number must be an active phone number of this account"
                    raise InvalidBody([Issue("from_number", message, "custom")])
                caller = spec.from_number
            elif active:
                caller = active[0].number
            else:
                message = "No from_number given and the account has no active phone number"
                raise InvalidBody([Issue("from_number", message, "custom")])
            left = rules.remaining_minutes(account)
            if left < spec.max_duration:
                raise Refusal(
                    "insufficient_quota",
                    f"You need {rules.format_minutes(spec.max_duration)} minutes but have "
                    f"{rules.format_minutes(max(0.0, left))} remaining",
                )
            now = self._stamp()
            call = Call(
                id=new_id(),
                account_id=account_id,
                external_call_id=new_id(),
                phone_number=spec.phone_number,
                from_phone_number=caller,
                spec=replace(spec, from_number=caller),
                plan=self._outcomes.get(spec.phone_number, OutcomePlan()),
                created_at=now,
                due_at=now + timedelta(seconds=self.config.queue_seconds),
                reserved=spec.max_duration,
                metadata={**spec.metadata, "call_config": wire.call_config(spec, caller)},
            )
            rules.reserve(account, spec.max_duration)
            account.calls_created += 1
            self._calls[call.id] = call
            self._live.add(call.id)
            self._emit_call(call, ["call.queued"])
            return call

    def get_call(self, account_id: str, call_id: str) -> Call:
        with self._lock:
            call = self._calls.get(call_id)
            if call is None or call.account_id != account_id:
                raise Refusal("not_found", "Call not found")
            return call

    def list_calls(
        self, account_id: str, limit: int, before: datetime | None
    ) -> tuple[list[Call], bool]:
        """Newest first, created strictly before ``before``; and whether more remain."""
        with self._lock:
            calls = sorted(
                (
                    c
                    for c in self._calls.values()
                    if c.account_id == account_id and (before is None or c.created_at < before)
                ),
                key=lambda c: c.created_at,
                reverse=True,
            )
        return calls[:limit], len(calls) > limit

    def account_calls(self, account_id: str) -> tuple[int, list[Call]]:
        """``calls_created`` and every call of the account, newest first (control surface)."""
        with self._lock:
            account = self._account(account_id)
            calls = [c for c in self._calls.values() if c.account_id == account_id]
            return account.calls_created, sorted(calls, key=lambda c: c.created_at, reverse=True)

    def stop_call(self, account_id: str, call_id: str) -> None:
        """Stop a queued or in-progress call (§2.5); 409 once it has ended."""
        call = self.get_call(account_id, call_id)
        with self._lock:
            if call.status not in ("queued", "in_progress"):
                raise Refusal("conflict", f"Call has already ended (status: {call.status})")
            self._cancel(call)

    def cancel_call(self, account_id: str, call_id: str) -> None:
        """Cancel a call that has not started (§2.6)."""
        call = self.get_call(account_id, call_id)
        with self._lock:
            if call.status == "in_progress":
                raise Refusal("conflict", "Call is already in progress; use /stop for active calls")
            if call.status != "queued":
                raise Refusal("conflict", f"Call has already ended (status: {call.status})")
            self._cancel(call)

    def _cancel(self, call: Call) -> None:
        rules.cancel(call, self._accounts[call.account_id], self._stamp())
        self._live.discard(call.id)

    def add_finished_call(
        self,
        account_id: str,
        phone_number: str,
        ended_ago: timedelta,
        talk_seconds: float,
        plan: OutcomePlan,
        task: str = "Call to confirm the appointment tomorrow at 3 PM",
    ) -> Call:
        """Seed a call that ended ``ended_ago`` (history of a demo account); it is charged."""
        with self._lock:
            account = self._account(account_id)
            caller = next(
                (n.number for n in self._numbers.values() if n.account_id == account_id),
                "+18005550000",
            )
            ended = self._now() - ended_ago
            started = ended - timedelta(seconds=talk_seconds)
            created = started - timedelta(seconds=5)
            spec = CallSpec(
                phone_number,
                task,
                None,
                caller,
                None,
                "realtime",
                "alloy",
                "gpt-realtime-mini-2025-12-15",
                None,
                10.0,
                None,
                None,
                None,
                None,
                None,
                (),
                {},
            )
            call = Call(
                id=new_id(),
                account_id=account_id,
                external_call_id=new_id(),
                phone_number=phone_number,
                from_phone_number=caller,
                spec=spec,
                plan=plan,
                created_at=created,
                status="in_progress",
                started_at=started,
                metadata={"call_config": wire.call_config(spec, caller)},
            )
            rules.end(call, account, ended, 0)
            if call.status == "completed":
                rules.post_process(call, self.config.recording_base_url)
            self._calls[call.id] = call
            return call

    # --- lifecycle --------------------------------------------------------------------------------

    def advance(self) -> None:
        """Move every call and pending number whose next step is due."""
        with self._lock:
            now = self._now()
            for number in self._numbers.values():
                if number.status == "pending" and number.activate_at and number.activate_at <= now:
                    number.status, number.updated_at = "active", now
            live = sorted((self._calls[i] for i in self._live), key=lambda c: c.created_at)
            busy: dict[str, int] = {}
            for call in live:
                if call.status == "in_progress":
                    busy[call.account_id] = busy.get(call.account_id, 0) + 1
            for call in live:
                if call.due_at is None or call.due_at > now or call.status == "queued":
                    continue
                if call.status == "in_progress":
                    busy[call.account_id] -= 1
                    account = self._accounts[call.account_id]
                    events = rules.end(call, account, now, self.config.post_processing_seconds)
                else:
                    events = rules.post_process(call, self.config.recording_base_url)
                self._emit_call(call, events)
                if call.due_at is None:
                    self._live.discard(call.id)
            for call in live:
                if call.status != "queued" or call.due_at is None or call.due_at > now:
                    continue
                if busy.get(call.account_id, 0) >= self.config.max_concurrent_calls:
                    continue
                busy[call.account_id] = busy.get(call.account_id, 0) + 1
                talk = call.plan.talk_seconds
                self._emit_call(
                    call, rules.start(call, now, self.config.talk_seconds if talk is None else talk)
                )

    def _emit_call(self, call: Call, events: list[str]) -> None:
        account = self._accounts[call.account_id]
        out: list[Outbound] = []
        for event in events:
            if call.webhook_url and event in call.webhook_events:
                body = wire.encode(wire.call_event(call, event))
                out.append(Outbound(call.webhook_url, event, body, account.webhook_secret, call.id))
            if event != "call.completed":
                continue
            campaign = self._campaigns.get(call.campaign_id or "")
            converted = bool(campaign and call.disposition in campaign.conversion_outcomes)
            for sub in self._subscriptions.values():
                wanted = ("call.completed", f"call.completed.{call.disposition}")
                if sub.account_id != call.account_id or sub.deleted_at or sub.event not in wanted:
                    continue
                payload = wire.call_event(call, sub.event)
                fields: dict[str, Any] = {**wire.to_builtins(payload), "is_conversion": converted}
                if filters_match(sub.filters, fields):
                    out.append(
                        Outbound(
                            sub.url,
                            sub.event,
                            wire.encode(payload),
                            account.webhook_secret,
                            call.id,
                        )
                    )
        self.webhooks.enqueue(out)

    # --- outcomes ---------------------------------------------------------------------------------

    def set_outcome(self, phone_number: str, plan: OutcomePlan) -> None:
        """How calls placed from now on to ``phone_number`` go."""
        with self._lock:
            self._outcomes[phone_number] = plan

    def outcomes(self) -> dict[str, OutcomePlan]:
        with self._lock:
            return dict(self._outcomes)

    def clear_outcomes(self) -> None:
        with self._lock:
            self._outcomes.clear()
