"""``make bench``: the gateway's cost per call against its baselines, side by side in one run.

    .venv/bin/python -m benchmarks.run [--seconds 10] [--warmup 2] [--connections 1,32]
                                      [--memory-tenants 10000,20000 | --no-memory]

Rows, each at every connection count (wrk, one thread, keep-alive):

- ``D direct``: wrk against the TrustCaller simulator itself (its rate limit out of the way);
- ``P pass-through``: a bare Litestar app forwarding to it with ``httpx.AsyncClient`` on the
  gateway's transport (``GATEWAY_VENDOR_TRANSPORT``), served by uvicorn like the gateway;
- ``G embedded`` / ``G redis``: ``gateway serve`` (SQLite, in-process limiter and cache; or
  PostgreSQL and Redis), every policy on, spans exported over OTLP to a local sink;
- ``G embedded, no exporter``: the same without a span exporter (what tracing costs).

Routes: ``uncached`` (``GET /v1/calls/live``: always a vendor call), ``cache hit``
(``GET /v1/test-numbers``, answered from the gateway's cache after the warm-up; D and P ask
the vendor) and the gateway's ``/healthz``. The vendor, wrk, the sink, Redis and PostgreSQL run
on one core, the process under test on the other. The table goes to the terminal and to
``benchmarks/results/latest.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from adapters.http import DEFAULT_TRANSPORT
from benchmarks import memory
from benchmarks.processes import (
    LOAD_CORE,
    PROXY_CORE,
    Processes,
    Started,
    bench_env,
    free_port,
    pinning,
    processes,
    start_redis,
    uvicorn_command,
    wait_until_up,
)
from benchmarks.table import (
    CACHE_HIT,
    DIRECT,
    HEALTHZ,
    PASS_THROUGH,
    UNCACHED,
    Results,
    Row,
    markdown,
    summary,
)
from benchmarks.under_test import Mode, Tenant, collections, onboard, start
from benchmarks.wrk import run as wrk


@dataclass(frozen=True)
class Vendor:
    """The running simulator and the account the rows call with."""

    url: str
    account: dict[str, str]
    started: Started


RESULTS = Path(__file__).with_name("results") / "latest.md"
EMBEDDED, REDIS, UNTRACED = "G embedded", "G redis", "G embedded, no exporter"


class Bench:
    """Runs wrk rows against whatever is up, collecting :class:`Row` s."""

    def __init__(self, args: argparse.Namespace, results: Results) -> None:
        self._args = args
        self.results = results

    def measure(
        self, path: str, route: str, url: str, headers: Sequence[str], under: Started | None
    ) -> None:
        """A warm-up, then a measured run, at every connection count."""
        for connections in self._args.connections:
            wrk(url, connections, self._args.warmup, headers, _pin_load())
            load = wrk(url, connections, self._args.seconds, headers, _pin_load())
            if under is not None:
                under.check_alive()
            row = Row(path, route, connections, load)
            self.results.rows.append(row)
            print(
                f"{path:<24} {route:<10} {connections:>3} conns {load.per_second:>9,.0f} req/s "
                f"p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms  errors {load.errors}",
                flush=True,
            )


def _pin_load() -> list[str]:
    return ["taskset", "-c", LOAD_CORE] if pinning() else []


def _vendor(running: Processes, accounts: int) -> tuple[str, list[dict[str, str]], Started]:
    port, out = free_port(), running.directory / f"accounts-{accounts}.json"
    command = [sys.executable, "-m", "benchmarks.vendor", "--port", str(port)]
    command += ["--accounts", str(accounts), "--out", str(out)]
    started = running.start(f"vendor-{accounts}", command, LOAD_CORE, bench_env())
    url = f"http://127.0.0.1:{port}"
    wait_until_up(started, url + "/api/v1/test-numbers", seconds=300)
    return url, json.loads(out.read_text()), started


def _gateway_rows(
    bench: Bench,
    running: Processes,
    mode: Mode,
    vendor_url: str,
    account: dict[str, str],
    routes: Sequence[str],
) -> None:
    gateway = start(running, mode, vendor_url)
    tenant: Tenant = onboard(gateway, account["token"], account["number"])
    auth = [f"Authorization: Bearer {tenant.key}"]
    before = collections(gateway)
    paths = {UNCACHED: tenant.live_path, CACHE_HIT: "/v1/test-numbers", HEALTHZ: "/healthz"}
    for route in routes:
        headers = [] if route == HEALTHZ else auth
        bench.measure(mode.name, route, gateway.url + paths[route], headers, gateway.started)
    bench.results.rss_mb[mode.name] = gateway.started.rss_mb()
    bench.results.collections.append(collections(gateway).since(before).line(mode.name))
    running.stop(gateway.started)


def _redis_mode(
    bench: Bench, running: Processes, base: Mode, vendor_url: str, account: dict[str, str]
) -> None:
    from tests.postgres_server import PostgresServer

    directory = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    server = PostgresServer(directory)
    server.init()
    server.start()
    try:
        if pinning() and server.process is not None:
            os.system(f"taskset -a -p -c {LOAD_CORE} {server.process.pid} >/dev/null")  # noqa: S605
        mode = Mode(
            REDIS,
            running.directory / "redis-data",
            base.transport,
            base.otlp_endpoint,
            redis_url=start_redis(running),
            database_url=server.new_database(),
        )
        _gateway_rows(bench, running, mode, vendor_url, account, (UNCACHED, CACHE_HIT))
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


PARTS = ("direct", "pass-through", "embedded", "untraced", "redis", "memory")


def _baselines(bench: Bench, running: Processes, args: argparse.Namespace, vendor: Vendor) -> None:
    """D and P rows."""
    auth = [f"Authorization: Bearer {vendor.account['token']}", "Accept: application/json"]
    number = f"?number={vendor.account['number']}"
    if "direct" in args.parts:
        api = vendor.url + "/api/v1"
        bench.measure(DIRECT, UNCACHED, f"{api}/calls/check{number}", auth, vendor.started)
        bench.measure(DIRECT, CACHE_HIT, f"{api}/test-numbers", auth, vendor.started)
    if "pass-through" in args.parts:
        port = free_port()
        env = bench_env(
            BENCH_VENDOR_URL=vendor.url + "/api/v1", GATEWAY_VENDOR_TRANSPORT=args.transport
        )
        command = uvicorn_command("benchmarks.passthrough:create_app", port, factory=True)
        proxy = running.start("pass-through", command, PROXY_CORE, env)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(proxy, url + "/test-numbers")
        bench.measure(PASS_THROUGH, UNCACHED, f"{url}/calls/live{number}", auth, proxy)
        bench.measure(PASS_THROUGH, CACHE_HIT, f"{url}/test-numbers", auth, proxy)
        running.stop(proxy)


def _gateways(
    bench: Bench, running: Processes, args: argparse.Namespace, vendor: Vendor, sink_url: str
) -> None:
    """The G rows of each mode asked for."""
    traced = Mode(EMBEDDED, running.directory / "embedded", args.transport, sink_url)
    if "embedded" in args.parts:
        routes = (UNCACHED, CACHE_HIT, HEALTHZ)
        _gateway_rows(bench, running, traced, vendor.url, vendor.account, routes)
    if "untraced" in args.parts:
        untraced = Mode(UNTRACED, running.directory / "untraced", args.transport, None)
        _gateway_rows(bench, running, untraced, vendor.url, vendor.account, (UNCACHED,))
    if "redis" in args.parts:
        _redis_mode(bench, running, traced, vendor.url, vendor.account)


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv)
    if pinning():
        os.sched_setaffinity(0, {int(LOAD_CORE)})
    results = Results()
    bench = Bench(args, results)
    started_at = time.monotonic()
    with contextlib.ExitStack() as stack:
        if args.keep is None:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        else:
            directory = args.keep
            directory.mkdir(parents=True, exist_ok=True)
        running = stack.enter_context(processes(directory))
        url, accounts, started = _vendor(running, 1)
        vendor = Vendor(url, accounts[0], started)
        _baselines(bench, running, args, vendor)
        sink_port = free_port()
        command = uvicorn_command("benchmarks.otlp_sink:app", sink_port)
        sink = running.start("otlp-sink", command, LOAD_CORE, bench_env())
        sink_url = f"http://127.0.0.1:{sink_port}"
        wait_until_up(sink, sink_url)
        _gateways(bench, running, args, vendor, sink_url)
        running.stop(vendor.started)
        if "memory" in args.parts and args.memory_tenants:
            results.memory = memory.measure(
                running, args.memory_tenants, args.transport, sink_url, _vendor
            )
    _report(args, results, time.monotonic() - started_at)


def _report(args: argparse.Namespace, results: Results, seconds: float) -> None:
    pinned = (
        f"vendor, wrk, sink, Redis, PostgreSQL on core {LOAD_CORE}; the process under test on "
        f"core {PROXY_CORE}"
        if pinning()
        else "no (taskset missing, or one core)"
    )
    header = [
        f"- Pinned: {pinned}",
        f"- Vendor transport (P and G): {args.transport}; {args.seconds:g} s per row after "
        f"{args.warmup:g} s of warm-up; whole run {seconds:.0f} s",
        "- Gateway: the credential's budget raised through the admin API; API-key auth, "
        "shaping, breaker, metrics on; spans exported over OTLP to a local sink",
    ]
    ratios = summary(results, EMBEDDED, UNTRACED, max(args.connections))
    report = markdown(results, header, ratios)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print("\n" + report)
    print(f"written to {args.out}")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", 2)))
    parser.add_argument(
        "--connections",
        type=lambda raw: [int(c) for c in raw.split(",")],
        default=[1, 32],
        help="comma-separated connection counts (default 1,32)",
    )
    parser.add_argument(
        "--transport",
        default=os.environ.get("GATEWAY_VENDOR_TRANSPORT", DEFAULT_TRANSPORT),
        help="the vendor transport of P and G (default: GATEWAY_VENDOR_TRANSPORT or the "
        "gateway's default)",
    )
    parser.add_argument(
        "--memory-tenants",
        type=lambda raw: [int(step) for step in raw.split(",") if step],
        default=os.environ.get("BENCH_TENANTS", "10000,20000"),
        help="comma-separated tenant counts the memory section measures at (default "
        "10000,20000: at, then past, the bounded caches' sizes)",
    )
    parser.add_argument("--no-memory", dest="memory_tenants", action="store_const", const=[])
    parser.add_argument(
        "--parts",
        type=lambda raw: set(raw.split(",")),
        default=set(PARTS),
        help=f"what to run, comma-separated (default: all of {','.join(PARTS)})",
    )
    parser.add_argument("--keep", type=Path, help="keep the processes' logs in this directory")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
