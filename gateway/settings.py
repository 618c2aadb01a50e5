"""Typed settings from ``GATEWAY_*`` environment variables, validated once at start.

Settings are small frozen dataclasses grouped by meaning (server, stores, policies, vendor HTTP).
Each field declares its variable, its parser and its default in one place (:func:`setting`), and
:meth:`Settings.from_env` walks the fields: no default is written twice. Vendor settings follow
from the registry: every registered vendor gets ``GATEWAY_<VENDOR>_BASE_URL``. Nothing here runs
at import time, and every problem is reported together in one :class:`SettingsError`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from adapters.http import DEFAULT_TRANSPORT, TRANSPORTS, VendorHttpSettings
from adapters.registry import VENDORS, VendorEntry
from policies.vault import Keyring

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
N = TypeVar("N", int, float)
D = TypeVar("D", bound="DataclassInstance")

LOG_FORMATS = ("auto", "json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

__all__ = [
    "ConsoleSettings",
    "PolicySettings",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "StoreSettings",
    "VendorHttpDefaults",
    "VendorHttpSettings",
]


class SettingsError(ValueError):
    """One or more settings are invalid; the message lists each with the variable to fix."""


def setting(
    variable: str, parse: Callable[[str], Any], default: Any, *, secret: bool = False
) -> Any:
    """A dataclass field read from ``variable`` with ``parse`` (which raises ``ValueError``)."""
    return field(
        default=default,
        repr=not secret,
        metadata={"variable": variable, "parse": parse},
    )


def _parse_origins(raw: str) -> tuple[str, ...]:
    """Comma-separated origins such as ``https://*.truecaller.com,http://127.0.0.1:9000``."""
    origins = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not origins:
        raise ValueError("name at least one origin")
    for origin in origins:
        parsed = urlsplit(origin)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"{origin!r} is not an origin like https://host[:port]")
        if parsed.path not in ("", "/") or parsed.query or parsed.username:
            raise ValueError(f"{origin!r} must be scheme, host and port only")
    return origins


def _parse_networks(raw: str) -> tuple[str, ...]:
    """Comma-separated networks such as ``10.0.0.0/8,192.168.1.20/32``, normalized."""
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ValueError(f"{part!r} is not a network like 10.0.0.0/8") from None
    return tuple(networks)


def _parse_schedule(raw: str) -> tuple[float, ...]:
    """Comma-separated seconds such as ``0,5,300``: the wait before each delivery attempt."""
    waits = tuple(_non_negative_float(part.strip()) for part in raw.split(",") if part.strip())
    if not waits:
        raise ValueError("name at least one wait, such as 0,5,300")
    return waits


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def _parse_admin_key(raw: str) -> str:
    if not raw.startswith("gw_") or len(raw) < 32:
        raise ValueError("must start with 'gw_' and be at least 32 characters (value not shown)")
    return raw


def _parse_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError(f"expected an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _number(raw: str, kind: type[N]) -> N:
    """``raw`` as ``kind``, or a ValueError a person can read (not ``invalid literal...``)."""
    try:
        return kind(raw)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ValueError(f"expected {expected}, got {raw!r}") from None


def _positive_float(raw: str) -> float:
    value = _number(raw, float)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be positive, got {raw!r}")
    return value


def _non_negative_float(raw: str) -> float:
    value = _number(raw, float)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"must be zero or more, got {raw!r}")
    return value


def _share(raw: str) -> float:
    value = _number(raw, float)
    if not 0 < value <= 1:
        raise ValueError(f"must be a fraction in (0, 1], got {raw!r}")
    return value


def _parse_redis_url(raw: str) -> str:
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected redis://, rediss:// or unix:// (value not shown)")
    return raw


def _parse_database_url(raw: str) -> str:
    scheme = raw.partition("://")[0].lower()
    if scheme not in ("postgresql", "postgres", "postgresql+asyncpg"):
        raise ValueError("expected postgresql://user:password@host:port/database (value not shown)")
    return raw


