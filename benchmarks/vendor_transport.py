"""Vendor pass-through cost per transport: the figure that decides GATEWAY_VENDOR_TRANSPORT.

Runs the TrustCaller client against the simulator (its rate limit raised out of the way) on each
transport, sequentially and with concurrency, and prints requests/s and CPU ms per request of this
process (the gateway side; the simulator runs in another process so its CPU is not counted).

    .venv/bin/python benchmarks/vendor_transport.py [--requests 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

import httpx

from adapters.http import VendorHttpSettings, build_vendor_client
from adapters.trustcaller.client import TrustCallerClient
from simulators.server import bind_socket

SIMULATOR = """
import uvicorn
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app
app = create_simulator_app(SimulatorConfig(rate_limit=10**9))
account = app.state.simulator.create_account("bench")
print(account.token, account.numbers[0], flush=True)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


async def measure(
    transport: str, base_url: str, token: str, number: str, requests: int, concurrency: int
) -> tuple[float, float]:
    """Requests per second and CPU milliseconds per request."""
    http = build_vendor_client(
        VendorHttpSettings(base_url=base_url, max_connections=concurrency, transport=transport)
    )
    client = TrustCallerClient(http)
    for _ in range(50):
        await client.check_live_call(token, number)
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await client.check_live_call(token, number)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(requests)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await http.aclose()
    return requests / wall, cpu * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with bind_socket() as sock:
        port = sock.getsockname()[1]
    simulator = subprocess.Popen(
        [sys.executable, "-c", SIMULATOR.format(port=port)], stdout=subprocess.PIPE, text=True
    )
    try:
        token, number = simulator.stdout.readline().split()  # type: ignore[union-attr]
        base_url = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(100):
            try:
                httpx.get(base_url + "/numbers")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        print(f"{'transport':<10} {'concurrency':>11} {'req/s':>9} {'CPU ms/req':>11}")
        for concurrency in (1, args.concurrency):
            for transport in ("httpx", "aiohttp"):
                rate, cpu_ms = asyncio.run(
                    measure(transport, base_url, token, number, args.requests, concurrency)
                )
                print(f"{transport:<10} {concurrency:>11} {rate:>9.0f} {cpu_ms:>11.2f}")
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


if __name__ == "__main__":
    main()
