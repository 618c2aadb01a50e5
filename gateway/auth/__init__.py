"""Tenants, gateway API keys, scopes, and the guard that enforces them."""
