"""The long-lived parts of one gateway process, built once at start and shared by requests."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis

from adapters.registry import VENDORS, AdapterRegistry, VendorEntry, build_registry
from gateway.auth.principal import Authenticator
from gateway.auth.redis_store import RedisTenantStore
from gateway.auth.store import SQLiteTenantStore, TenantStore
from gateway.credentials import VaultCredentials
from gateway.dispatch import VendorDispatcher
from gateway.metrics import GatewayMetrics, StateCollector
from gateway.number_operations import NumberOperations
from gateway.personalization import Personalizations
from gateway.pipeline import PipelineLimits, VendorPipeline
from gateway.settings import Settings, SettingsError
from gateway.telemetry import vendor_client_hook
from gateway.tokens import VendorTokens
from gateway.verifications import Verifications
from policies.cache import CacheSettings, TwoTierCache
from policies.clock import SYSTEM_CLOCK, Clock
from policies.idempotency import (
    IdempotencyStore,
    MemoryIdempotencyStore,
    RedisIdempotencyStore,
)
from policies.last_known import LastKnown
from policies.ratelimit import Rate, RateShaper, RedisLimiter, ShapingSettings
from policies.records import MemoryRecordStore, RecordStore, RedisRecordStore
from policies.redis_client import RedisSettings, create_redis
from policies.resilience import Bulkhead, CircuitBreakers, RetryPolicy
from policies.resilience.breaker import BreakerSettings
from policies.vault import SQLiteVaultBackend, Vault
from policies.vault.last_known_backend import LastKnownVaultBackend
from policies.vault.redis_backend import RedisVaultBackend

TENANTS_DB = "tenants.sqlite3"
VAULT_DB = "vault.sqlite3"


@dataclass
class Services:
    """Stores, vault, adapters and the authenticator of one process."""

    settings: Settings
    tenants: TenantStore
    vault: Vault
    registry: AdapterRegistry
    authenticator: Authenticator
    dispatcher: VendorDispatcher
    pipeline: VendorPipeline
    redis: Redis | None
    idempotency: IdempotencyStore
    last_known: LastKnown
    records: RecordStore
    """Operations, batches and verifications the gateway tracks (shared through Redis)."""
    number_operations: NumberOperations
    personalizations: Personalizations
    verifications: Verifications
    rotation_locks: defaultdict[tuple[str, str], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )
    """One lock per (tenant, vendor), so rotations of a credential do not race in a process."""

    async def aclose(self) -> None:
        """Release connections and files."""
        await self.registry.aclose()
        await self.vault.close()
        await self.tenants.close()
        if self.redis is not None:
            await self.redis.aclose()


def open_redis(settings: Settings) -> Redis | None:
    """The process's Redis client, when ``GATEWAY_REDIS_URL`` is set (it connects lazily)."""
    stores = settings.stores
    if not stores.redis_url:
        return None
    return create_redis(
        RedisSettings(
            url=stores.redis_url,
            socket_timeout=stores.redis_timeout,
            connect_timeout=stores.redis_timeout,
        )
    )


def open_stores(
    settings: Settings, last_known: LastKnown | None = None, redis: Redis | None = None
) -> tuple[TenantStore, Vault]:
    """The tenant store and the vault: in Redis when ``GATEWAY_REDIS_URL`` is set, else the
    embedded stores under the data directory.

    Given ``redis``, the stores borrow it (its owner closes it); otherwise they share a client
    of their own, which each closes on ``close()``: closing disconnects the pool, which would
    reconnect on use, so the first close never breaks the other store.
    """
    keyring = settings.stores.vault_keys
    if keyring is None:
        raise SettingsError("GATEWAY_VAULT_KEYS is required to open the credential vault")
    owned = redis is None
    client = open_redis(settings) if owned else redis
    if client is not None:
        backend = LastKnownVaultBackend(
            RedisVaultBackend(client, owns_client=owned), last_known or LastKnown()
        )
        tenants: TenantStore = RedisTenantStore(client, owns_client=owned)
        return tenants, Vault(backend, keyring)
    data_dir = settings.stores.data_dir
    tenants = SQLiteTenantStore(data_dir / TENANTS_DB)
    vault = Vault(SQLiteVaultBackend(data_dir / VAULT_DB), keyring)
    return tenants, vault


