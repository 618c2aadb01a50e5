"""Rate shaping: an exact limiter per vendor credential, shared by replicas through Redis."""

from policies.ratelimit.limiter import Decision, MemoryLimiter, Rate, RedisLimiter
from policies.ratelimit.shaper import Admission, RateShaper, ShapingRejected, ShapingSettings

__all__ = [
    "Admission",
    "Decision",
    "MemoryLimiter",
    "Rate",
    "RateShaper",
    "RedisLimiter",
    "ShapingRejected",
    "ShapingSettings",
]
