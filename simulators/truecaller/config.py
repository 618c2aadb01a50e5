"""Settings of the Truecaller simulator: every delay, limit and TTL of the two contract sheets.

Defaults are the vendor's documented values (``vendor-contracts/truecaller-business.md`` and
``truecaller-profile.md``) or, where a sheet marks a value ``[assumed]``, the sheet's simulator
default. Tests shrink the delays and TTLs; nothing here is read from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

WEBHOOK_RETRY_DELAYS = (120.0, 360.0, 1800.0, 3600.0, 18_000.0, 86_400.0, 172_800.0)
"""Business webhook retries after a failed first attempt: 2 m, 6 m, 30 m, 1 h, 5 h, 1 d, 2 d."""
CALLBACK_RETRY_DELAYS = (1.0, 5.0, 30.0)
"""Verification callback retries after a 5xx or a timeout (profile sheet, assumed)."""


@dataclass(frozen=True)
class SimulatorConfig:
    """Settings of one simulator instance (business API, profile flow and webhooks)."""

    token_ttl_seconds: float = 3600.0
    """Lifetime of a business bearer token (vendor: 60 minutes)."""
    token_creation_limit: int = 10
    """Tokens one client account may create in a sliding ``token_creation_window_seconds``."""
    token_creation_window_seconds: float = 1800.0
    """The token-creation window (vendor: 30 minutes)."""
    realtime_rate_limit: int = 100
    """Real-time personalisation requests per token per ``realtime_rate_window_seconds``."""
    realtime_rate_window_seconds: float = 1.0
    batch_rate_limit: int = 60
    """Batch personalisation creations per token per ``batch_rate_window_seconds``."""
    batch_rate_window_seconds: float = 60.0
    default_rate_limit: int = 100
    """Every other bearer endpoint, per token per ``default_rate_window_seconds`` (assumed)."""
    default_rate_window_seconds: float = 1.0
    number_processing_seconds: float = 5.0
    """Delay before a listing or delisting request takes effect."""
    batch_processing_seconds: float = 2.0
    """Delay before the last record of a batch is processed (earlier records finish sooner)."""
    numbers_per_request: int = 10_000
    """Most numbers one list or delist request may carry."""
    feature_set_capacity: int = 10_000
    """Most numbers (listed or being listed) one feature set may hold."""
    account_number_cap: int = 100_000
    """Most numbers one client account may hold (the vendor does not publish its value)."""
    batch_max_records: int = 500
    """Most call records one batch request may carry."""
    list_reports_processing_numbers: bool = True
    """Whether a list response names the numbers it ignored (``processing_numbers``); when off,
    an ignored number appears in no array at all, as in the seed's list example."""
    realtime_validation_status: int = 400
    """HTTP status of a real-time validation failure (the seed shows 400; the
    ``status_info`` body is the same either way)."""
    download_url_ttl_seconds: float = 600.0
    """How long a Call-Me-Back or User-Feedback download URL stays valid (vendor: 10 minutes)."""
    webhook_retry_delays_seconds: tuple[float, ...] = WEBHOOK_RETRY_DELAYS
    webhook_connect_timeout_seconds: float = 20.0
    webhook_read_timeout_seconds: float = 20.0
    webhook_total_timeout_seconds: float = 60.0
    webhook_strict_json: bool = True
    """Count a 2XX answer without a JSON body as a failed delivery."""
    webhook_require_https: bool = False
    """Refuse ``http://`` webhook URLs (the vendor console does; local tests need plain HTTP)."""
    profile_prefix: str = "/profile/v1/default"
    """Path of the profile endpoint; the callback's ``endpoint`` is the server root plus this."""
    profile_token_ttl_seconds: float = 600.0
    """Lifetime of a profile access token (vendor: about 10 minutes)."""
    profile_numbers_as_json_numbers: bool = False
    """Emit ``phoneNumbers`` as JSON numbers, as the older vendor samples did."""
    callback_retry_delays_seconds: tuple[float, ...] = CALLBACK_RETRY_DELAYS
    callback_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        positive = {
            "token_ttl_seconds": self.token_ttl_seconds,
            "token_creation_window_seconds": self.token_creation_window_seconds,
            "realtime_rate_window_seconds": self.realtime_rate_window_seconds,
            "batch_rate_window_seconds": self.batch_rate_window_seconds,
            "default_rate_window_seconds": self.default_rate_window_seconds,
            "download_url_ttl_seconds": self.download_url_ttl_seconds,
            "webhook_connect_timeout_seconds": self.webhook_connect_timeout_seconds,
            "webhook_read_timeout_seconds": self.webhook_read_timeout_seconds,
            "webhook_total_timeout_seconds": self.webhook_total_timeout_seconds,
            "profile_token_ttl_seconds": self.profile_token_ttl_seconds,
            "callback_timeout_seconds": self.callback_timeout_seconds,
        }
        at_least_one = {
            "token_creation_limit": self.token_creation_limit,
            "realtime_rate_limit": self.realtime_rate_limit,
            "batch_rate_limit": self.batch_rate_limit,
            "default_rate_limit": self.default_rate_limit,
            "numbers_per_request": self.numbers_per_request,
            "feature_set_capacity": self.feature_set_capacity,
            "account_number_cap": self.account_number_cap,
            "batch_max_records": self.batch_max_records,
        }
        not_negative = {
            "number_processing_seconds": self.number_processing_seconds,
            "batch_processing_seconds": self.batch_processing_seconds,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"SimulatorConfig.{name} must be positive")
        for name, value in at_least_one.items():
            if value < 1:
                raise ValueError(f"SimulatorConfig.{name} must be at least 1")
        for name, value in not_negative.items():
            if value < 0:
                raise ValueError(f"SimulatorConfig.{name} must not be negative")
        for name, delays in (
            ("webhook_retry_delays_seconds", self.webhook_retry_delays_seconds),
            ("callback_retry_delays_seconds", self.callback_retry_delays_seconds),
        ):
            if any(d < 0 for d in delays):
                raise ValueError(f"SimulatorConfig.{name} must not contain negative delays")
        if self.realtime_validation_status not in (200, 400, 422):
            raise ValueError("SimulatorConfig.realtime_validation_status must be 200, 400 or 422")
        prefix = self.profile_prefix
        if not prefix.startswith("/") or prefix.endswith("/") or prefix.startswith("/_sim"):
            raise ValueError(
                "SimulatorConfig.profile_prefix must start with '/', not end with '/' "
                "and not be under /_sim"
            )
        if prefix.startswith(("/clients", "/v2/", "/v3/", "/files")):
            raise ValueError("SimulatorConfig.profile_prefix must not overlap the business API")
