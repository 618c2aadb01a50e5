"""Master key rotation re-seals every value the vault sealed outside the credentials table:
after ``rotate`` under a keyring of two keys, a gateway holding only the new key still shows
its webhook endpoint URLs, still signs subscription and call-webhook deliveries and still reads
verified profiles, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import msgspec
import pytest

from contract.caller_id import CallerProfile, Verification, VerificationState
from contract.subscriptions import SubscriptionCreate
from gateway.auth.sql_store import SqlTenantStore
from gateway.auth.store import Tenant
from gateway.events.endpoints import WebhookEndpoints
from gateway.events.outbound import OutboundPolicy, SafeWebhookSender
from gateway.events.subscriptions import Subscriptions
from gateway.vault_rotation import rotate_master_key
from gateway.verifications import PROFILE_PURPOSE, Verifications, _key, _Stored
from policies.records import SqlRecordStore
from policies.sql import Database
from policies.vault import Keyring, SqlVaultBackend, Vault, generate_key_spec
from tests.databases import migrated

TENANT = "ten_rotation"
PUBLIC_URL = "https://gateway.example"
OLD, NEW = generate_key_spec(1), generate_key_spec(2)
PROFILE = CallerProfile(first_name="Rajat", numbers=["+919999999999"])


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated(database_url, tmp_path)
    await SqlTenantStore(database).create_tenant(
        Tenant(id=TENANT, name="rotation", created_at=datetime.now(UTC))
    )
    yield database
    await database.close()


def vault_of(database: Database, spec: str) -> Vault:
    return Vault(SqlVaultBackend(database), Keyring.from_spec(spec))


def subscriptions_of(database: Database, vault: Vault) -> Subscriptions:
    sender = SafeWebhookSender(OutboundPolicy())
    return Subscriptions(database, vault, sender, overlap_seconds=3600)


def verifications_of(database: Database, vault: Vault) -> Verifications:
    """Only ``get`` is used: it reads the record and opens its profile, nothing else."""
    unused = cast(Any, None)
    return Verifications(unused, SqlRecordStore(database), vault, (), unused)


async def store_verified(database: Database, vault: Vault) -> str:
    """A verified verification as the callback stores it: its profile sealed in the record."""
    now = datetime.now(UTC)
    verification = Verification(
        request_id="req-rotation",
        vendor="truecaller",
        status=VerificationState.VERIFIED,
        created_at=now,
        expires_at=now + timedelta(minutes=10),
        deep_link="truecallersdk://truesdk/web_verify",
        deep_link_parameters={},
    )
    sealed = vault.seal_value(TENANT, PROFILE_PURPOSE, msgspec.json.encode(PROFILE))
    stored = _Stored(tenant_id=TENANT, verification=verification, sealed_profile=sealed)
    await SqlRecordStore(database).put(
        _key(verification.request_id), msgspec.json.encode(stored), 3600, tenant_id=TENANT
    )
    return verification.request_id


async def test_rotation_reseals_endpoints_secrets_and_profiles_so_the_old_key_can_go(
    database: Database,
) -> None:
    old = vault_of(database, OLD)
    endpoints = WebhookEndpoints(database, old)
    made = await endpoints.configure(TENANT, "topcalls", "whsec-vendor", PUBLIC_URL)
    subscription = await subscriptions_of(database, old).create(
        TENANT, SubscriptionCreate(url="https://receiver.example/hook", types=["*"])
    )
    rotated = await subscriptions_of(database, old).rotate_secret(TENANT, subscription.id)
    call_secret = await subscriptions_of(database, old).rotate_call_secret(TENANT)
    call_subscription = await subscriptions_of(database, old).subscribe_call(
        TENANT, "call-1", "https://receiver.example/call"
    )
    request_id = await store_verified(database, old)

    report = await rotate_master_key(database, vault_of(database, f"{OLD},{NEW}"))

    counts = {kind: (c.resealed, c.failed) for kind, c in report.sealed_values.items()}
    assert counts == {
        "webhook_endpoints.sealed_token": (1, 0),
        "webhook_endpoints.sealed_signing_secret": (1, 0),
        "subscriptions.sealed_secret": (1, 0),
        "subscriptions.sealed_previous_secret": (1, 0),
        "call_webhook_secrets.sealed_secret": (1, 0),
        "call_webhook_secrets.sealed_previous_secret": (0, 0),
        "records.verification_profile": (1, 0),
    }
    assert not report.any_failed

    new = vault_of(database, NEW)
    assert made.url is not None
    assert (await WebhookEndpoints(database, new).get(TENANT, "topcalls", PUBLIC_URL)).url == (
        made.url
    )
    resolved = await WebhookEndpoints(database, new).resolve("topcalls", made.url.split("/")[-1])
    assert resolved is not None and resolved.signing_secret == "whsec-vendor"
    receiver = await subscriptions_of(database, new).receiver(subscription.id)
    assert receiver is not None and receiver.signing_secrets == (
        rotated.secret,
        subscription.secret,
    )
    call_receiver = await subscriptions_of(database, new).receiver(call_subscription)
    assert call_receiver is not None and call_receiver.signing_secrets == (call_secret.secret,)
    verification = await verifications_of(database, new).get(TENANT, request_id)
    assert verification.profile == PROFILE

    again = await rotate_master_key(database, new)
    assert sum(c.already_current for c in again.sealed_values.values()) == 6
    assert sum(c.resealed for c in again.sealed_values.values()) == 0


async def test_a_value_that_no_longer_opens_is_counted_as_failed_and_left_as_it_is(
    database: Database,
) -> None:
    await WebhookEndpoints(database, vault_of(database, OLD)).configure(
        TENANT, "topcalls", None, PUBLIC_URL
    )

    report = await rotate_master_key(database, vault_of(database, NEW))

    assert report.sealed_values["webhook_endpoints.sealed_token"].failed == 1
    assert report.any_failed
    again = WebhookEndpoints(database, vault_of(database, f"{OLD},{NEW}"))
    assert (await again.get(TENANT, "topcalls", PUBLIC_URL)).url is not None
