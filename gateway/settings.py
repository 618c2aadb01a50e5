"""Typed settings from ``GATEWAY_*`` environment variables, validated once at start.

Nothing here runs at import time: :meth:`Settings.from_env` is called by the CLI (or a test) with
an explicit mapping, and every problem is reported together in one :class:`SettingsError`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from policies.vault import Keyring

T = TypeVar("T")

LOG_FORMATS = ("auto", "json", "text")
TRANSPORTS = ("httpx", "aiohttp")
VENDOR_BASE_URLS: Mapping[str, str] = {
    "trustcaller": "https://trustcaller.net/api/v1",
    "topcalls": "https://api.topcalls.ai",
    "truecaller": "https://enterprise-portal-noneu.truecaller.com",
    "truecaller_profile": "https://profile4-noneu.truecaller.com",
}
"""Each vendor's production API root; ``GATEWAY_<VENDOR>_BASE_URL`` overrides it."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """One or more settings are invalid; the message lists each with the variable to fix."""


@dataclass(frozen=True)
class VendorHttpSettings:
    """How the gateway talks to one vendor."""

    base_url: str
    """Vendor API root, without a trailing slash."""
    connect_timeout: float = 3.0
    """Seconds to establish a connection."""
    read_timeout: float = 10.0
    """Seconds to wait for response bytes."""
    max_connections: int = 50
    """Pooled connections per vendor per process."""
    total_timeout: float = 15.0
    """Seconds one vendor call may take in all (connect, send, wait, read)."""
    transport: str = "httpx"
    """``httpx`` (its own pool) or ``aiohttp`` (httpx's API on aiohttp's pool: less CPU per call,
    see ``benchmarks/vendor_transport.py``)."""


