"""The processes a benchmark run starts: each pinned to its core, each stopped at the end.

Two cores are told apart: the *load* core runs the vendor simulator, wrk, the OTLP sink, Redis
and PostgreSQL; the *proxy* core runs the process under test (the pass-through or the gateway),
alone. Without ``taskset`` (or with one core) nothing is pinned and the table says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from simulators.server import bind_socket

LOAD_CORE, PROXY_CORE = "0", "1"


def pinning() -> bool:
    """Whether processes can be pinned here (``taskset`` and at least two cores)."""
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pin(core: str) -> list[str]:
    """The prefix that runs a command on ``core`` (nothing when pinning is not possible)."""
    return ["taskset", "-c", core] if pinning() else []


def free_port() -> int:
    """A local port nothing listens on right now."""
    with bind_socket() as sock:
        return int(sock.getsockname()[1])


def bench_env(**overrides: str) -> dict[str, str]:
    """This environment without ``GATEWAY_*``/``OTEL_*`` variables, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "OTEL_", "BENCH_"))}
    env.update(overrides)
    return env


@dataclass
class Started:
    """A process this run started, with its log."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def rss_mb(self) -> list[float]:
        """Resident memory of the process and each of its children (uvicorn's workers), MB."""
        pids = [self.process.pid, *_children(self.process.pid)]
        return [rss for rss in (_rss_mb(pid) for pid in pids) if rss is not None]

    def check_alive(self) -> None:
        """Fail with the end of the log if the process has exited."""
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{tail}")


@dataclass
class Processes:
    """Everything a run started, stopped in reverse order."""

    directory: Path
    started: list[Started] = field(default_factory=list)

    def start(
        self, name: str, command: Sequence[str], core: str, env: Mapping[str, str]
    ) -> Started:
        """Start ``command`` on ``core``, its output in a log file of the run's directory."""
        log = self.directory / f"{name}.log"
        process = subprocess.Popen(
            [*pin(core), *command],
            env=dict(env),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
        )
        started = Started(name, process, log)
        self.started.append(started)
        return started

    def stop(self, started: Started) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        started.process.terminate()
        try:
            started.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            started.process.kill()
            started.process.wait(timeout=5)
        if started in self.started:
            self.started.remove(started)

    def stop_all(self) -> None:
        """Stop every process still running."""
        for started in reversed(list(self.started)):
            self.stop(started)


@contextlib.contextmanager
def processes(directory: Path) -> Iterator[Processes]:
    """A :class:`Processes` whose survivors are stopped on the way out, whatever happened."""
    running = Processes(directory)
    try:
        yield running
    finally:
        running.stop_all()


def wait_until_up(started: Started, url: str, seconds: float = 60) -> None:
    """Poll ``url`` until it answers at all (any status)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started.check_alive()
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{started.name} did not answer at {url} within {seconds:g} s")


def uvicorn_command(app: str, port: int, *, factory: bool = False) -> list[str]:
    """uvicorn serving ``app`` as the gateway serves itself (uvloop, httptools, no access log)."""
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log", "--no-server-header"]
    return [*command, "--factory"] if factory else command


def start_redis(running: Processes) -> str:
    """A Redis without persistence on a unix socket of the run's directory; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: scripts/ensure-redis.sh installs it")
    socket = running.directory / "redis.sock"
    command = [binary, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(running.directory)]
    started = running.start("redis", command, LOAD_CORE, os.environ)
    deadline = time.monotonic() + 10
    while not socket.exists():
        started.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.02)
    return f"unix://{socket}"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found += [int(child) for child in text]
    return found


def _rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None
