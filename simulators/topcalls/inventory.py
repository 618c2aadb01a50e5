"""Campaigns, phone numbers, carriers, voices and webhook subscriptions of the TopCalls simulator.

Operations on the account's resources (contract §3, §4, §5.4, §6.1), on the records of
:class:`~.store.StateCore` and under its lock.
"""

from __future__ import annotations

from datetime import timedelta

from simulators.topcalls import rules, wire
from simulators.topcalls import wire_resources as res
from simulators.topcalls.records import (
    BUILTIN_VOICES,
    CAMPAIGN_EVENTS,
    SYSTEM_CARRIER_NAME,
    SYSTEM_CARRIER_SID,
    ApiKey,
    Campaign,
    CampaignState,
    CampaignStats,
    Carrier,
    CarrierSpec,
    PhoneNumber,
    Subscription,
    Voice,
)
from simulators.topcalls.store import Refusal, StateCore, new_id, random_token
from simulators.topcalls.validation import (
    InvalidBody,
    Issue,
    NumberSpec,
    SubscriptionSpec,
)
from simulators.topcalls.webhooks import Outbound


class InventoryState(StateCore):
    """The account resources besides calls."""

    # --- campaigns --------------------------------------------------------------------------------

    def add_campaign(
        self,
        account_id: str,
        name: str,
        status: CampaignState = "draft",
        from_number: str | None = None,
        conversion_outcomes: list[str] | None = None,
        webhook_url: str | None = None,
        webhook_events: tuple[str, ...] = CAMPAIGN_EVENTS,
        stats: CampaignStats | None = None,
    ) -> Campaign:
        """A campaign as if built in the dashboard."""
        with self._lock:
            self._account(account_id)
            now = self._stamp()
            campaign = Campaign(
                new_id(),
                account_id,
                name,
                status,
                from_number,
                list(conversion_outcomes or []),
                webhook_url,
                webhook_events,
                stats or CampaignStats(),
                now,
                now,
            )
            self._campaigns[campaign.id] = campaign
            return campaign

    def list_campaigns(self, account_id: str) -> list[Campaign]:
        with self._lock:
            found = [c for c in self._campaigns.values() if c.account_id == account_id]
            return sorted(found, key=lambda c: c.created_at, reverse=True)

    def get_campaign(self, account_id: str, campaign_id: str) -> Campaign:
        with self._lock:
            return self._campaign(account_id, campaign_id)

    def _campaign(self, account_id: str, campaign_id: str) -> Campaign:
        campaign = self._campaigns.get(campaign_id)
        if campaign is None or campaign.account_id != account_id:
            raise Refusal("not_found", "Campaign not found")
        return campaign

    def start_campaign(self, account_id: str, campaign_id: str) -> None:
        """draft/paused -> running (§3.3); running is a no-op; 409 once finished; 402 if < 1 min."""
        with self._lock:
            campaign = self._campaign(account_id, campaign_id)
            if campaign.status in ("completed", "stopped"):
                raise Refusal("conflict", f"Campaign is {campaign.status} and cannot be started")
            if campaign.status == "running":
                return
            left = rules.remaining_minutes(self._accounts[account_id])
            if left < 1:
                raise Refusal(
                    "insufficient_quota",
                    f"You need 1 minutes but have {rules.format_minutes(max(0.0, left))} remaining",
                )
            event = "campaign.started" if campaign.status == "draft" else "campaign.resumed"
            self._move_campaign(campaign, "running", event, None)

    def pause_campaign(self, account_id: str, campaign_id: str) -> None:
        """running -> paused (§3.4); paused is a no-op; 409 otherwise."""
        with self._lock:
            campaign = self._campaign(account_id, campaign_id)
            if campaign.status == "paused":
                return
            if campaign.status != "running":
                raise Refusal("conflict", f"Campaign is {campaign.status} and cannot be paused")
            self._move_campaign(campaign, "paused", "campaign.paused", "paused via API")

    def _move_campaign(
        self, campaign: Campaign, status: CampaignState, event: str, reason: str | None
    ) -> None:
        campaign.status, campaign.updated_at = status, self._stamp()
        if campaign.webhook_url and event in campaign.webhook_events:
            body = wire.encode(res.campaign_event(campaign, event, reason))
            secret = self._accounts[campaign.account_id].webhook_secret
            self.webhooks.enqueue(
                [Outbound(campaign.webhook_url, event, body, secret, campaign_id=campaign.id)]
            )

    # --- phone numbers and carriers ---------------------------------------------------------------

    def add_number(self, account_id: str, spec: NumberSpec, created_by: str | None) -> PhoneNumber:
        """§4.4: default carrier -> active, custom carrier -> pending; 409 when already held."""
        with self._lock:
            self._account(account_id)
            return self._add_number(account_id, spec, created_by)

    def _add_number(self, account_id: str, spec: NumberSpec, created_by: str | None) -> PhoneNumber:
        carrier = None
        if spec.voip_carrier_sid not in (None, SYSTEM_CARRIER_SID):
            carrier = next(
                (
                    c
                    for c in self._carriers.values()
                    if c.account_id == account_id
                    and not c.deleted
                    and c.voip_carrier_sid == spec.voip_carrier_sid
                ),
                None,
            )
            if carrier is None:
                issue = Issue("voip_carrier_sid", "Unknown carrier", "custom")
                raise InvalidBody([issue], "Unknown voip_carrier_sid")
        for held in self._numbers.values():
            if held.number == spec.number and held.status != "deleted":
                whose = "this" if held.account_id == account_id else "another"
                raise Refusal(
                    "conflict", f"Phone number {spec.number} is already on {whose} account"
                )
        now = self._stamp()
        number = PhoneNumber(
            id=new_id(),
            account_id=account_id,
            number=spec.number,
            source="byoc" if carrier else "topcalls",
            status="pending" if carrier else "active",
            phone_number_sid=new_id(),
            voip_carrier_sid=carrier.voip_carrier_sid if carrier else SYSTEM_CARRIER_SID,
            carrier_name=carrier.spec.carrier_name if carrier else SYSTEM_CARRIER_NAME,
            label=spec.label,
            created_at=now,
            updated_at=now,
            created_by_user_id=created_by,
        )
        if carrier:
            number.activate_at = now + timedelta(seconds=self.config.byoc_activation_seconds)
        self._numbers[number.id] = number
        return number

    def list_numbers(self, account_id: str) -> list[PhoneNumber]:
        with self._lock:
            found = [
                n
                for n in self._numbers.values()
                if n.account_id == account_id and n.status != "deleted"
            ]
            return sorted(found, key=lambda n: n.created_at)

    def get_number(self, account_id: str, number_id: str) -> PhoneNumber:
        with self._lock:
            number = self._numbers.get(number_id)
            if number is None or number.account_id != account_id:
                raise Refusal("not_found", "Phone number not found")
            return number

    def delete_number(self, account_id: str, number_id: str) -> None:
        """Soft delete (§4.5); 404 when unknown or deleted, 409 while a call uses it."""
        number = self.get_number(account_id, number_id)
        with self._lock:
            if number.status == "deleted":
                raise Refusal("not_found", "Phone number not found")
            if any(
                c.status == "in_progress" and c.from_phone_number == number.number
                for c in self._calls.values()
                if c.account_id == account_id
            ):
                raise Refusal("conflict", "Phone number is in use by an in-progress call")
            number.status, number.updated_at = "deleted", self._stamp()

    def add_carrier(self, account_id: str, spec: CarrierSpec) -> Carrier:
        with self._lock:
            self._account(account_id)
            carrier = Carrier(new_id(), account_id, new_id(), new_id(), spec, self._stamp())
            self._carriers[carrier.id] = carrier
            return carrier

    def list_carriers(self, account_id: str) -> list[Carrier]:
        """The account's custom carriers, oldest first (the system entry is the payload's)."""
        with self._lock:
            found = [
                c for c in self._carriers.values() if c.account_id == account_id and not c.deleted
            ]
            return sorted(found, key=lambda c: c.created_at)

    def delete_carrier(self, account_id: str, carrier_id: str) -> None:
        """§4.8: 404 when unknown (or the system carrier), 409 while numbers use it."""
        with self._lock:
            carrier = self._carriers.get(carrier_id)
            if carrier is None or carrier.account_id != account_id or carrier.deleted:
                raise Refusal("not_found", "Carrier not found")
            if any(
                n.voip_carrier_sid == carrier.voip_carrier_sid and n.status != "deleted"
                for n in self._numbers.values()
            ):
                raise Refusal("conflict", "Carrier is still used by phone numbers")
            carrier.deleted = True

    # --- voices and webhook subscriptions ---------------------------------------------------------

    def add_voice(self, account_id: str, name: str, gender: str, language: str) -> Voice:
        """A cloned voice of the account (legacy mode)."""
        with self._lock:
            self._account(account_id)
            voice_id = random_token(20)
            voice = Voice(voice_id, name, "legacy", "elevenlabs", gender, language, voice_id, True)
            self._voices.setdefault(account_id, []).append(voice)
            return voice

    def voices(self, account_id: str) -> list[Voice]:
        """Built-in voices, then the account's custom ones."""
        with self._lock:
            return [*BUILTIN_VOICES, *self._voices.get(account_id, [])]

    def add_subscription(self, key: ApiKey, spec: SubscriptionSpec) -> Subscription:
        with self._lock:
            sub = Subscription(
                new_id(), key.account_id, spec.event, spec.url, spec.filters, key.id, self._stamp()
            )
            self._subscriptions[sub.id] = sub
            return sub

    def list_subscriptions(self, account_id: str) -> list[Subscription]:
        with self._lock:
            found = [
                s
                for s in self._subscriptions.values()
                if s.account_id == account_id and s.deleted_at is None
            ]
            return sorted(found, key=lambda s: s.created_at)

    def delete_subscription(self, account_id: str, subscription_id: str) -> None:
        with self._lock:
            sub = self._subscriptions.get(subscription_id)
            if sub is None or sub.account_id != account_id or sub.deleted_at is not None:
                raise Refusal("not_found", "Webhook subscription not found")
            sub.deleted_at = self._stamp()
