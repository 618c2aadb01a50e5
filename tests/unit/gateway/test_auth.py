"""Gateway keys, the tenant store (on an embedded SQLite database), authentication, principals
and start-up bootstrap."""

from __future__ import annotations

import string
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contract.errors import Forbidden, NotFound, Unauthorized
from gateway.auth.keys import Scope, display_prefix, generate_api_key, hash_api_key, new_id
from gateway.auth.principal import Authenticator, Principal
from gateway.auth.sql_store import SqlTenantStore
from gateway.auth.store import ApiKeyRecord, Tenant
from gateway.bootstrap import (
    OPERATOR_KEY_NAME,
    ensure_operator_key,
    ensure_tenant,
    replace_named_key,
    retire_generated_operator_keys,
)
from policies.clock import FakeClock
from policies.sql.engine import EMBEDDED_DATABASE
from tests.databases import migrated

OPERATOR_KEY = "gw_" + "o" * 43
CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def tenant_store(tmp_path: Path) -> AsyncIterator[SqlTenantStore]:
    database = await migrated(None, tmp_path / "data")
    store = SqlTenantStore(database)
    yield store
    await store.close()
    await database.close()


@pytest.fixture
async def tenant(tenant_store: SqlTenantStore) -> Tenant:
    tenant = Tenant(id="ten_acme", name="Acme", created_at=CREATED)
    await tenant_store.create_tenant(tenant)
    return tenant


def key_record(
    key: str, tenant_id: str | None, name: str = "ci", scopes: tuple[Scope, ...] = ()
) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=new_id("key"),
        tenant_id=tenant_id,
        name=name,
        prefix=display_prefix(key),
        scopes=scopes,
        key_hash=hash_api_key(key),
        created_at=CREATED,
    )


@pytest.fixture
def authenticator(tenant_store: SqlTenantStore) -> Authenticator:
    return Authenticator(tenant_store, OPERATOR_KEY)


# --- keys ----------------------------------------------------------------------------------------


def test_generated_key_has_prefix_and_256_bits_of_url_safe_text() -> None:
    key = generate_api_key()

    assert key.startswith("gw_")
    assert len(key) == 3 + 43
    assert set(key[3:]) <= set(string.ascii_letters + string.digits + "-_")


def test_generated_keys_are_unique() -> None:
    assert len({generate_api_key() for _ in range(200)}) == 200


