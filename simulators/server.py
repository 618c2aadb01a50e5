"""Run an ASGI app (a vendor simulator) on a real local port, in the background.

Simulators are real HTTP servers: the sandbox starts them in a thread beside the gateway, and the
tests start them the same way. Port 0 picks a free port; the bound address is read back.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


@dataclass
class RunningServer:
    """A server started by :func:`start_in_thread`; ``url`` has no trailing slash."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread = field(repr=False)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the server to exit and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout)


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """Bind a listening TCP socket; port 0 lets the kernel pick a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it; without it every response waits on delayed ACKs (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def start_in_thread(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0
) -> RunningServer:
    """Serve ``app`` with uvicorn in a daemon thread and return once it accepts connections."""
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])),
        name=f"sim-{bound_port}",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"server on port {bound_port} exited during start-up")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"server on port {bound_port} did not start in {startup_timeout}s")
        time.sleep(0.02)
    return RunningServer(url=f"http://{reachable(host)}:{bound_port}", server=server, thread=thread)


def reachable(host: str) -> str:
    """A bind address as a URL host a client here connects to: the loopback address for a
    wildcard (every interface), brackets around an IPv6 literal."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (recognised, not bound)
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
