"""A fifth vendor that exists only for tests: EchoCall, an adapter package and its simulator.

It proves that a vendor is one folder plus one registry entry: nothing under ``gateway/`` or
``policies/`` knows it, yet the unified routes, settings and sandbox serve it.
"""