def test_hash_is_sha256_hex_and_deterministic() -> None:
    key = generate_api_key()

    assert hash_api_key(key) == hash_api_key(key)
    assert len(hash_api_key(key)) == 64
    assert set(hash_api_key(key)) <= set(string.hexdigits.lower())
    assert hash_api_key(key) != hash_api_key(generate_api_key())
    assert hash_api_key("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_display_prefix_shows_only_the_start_of_a_key() -> None:
    key = generate_api_key()

    assert display_prefix(key) == key[:9] + "..."


def test_new_id_names_its_kind() -> None:
    tenant_id = new_id("ten")

    assert tenant_id.startswith("ten_")
    assert new_id("ten") != tenant_id


# --- store ---------------------------------------------------------------------------------------


async def test_store_keeps_and_lists_tenants(tenant_store: SqlTenantStore) -> None:
    later = Tenant(id="ten_b", name="Beta", created_at=CREATED + timedelta(hours=1))
    earlier = Tenant(id="ten_a", name="Alpha", created_at=CREATED)
    await tenant_store.create_tenant(later)
    await tenant_store.create_tenant(earlier)

    assert await tenant_store.get_tenant("ten_a") == earlier
    assert await tenant_store.get_tenant("ten_missing") is None
    assert [t.id for t in await tenant_store.list_tenants()] == ["ten_a", "ten_b"]


async def embedded_store_directory(tmp_path: Path) -> Path:
    """Where a fresh embedded database, holding one tenant, was created."""
    directory = tmp_path / "private"
    database = await migrated(None, directory)
    store = SqlTenantStore(database)
    await store.create_tenant(Tenant(id="ten_a", name="a", created_at=CREATED))
    await store.close()
    await database.close()
    return directory


async def test_store_directory_is_private(tmp_path: Path) -> None:
    directory = await embedded_store_directory(tmp_path)

    assert directory.stat().st_mode & 0o077 == 0


async def test_store_file_is_private(tmp_path: Path) -> None:
    path = await embedded_store_directory(tmp_path) / EMBEDDED_DATABASE

    assert path.stat().st_mode & 0o077 == 0


async def test_store_keeps_keys_by_hash_only(tenant_store: SqlTenantStore, tenant: Tenant) -> None:
    key = generate_api_key()
    record = key_record(key, tenant.id, scopes=(Scope.NUMBERS_READ, Scope.CALLS_READ))
    await tenant_store.add_key(record)

    found = await tenant_store.find_active_key(hash_api_key(key))

    assert found is not None
    assert (found.id, found.tenant_id, found.name) == (record.id, tenant.id, "ci")
    assert found.scopes == (Scope.NUMBERS_READ, Scope.CALLS_READ)
    assert found.created_at == CREATED
    assert found.revoked_at is None
    assert key not in repr(found)
    assert await tenant_store.find_active_key(hash_api_key(generate_api_key())) is None


async def test_revoke_is_idempotent_and_keeps_the_first_time(
    tenant_store: SqlTenantStore, tenant: Tenant
) -> None:
    key = generate_api_key()
    record = key_record(key, tenant.id)
    await tenant_store.add_key(record)
    first = CREATED + timedelta(days=1)

    assert await tenant_store.revoke_key(tenant.id, record.id, first) is True
    assert await tenant_store.revoke_key(tenant.id, record.id, first + timedelta(days=1)) is True

    [stored] = await tenant_store.list_keys(tenant.id)
    assert stored.revoked_at == first
    assert await tenant_store.find_active_key(hash_api_key(key)) is None


async def test_revoke_of_an_unknown_or_foreign_key_is_false(
    tenant_store: SqlTenantStore, tenant: Tenant
) -> None:
    other = Tenant(id="ten_other", name="Other", created_at=CREATED)
    await tenant_store.create_tenant(other)
    key = generate_api_key()
    record = key_record(key, tenant.id)
    await tenant_store.add_key(record)

    assert await tenant_store.revoke_key(tenant.id, "key_missing", CREATED) is False
    assert await tenant_store.revoke_key(other.id, record.id, CREATED) is False
    assert await tenant_store.find_active_key(hash_api_key(key)) is not None


async def test_list_keys_shows_active_and_revoked_of_that_tenant_only(
    tenant_store: SqlTenantStore, tenant: Tenant
) -> None:
    other = Tenant(id="ten_other", name="Other", created_at=CREATED)
    await tenant_store.create_tenant(other)
    kept = key_record(generate_api_key(), tenant.id, "kept")
    revoked = key_record(generate_api_key(), tenant.id, "old")
    foreign = key_record(generate_api_key(), other.id, "theirs")
    for record in (kept, revoked, foreign):
        await tenant_store.add_key(record)
    await tenant_store.revoke_key(tenant.id, revoked.id, CREATED)

    keys = await tenant_store.list_keys(tenant.id)

    assert {(k.name, k.revoked_at is None) for k in keys} == {("kept", True), ("old", False)}


async def test_has_operator_key_ignores_tenant_and_revoked_keys(
    tenant_store: SqlTenantStore, tenant: Tenant
) -> None:
    await tenant_store.add_key(key_record(generate_api_key(), tenant.id))

    assert await tenant_store.has_operator_key() is False

    await tenant_store.add_key(key_record(generate_api_key(), None, scopes=(Scope.ADMIN,)))

    assert await tenant_store.has_operator_key() is True


# --- authenticator -------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, ""])
async def test_missing_authorization_is_unauthorized(
    authenticator: Authenticator, header: str | None
) -> None:
    with pytest.raises(Unauthorized, match="missing") as raised:
        await authenticator.authenticate(header)

    assert raised.value.status == 401
    assert "WWW-Authenticate" in raised.value.headers()


@pytest.mark.parametrize(
    "header",
    [f"Basic {OPERATOR_KEY}", OPERATOR_KEY, "Bearer", "Bearer sk_live_abc", "Token gw_x"],
)
async def test_wrong_scheme_or_non_gateway_token_is_unauthorized(
    authenticator: Authenticator, header: str
) -> None:
    with pytest.raises(Unauthorized, match="expected 'Authorization: Bearer gw_"):
        await authenticator.authenticate(header)


async def test_unknown_key_is_unauthorized(authenticator: Authenticator) -> None:
    with pytest.raises(Unauthorized, match="unknown or revoked"):
        await authenticator.authenticate(f"Bearer {generate_api_key()}")


async def test_revoked_key_is_unauthorized(
    tenant_store: SqlTenantStore, tenant: Tenant, authenticator: Authenticator
) -> None:
    key = generate_api_key()
    record = key_record(key, tenant.id, scopes=(Scope.CALLS_READ,))
    await tenant_store.add_key(record)
    assert (await authenticator.authenticate(f"Bearer {key}")).key_id == record.id

    await tenant_store.revoke_key(tenant.id, record.id, CREATED)
    authenticator.forget_all()

    with pytest.raises(Unauthorized, match="unknown or revoked"):
        await authenticator.authenticate(f"Bearer {key}")


async def test_a_disabled_tenants_key_is_unauthorized_until_it_is_enabled(
    tenant_store: SqlTenantStore, tenant: Tenant, authenticator: Authenticator
) -> None:
    key = generate_api_key()
    await tenant_store.add_key(key_record(key, tenant.id, scopes=(Scope.CALLS_READ,)))
    await tenant_store.set_disabled(tenant.id, CREATED)
    authenticator.forget_all()

    with pytest.raises(Unauthorized, match="unknown or revoked"):
        await authenticator.authenticate(f"Bearer {key}")

    await tenant_store.set_disabled(tenant.id, None)
    authenticator.forget_all()

    assert (await authenticator.authenticate(f"Bearer {key}")).tenant_id == tenant.id


async def test_tenant_key_gives_a_tenant_principal_with_its_scopes(
    tenant_store: SqlTenantStore, tenant: Tenant, authenticator: Authenticator
) -> None:
    key = generate_api_key()
    record = key_record(key, tenant.id, scopes=(Scope.NUMBERS_READ,))
    await tenant_store.add_key(record)

    principal = await authenticator.authenticate(f"bearer  {key} ")

    assert principal == Principal(
        key_id=record.id, tenant_id=tenant.id, scopes=frozenset({Scope.NUMBERS_READ})
    )
    assert principal.is_operator is False


async def test_configured_operator_key_gives_an_operator_principal(
    authenticator: Authenticator,
) -> None:
    principal = await authenticator.authenticate(f"Bearer {OPERATOR_KEY}")

    assert principal.is_operator is True
    assert principal.tenant_id is None
    assert principal.key_id == "operator"
    assert principal.scopes == frozenset(Scope)


async def test_without_a_configured_operator_key_no_key_is_operator(
    tenant_store: SqlTenantStore,
) -> None:
    authenticator = Authenticator(tenant_store, None)

    with pytest.raises(Unauthorized):
        await authenticator.authenticate(f"Bearer {OPERATOR_KEY}")


# --- principal -----------------------------------------------------------------------------------


@pytest.fixture
def reader() -> Principal:
    return Principal(key_id="key_r", tenant_id="ten_acme", scopes=frozenset({Scope.CALLS_READ}))


@pytest.fixture
def operator() -> Principal:
    return Principal(key_id="operator", tenant_id=None, scopes=frozenset())


def test_require_passes_for_a_held_scope(reader: Principal) -> None:
    assert reader.require(Scope.CALLS_READ) is None


def test_require_is_403_for_a_missing_scope(reader: Principal) -> None:
    with pytest.raises(Forbidden, match="'calls:write' scope") as raised:
        reader.require(Scope.CALLS_WRITE)

    assert raised.value.status == 403


def test_operator_holds_every_scope(operator: Principal) -> None:
    for scope in Scope:
        operator.require(scope)


def test_require_tenant_gives_the_tenant_or_403_for_operators(
    reader: Principal, operator: Principal
) -> None:
    assert reader.require_tenant() == "ten_acme"
    with pytest.raises(Forbidden, match="operator keys"):
        operator.require_tenant()


def test_check_manages_hides_other_tenants_as_404(reader: Principal, operator: Principal) -> None:
    assert reader.check_manages("ten_acme") is None
    assert operator.check_manages("ten_other") is None
    with pytest.raises(NotFound) as raised:
        reader.check_manages("ten_other")

    assert raised.value.status == 404
    assert raised.value.detail == "tenant not found"


# --- bootstrap -----------------------------------------------------------------------------------


async def test_a_configured_admin_key_retires_the_generated_one(
    tenant_store: SqlTenantStore,
) -> None:
    generated = await ensure_operator_key(tenant_store)
    tenant = Tenant(id="ten_keep", name="keep", created_at=CREATED)
    await tenant_store.create_tenant(tenant)
    tenant_key = await replace_named_key(tenant_store, tenant.id, "k", (Scope.ADMIN,))

    assert await retire_generated_operator_keys(tenant_store) == 1

    configured = Authenticator(tenant_store, OPERATOR_KEY)
    with pytest.raises(Unauthorized):
        await configured.authenticate(f"Bearer {generated}")
    assert (await configured.authenticate(f"Bearer {OPERATOR_KEY}")).is_operator
    assert (await configured.authenticate(f"Bearer {tenant_key}")).tenant_id == tenant.id
    assert await retire_generated_operator_keys(tenant_store) == 0


async def test_ensure_operator_key_creates_a_working_key_once(
    tenant_store: SqlTenantStore,
) -> None:
    key = await ensure_operator_key(tenant_store)

    assert key is not None
    assert key.startswith("gw_")
    assert await ensure_operator_key(tenant_store) is None
    principal = await Authenticator(tenant_store, None).authenticate(f"Bearer {key}")
    assert principal.is_operator is True
    record = await tenant_store.find_active_key(hash_api_key(key))
    assert record is not None
    assert (record.name, record.scopes) == (OPERATOR_KEY_NAME, (Scope.ADMIN,))


async def test_ensure_tenant_creates_once_by_name(tenant_store: SqlTenantStore) -> None:
    first = await ensure_tenant(tenant_store, "Demo")
    again = await ensure_tenant(tenant_store, "Demo")

    assert again == first
    assert [t.name for t in await tenant_store.list_tenants()] == ["Demo"]


async def test_replace_named_key_revokes_the_earlier_key_of_that_name(
    tenant_store: SqlTenantStore, tenant: Tenant
) -> None:
    authenticator = Authenticator(tenant_store, None)
    other_name = await replace_named_key(tenant_store, tenant.id, "ci", (Scope.CALLS_READ,))
    first = await replace_named_key(tenant_store, tenant.id, "demo", (Scope.NUMBERS_READ,))

    second = await replace_named_key(tenant_store, tenant.id, "demo", (Scope.NUMBERS_READ,))

    assert second != first
    with pytest.raises(Unauthorized):
        await authenticator.authenticate(f"Bearer {first}")
    principal = await authenticator.authenticate(f"Bearer {second}")
    assert (principal.tenant_id, principal.scopes) == (tenant.id, frozenset({Scope.NUMBERS_READ}))
    assert (await authenticator.authenticate(f"Bearer {other_name}")).tenant_id == tenant.id
    keys = await tenant_store.list_keys(tenant.id)
    assert sorted((k.name, k.revoked_at is None) for k in keys) == [
        ("ci", True),
        ("demo", False),
        ("demo", True),
    ]


async def test_using_a_key_records_its_last_use_once_a_minute(
    tenant_store: SqlTenantStore, tenant: Tenant
) -> None:
    clock = FakeClock(time=CREATED.timestamp() + 3600)
    authenticator = Authenticator(tenant_store, None, clock=clock)
    key = generate_api_key()
    record = key_record(key, tenant.id)
    await tenant_store.add_key(record)

    await authenticator.authenticate(f"Bearer {key}")
    first = (await tenant_store.list_keys(tenant.id))[0].last_used_at
    clock.advance(30)
    authenticator.forget_all()
    await authenticator.authenticate(f"Bearer {key}")
    within_the_minute = (await tenant_store.list_keys(tenant.id))[0].last_used_at
    clock.advance(31)
    authenticator.forget_all()
    await authenticator.authenticate(f"Bearer {key}")
    later = (await tenant_store.list_keys(tenant.id))[0].last_used_at

    assert first == datetime.fromtimestamp(clock.time() - 61, UTC)
    assert within_the_minute == first
    assert later == datetime.fromtimestamp(clock.time(), UTC)
