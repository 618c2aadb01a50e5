"""What ``gateway serve`` checks before it prints a key or starts a worker, and the summary it
prints once it is ready: an operator reads one line about what is wrong, never a traceback."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit, urlunsplit

from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from gateway.services import open_redis
from gateway.settings import Settings
from policies.sql import database_url

WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 (recognised, not bound)
"""Bind addresses that mean "every interface"; nobody can connect to them as such."""


class StartupError(Exception):
    """The gateway cannot start; the message is one line that says what to change."""


def reachable_host(host: str) -> str:
    """``host`` as a URL's host part that a client on this machine can connect to (the
    loopback address for a wildcard bind, brackets around an IPv6 literal)."""
    if host in WILDCARD_HOSTS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def base_url(settings: Settings) -> str:
    """Where this machine reaches the gateway ``settings`` describe."""
    return f"http://{reachable_host(settings.server.host)}:{settings.server.port}"


def without_password(url: str) -> str:
    """``url`` with any password in its user-info replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def check_port_free(host: str, port: int) -> None:
    """Refuse a host this machine does not have or a port something else listens on, the way
    the server would bind it (``SO_REUSEADDR``), before any key is made or printed."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise StartupError(
            f"cannot listen on {host!r}: {exc.strerror} (set --host or GATEWAY_HOST)"
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise StartupError(
                f"cannot listen on {reachable_host(host)}:{port}: {exc.strerror} "
                "(choose another with --port or GATEWAY_PORT)"
            ) from None


async def check_redis(settings: Settings) -> None:
    """Refuse a ``GATEWAY_REDIS_URL`` that does not answer a PING as Redis does."""
    url = settings.stores.redis_url
    redis = open_redis(settings)
    if url is None or redis is None:
        return
    try:
        await redis.ping()
    except (RedisError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(
            f"Redis at {without_password(url)} did not answer: {reason} (check GATEWAY_REDIS_URL)"
        ) from None
    finally:
        await redis.aclose()


def summary(settings: Settings) -> str:
    """What this gateway is about to serve, with every secret left out."""
    stores = settings.stores
    server = settings.server
    if stores.shared:
        mode = f"shared system of record, {server.workers} worker(s)"
    else:
        mode = "embedded, one process"
    sandbox = " (sandbox: vendor simulators, nothing reaches a real vendor)"
    lines = [
        f"caller-gateway on {base_url(settings)}" + (sandbox if settings.sandbox else ""),
        f"  mode:      {mode}",
        f"  database:  {_database(settings)}",
        "  redis:     "
        + (without_password(stores.redis_url) if stores.redis_url else "none (state in process)"),
        f"  data dir:  {stores.data_dir.resolve()}",
        "  vendors:",
    ]
    width = max((len(name) for name in settings.vendors), default=0)
    lines += [
        f"    {name.ljust(width)}  {without_password(http.base_url)}"
        for name, http in settings.vendors.items()
    ]
    return "\n".join(lines)


def _database(settings: Settings) -> str:
    url = database_url(settings.stores.database_url, settings.stores.data_dir)
    return make_url(url).render_as_string(hide_password=True)
