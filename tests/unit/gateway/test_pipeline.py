"""The pipeline's order, on a fake clock: cache, vault, breaker, budget, vendor, retries.

A small vendor records every call the pipeline lets through; the vault is the real one on
SQLite, counted; time is a :class:`FakeClock`, so waits and backoffs take no real time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest

from adapters.capabilities import VendorAdapter
from adapters.declaration import (
    Op,
    OperationSpec,
    RateBudget,
    UndeclaredOperation,
    VendorDeclaration,
)
from contract.errors import (
    GatewayError,
    NotFound,
    RateLimited,
    VendorCircuitOpen,
    VendorError,
    VendorNotConfigured,
    VendorServerError,
    VendorTimeout,
)
from gateway.credentials import VaultCredentials
from gateway.metrics import GatewayMetrics
from gateway.pipeline import CacheUse, Held, PipelineLimits, VendorCall, VendorPipeline
from policies.cache import CacheSettings, TwoTierCache
from policies.clock import FakeClock
from policies.ratelimit import RateShaper, ShapingSettings
from policies.resilience import BreakerSettings, CircuitBreakers, RetryPolicy
from policies.vault import Keyring, SqlVaultBackend, Vault, generate_key_spec
from tests.databases import migrated

TENANT = "ten_pipe"
LIMIT = 3
FAILURES_TO_OPEN = 2


class Key(msgspec.Struct, frozen=True):
    token: str


@dataclass
class Recorder:
    """A vendor whose answers are scripted and whose calls are recorded."""

    declaration: VendorDeclaration = field(
        default_factory=lambda: VendorDeclaration(
            name="rec",
            display_name="Recorder",
            default_base_url="https://rec.example",
            credential_type=Key,
            budgets={"default": RateBudget(limit=LIMIT, period_seconds=60.0)},
            operations={
                Op.LIST_TEST_NUMBERS: OperationSpec(idempotent=True, cache_ttl_seconds=300.0),
                Op.GET_CALL: OperationSpec(idempotent=True),
                Op.PLACE_CALL: OperationSpec(idempotent=False),
            },
        )
    )
    calls: list[str] = field(default_factory=list)
    script: list[GatewayError | str] = field(default_factory=list)

    def load_credential(self, secret: Mapping[str, str]) -> Key:
        return Key(**secret)

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        return {}

    async def answer(self, credential: object) -> str:
        assert isinstance(credential, Key)
        self.calls.append(credential.token)
        outcome = self.script.pop(0) if self.script else "ok"
        if isinstance(outcome, GatewayError):
            raise outcome
        return outcome


class CountedVault(VaultCredentials):
    """The real vault-backed credentials, counting how often a call opened one."""

    def __init__(self, vault: Vault) -> None:
        super().__init__(vault)
        self.opened = 0

    async def hold(self, tenant_id: str, adapter: VendorAdapter) -> Held:
        self.opened += 1
        return await super().hold(tenant_id, adapter)


@dataclass
class Rig:
    pipeline: VendorPipeline
    vendor: Recorder
    credentials: CountedVault
    clock: FakeClock

    async def run(self, op: Op, cache: CacheUse[str] | None = None) -> str:
        call = VendorCall(self.vendor, op, TENANT, self.vendor.answer, cache=cache)
        return (await self.pipeline.run(call)).value


@pytest.fixture
async def vault(tmp_path: Path) -> AsyncIterator[Vault]:
    database = await migrated(None, tmp_path)
    vault = Vault(SqlVaultBackend(database), Keyring.from_spec(generate_key_spec()))
    await vault.put(TENANT, "rec", {"token": "stored"})
    yield vault
    await vault.close()
    await database.close()


@pytest.fixture
def rig(vault: Vault) -> Rig:
    clock = FakeClock()
    credentials = CountedVault(vault)
    pipeline = VendorPipeline(
        RateShaper(None, ShapingSettings(max_wait_seconds=5.0, margin_seconds=0), clock=clock),
        TwoTierCache(None, CacheSettings(local_seconds=600), clock=clock),
        RetryPolicy(max_attempts=3),
        CircuitBreakers(
            BreakerSettings(failure_threshold=FAILURES_TO_OPEN, open_seconds=30.0), clock=clock
        ),
        {},
        GatewayMetrics(),
        credentials,
        PipelineLimits(total_timeouts={}),
        clock=clock,
    )
    return Rig(pipeline, Recorder(), credentials, clock)


async def test_a_cache_hit_touches_neither_the_vault_nor_the_vendor(rig: Rig) -> None:
    use = CacheUse(("+86",), str)

    first = await rig.pipeline.run(
        VendorCall(rig.vendor, Op.LIST_TEST_NUMBERS, TENANT, rig.vendor.answer, cache=use)
    )
    rig.clock.advance(42)
    again = await rig.pipeline.run(
        VendorCall(rig.vendor, Op.LIST_TEST_NUMBERS, TENANT, rig.vendor.answer, cache=use)
    )

    assert first.facts.cache is not None and not first.facts.cache.hit
    assert again.facts.cache is not None and again.facts.cache.hit
    assert again.facts.cache.age_seconds == 42
    assert rig.credentials.opened == 1
    assert rig.vendor.calls == ["stored"]


async def test_a_refresh_skips_the_cache_but_stores_the_new_answer(rig: Rig) -> None:
    await rig.run(Op.LIST_TEST_NUMBERS, CacheUse((), str))
    rig.vendor.script = ["fresh"]

    refreshed = await rig.run(Op.LIST_TEST_NUMBERS, CacheUse((), str, refresh=True))
    cached = await rig.run(Op.LIST_TEST_NUMBERS, CacheUse((), str))

    assert (refreshed, cached) == ("fresh", "fresh")
    assert len(rig.vendor.calls) == 2


async def test_the_vault_is_opened_after_the_cache_misses_and_before_the_vendor(
    rig: Rig, vault: Vault
) -> None:
    await vault.delete(TENANT, "rec")

    with pytest.raises(VendorNotConfigured):
        await rig.run(Op.GET_CALL)

    assert rig.credentials.opened == 1
    assert rig.vendor.calls == []


async def test_the_answer_carries_the_budget_it_was_admitted_under(rig: Rig) -> None:
    first = await rig.pipeline.run(VendorCall(rig.vendor, Op.GET_CALL, TENANT, rig.vendor.answer))
    second = await rig.pipeline.run(VendorCall(rig.vendor, Op.GET_CALL, TENANT, rig.vendor.answer))

    assert first.facts.rate is not None and second.facts.rate is not None
    assert (first.facts.rate.limit, first.facts.rate.remaining) == (LIMIT, LIMIT - 1)
    assert second.facts.rate.remaining == LIMIT - 2
    assert second.headers()["RateLimit-Policy"] == f"{LIMIT};w=60"


async def test_a_spent_budget_waits_on_the_clock_then_answers_429_past_the_deadline(
    rig: Rig,
) -> None:
    for _ in range(LIMIT):
        await rig.run(Op.GET_CALL)

    with pytest.raises(RateLimited) as raised:
        await rig.run(Op.GET_CALL)

    assert raised.value.retry_after is not None and raised.value.retry_after > 5
    assert len(rig.vendor.calls) == LIMIT
    rig.clock.advance(61)
    assert await rig.run(Op.GET_CALL) == "ok"


async def test_an_idempotent_call_is_retried_on_vendor_failures_with_backoff(rig: Rig) -> None:
    rig.vendor.script = [VendorServerError("boom", vendor_status=503), "ok"]

    answer = await rig.run(Op.GET_CALL)

    assert answer == "ok"
    assert len(rig.vendor.calls) == 2
    assert len(rig.clock.slept) == 1, "one backoff, slept on the pipeline's clock"


async def test_a_non_idempotent_call_is_never_retried(rig: Rig) -> None:
    rig.vendor.script = [VendorTimeout("slow")]

    with pytest.raises(VendorTimeout):
        await rig.run(Op.PLACE_CALL)

    assert len(rig.vendor.calls) == 1


@pytest.mark.parametrize(
    "answer",
    [NotFound("gone"), VendorError("unreadable payload")],
    ids=["vendor-answer", "payload-mismatch"],
)
async def test_answers_and_payload_mismatches_are_not_vendor_failures(
    rig: Rig, answer: GatewayError
) -> None:
    rig.vendor.script = [answer] * (FAILURES_TO_OPEN + 1)

    for _ in range(FAILURES_TO_OPEN + 1):
        with pytest.raises(type(answer)):
            await rig.run(Op.GET_CALL)

    assert len(rig.vendor.calls) == FAILURES_TO_OPEN + 1, "not retried, breaker still closed"


async def test_retries_stop_at_the_deadline(rig: Rig) -> None:
    rig.vendor.script = [VendorServerError("boom", vendor_status=500)] * 3
    deadline = rig.clock.monotonic()

    with pytest.raises(VendorServerError):
        await rig.pipeline.run(
            VendorCall(rig.vendor, Op.GET_CALL, TENANT, rig.vendor.answer, deadline=deadline)
        )

    assert len(rig.vendor.calls) == 1
    assert rig.clock.slept == []


async def test_an_open_breaker_fails_fast_without_spending_budget(rig: Rig) -> None:
    rig.vendor.script = [VendorServerError("down", vendor_status=502)] * 10

    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(VendorServerError):
            await rig.run(Op.PLACE_CALL)
    for _ in range(5):
        with pytest.raises(VendorCircuitOpen):
            await rig.run(Op.PLACE_CALL)

    assert len(rig.vendor.calls) == FAILURES_TO_OPEN
    rig.vendor.script = []
    rig.clock.advance(31)
    probe = await rig.pipeline.run(VendorCall(rig.vendor, Op.GET_CALL, TENANT, rig.vendor.answer))
    assert probe.value == "ok", "after open_seconds one probe goes through"
    assert probe.facts.rate is not None
    assert probe.facts.rate.remaining == LIMIT - FAILURES_TO_OPEN - 1, "fast failures spent none"


async def test_an_undeclared_operation_is_refused_not_guessed(rig: Rig) -> None:
    with pytest.raises(UndeclaredOperation):
        await rig.run(Op.LIST_CALLS)

    assert rig.vendor.calls == []
    assert rig.credentials.opened == 0


async def test_a_held_credential_is_used_instead_of_the_vaults(rig: Rig) -> None:
    held = Held(Key(token="in-hand"), "in-hand-key")

    await rig.pipeline.run(
        VendorCall(rig.vendor, Op.GET_CALL, TENANT, rig.vendor.answer, held=held)
    )

    assert rig.vendor.calls == ["in-hand"]
    assert rig.credentials.opened == 0


async def test_an_expired_answer_is_served_stale_only_when_the_vendor_cannot_be_asked(
    rig: Rig,
) -> None:
    def call(refresh: bool = False) -> VendorCall[str]:
        use = CacheUse(("+86",), str, refresh=refresh)
        return VendorCall(rig.vendor, Op.LIST_TEST_NUMBERS, TENANT, rig.vendor.answer, cache=use)

    await rig.pipeline.run(call())
    rig.clock.advance(301)  # past the operation's 300 s TTL
    rig.vendor.script = [NotFound("gone")]
    with pytest.raises(NotFound):
        await rig.pipeline.run(call())  # an answer, not a failure: never papered over
    rig.vendor.script = [VendorServerError("down")] * 3
    stale = await rig.pipeline.run(call())
    with pytest.raises((VendorServerError, VendorCircuitOpen)):
        await rig.pipeline.run(call(refresh=True))
    rig.clock.advance(300)  # past the stale bound too
    rig.vendor.script = [VendorServerError("down")] * 3
    with pytest.raises((VendorServerError, VendorCircuitOpen)):
        await rig.pipeline.run(call())

    assert stale.value == "ok"
    assert stale.facts.cache is not None and stale.facts.cache.stale
    assert stale.facts.headers()["X-Cache"] == "STALE"
    assert stale.facts.headers()["Age"] == "301"


def test_a_held_credential_never_shows_in_its_repr() -> None:
    held = Held({"token": "tc_live_very_secret_value"}, key="k1")

    assert "very_secret" not in repr(held) and "k1" in repr(held)
