"""The benchmark's answer: one row per (path, route, connections), the ratios that matter, and
the machine it ran on, as markdown."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.wrk import Load

DIRECT, PASS_THROUGH = "D direct", "P pass-through"
UNCACHED, CACHE_HIT, HEALTHZ = "uncached", "cache hit", "/healthz"


@dataclass(frozen=True)
class Row:
    """One measurement: who served it (``D``, ``P`` or a gateway mode), which route, how many
    connections."""

    path: str
    route: str
    connections: int
    load: Load

    @property
    def is_gateway(self) -> bool:
        """Whether the gateway served it."""
        return self.path.startswith("G")


@dataclass
class Results:
    """Everything one run measured."""

    rows: list[Row] = field(default_factory=list)
    rss_mb: dict[str, list[float]] = field(default_factory=dict)
    """Resident memory of each gateway mode's worker(s) after its rows, MB."""
    memory: list[str] = field(default_factory=list)
    """Lines of the memory section (tenants vs resident memory)."""
    collections: list[str] = field(default_factory=list)
    """A line per gateway mode: its garbage collections during its rows."""
    notes: list[str] = field(default_factory=list)

    def find(self, path: str, route: str, connections: int) -> Row | None:
        """The row of ``path`` on ``route`` at ``connections``, if measured."""
        return next(
            (
                r
                for r in self.rows
                if (r.path, r.route, r.connections) == (path, route, connections)
            ),
            None,
        )


def _ratio(row: Row, results: Results) -> str:
    base = results.find(PASS_THROUGH, row.route, row.connections)
    if not row.is_gateway or base is None or not base.load.per_second:
        return ""
    return f"{row.load.per_second / base.load.per_second:.2f}"


def _added(row: Row, results: Results) -> tuple[str, str]:
    base = results.find(DIRECT, row.route, row.connections)
    if not row.is_gateway or base is None:
        return "", ""
    return (
        f"{row.load.p50_ms - base.load.p50_ms:+.2f}",
        f"{row.load.p99_ms - base.load.p99_ms:+.2f}",
    )


def table(results: Results) -> list[str]:
    """The rows as a markdown table with G/P (throughput) and G-D (latency) per row."""
    lines = [
        "| path | route | conns | req/s | p50 ms | p99 ms | errors | G/P req/s | G-D p50 ms "
        "| G-D p99 ms |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in results.rows:
        added_p50, added_p99 = _added(row, results)
        lines.append(
            f"| {row.path} | {row.route} | {row.connections} | {row.load.per_second:,.0f} "
            f"| {row.load.p50_ms:.2f} | {row.load.p99_ms:.2f} | {row.load.errors} "
            f"| {_ratio(row, results)} | {added_p50} | {added_p99} |"
        )
    return lines


def summary(results: Results, gateway: str, untraced: str, most: int) -> list[str]:
    """The ratios the issue's targets are stated in, from this run's rows."""
    lines: list[str] = []
    hit = results.find(gateway, CACHE_HIT, most)
    uncached = results.find(gateway, UNCACHED, most)
    health = results.find(gateway, HEALTHZ, most)
    if hit and health and hit.load.per_second:
        lines.append(
            f"- A cache hit costs {health.load.per_second / hit.load.per_second:.1f}x what "
            f"/healthz costs ({most} connections, by throughput)."
        )
    hit_one, health_one = results.find(gateway, CACHE_HIT, 1), results.find(gateway, HEALTHZ, 1)
    if hit_one and health_one:
        extra = hit_one.load.p50_ms - health_one.load.p50_ms
        lines.append(f"- At 1 connection a cache hit takes {extra:+.2f} ms p50 over /healthz.")
    if hit and uncached and uncached.load.per_second:
        times = hit.load.per_second / uncached.load.per_second
        lines.append(f"- Cache hit vs uncached throughput: {times:.1f}x ({most} connections).")
    plain = results.find(untraced, UNCACHED, most)
    if plain and uncached and plain.load.per_second:
        cost = 1 - uncached.load.per_second / plain.load.per_second
        lines.append(
            f"- Tracing with its OTLP exporter on vs no exporter: {uncached.load.per_second:,.0f} "
            f"vs {plain.load.per_second:,.0f} req/s uncached at {most} connections "
            f"(the exporter costs {cost:.0%} of throughput)."
        )
    for mode, rss in results.rss_mb.items():
        shown = ", ".join(f"{mb:.0f} MB" for mb in rss)
        lines.append(f"- Resident memory per gateway worker, {mode}, after its rows: {shown}.")
    return lines + results.collections


def machine() -> list[str]:
    """When and where: date, CPU model, cores, Python."""
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores",
        f"- Python {platform.python_version()}, {platform.system()} {platform.release()}",
    ]


def markdown(results: Results, header: Sequence[str], ratios: Sequence[str]) -> str:
    """The whole report."""
    parts = ["# Benchmark: the gateway against its baselines", "", *machine(), *header, ""]
    parts += [*table(results), "", *ratios]
    void = [f"{r.path} {r.route} at {r.connections}" for r in results.rows if r.load.errors]
    if void:
        parts += ["", f"**Rows with errors (their figures are void): {'; '.join(void)}.**"]
    if results.memory:
        parts += ["", "## Memory: resident size against the number of tenants", "", *results.memory]
    if results.notes:
        parts += ["", *results.notes]
    return "\n".join(parts) + "\n"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