def _positive_int(raw: str) -> int:
    value = _number(raw, int)
    if value <= 0:
        raise ValueError(f"must be a positive integer, got {raw!r}")
    return value


def _port(raw: str) -> int:
    value = _number(raw, int)
    if not 0 <= value <= 65535:
        raise ValueError(f"must be a port number 0-65535, got {raw!r}")
    return value


def _choice(options: tuple[str, ...], normalize: Callable[[str], str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = normalize(raw)
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {raw!r}")
        return value

    return parse


@dataclass(frozen=True)
class ServerSettings:
    """The HTTP server and its logs."""

    host: str = setting("GATEWAY_HOST", str, "127.0.0.1")
    """Interface ``gateway serve`` binds to."""
    port: int = setting("GATEWAY_PORT", _port, 8080)
    """Port ``gateway serve`` listens on."""
    workers: int = setting("GATEWAY_WORKERS", _positive_int, 1)
    """Worker processes for ``gateway serve`` (more than one needs shared stores)."""
    log_level: str = setting("GATEWAY_LOG_LEVEL", _choice(LOG_LEVELS, str.upper), "INFO")
    log_format: str = setting("GATEWAY_LOG_FORMAT", _choice(LOG_FORMATS, str.lower), "auto")
    """``json``, ``text``, or ``auto`` (JSON unless stderr is a terminal)."""
    public_url: str | None = setting("GATEWAY_PUBLIC_URL", _parse_url, None)
    """How vendors reach the gateway (``https://gateway.example.com``): the base of the webhook
    URLs to register at them. Unset: the URL the administrator's request used."""


@dataclass(frozen=True)
class StoreSettings:
    """Where state lives, and the keys that open it."""

    data_dir: Path = setting("GATEWAY_DATA_DIR", Path, Path(".gateway-data"))
    """Where the embedded database (SQLite) lives."""
    database_url: str | None = setting(
        "GATEWAY_DATABASE_URL", _parse_database_url, None, secret=True
    )
    """The system of record, shared by replicas (``postgresql://...``); embedded SQLite in the
    data directory when unset."""
    redis_url: str | None = setting("GATEWAY_REDIS_URL", _parse_redis_url, None, secret=True)
    """What replicas share and may lose (cache tier, rate windows, locks, vendor tokens);
    in-process when unset."""
    redis_timeout: float = setting("GATEWAY_REDIS_TIMEOUT", _positive_float, 0.5)
    """Seconds a Redis command may take before the policy falls back."""
    shared_copy_seconds: float = setting("GATEWAY_SHARED_COPY_SECONDS", _positive_float, 10.0)
    """How long a replica serves its in-process copy of a gateway key or a credential while it
    hears changes from the others through Redis (a change reaches it at once; this bounds one
    whose message was lost), and how long the embedded gateway (its own database's only writer)
    does. On a shared database without Redis, or while unsubscribed, copies live 1 s."""
    vault_keys: Keyring | None = setting("GATEWAY_VAULT_KEYS", Keyring.from_spec, None, secret=True)
    """Master keys for the credential vault (required outside sandbox mode)."""
    admin_key: str | None = setting("GATEWAY_ADMIN_KEY", _parse_admin_key, None, secret=True)
    """Operator key with access to every tenant. Generated and printed once when unset."""

    @property
    def shared(self) -> bool:
        """Whether several processes can share the system of record (it is not embedded)."""
        return self.database_url is not None


@dataclass(frozen=True)
class PolicySettings:
    """The policies between a request and a vendor."""

    shaping_max_wait: float = setting("GATEWAY_SHAPING_MAX_WAIT", _non_negative_float, 5.0)
    """Seconds a request may wait for a vendor budget slot before a 429."""
    shaping_fallback_share: float = setting("GATEWAY_SHAPING_FALLBACK_SHARE", _share, 0.25)
    """Share of a vendor budget one process uses while Redis is unreachable."""
    shaping_idle_check_seconds: float = setting(
        "GATEWAY_SHAPING_IDLE_CHECK_SECONDS", _positive_float, 0.5
    )
    """How often a replica checks, in one round trip, whether Redis lost the windows of budgets
    it used in the last minute but made no decision on since its last check (decisions notice
    it by themselves)."""
    cache_local_seconds: float = setting("GATEWAY_CACHE_LOCAL_SECONDS", _non_negative_float, 5.0)
    """How long the in-process cache tier keeps an entry."""
    event_retention_days: float = setting("GATEWAY_EVENT_RETENTION_DAYS", _positive_float, 30.0)
    """How long events and raw vendor deliveries are kept."""
    event_poll_seconds: float = setting("GATEWAY_EVENT_POLL_SECONDS", _positive_float, 5.0)
    """How often the gateway looks at pending operations and batches to emit their events when
    they settle (an item that stays pending is asked about less and less often)."""
    webhook_allow_http: bool = setting("GATEWAY_WEBHOOK_ALLOW_HTTP", _parse_bool, False)
    """Whether subscriptions may deliver over plain http (https only otherwise)."""
    webhook_allowed_networks: tuple[str, ...] = setting(
        "GATEWAY_WEBHOOK_ALLOWED_NETWORKS", _parse_networks, ()
    )
    """Private or loopback networks webhook receivers may live in (internal receivers are the
    norm); link-local and metadata addresses are refused even when listed."""
    webhook_timeout_seconds: float = setting(
        "GATEWAY_WEBHOOK_TIMEOUT_SECONDS", _positive_float, 10.0
    )
    """How long one delivery attempt may take."""
    webhook_retry_schedule: tuple[float, ...] = setting(
        "GATEWAY_WEBHOOK_RETRY_SCHEDULE",
        _parse_schedule,
        (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0),
    )
    """Seconds to wait before each attempt of a delivery (the first is usually 0), with up to
    10% jitter; after the last one fails the delivery is given up (replay it)."""
    webhook_disable_after_seconds: float = setting(
        "GATEWAY_WEBHOOK_DISABLE_AFTER_SECONDS", _positive_float, 5 * 86400.0
    )
    """A subscription whose deliveries have failed for this long is disabled."""
    webhook_secret_overlap_seconds: float = setting(
        "GATEWAY_WEBHOOK_SECRET_OVERLAP_SECONDS", _non_negative_float, 86400.0
    )
    """After a signing secret is rotated, deliveries carry the old one's signature too for
    this long."""
    cache_stale_if_error_seconds: float = setting(
        "GATEWAY_CACHE_STALE_IF_ERROR_SECONDS", _non_negative_float, 300.0
    )
    """How long past its TTL a cached answer may still be served (``X-Cache: STALE``) when the
    vendor cannot be asked: failing, its breaker open, or its budget spent."""
    tenant_quota_per_minute: int | None = setting(
        "GATEWAY_TENANT_QUOTA_PER_MINUTE", _positive_int, None
    )
    """Optional cap on vendor calls per tenant per minute, in front of the vendors' budgets."""
    retry_max_attempts: int = setting("GATEWAY_RETRY_MAX_ATTEMPTS", _positive_int, 3)
    """Attempts of an idempotent vendor call on vendor failures (first one included)."""
    breaker_failures: int = setting("GATEWAY_BREAKER_FAILURES", _positive_int, 5)
    """Consecutive vendor failures that open a credential's circuit breaker."""
    breaker_open_seconds: float = setting("GATEWAY_BREAKER_OPEN_SECONDS", _positive_float, 10.0)
    """How long an open breaker fails fast before letting one probe through."""


@dataclass(frozen=True)
class ConsoleSettings:
    """The web console at ``/console``."""

    session_seconds: float = setting("GATEWAY_CONSOLE_SESSION_SECONDS", _positive_float, 8 * 3600.0)
    """How long a console session lasts after sign-in (it ends earlier on sign-out, or when the
    key it was opened with is revoked)."""
    sign_in_per_minute: int = setting("GATEWAY_CONSOLE_SIGN_IN_PER_MINUTE", _positive_int, 10)
    """Failed console sign-ins one client address may make per minute (then a 429 page)."""


@dataclass(frozen=True)
class VendorHttpDefaults:
    """HTTP settings every vendor shares; each vendor's base URL is its own."""

    connect_timeout: float = setting("GATEWAY_VENDOR_CONNECT_TIMEOUT", _positive_float, 3.0)
    """Seconds to establish a connection."""
    read_timeout: float = setting("GATEWAY_VENDOR_READ_TIMEOUT", _positive_float, 10.0)
    """Seconds to wait for response bytes."""
    max_connections: int = setting("GATEWAY_VENDOR_MAX_CONNECTIONS", _positive_int, 50)
    """Pooled connections per vendor per process."""
    total_timeout: float = setting("GATEWAY_VENDOR_TOTAL_TIMEOUT", _positive_float, 15.0)
    """Seconds a consumer's request may spend at this vendor, from its arrival: every attempt,
    backoff and wait for a budget slot included."""
    transport: str = setting(
        "GATEWAY_VENDOR_TRANSPORT", _choice(TRANSPORTS, str.lower), DEFAULT_TRANSPORT
    )
    """``aiohttp`` (httpx's API on aiohttp's pool, the cheaper) or ``httpx`` (its own pool)."""

    def for_vendor(self, base_url: str) -> VendorHttpSettings:
        """These defaults for one vendor at ``base_url``."""
        return VendorHttpSettings(base_url=base_url, **dataclasses.asdict(self))


def vendor_http(
    defaults: VendorHttpDefaults = VendorHttpDefaults(),
    vendors: Sequence[VendorEntry] = VENDORS,
) -> dict[str, VendorHttpSettings]:
    """HTTP settings of every registered vendor at its production URL."""
    return {
        vendor.name: defaults.for_vendor(vendor.declaration.default_base_url) for vendor in vendors
    }


def trusted_origins(vendors: Sequence[VendorEntry] = VENDORS) -> tuple[str, ...]:
    """The origins the registered vendors declare trustworthy, in registry order."""
    origins: list[str] = []
    for vendor in vendors:
        origins += [o for o in vendor.declaration.trusted_origins if o not in origins]
    return tuple(origins)


@dataclass(frozen=True)
class Settings:
    """Everything the gateway needs to start. Build with :meth:`from_env` or directly in tests."""

    server: ServerSettings = field(default_factory=ServerSettings)
    stores: StoreSettings = field(default_factory=StoreSettings)
    policies: PolicySettings = field(default_factory=PolicySettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    sandbox: bool = setting("GATEWAY_SANDBOX", _parse_bool, False)
    """Run the vendor simulators alongside and allow a generated vault key."""
    sandbox_port: int = setting("GATEWAY_SANDBOX_PORT", _port, 0)
    """First port of the vendor simulators in sandbox mode, each simulator taking the next
    (so a container can publish them); 0 picks free ports. They bind ``GATEWAY_HOST``."""
    verification_endpoints: tuple[str, ...] = field(
        default_factory=trusted_origins,
        metadata={"variable": "GATEWAY_VERIFICATION_ENDPOINTS", "parse": _parse_origins},
    )
    """Origins a verification callback's profile ``endpoint`` may point at (``*.`` matches any
    subdomain); anything else is refused unfetched. Unset: what the vendors declare."""
    vendors: dict[str, VendorHttpSettings] = field(default_factory=vendor_http)
    """HTTP settings per vendor name (``GATEWAY_<VENDOR>_BASE_URL`` and ``GATEWAY_VENDOR_*``)."""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], vendors: Sequence[VendorEntry] = VENDORS
    ) -> Settings:
        """Read and validate ``GATEWAY_*``; one :class:`SettingsError` lists every problem."""
        reader = _EnvReader(environ)
        http = reader.group(VendorHttpDefaults)
        settings = cls(
            server=reader.group(ServerSettings),
            stores=reader.group(StoreSettings),
            policies=reader.group(PolicySettings),
            console=reader.group(ConsoleSettings),
            sandbox=reader.field(cls, "sandbox"),
            sandbox_port=reader.field(cls, "sandbox_port"),
            verification_endpoints=reader.field(cls, "verification_endpoints")
            or trusted_origins(vendors),
            vendors={
                vendor.name: http.for_vendor(
                    reader.read(
                        vendor.declaration.settings_prefix + "BASE_URL",
                        _parse_url,
                        vendor.declaration.default_base_url,
                    )
                )
                for vendor in vendors
            },
        )
        reader.raise_if_invalid()
        return settings

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def with_stores(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied to the store settings."""
        return self.replace(stores=dataclasses.replace(self.stores, **changes))

    def with_policies(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied to the policy settings."""
        return self.replace(policies=dataclasses.replace(self.policies, **changes))

    def with_vendor_base_url(self, vendor: str, base_url: str) -> Settings:
        """A copy that reaches ``vendor`` at ``base_url`` (the sandbox points at simulators)."""
        vendors = dict(self.vendors)
        current = vendors.get(vendor)
        url = base_url.rstrip("/")
        vendors[vendor] = (
            dataclasses.replace(current, base_url=url)
            if current is not None
            else VendorHttpDefaults().for_vendor(url)
        )
        return self.replace(vendors=vendors)

    def check_ready_to_serve(self) -> None:
        """Refuse to start without what production needs, or with processes that would
        disagree about their state."""
        problems = []
        if self.stores.vault_keys is None and not self.sandbox:
            problems.append(
                "GATEWAY_VAULT_KEYS is not set: the credential vault needs a master key outside "
                "sandbox mode. Generate one with `gateway vault generate-key` and set "
                "GATEWAY_VAULT_KEYS=<that value>, or start with --sandbox."
            )
        if self.server.workers > 1 and not self.stores.shared:
            problems.append(
                f"GATEWAY_WORKERS={self.server.workers} needs a shared database: worker "
                "processes on one embedded SQLite file would contend for it. Set "
                "GATEWAY_DATABASE_URL=postgresql://..., or run one worker (GATEWAY_WORKERS=1)."
            )
        if self.stores.redis_url is not None and not self.stores.shared:
            problems.append(
                "GATEWAY_REDIS_URL is set (replicas sharing budgets and caches) but the system of "
                "record is the embedded SQLite file, which replicas cannot share. Set "
                "GATEWAY_DATABASE_URL=postgresql://..., or unset GATEWAY_REDIS_URL for one process."
            )
        if problems:
            raise SettingsError("\n".join(problems))


class _EnvReader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._problems: list[str] = []

    def read(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self._environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return parse(raw.strip())
        except ValueError as exc:
            self._problems.append(f"{name}: {exc}")
            return default

    def field(self, owner: type[DataclassInstance], name: str) -> Any:
        """One field of ``owner`` read from the variable its metadata names."""
        (spec,) = (f for f in dataclasses.fields(owner) if f.name == name)
        default = None if spec.default is dataclasses.MISSING else spec.default
        return self.read(spec.metadata["variable"], spec.metadata["parse"], default)

    def group(self, group: type[D]) -> D:
        """A settings group with every field read from its variable."""
        return group(
            **{
                spec.name: self.field(group, spec.name)
                for spec in dataclasses.fields(group)
                if "variable" in spec.metadata
            }
        )

    def raise_if_invalid(self) -> None:
        if len(self._problems) == 1:
            raise SettingsError(f"invalid setting {self._problems[0]}")
        if self._problems:
            raise SettingsError("invalid settings:\n  " + "\n  ".join(self._problems))
