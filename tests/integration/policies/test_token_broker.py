"""Vendor tokens on real Redis: one exchange for many waiters, sealed at rest, creation-limited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest
from redis.asyncio import Redis

from adapters.capabilities import IssuedToken
from adapters.declaration import Op, OperationSpec, RateBudget, VendorDeclaration
from contract.errors import RateLimited
from gateway.pipeline import Held, VendorPipeline
from gateway.services import build_pipeline
from gateway.settings import Settings
from gateway.tokens import StoredToken, VendorTokens, token_memo
from policies.records import RecordStore, RedisRecordStore
from policies.redis_client import RedisSettings, create_redis
from policies.vault import Keyring, SqlVaultBackend, Vault, generate_key_spec
from tests.databases import migrated


class PairCredential(msgspec.Struct):
    account: str
    secret: str


class CountingExchanger:
    """A vendor that issues numbered tokens slowly and allows ``limit`` per window."""

    def __init__(self, limit: int = 10, lifetime: float = 3600.0) -> None:
        self.exchanges = 0
        self.lifetime = lifetime
        self.declaration = VendorDeclaration(
            name="pairs",
            display_name="Pairs",
            default_base_url="https://pairs.example",
            credential_type=PairCredential,
            budgets={"token": RateBudget(limit=limit, period_seconds=1800.0, scope="account")},
            operations={Op.EXCHANGE_TOKEN: OperationSpec(budget="token")},
        )

    async def exchange_token(self, credential: PairCredential) -> IssuedToken:
        self.exchanges += 1
        number = self.exchanges
        await asyncio.sleep(0.05)
        return IssuedToken(
            token=f"token-{number}-{credential.secret}", lifetime_seconds=self.lifetime
        )

    def token_account(self, credential: PairCredential) -> str:
        return credential.account


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(RedisSettings(url=redis_url))
    yield client
    await client.aclose()


@pytest.fixture
async def vault(tmp_path: Path) -> AsyncIterator[Vault]:
    database = await migrated(None, tmp_path)
    vault = Vault(SqlVaultBackend(database), Keyring.from_spec(generate_key_spec()))
    yield vault
    await vault.close()
    await database.close()


@dataclass
class Broker:
    """One replica's tokens for one tenant's credential of the vendor."""

    tokens: VendorTokens
    pipeline: VendorPipeline
    vendor: CountingExchanger
    held: Held

    async def current(self) -> str:
        return await self.tokens.current(self.vendor, self.held, "ten_a", request_deadline())

    async def refresh(self, rejected: str) -> str:
        deadline = request_deadline()
        return await self.tokens.refresh(self.vendor, self.held, "ten_a", rejected, deadline)


def request_deadline() -> float:
    """The deadline of a consumer's request that needs a token: everything it does at the vendor
    (the exchange included) within 15 s; waits for a budget slot stay within the shaping bound."""
    return time.monotonic() + 15.0


def broker(
    redis: Redis,
    vault: Vault,
    vendor: CountingExchanger,
    records: RecordStore,
    key_name: str = "s1",
    memo: MutableMapping[str, StoredToken] | None = None,
) -> Broker:
    """Tokens as one gateway replica builds them: its own pipeline, the shared Redis."""
    settings = Settings().with_policies(shaping_max_wait=0.2)
    pipeline = build_pipeline(settings, redis, vault, records)
    held = Held(PairCredential(account="acct-1", secret=key_name), "cred-1")
    return Broker(VendorTokens(pipeline, records, vault, memo), pipeline, vendor, held)


def replica(redis: Redis, vault: Vault, vendor: CountingExchanger, key_name: str = "s1") -> Broker:
    """A replica with its own pipeline and token memo, on the shared Redis."""
    return broker(redis, vault, vendor, RedisRecordStore(redis), key_name)


async def test_concurrent_requests_on_two_replicas_make_one_exchange(
    redis: Redis, vault: Vault
) -> None:
    vendor = CountingExchanger()
    brokers = [replica(redis, vault, vendor), replica(redis, vault, vendor)]

    tokens = await asyncio.gather(*(brokers[i % 2].current() for i in range(40)))

    assert vendor.exchanges == 1
    assert set(tokens) == {"token-1-s1"}


async def test_the_token_is_sealed_at_rest(redis: Redis, vault: Vault) -> None:
    token = await replica(redis, vault, CountingExchanger()).current()

    stored = [await redis.get(key) for key in await redis.keys("gw:token:*")]

    assert len(stored) == 1
    assert token.encode() not in stored[0]


async def test_a_rejected_token_is_replaced_once_for_every_waiter(
    redis: Redis, vault: Vault
) -> None:
    vendor = CountingExchanger()
    broker = replica(redis, vault, vendor)
    first = await broker.current()

    refreshed = await asyncio.gather(*(broker.refresh(first) for _ in range(20)))

    assert vendor.exchanges == 2
    assert set(refreshed) == {"token-2-s1"}
    assert await broker.current() == "token-2-s1"


async def test_a_token_near_its_expiry_is_not_handed_out(redis: Redis, vault: Vault) -> None:
    vendor = CountingExchanger(lifetime=60.0)
    broker = replica(redis, vault, vendor)

    first = await broker.current()
    second = await broker.current()

    assert (first, second) == ("token-1-s1", "token-2-s1")


async def test_the_creation_limit_is_a_rate_limit_not_a_hope(redis: Redis, vault: Vault) -> None:
    vendor = CountingExchanger(limit=3)
    brokers = [replica(redis, vault, vendor, key_name=f"s{i}") for i in range(2)]
    token = await brokers[0].current()

    outcomes = []
    for attempt in range(6):
        try:
            token = await brokers[attempt % 2].refresh(token)
            outcomes.append("issued")
        except RateLimited as exc:
            outcomes.append(f"429 after {exc.retry_after}s")

    assert vendor.exchanges == 3
    assert outcomes[:2] == ["issued", "issued"]
    assert all(o.startswith("429") for o in outcomes[2:])


class CountingReads(RedisRecordStore):
    """The real Redis record store, counting how often a record is read."""

    def __init__(self, redis: Redis) -> None:
        super().__init__(redis)
        self.reads = 0

    async def get(self, key: str) -> bytes | None:
        self.reads += 1
        return await super().get(key)


async def test_a_process_reads_the_shared_token_once_not_per_request(
    redis: Redis, vault: Vault
) -> None:
    records = CountingReads(redis)
    memo = token_memo()
    vendor = CountingExchanger()

    def request_broker() -> Broker:
        return broker(redis, vault, vendor, records, memo=memo)

    first = await request_broker().current()
    reads_after_first = records.reads
    later = [await request_broker().current() for _ in range(10)]

    assert set(later) == {first}
    assert records.reads == reads_after_first
    assert vendor.exchanges == 1


async def test_a_refused_token_is_replaced_by_the_one_another_replica_made(
    redis: Redis, vault: Vault
) -> None:
    vendor = CountingExchanger()
    this_replica, other_replica = replica(redis, vault, vendor), replica(redis, vault, vendor)
    old = await this_replica.current()
    new = await other_replica.refresh(old)

    assert await this_replica.current() == old, "the memo spares a read while the token works"
    assert await this_replica.refresh(old) == new
    assert vendor.exchanges == 2