@dataclass(frozen=True)
class Settings:
    """Everything the gateway needs to start. Build with :meth:`from_env` or directly in tests."""

    host: str = "127.0.0.1"
    """Interface ``gateway serve`` binds to."""
    port: int = 8080
    """Port ``gateway serve`` listens on."""
    workers: int = 1
    """Worker processes for ``gateway serve``."""
    data_dir: Path = Path(".gateway-data")
    """Where the embedded (SQLite) stores live."""
    sandbox: bool = False
    """Run the vendor simulators alongside and allow a generated vault key."""
    admin_key: str | None = field(default=None, repr=False)
    """Operator key with access to every tenant. Generated and printed once when unset."""
    vault_keys: Keyring | None = field(default=None, repr=False)
    """Master keys for the credential vault (required outside sandbox mode)."""
    redis_url: str | None = None
    """Shared state (cache, limiter) in Redis; embedded in-process state when unset."""
    redis_timeout: float = 0.5
    """Seconds a Redis command may take before the policy falls back."""
    shaping_max_wait: float = 5.0
    """Seconds a request may wait for a vendor budget slot before a 429."""
    shaping_fallback_share: float = 0.25
    """Share of a vendor budget one process uses while Redis is unreachable."""
    cache_local_seconds: float = 5.0
    """How long the in-process cache tier keeps an entry."""
    tenant_quota_per_minute: int | None = None
    """Optional cap on vendor calls per tenant per minute, in front of the vendors' budgets."""
    retry_max_attempts: int = 3
    """Attempts of an idempotent vendor call on vendor failures (first one included)."""
    breaker_failures: int = 5
    """Consecutive vendor failures that open a credential's circuit breaker."""
    breaker_open_seconds: float = 10.0
    """How long an open breaker fails fast before letting one probe through."""
    verification_endpoints: tuple[str, ...] = ("https://*.truecaller.com",)
    """Origins a verification callback's profile ``endpoint`` may point at (``*.`` matches any
    subdomain); anything else is refused unfetched."""
    log_level: str = "INFO"
    log_format: str = "auto"
    vendors: dict[str, VendorHttpSettings] = field(
        default_factory=lambda: {
            name: VendorHttpSettings(base_url=url) for name, url in VENDOR_BASE_URLS.items()
        }
    )
    """HTTP settings per vendor name."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and validate ``GATEWAY_*``; one :class:`SettingsError` lists every problem."""
        reader = _EnvReader(environ)
        defaults = cls()
        settings = cls(
            host=reader.read("GATEWAY_HOST", str, defaults.host),
            port=reader.read("GATEWAY_PORT", _port, defaults.port),
            workers=reader.read("GATEWAY_WORKERS", _positive_int, defaults.workers),
            data_dir=reader.read("GATEWAY_DATA_DIR", Path, defaults.data_dir),
            sandbox=reader.read("GATEWAY_SANDBOX", _parse_bool, False),
            admin_key=reader.read("GATEWAY_ADMIN_KEY", _parse_admin_key, None),
            vault_keys=reader.read("GATEWAY_VAULT_KEYS", Keyring.from_spec, None),
            redis_url=reader.read("GATEWAY_REDIS_URL", _parse_redis_url, None),
            redis_timeout=reader.read("GATEWAY_REDIS_TIMEOUT", _positive_float, 0.5),
            shaping_max_wait=reader.read("GATEWAY_SHAPING_MAX_WAIT", _non_negative_float, 5.0),
            shaping_fallback_share=reader.read(
                "GATEWAY_SHAPING_FALLBACK_SHARE", _share, defaults.shaping_fallback_share
            ),
            cache_local_seconds=reader.read(
                "GATEWAY_CACHE_LOCAL_SECONDS", _non_negative_float, defaults.cache_local_seconds
            ),
            tenant_quota_per_minute=reader.read(
                "GATEWAY_TENANT_QUOTA_PER_MINUTE", _positive_int, None
            ),
            retry_max_attempts=reader.read("GATEWAY_RETRY_MAX_ATTEMPTS", _positive_int, 3),
            breaker_failures=reader.read("GATEWAY_BREAKER_FAILURES", _positive_int, 5),
            breaker_open_seconds=reader.read(
                "GATEWAY_BREAKER_OPEN_SECONDS", _positive_float, defaults.breaker_open_seconds
            ),
            verification_endpoints=reader.read(
                "GATEWAY_VERIFICATION_ENDPOINTS",
                _parse_origins,
                defaults.verification_endpoints,
            ),
            log_level=reader.read("GATEWAY_LOG_LEVEL", _choice(LOG_LEVELS, str.upper), "INFO"),
            log_format=reader.read("GATEWAY_LOG_FORMAT", _choice(LOG_FORMATS, str.lower), "auto"),
            vendors={
                name: VendorHttpSettings(
                    base_url=reader.read(f"GATEWAY_{name.upper()}_BASE_URL", _parse_url, url),
                    connect_timeout=reader.read(
                        "GATEWAY_VENDOR_CONNECT_TIMEOUT", _positive_float, 3.0
                    ),
                    read_timeout=reader.read("GATEWAY_VENDOR_READ_TIMEOUT", _positive_float, 10.0),
                    max_connections=reader.read(
                        "GATEWAY_VENDOR_MAX_CONNECTIONS", _positive_int, 50
                    ),
                    total_timeout=reader.read(
                        "GATEWAY_VENDOR_TOTAL_TIMEOUT", _positive_float, 15.0
                    ),
                    transport=reader.read(
                        "GATEWAY_VENDOR_TRANSPORT", _choice(TRANSPORTS, str.lower), "httpx"
                    ),
                )
                for name, url in VENDOR_BASE_URLS.items()
            },
        )
        reader.raise_if_invalid()
        return settings

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def with_vendor_base_url(self, vendor: str, base_url: str) -> Settings:
        """A copy that reaches ``vendor`` at ``base_url`` (the sandbox points at simulators)."""
        vendors = dict(self.vendors)
        vendors[vendor] = dataclasses.replace(vendors[vendor], base_url=base_url.rstrip("/"))
        return self.replace(vendors=vendors)

    def check_ready_to_serve(self) -> None:
        """Refuse to start without what production needs."""
        if self.vault_keys is None and not self.sandbox:
            raise SettingsError(
                "GATEWAY_VAULT_KEYS is not set: the credential vault needs a master key outside "
                "sandbox mode. Generate one with `gateway vault generate-key` and set "
                "GATEWAY_VAULT_KEYS=<that value>, or start with --sandbox."
            )


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

    def raise_if_invalid(self) -> None:
        if self._problems:
            raise SettingsError("invalid settings:\n  " + "\n  ".join(self._problems))


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


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be positive, got {raw!r}")
    return value


def _non_negative_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"must be zero or more, got {raw!r}")
    return value


def _share(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 1:
        raise ValueError(f"must be a fraction in (0, 1], got {raw!r}")
    return value


def _parse_redis_url(raw: str) -> str:
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected redis://, rediss:// or unix:// (value not shown)")
    return raw


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"must be a positive integer, got {raw!r}")
    return value


def _port(raw: str) -> int:
    value = int(raw)
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
