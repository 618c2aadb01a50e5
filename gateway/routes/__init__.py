"""HTTP routes of the unified API."""
