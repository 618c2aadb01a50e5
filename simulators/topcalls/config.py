"""Settings of the TopCalls simulator: every delay and limit of the contract sheet.

Defaults are the values of ``vendor-contracts/topcalls.md`` (most are marked [assumed] there, as
simulator defaults). Tests shrink the delays; nothing here is read from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimulatorConfig:
    """Settings of one TopCalls simulator; defaults are the contract's (mostly assumed) values."""

    api_prefix: str = "/v1"
    """Path of the vendor API; clients use the server root as base URL and call ``/v1/...``."""
    rate_limit: int = 60
    """Requests per API key in one rate window."""
    rate_window_seconds: float = 60.0
    """Length of the fixed rate window, started by a key's first request."""
    max_concurrent_calls: int = 5
    """Calls one account may have in progress; further calls wait in ``queued``."""
    queue_seconds: float = 1.0
    """Time a new call spends ``queued`` before it is dialled (when a slot is free)."""
    talk_seconds: float = 30.0
    """Time from dialling to hang-up (capped by the call's ``max_duration``)."""
    post_processing_seconds: float = 15.0
    """Delay after the end until transcript, recording, summary and ``call.completed``."""
    byoc_activation_seconds: float = 2.0
    """Time a number on a custom carrier stays ``pending``."""
    idempotency_ttl_seconds: float = 86_400.0
    """How long a response is kept for replay under its ``Idempotency-Key``."""
    webhook_timeout_seconds: float = 10.0
    """A webhook receiver silent this long has failed the attempt."""
    webhook_retry_delays: tuple[float, ...] = (60.0, 300.0, 900.0, 3600.0)
    """Delays before each retry, counted from the failed attempt; then the webhook fails."""
    tick_seconds: float = 0.05
    """How often the background task moves calls on and sends due webhooks."""
    strict_phone_numbers: bool = False
    """``True``: numbers must be *valid* per libphonenumber; ``False``: *possible* (known country
    code and a plausible length), which also accepts fictional test ranges."""
    recording_base_url: str = "https://api.topcalls.ai/recordings"
    """Prefix of the recording URLs the simulator makes up."""

    def __post_init__(self) -> None:
        if not self.api_prefix.startswith("/") or self.api_prefix.endswith("/"):
            raise ValueError("SimulatorConfig.api_prefix must start with '/' and not end with '/'")
        if self.rate_limit < 1 or self.rate_window_seconds <= 0:
            raise ValueError("SimulatorConfig.rate_limit and rate_window_seconds must be positive")
        if self.max_concurrent_calls < 1:
            raise ValueError("SimulatorConfig.max_concurrent_calls must be at least 1")
        timings = (
            self.queue_seconds,
            self.talk_seconds,
            self.post_processing_seconds,
            self.byoc_activation_seconds,
            self.idempotency_ttl_seconds,
            *self.webhook_retry_delays,
        )
        if any(t < 0 for t in timings):
            raise ValueError("SimulatorConfig timings must not be negative")
        if self.webhook_timeout_seconds <= 0 or self.tick_seconds <= 0:
            raise ValueError("SimulatorConfig webhook_timeout_seconds and tick_seconds must be > 0")