def build_pipeline(
    settings: Settings,
    redis: Redis | None,
    vault: Vault,
    records: RecordStore,
    metrics: GatewayMetrics | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> VendorPipeline:
    """The policies between routes and vendors, shared through ``redis`` when there is one, with
    the vault for credentials and ``records`` for vendor tokens."""
    policies = settings.policies
    shaper = RateShaper(
        RedisLimiter(redis) if redis is not None else None,
        ShapingSettings(
            max_wait_seconds=policies.shaping_max_wait,
            fallback_share=policies.shaping_fallback_share,
            local_share=1 / settings.server.workers,
        ),
        clock=clock,
    )
    cache = TwoTierCache(
        redis, CacheSettings(local_seconds=policies.cache_local_seconds), clock=clock
    )
    bulkheads = {
        vendor: Bulkhead(http.max_connections, http.connect_timeout + http.read_timeout)
        for vendor, http in settings.vendors.items()
    }
    quota = policies.tenant_quota_per_minute
    pipeline = VendorPipeline(
        shaper,
        cache,
        RetryPolicy(max_attempts=policies.retry_max_attempts),
        CircuitBreakers(
            BreakerSettings(
                failure_threshold=policies.breaker_failures,
                open_seconds=policies.breaker_open_seconds,
            ),
            clock=clock,
        ),
        bulkheads,
        metrics or GatewayMetrics(),
        VaultCredentials(vault),
        PipelineLimits(
            total_timeouts={v: http.total_timeout for v, http in settings.vendors.items()},
            tenant_quota=Rate(quota, 60.0) if quota else None,
        ),
        clock=clock,
    )
    pipeline.tokens = VendorTokens(pipeline, records, vault, clock=clock)
    return pipeline


def open_services(
    settings: Settings,
    tracer_provider: TracerProvider | None = None,
    metrics: GatewayMetrics | None = None,
    vendors: Sequence[VendorEntry] = VENDORS,
) -> Services:
    """Build every long-lived part; Redis connects lazily, on first use."""
    last_known = LastKnown()
    redis = open_redis(settings)
    tenants, vault = open_stores(settings, last_known, redis)
    registry = build_registry(settings.vendors, vendor_client_hook(tracer_provider), vendors)
    metrics = metrics or GatewayMetrics()
    records = RedisRecordStore(redis) if redis is not None else MemoryRecordStore()
    pipeline = build_pipeline(settings, redis, vault, records, metrics)
    dispatcher = VendorDispatcher(registry, vault, pipeline)
    metrics.watch(
        StateCollector(
            pipeline.breakers.not_closed_by_group, partial(_fallbacks, pipeline, last_known)
        )
    )
    return Services(
        settings=settings,
        tenants=tenants,
        vault=vault,
        registry=registry,
        authenticator=Authenticator(tenants, settings.stores.admin_key, last_known),
        dispatcher=dispatcher,
        pipeline=pipeline,
        redis=redis,
        idempotency=(
            RedisIdempotencyStore(redis) if redis is not None else MemoryIdempotencyStore()
        ),
        last_known=last_known,
        records=records,
        number_operations=NumberOperations(dispatcher, records),
        personalizations=Personalizations(dispatcher, records),
        verifications=Verifications(dispatcher, records, vault, settings.verification_endpoints),
    )


def _fallbacks(pipeline: VendorPipeline, last_known: LastKnown) -> dict[str, int]:
    return {
        "rate_limit": pipeline.shaper.fallbacks,
        "cache": pipeline.cache.redis_failures,
        "stores": last_known.stale_reads,
    }
