"""Helpers for tests that run the ``gateway`` command as a real process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

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
    env["PYTHONFAULTHANDLER"] = "1"
    env.update(overrides)
    return env


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process it started, and theirs (Linux ``/proc``)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += process_tree(int(child))
    return found


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


def stop(processes: Mapping[subprocess.Popen[bytes], Path], seconds: float = 20) -> None:
    """SIGTERM to every process, then wait. One that does not stop is a defect: its Python
    stacks are dumped (``PYTHONFAULTHANDLER`` is set by :func:`clean_env`) into its log, it is
    killed, and the test fails with the stacks."""
    for process in processes:
        process.terminate()
    stuck = []
    for process, log in processes.items():
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
            process.kill()
            process.wait(timeout=5)
            stuck.append(f"pid {process.pid}:\n{log.read_text(errors='replace')[-6000:]}")
    if stuck:
        raise AssertionError(
            f"gateway processes did not stop within {seconds:g} s of SIGTERM:\n" + "\n".join(stuck)
        )
