"""Paging across several vendors behind one cursor, with failures reported or raised."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from adapters.capabilities import NumberSource, VendorPage
from adapters.declaration import Op, OperationSpec, VendorDeclaration
from adapters.registry import AdapterRegistry
from contract.errors import (
    GatewayError,
    RateLimited,
    ValidationFailed,
    VendorError,
    VendorNotConfigured,
)
from contract.schema import Number, NumberStatus, oldest_first
from gateway.credentials import VaultCredentials
from gateway.dispatch import Gathered, Listing, VendorDispatcher
from gateway.pipeline import CacheUse
from gateway.services import build_pipeline
from gateway.settings import Settings
from policies.records import MemoryRecordStore
from policies.vault import Keyring, SqlVaultBackend, Vault, generate_key_spec
from tests.databases import migrated

TENANT = "ten_a"


class FakeCredential(msgspec.Struct):
    token: str


@dataclass
class FakeNumbers:
    """A vendor with ``count`` numbers made at ``start + i * step`` seconds, paged by number.

    ``failures`` maps a page token (``None`` for the first page) to the error it raises.
    """

    name: str
    count: int
    start: int = 0
    step: int = 1
    failures: dict[str | None, GatewayError] = field(default_factory=dict)
    gate: asyncio.Barrier | None = None
    cache_ttl_seconds: float = 0

    def __post_init__(self) -> None:
        self.declaration = VendorDeclaration(
            name=self.name,
            display_name=self.name,
            default_base_url=f"https://{self.name}.example",
            credential_type=FakeCredential,
            operations={
                Op.LIST_NUMBERS: OperationSpec(
                    idempotent=True, cache_ttl_seconds=self.cache_ttl_seconds
                )
            },
        )

    def load_credential(self, secret: Mapping[str, str]) -> FakeCredential:
        return FakeCredential(**secret)

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        return {}

    async def list_numbers(
        self, credential: FakeCredential, token: str | None, limit: int
    ) -> VendorPage[Number]:
        if self.gate is not None:
            await asyncio.wait_for(self.gate.wait(), 2)
        if token in self.failures:
            raise self.failures[token]
        page = int(token or 1)
        first = (page - 1) * limit
        items = [
            Number(
                id=f"{self.name}:{i}",
                vendor=self.name,
                number=f"+4915{i:08d}",
                status=NumberStatus.ACTIVE,
                created_at=datetime.fromtimestamp(self.start + i * self.step, UTC),
            )
            for i in range(first, min(first + limit, self.count))
        ]
        more = first + limit < self.count
        return VendorPage(items=items, next_token=str(page + 1) if more else None)

    async def get_number(self, credential: FakeCredential, vendor_id: str) -> Number:
        raise NotImplementedError


@pytest.fixture
async def vault(tmp_path: Path) -> AsyncIterator[Vault]:
    database = await migrated(None, tmp_path)
    vault = Vault(SqlVaultBackend(database), Keyring.from_spec(generate_key_spec()))
    yield vault
    await vault.close()
    await database.close()


def dispatcher_over(vault: Vault, *vendors: FakeNumbers) -> VendorDispatcher:
    credentials = VaultCredentials(vault)
    pipeline = build_pipeline(Settings(), None, vault, MemoryRecordStore(), credentials=credentials)
    return VendorDispatcher(AdapterRegistry(vendors), credentials, pipeline)


async def dispatcher_for(vault: Vault, *vendors: FakeNumbers) -> VendorDispatcher:
    for vendor in vendors:
        await vault.put(TENANT, vendor.name, {"token": "t"})
    return dispatcher_over(vault, *vendors)


async def page(
    dispatcher: VendorDispatcher, cursor: str | None, vendor: str | None = None, limit: int = 2
) -> Listing[Number]:
    async def fetch(
        adapter: NumberSource[FakeCredential], credential: object, token: str | None, size: int
    ) -> VendorPage[Number]:
        assert isinstance(credential, FakeCredential)
        return await adapter.list_numbers(credential, token, size)

    return await dispatcher.paginate(
        TENANT, NumberSource, vendor, "f", limit, cursor, Op.LIST_NUMBERS, fetch, oldest_first
    )


async def walk(dispatcher: VendorDispatcher, limit: int = 2) -> list[str]:
    return await walk_from(dispatcher, None, limit)


async def walk_from(dispatcher: VendorDispatcher, cursor: str | None, limit: int = 2) -> list[str]:
    ids: list[str] = []
    while True:
        listing = await page(dispatcher, cursor, limit=limit)
        ids += [n.id for n in listing.items]
        cursor = listing.next_cursor
        if cursor is None:
            return ids


async def test_vendors_are_merged_by_the_order_key_behind_one_cursor(vault: Vault) -> None:
    beta = FakeNumbers("beta", 3, start=1, step=2)
    dispatcher = await dispatcher_for(vault, beta, FakeNumbers("alpha", 2, start=0, step=2))

    ids = await walk(dispatcher)

    assert ids == ["alpha:0", "beta:0", "alpha:1", "beta:1", "beta:2"]


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 7, 50])
async def test_every_item_comes_exactly_once_in_global_order_whatever_the_page_size(
    vault: Vault, limit: int
) -> None:
    alpha = FakeNumbers("alpha", 11, start=0, step=3)
    beta = FakeNumbers("beta", 7, start=1, step=5)
    gamma = FakeNumbers("gamma", 4, start=100)
    dispatcher = await dispatcher_for(vault, alpha, beta, gamma)

    ids = await walk(dispatcher, limit=limit)

    everything = [
        number
        for v in (alpha, beta, gamma)
        for number in (await v.list_numbers(None, None, 99)).items
    ]
    expected = sorted(everything, key=oldest_first)
    assert ids == [n.id for n in expected]


async def test_vendors_are_asked_concurrently(vault: Vault) -> None:
    gate = asyncio.Barrier(2)
    alpha = FakeNumbers("alpha", 1, gate=gate)
    beta = FakeNumbers("beta", 1, start=5, gate=gate)
    dispatcher = await dispatcher_for(vault, alpha, beta)

    listing = await page(dispatcher, None)

    assert [n.id for n in listing.items] == ["alpha:0", "beta:0"]


async def test_a_vendor_without_numbers_is_passed_over(vault: Vault) -> None:
    dispatcher = await dispatcher_for(vault, FakeNumbers("alpha", 0), FakeNumbers("beta", 1))

    ids = await walk(dispatcher)

    assert ids == ["beta:0"]


async def test_a_failing_vendor_is_reported_beside_the_others_data(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 2, failures={None: VendorError("down", vendor="alpha")})
    dispatcher = await dispatcher_for(vault, alpha, FakeNumbers("beta", 1))

    listing = await page(dispatcher, None)

    assert [n.id for n in listing.items] == ["beta:0"]
    assert [(i.vendor, i.problem.status) for i in listing.errors] == [("alpha", 502)]


async def test_a_failed_vendors_items_come_on_a_later_page_once_it_recovers(
    vault: Vault,
) -> None:
    alpha = FakeNumbers("alpha", 2, failures={None: VendorError("down", vendor="alpha")})
    dispatcher = await dispatcher_for(vault, alpha, FakeNumbers("beta", 3, start=10))
    first = await page(dispatcher, None)
    alpha.failures.clear()

    rest = await walk_from(dispatcher, first.next_cursor)

    assert [n.id for n in first.items] == ["beta:0", "beta:1"]
    assert rest == ["alpha:0", "alpha:1", "beta:2"]


async def test_when_every_vendor_fails_the_first_error_is_raised(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 2, failures={None: RateLimited("slow down", retry_after=5)})
    beta = FakeNumbers("beta", 2, failures={None: VendorError("down")})
    dispatcher = await dispatcher_for(vault, alpha, beta)

    with pytest.raises(RateLimited) as raised:
        await page(dispatcher, None)

    assert raised.value.retry_after == 5


async def test_a_failed_page_can_be_retried_with_the_same_cursor(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 5)
    dispatcher = await dispatcher_for(vault, alpha)
    first = await page(dispatcher, None)
    alpha.failures["2"] = VendorError("blip")

    with pytest.raises(VendorError):
        await page(dispatcher, first.next_cursor)
    del alpha.failures["2"]
    retried = await page(dispatcher, first.next_cursor)

    assert [n.id for n in retried.items] == ["alpha:2", "alpha:3"]


async def test_the_vendor_filter_raises_that_vendors_error(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 2, failures={None: VendorError("down")})
    dispatcher = await dispatcher_for(vault, alpha, FakeNumbers("beta", 1))

    with pytest.raises(VendorError):
        await page(dispatcher, None, vendor="alpha")


async def test_vendors_without_a_stored_credential_are_not_asked(vault: Vault) -> None:
    await vault.put(TENANT, "alpha", {"token": "t"})
    dispatcher = dispatcher_over(vault, FakeNumbers("alpha", 1), FakeNumbers("beta", 4))

    ids = await walk(dispatcher)

    assert ids == ["alpha:0"]


async def test_fan_out_returns_every_vendors_answer_and_reports_failures(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 1, failures={None: VendorError("down", vendor="alpha")})
    dispatcher = await dispatcher_for(vault, alpha, FakeNumbers("beta", 2))

    gathered = await dispatcher.fan_out(
        TENANT,
        NumberSource,
        Op.LIST_NUMBERS,
        lambda adapter, credential: adapter.list_numbers(credential, None, 10),
    )

    assert [[n.id for n in page.items] for page in gathered.values] == [["beta:0", "beta:1"]]
    assert [(issue.vendor, issue.problem.status) for issue in gathered.errors] == [("alpha", 502)]


async def test_fan_out_names_its_sources_only_when_every_vendor_answered_from_the_cache(
    vault: Vault,
) -> None:
    alpha = FakeNumbers("alpha", 1, cache_ttl_seconds=60)
    beta = FakeNumbers("beta", 2, cache_ttl_seconds=60)
    dispatcher = await dispatcher_for(vault, alpha, beta)

    async def gather(cache: CacheUse[VendorPage[Number]] | None) -> Gathered[VendorPage[Number]]:
        return await dispatcher.fan_out(
            TENANT,
            NumberSource,
            Op.LIST_NUMBERS,
            lambda adapter, credential: adapter.list_numbers(credential, None, 10),
            cache,
        )

    loaded = await gather(CacheUse((), VendorPage[Number]))
    hit = await gather(CacheUse((), VendorPage[Number]))
    not_cached = await gather(None)
    beta.failures[None] = VendorError("down", vendor="beta")
    failed = await gather(CacheUse((), VendorPage[Number], refresh=True))

    assert loaded.sources is not None and hit.sources is not None
    assert [a is b for a, b in zip(loaded.sources, hit.sources, strict=True)] == [True, True]
    assert [[n.id for n in page.items] for page in hit.values] == [
        ["alpha:0"],
        ["beta:0", "beta:1"],
    ]
    assert not_cached.sources is None
    assert failed.sources is None
    assert [issue.vendor for issue in failed.errors] == ["beta"]


async def test_fan_out_raises_when_every_vendor_fails(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 1, failures={None: RateLimited("slow", retry_after=3)})
    dispatcher = await dispatcher_for(vault, alpha)

    with pytest.raises(RateLimited):
        await dispatcher.fan_out(
            TENANT,
            NumberSource,
            Op.LIST_NUMBERS,
            lambda adapter, credential: adapter.list_numbers(credential, None, 10),
        )


async def test_fan_out_without_a_configured_vendor_is_a_conflict(vault: Vault) -> None:
    dispatcher = dispatcher_over(vault, FakeNumbers("alpha", 1))

    with pytest.raises(VendorNotConfigured):
        await dispatcher.fan_out(
            TENANT,
            NumberSource,
            Op.LIST_NUMBERS,
            lambda adapter, credential: adapter.list_numbers(credential, None, 10),
        )


async def test_choose_takes_the_only_capable_vendor_or_asks_which(vault: Vault) -> None:
    single = await dispatcher_for(vault, FakeNumbers("alpha", 1))
    assert (await single.choose(TENANT, NumberSource, None)).vendor == "alpha"

    both = await dispatcher_for(vault, FakeNumbers("alpha", 1), FakeNumbers("beta", 1))
    with pytest.raises(ValidationFailed) as raised:
        await both.choose(TENANT, NumberSource, None)
    assert [e.field for e in raised.value.errors or []] == ["body.vendor"]
    assert (await both.choose(TENANT, NumberSource, "beta")).vendor == "beta"

    with pytest.raises(ValidationFailed) as unknown:
        await both.choose(TENANT, NumberSource, "gamma")
    assert "must be one of: alpha, beta" in (unknown.value.errors or [])[0].message
