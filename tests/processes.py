"""Helpers for tests that run the ``gateway`` command as a real process."""

from __future__ import annotations

import os
import sys
import time

import httpx

from simulators.server import bind_socket

GATEWAY = [sys.executable, "-m", "gateway.cli"]
"""The ``gateway`` command, run by this interpreter."""


def free_port() -> int:
    """A local port nothing listens on right now."""
    with bind_socket() as sock:
        return int(sock.getsockname()[1])


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any ``GATEWAY_*`` variable, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(overrides)
    return env


def wait_until_up(url: str, path: str = "/healthz", seconds: float = 30) -> None:
    """Poll ``url + path`` until it answers 200 (AssertionError after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url}{path} did not answer 200 within {seconds:g} s")
