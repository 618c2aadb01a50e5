"""Console fixtures: one real gateway per module (PostgreSQL, Redis, the vendor simulators over
HTTP) and helpers that sign in over plain HTTP; the browser tests add a headless Chromium."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.sandbox import allow_local_webhooks
from gateway.settings import ConsoleSettings, Settings
from tests.databases import migrate
from tests.integration.conftest import (
    GatewayStack,
    Simulators,
    running_gateway,
    settings_for,
    start_simulators,
    stop_simulators,
)
from tests.postgres_server import PostgresServer
from tests.redis_server import RedisServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_COOKIE = "gateway_console"
BREAKER_OPEN_SECONDS = 120.0
"""A breaker that stays open while a page is looked at (the suite's default closes in 1 s)."""
SIGN_IN_COOKIE = "gateway_console_sign_in"


@dataclass
class ConsoleStack:
    """A running gateway, its simulators and its settings."""

    gateway: GatewayStack
    simulators: Simulators
    settings: Settings

    @property
    def url(self) -> str:
        """The gateway's base URL."""
        return self.gateway.url


@contextmanager
def console_stack(
    data_dir: Path,
    postgres_server: PostgresServer,
    redis_server: RedisServer,
    *,
    sandbox: bool,
    sign_in_per_minute: int = 10,
) -> Iterator[ConsoleStack]:
    """A gateway on a fresh PostgreSQL database and the shared Redis, in front of a fresh set
    of simulators; ``sandbox`` as ``gateway serve --sandbox`` sets it."""
    if postgres_server.process is None:
        postgres_server.start()
    if redis_server.process is None:
        redis_server.start()
    database_url = postgres_server.new_database()
    asyncio.run(migrate(database_url, data_dir))
    simulators = start_simulators()
    settings = (
        settings_for(simulators, data_dir)
        .with_stores(database_url=database_url, redis_url=redis_server.url)
        .with_policies(breaker_open_seconds=BREAKER_OPEN_SECONDS)
    )
    if sandbox:
        settings = allow_local_webhooks(settings, {})
    settings = settings.replace(
        sandbox=sandbox,
        console=ConsoleSettings(sign_in_per_minute=sign_in_per_minute),
    )
    try:
        with running_gateway(settings, next(iter(simulators.base_urls().values()))) as gateway:
            yield ConsoleStack(gateway=gateway, simulators=simulators, settings=settings)
    finally:
        stop_simulators(simulators)


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(
    base_url: str, key: str, transport: httpx.BaseTransport | None = None
) -> httpx.Response:
    """The answer to signing in with ``key`` through the form, as a browser would (the form's
    CSRF cookie sent back by hand: it is ``Secure`` outside sandbox mode, which httpx keeps
    off plain http)."""
    with httpx.Client(base_url=base_url, timeout=10, transport=transport) as anonymous:
        form = anonymous.get("/console/sign-in")
        assert form.status_code == 200, form.text
        return anonymous.post(
            "/console/sign-in",
            data={"key": key, "csrf_token": csrf_of(form.text)},
            headers={"Cookie": f"{SIGN_IN_COOKIE}={form.cookies[SIGN_IN_COOKIE]}"},
        )


def signed_in(base_url: str, key: str) -> tuple[httpx.Client, str, str]:
    """A client signed in to the console with ``key``, the session's token (as the cookie
    holds it) and its CSRF token."""
    answer = sign_in(base_url, key)
    assert answer.status_code == 303, answer.text
    token = answer.cookies[SESSION_COOKIE]
    client = httpx.Client(base_url=base_url, timeout=10, cookies={SESSION_COOKIE: token})
    home = client.get(answer.headers["location"])
    assert home.status_code == 200, home.text
    return client, token, csrf_of(home.text)
