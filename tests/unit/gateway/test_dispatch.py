"""Paging across several vendors behind one cursor, with failures reported or raised."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest

from adapters.base import NumberSource, VendorDeclaration, VendorPage
from adapters.registry import AdapterRegistry
from gateway.dispatch import Bound, VendorDispatcher
from gateway.errors import GatewayError, RateLimited, VendorError
from gateway.schema import Number, NumberStatus
from gateway.services import build_pipeline
from gateway.settings import Settings
from policies.vault import Keyring, SQLiteVaultBackend, Vault, generate_key_spec

TENANT = "ten_a"


class FakeCredential(msgspec.Struct):
    token: str


@dataclass
class FakeNumbers:
    """A vendor with ``count`` numbers; ``failures`` maps a page number to the error it raises."""

    name: str
    count: int
    failures: dict[int, GatewayError] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.declaration = VendorDeclaration(
            name=self.name, display_name=self.name, credential_type=FakeCredential
        )

    def load_credential(self, secret: dict[str, str]) -> FakeCredential:
        return FakeCredential(**secret)

    def credential_labels(self, credential: Any) -> dict[str, str]:
        return {}

    async def list_numbers(self, credential: Any, page: int, limit: int) -> VendorPage[Number]:
        if page in self.failures:
            raise self.failures[page]
        start = (page - 1) * limit
        items = [
            Number(
                id=f"{self.name}:{i}",
                vendor=self.name,
                number=f"+4915{i:08d}",
                status=NumberStatus.ACTIVE,
            )
            for i in range(start, min(start + limit, self.count))
        ]
        return VendorPage(items=items, has_more=start + limit < self.count)

    async def get_number(self, credential: Any, vendor_id: str) -> Number:
        raise NotImplementedError


@pytest.fixture
async def vault(tmp_path: Path) -> AsyncIterator[Vault]:
    vault = Vault(
        SQLiteVaultBackend(tmp_path / "vault.sqlite3"), Keyring.from_spec(generate_key_spec())
    )
    yield vault
    await vault.close()


async def dispatcher_for(vault: Vault, *vendors: FakeNumbers) -> VendorDispatcher:
    for vendor in vendors:
        await vault.put(TENANT, vendor.name, {"token": "t"})
    return VendorDispatcher(AdapterRegistry(vendors), vault, build_pipeline(Settings(), None))


async def page(dispatcher: VendorDispatcher, cursor: str | None, vendor: str | None = None):
    async def fetch(bound: Bound, page_number: int, limit: int) -> VendorPage[Number]:
        return await bound.adapter.list_numbers(bound.credential, page_number, limit)

    return await dispatcher.paginate(
        TENANT, NumberSource, vendor, "f", 2, cursor, "list_numbers", fetch
    )


async def walk(dispatcher: VendorDispatcher) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        listing = await page(dispatcher, cursor)
        ids += [n.id for n in listing.items]
        cursor = listing.next_cursor
        if cursor is None:
            return ids


async def test_vendors_are_walked_in_order_behind_one_cursor(vault: Vault) -> None:
    dispatcher = await dispatcher_for(vault, FakeNumbers("beta", 3), FakeNumbers("alpha", 2))

    ids = await walk(dispatcher)

    assert ids == ["alpha:0", "alpha:1", "beta:0", "beta:1", "beta:2"]


async def test_a_vendor_without_numbers_is_passed_over(vault: Vault) -> None:
    dispatcher = await dispatcher_for(vault, FakeNumbers("alpha", 0), FakeNumbers("beta", 1))

    ids = await walk(dispatcher)

    assert ids == ["beta:0"]


async def test_a_failing_vendor_is_reported_beside_the_others_data(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 2, failures={1: VendorError("down", vendor="alpha")})
    dispatcher = await dispatcher_for(vault, alpha, FakeNumbers("beta", 1))

    listing = await page(dispatcher, None)

    assert [n.id for n in listing.items] == ["beta:0"]
    assert [(i.vendor, i.problem.status) for i in listing.errors] == [("alpha", 502)]


async def test_when_every_vendor_fails_the_first_error_is_raised(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 2, failures={1: RateLimited("slow down", retry_after=5)})
    beta = FakeNumbers("beta", 2, failures={1: VendorError("down")})
    dispatcher = await dispatcher_for(vault, alpha, beta)

    with pytest.raises(RateLimited) as raised:
        await page(dispatcher, None)

    assert raised.value.retry_after == 5


async def test_a_failed_page_can_be_retried_with_the_same_cursor(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 5)
    dispatcher = await dispatcher_for(vault, alpha)
    first = await page(dispatcher, None)
    alpha.failures[2] = VendorError("blip")

    with pytest.raises(VendorError):
        await page(dispatcher, first.next_cursor)
    del alpha.failures[2]
    retried = await page(dispatcher, first.next_cursor)

    assert [n.id for n in retried.items] == ["alpha:2", "alpha:3"]


async def test_the_vendor_filter_raises_that_vendors_error(vault: Vault) -> None:
    alpha = FakeNumbers("alpha", 2, failures={1: VendorError("down")})
    dispatcher = await dispatcher_for(vault, alpha, FakeNumbers("beta", 1))

    with pytest.raises(VendorError):
        await page(dispatcher, None, vendor="alpha")


async def test_vendors_without_a_stored_credential_are_not_asked(vault: Vault) -> None:
    await vault.put(TENANT, "alpha", {"token": "t"})
    registry = AdapterRegistry([FakeNumbers("alpha", 1), FakeNumbers("beta", 4)])
    dispatcher = VendorDispatcher(registry, vault, build_pipeline(Settings(), None))

    ids = await walk(dispatcher)

    assert ids == ["alpha:0"]
