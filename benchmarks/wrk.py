"""The load generator: wrk, run for a fixed time, read back through :file:`report.lua`."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPORT_SCRIPT = Path(__file__).with_name("report.lua")
_LINE = re.compile(
    r"^BENCH requests=(?P<requests>\d+) duration_us=(?P<duration>\d+) "
    r"socket_errors=(?P<socket>\d+) status_errors=(?P<status>\d+) "
    r"p50_us=(?P<p50>\d+) p99_us=(?P<p99>\d+)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    requests: int
    seconds: float
    errors: int
    """Socket errors and answers with a status of 400 or more (a figure with errors is void)."""
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def parse(output: str) -> Load:
    """The figures of wrk's output (the line :file:`report.lua` prints)."""
    found = _LINE.search(output)
    if found is None:
        raise ValueError(f"no BENCH line in wrk's output:\n{output}")
    return Load(
        requests=int(found["requests"]),
        seconds=int(found["duration"]) / 1e6,
        errors=int(found["socket"]) + int(found["status"]),
        p50_ms=int(found["p50"]) / 1000,
        p99_ms=int(found["p99"]) / 1000,
    )


def command(
    url: str, connections: int, seconds: float, headers: Sequence[str], pin: Sequence[str] = ()
) -> list[str]:
    """The wrk command line: one thread, ``connections`` keep-alive connections."""
    line = [*pin, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    line += ["--latency", "-s", str(REPORT_SCRIPT)]
    for header in headers:
        line += ["-H", header]
    return [*line, url]


def run(
    url: str, connections: int, seconds: float, headers: Sequence[str], pin: Sequence[str] = ()
) -> Load:
    """Load ``url`` for ``seconds`` and return what wrk measured."""
    done = subprocess.run(
        command(url, connections, seconds, headers, pin),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    return parse(done.stdout)
