"""The long-lived parts of one gateway process, built once at start and shared by requests."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis

from adapters.registry import AdapterRegistry, build_registry
from gateway.auth.principal import Authenticator
from gateway.auth.redis_store import RedisTenantStore
from gateway.auth.store import SQLiteTenantStore, TenantStore
from gateway.dispatch import VendorDispatcher
from gateway.metrics import GatewayMetrics, StateCollector
from gateway.number_operations import NumberOperations
from gateway.personalization import Personalizations
from gateway.pipeline import VendorPipeline
from gateway.settings import Settings, SettingsError
from gateway.verifications import Verifications
from policies.cache import CacheSettings, TwoTierCache
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
    """The process's Redis client, when ``settings.redis_url`` is set (it connects lazily)."""
    if not settings.redis_url:
        return None
    return create_redis(
        RedisSettings(
            url=settings.redis_url,
            socket_timeout=settings.redis_timeout,
            connect_timeout=settings.redis_timeout,
        )
    )


def open_stores(
    settings: Settings, last_known: LastKnown | None = None, redis: Redis | None = None
) -> tuple[TenantStore, Vault]:
    """The tenant store and the vault: in Redis when ``settings.redis_url`` is set, else the
    embedded stores under ``settings.data_dir``.

    Given ``redis``, the stores borrow it (its owner closes it); otherwise they share a client
    of their own, which each closes on ``close()``: closing disconnects the pool, which would
    reconnect on use, so the first close never breaks the other store.
    """
    if settings.vault_keys is None:
        raise SettingsError("GATEWAY_VAULT_KEYS is required to open the credential vault")
    owned = redis is None
    client = open_redis(settings) if owned else redis
    if client is not None:
        backend = LastKnownVaultBackend(
            RedisVaultBackend(client, owns_client=owned), last_known or LastKnown()
        )
        tenants = RedisTenantStore(client, owns_client=owned)
        return tenants, Vault(backend, settings.vault_keys)
    tenants = SQLiteTenantStore(settings.data_dir / TENANTS_DB)
    vault = Vault(SQLiteVaultBackend(settings.data_dir / VAULT_DB), settings.vault_keys)
    return tenants, vault


def build_pipeline(
    settings: Settings, redis: Redis | None, metrics: GatewayMetrics | None = None
) -> VendorPipeline:
    """Cache and rate shaping, shared through ``redis`` when there is one."""
    shaper = RateShaper(
        RedisLimiter(redis) if redis is not None else None,
        ShapingSettings(
            max_wait_seconds=settings.shaping_max_wait,
            fallback_share=settings.shaping_fallback_share,
            local_share=1 / settings.workers,
        ),
    )
    cache = TwoTierCache(redis, CacheSettings(local_seconds=settings.cache_local_seconds))
    bulkheads = {
        vendor: Bulkhead(http.max_connections, http.connect_timeout + http.read_timeout)
        for vendor, http in settings.vendors.items()
    }
    return VendorPipeline(
        shaper,
        cache,
        RetryPolicy(max_attempts=settings.retry_max_attempts),
        CircuitBreakers(
            BreakerSettings(
                failure_threshold=settings.breaker_failures,
                open_seconds=settings.breaker_open_seconds,
            )
        ),
        bulkheads,
        metrics or GatewayMetrics(),
        Rate(settings.tenant_quota_per_minute, 60.0) if settings.tenant_quota_per_minute else None,
        {vendor: http.total_timeout for vendor, http in settings.vendors.items()},
    )


def open_services(
    settings: Settings,
    tracer_provider: TracerProvider | None = None,
    metrics: GatewayMetrics | None = None,
) -> Services:
    """Build every long-lived part; Redis connects lazily, on first use."""
    last_known = LastKnown()
    redis = open_redis(settings)
    tenants, vault = open_stores(settings, last_known, redis)
    registry = build_registry(settings, tracer_provider)
    metrics = metrics or GatewayMetrics()
    pipeline = build_pipeline(settings, redis, metrics)
    records = RedisRecordStore(redis) if redis is not None else MemoryRecordStore()
    dispatcher = VendorDispatcher(registry, vault, pipeline, records)
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
        authenticator=Authenticator(tenants, settings.admin_key, last_known),
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
