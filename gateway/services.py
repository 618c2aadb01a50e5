"""The long-lived parts of one gateway process, built once at start and shared by requests."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis
from sqlalchemy.exc import DBAPIError

from adapters.registry import VENDORS, AdapterRegistry, VendorEntry, build_registry
from adapters.vendor_spans import TRACER_NAME, VendorSpans
from gateway.audit import AuditLog
from gateway.auth.principal import FRESHNESS_SECONDS, Authenticator
from gateway.auth.sql_store import SqlTenantStore
from gateway.credentials import VaultCredentials
from gateway.dispatch import VendorDispatcher
from gateway.events.delivery import DeliveryWorker
from gateway.events.endpoints import WebhookEndpoints
from gateway.events.follow import FollowList
from gateway.events.hydrate import call_hydrator
from gateway.events.ingest import EventIngestor
from gateway.events.log import EventLog
from gateway.events.outbound import SafeWebhookSender, WebhookSender
from gateway.events.outbox import Outbox
from gateway.events.poller import EventPoller
from gateway.events.recorder import EventRecorder
from gateway.events.registration import CallWebhooks
from gateway.events.retention import EventRetention
from gateway.events.settled import Settlements
from gateway.events.subscriptions import Subscriptions
from gateway.invalidation import Invalidations
from gateway.metrics import GatewayMetrics, StateCollector
from gateway.number_operations import NumberOperations
from gateway.personalization import Personalizations
from gateway.pipeline import PipelineLimits, VendorPipeline
from gateway.routes.answers import AnswerBodies
from gateway.settings import Settings, SettingsError
from gateway.tokens import VendorTokens
from gateway.verifications import Verifications
from policies.cache import CacheSettings, TwoTierCache
from policies.clock import SYSTEM_CLOCK, Clock
from policies.idempotency.sql_store import SqlIdempotencyStore
from policies.last_known import LastKnown
from policies.ratelimit import Rate, RateShaper, RedisLimiter, ShapingSettings
from policies.records import MemoryRecordStore, RecordStore, RedisRecordStore
from policies.records.sql_store import SqlRecordStore
from policies.redis_client import RedisSettings, create_redis
from policies.resilience import Bulkhead, CircuitBreakers, RetryPolicy
from policies.resilience.breaker import BreakerSettings
from policies.sql import Database, DatabaseUnavailable, check_schema, database_url, upgrade
from policies.vault import Vault
from policies.vault.last_known_backend import LastKnownVaultBackend
from policies.vault.sql_backend import SqlVaultBackend


@dataclass
class Services:
    """Stores, vault, adapters and the authenticator of one process."""

    settings: Settings
    database: Database
    """The system of record: tenants, keys, credentials, records, the audit log."""
    tenants: SqlTenantStore
    vault: Vault
    vault_backend: SqlVaultBackend
    registry: AdapterRegistry
    authenticator: Authenticator
    dispatcher: VendorDispatcher
    answer_bodies: AnswerBodies
    """Wire bodies of answers made wholly of cached vendor answers (a repeated hit's body)."""
    pipeline: VendorPipeline
    redis: Redis | None
    idempotency: SqlIdempotencyStore
    last_known: LastKnown
    records: SqlRecordStore
    """Operations, batches and verifications the gateway tracks (in the database)."""
    audit: AuditLog
    number_operations: NumberOperations
    personalizations: Personalizations
    verifications: Verifications
    events: EventLog
    event_recorder: EventRecorder
    """The one way events enter the log (and reach subscriptions)."""
    webhook_endpoints: WebhookEndpoints
    ingestor: EventIngestor
    poller: EventPoller
    """Follows pending operations and batches until they settle (their events)."""
    event_retention: EventRetention
    """Deletes events and raw vendor deliveries past their retention (the janitor runs it)."""
    subscriptions: Subscriptions
    outbox: Outbox
    """Deliveries queued per event and subscription, and their attempts."""
    deliveries: DeliveryWorker
    call_webhooks: CallWebhooks
    """What routes a placed call's events to the gateway and on to its ``webhook_url``."""
    invalidations: Invalidations
    """Tells every replica that keys or credentials changed (their in-process copies)."""
    rotation_locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    """One lock per (tenant, vendor) while a rotation holds or waits for it, so rotations of a
    credential do not race in a process; a lock nobody holds is dropped with its last user."""

    async def aclose(self) -> None:
        """Release connections."""
        await self.registry.aclose()
        await self.database.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.invalidations.aclose()


def open_redis(settings: Settings, *, subscriber: bool = False) -> Redis | None:
    """The process's Redis client, when ``GATEWAY_REDIS_URL`` is set (it connects lazily).

    ``subscriber``: a client of its own for one long-lived subscription, which waits for
    messages as long as it takes and sends no health-check pings.
    """
    stores = settings.stores
    if not stores.redis_url:
        return None
    return create_redis(
        RedisSettings(
            url=stores.redis_url,
            socket_timeout=stores.redis_timeout,
            connect_timeout=stores.redis_timeout,
            health_check_interval=0 if subscriber else RedisSettings.health_check_interval,
            max_connections=2 if subscriber else RedisSettings.max_connections,
        )
    )


@dataclass
class Stores:
    """The system of record opened for a command (the CLI, the sandbox) or a process."""

    database: Database
    tenants: SqlTenantStore
    vault: Vault
    vault_backend: SqlVaultBackend

    async def close(self) -> None:
        """Close the database's connections."""
        await self.database.close()


def open_database(settings: Settings) -> Database:
    """The engine on ``GATEWAY_DATABASE_URL``, or on the embedded file in the data directory."""
    return Database(database_url(settings.stores.database_url, settings.stores.data_dir))


async def open_stores(
    settings: Settings, last_known: LastKnown | None = None, *, migrate: bool | None = None
) -> Stores:
    """Tenants and the vault on the system of record, its schema checked first.

    The embedded database and the sandbox migrate themselves (``migrate`` None); a shared
    database must have been migrated with ``gateway db upgrade`` before replicas start.
    """
    keyring = settings.stores.vault_keys
    if keyring is None:
        raise SettingsError("GATEWAY_VAULT_KEYS is required to open the credential vault")
    database = open_database(settings)
    try:
        if migrate if migrate is not None else settings.sandbox or not settings.stores.shared:
            await upgrade(database)
        else:
            await check_schema(database)
    except (DatabaseUnavailable, DBAPIError) as exc:
        await database.close()
        raise DatabaseUnavailable(_cannot_use(database, settings, exc)) from None
    except BaseException:
        await database.close()
        raise
    backend = SqlVaultBackend(database)
    vault = Vault(LastKnownVaultBackend(backend, last_known or LastKnown()), keyring)
    return Stores(database, SqlTenantStore(database), vault, backend)


def _cannot_use(database: Database, settings: Settings, exc: Exception) -> str:
    """One line for an operator: which database (no password), why, and what to change."""
    reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    first = str(reason).splitlines()[0] if str(reason) else type(reason).__name__
    variable = "GATEWAY_DATABASE_URL" if settings.stores.shared else "GATEWAY_DATA_DIR"
    return f"cannot use the database {database.describe()}: {first} (check {variable})"


def build_webhook_sender(settings: Settings) -> WebhookSender:
    """The one place the sender of event deliveries is chosen: the SSRF-safe one, within the
    operator's policy (resolved addresses checked, then connected to; no redirects)."""
    return SafeWebhookSender.from_settings(settings.policies)


def build_pipeline(
    settings: Settings,
    redis: Redis | None,
    vault: Vault,
    records: RecordStore,
    metrics: GatewayMetrics | None = None,
    clock: Clock = SYSTEM_CLOCK,
    credentials: VaultCredentials | None = None,
) -> VendorPipeline:
    """The policies between routes and vendors, shared through ``redis`` when there is one, with
    ``credentials`` read from the vault and ``records`` for vendor tokens."""
    policies = settings.policies
    shaper = RateShaper(
        RedisLimiter(redis) if redis is not None else None,
        ShapingSettings(
            max_wait_seconds=policies.shaping_max_wait,
            fallback_share=policies.shaping_fallback_share,
            local_share=1 / settings.server.workers,
            idle_check_seconds=policies.shaping_idle_check_seconds,
        ),
        clock=clock,
    )
    cache = TwoTierCache(
        redis,
        CacheSettings(
            local_seconds=policies.cache_local_seconds,
            stale_if_error_seconds=policies.cache_stale_if_error_seconds,
        ),
        clock=clock,
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
        credentials or VaultCredentials(vault, clock=clock),
        PipelineLimits(
            total_timeouts={v: http.total_timeout for v, http in settings.vendors.items()},
            tenant_quota=Rate(quota, 60.0) if quota else None,
        ),
        clock=clock,
    )
    pipeline.tokens = VendorTokens(pipeline, records, vault, clock=clock)
    return pipeline


async def open_services(
    settings: Settings,
    tracer_provider: TracerProvider | None = None,
    metrics: GatewayMetrics | None = None,
    vendors: Sequence[VendorEntry] = VENDORS,
) -> Services:
    """Build every long-lived part: the database is checked (or migrated, when embedded);
    Redis connects lazily, on first use."""
    last_known = LastKnown()
    stores = await open_stores(settings, last_known)
    redis = open_redis(settings)
    spans = (
        VendorSpans(tracer_provider.get_tracer(TRACER_NAME))
        if tracer_provider is not None
        else None
    )
    registry = build_registry(settings.vendors, spans, vendors)
    metrics = metrics or GatewayMetrics()
    records = SqlRecordStore(stores.database)
    ephemeral: RecordStore = RedisRecordStore(redis) if redis is not None else MemoryRecordStore()
    invalidations = Invalidations(
        open_redis(settings, subscriber=True),
        redis,
        # An embedded database has one writer, this process, which drops its copies as it
        # writes; a shared one without a live subscription may change under us at any time.
        local_seconds=FRESHNESS_SECONDS
        if settings.stores.shared
        else settings.stores.shared_copy_seconds,
        shared_seconds=settings.stores.shared_copy_seconds,
    )
    credentials = VaultCredentials(stores.vault, invalidations.copy_seconds)
    authenticator = Authenticator(
        stores.tenants,
        settings.stores.admin_key,
        last_known,
        copy_seconds=invalidations.copy_seconds,
    )
    invalidations.on_keys(authenticator.forget_all)
    invalidations.on_credentials(credentials.forget)
    pipeline = build_pipeline(
        settings, redis, stores.vault, ephemeral, metrics, credentials=credentials
    )
    dispatcher = VendorDispatcher(registry, credentials, pipeline)
    metrics.watch(
        StateCollector(
            pipeline.breakers.not_closed_by_group, partial(_fallbacks, pipeline, last_known)
        )
    )
    events = EventLog(stores.database)
    outbox = Outbox(stores.database)
    recorder = EventRecorder(events, outbox)
    sender = build_webhook_sender(settings)
    subscriptions = Subscriptions(
        stores.database, stores.vault, sender, settings.policies.webhook_secret_overlap_seconds
    )
    webhook_endpoints = WebhookEndpoints(stores.database, stores.vault)
    receivers = {v.name: v.webhooks for v in vendors if v.webhooks is not None}
    ingestor = EventIngestor(
        stores.database, webhook_endpoints, receivers, recorder, call_hydrator(dispatcher)
    )
    follows = FollowList(records)
    settlements = Settlements(recorder, follows)
    number_operations = NumberOperations(dispatcher, records, settlements)
    personalizations = Personalizations(dispatcher, records, settlements)
    return Services(
        settings=settings,
        database=stores.database,
        tenants=stores.tenants,
        vault=stores.vault,
        vault_backend=stores.vault_backend,
        registry=registry,
        authenticator=authenticator,
        dispatcher=dispatcher,
        answer_bodies=AnswerBodies(metrics),
        pipeline=pipeline,
        redis=redis,
        idempotency=SqlIdempotencyStore(stores.database),
        last_known=last_known,
        records=records,
        audit=AuditLog(stores.database),
        number_operations=number_operations,
        personalizations=personalizations,
        verifications=Verifications(
            dispatcher, records, stores.vault, settings.verification_endpoints, settlements
        ),
        events=events,
        event_recorder=recorder,
        webhook_endpoints=webhook_endpoints,
        ingestor=ingestor,
        subscriptions=subscriptions,
        outbox=outbox,
        deliveries=DeliveryWorker(
            stores.database, outbox, subscriptions, events, recorder, sender, settings.policies
        ),
        poller=EventPoller(
            follows,
            settlements,
            number_operations,
            personalizations,
            settings.policies.event_poll_seconds,
        ),
        event_retention=EventRetention(
            stores.database, events, settings.policies.event_retention_days
        ),
        call_webhooks=CallWebhooks(webhook_endpoints, ingestor, subscriptions, outbox, sender),
        invalidations=invalidations,
    )


def _fallbacks(pipeline: VendorPipeline, last_known: LastKnown) -> dict[str, int]:
    return {
        "rate_limit": pipeline.shaper.fallbacks,
        "cache": pipeline.cache.redis_failures,
        "stores": last_known.stale_reads,
    }
