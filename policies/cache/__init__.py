"""Response caching: a short in-process tier over a shared Redis tier, with single-flight loads."""

from policies.cache.two_tier import Cached, CacheSettings, TwoTierCache

__all__ = ["CacheSettings", "Cached", "TwoTierCache"]
