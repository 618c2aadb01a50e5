"""``gateway serve`` starting, or refusing to, as an operator sees it: the installed console
script in a real process, real Redis and PostgreSQL, real ports.

Whatever stops a start is one line on stderr and a non-zero exit, before any key is made or
printed, and the scratch directory of a sandbox is gone afterwards, whether the gateway refused
to start or ran and was stopped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from gateway.cli import _parser
from policies.vault import generate_key_spec
from simulators.server import bind_socket
from tests.processes import clean_env, free_port, stop, wait_until_up

GATEWAY = str(Path(sys.executable).with_name("gateway"))
"""The console script ``pip install`` made, as an operator runs it."""
PASSWORD = "pw-canary-31c9d0e2"
ADMIN_KEY = "gw_" + "s" * 40


@dataclass(frozen=True)
class Failure:
    """A start that must be refused: the environment, and what the one line must say."""

    env: dict[str, str]
    says: tuple[str, ...]


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port something else already listens on."""
    with bind_socket() as sock:
        yield int(sock.getsockname()[1])


def _with_database(postgres_url: str, database: str) -> str:
    url = make_url(postgres_url).set(password=PASSWORD, database=database)
    return url.render_as_string(hide_password=False)


FAILURES: dict[str, Callable[[pytest.FixtureRequest], Failure]] = {
    "port not a number": lambda _: Failure({"GATEWAY_PORT": "abc"}, ("GATEWAY_PORT", "abc")),
    "port in use": lambda request: Failure(
        {"GATEWAY_PORT": str(request.getfixturevalue("listening_port"))},
        ("cannot listen", "GATEWAY_PORT"),
    ),
    "redis unreachable": lambda request: Failure(
        {
            "GATEWAY_DATABASE_URL": request.getfixturevalue("postgres_url"),
            "GATEWAY_REDIS_URL": f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0",
        },
        ("Redis", "GATEWAY_REDIS_URL"),
    ),
    "redis url at an http port": lambda request: Failure(
        {
            "GATEWAY_DATABASE_URL": request.getfixturevalue("postgres_url"),
            "GATEWAY_REDIS_URL": request.getfixturevalue("trustcaller_sim").url.replace(
                "http://", f"redis://:{PASSWORD}@"
            ),
        },
        ("Redis", "GATEWAY_REDIS_URL"),
    ),
    "database unreachable": lambda _: Failure(
        {"GATEWAY_DATABASE_URL": f"postgresql://gw:{PASSWORD}@127.0.0.1:{free_port()}/gateway"},
        ("cannot use the database", "GATEWAY_DATABASE_URL"),
    ),
    "database url at an http port": lambda request: Failure(
        {
            "GATEWAY_DATABASE_URL": request.getfixturevalue("trustcaller_sim").url.replace(
                "http://", f"postgresql://gw:{PASSWORD}@"
            )
            + "/gateway"
        },
        ("cannot use the database", "GATEWAY_DATABASE_URL"),
    ),
    "database that does not exist": lambda request: Failure(
        {
            "GATEWAY_DATABASE_URL": _with_database(
                request.getfixturevalue("postgres_url"), "no_such_database"
            )
        },
        ("cannot use the database", "no_such_database", "GATEWAY_DATABASE_URL"),
    ),
}


def _scratch_left(tmp: Path) -> list[Path]:
    return list(tmp.iterdir())


@pytest.mark.parametrize("case", FAILURES)
def test_a_refused_start_is_one_line_before_any_key_and_leaves_no_scratch(
    case: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    failure = FAILURES[case](request)
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    result = subprocess.run(
        [GATEWAY, "serve", "--sandbox"],
        env=clean_env(TMPDIR=str(scratch), **failure.env),
        capture_output=True,
        text=True,
        timeout=60,
    )

    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, "expected one line, got:\n" + result.stderr
    assert lines[0].startswith("gateway: ")
    for fragment in failure.says:
        assert fragment in lines[0], lines[0]
    assert PASSWORD not in result.stderr + result.stdout
    assert result.stdout == "", "nothing (no key) is printed before the start is refused"
    assert _scratch_left(scratch) == [], "the sandbox's scratch directory was left behind"


@pytest.fixture
def summarised(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """``gateway serve`` on PostgreSQL and Redis, running; its stdout and environment."""
    env = clean_env(
        GATEWAY_DATABASE_URL=_with_database(postgres_url, make_url(postgres_url).database or ""),
        GATEWAY_REDIS_URL=redis_url,
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=ADMIN_KEY,
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_TRUSTCALLER_BASE_URL=f"http://partner:{PASSWORD}@trustcaller.example:9/api",
    )
    upgraded = subprocess.run(
        [GATEWAY, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [GATEWAY, "serve", "--port", str(port)], env=env, stdout=stdout, stderr=stderr
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        yield out.read_text(), env
    finally:
        stop({process: err})


def test_the_start_up_summary_names_mode_stores_and_vendors_and_no_secret(
    summarised: tuple[str, dict[str, str]],
) -> None:
    from adapters.registry import VENDORS

    printed, env = summarised

    assert "shared system of record" in printed
    assert "postgresql+asyncpg://" in printed and "***" in printed
    assert "redis:     unix://" in printed
    assert re.search(r"trustcaller\s+http://partner:\*\*\*@trustcaller\.example:9/api", printed)
    for vendor in VENDORS:
        assert re.search(rf"^\s+{vendor.name}\s+https?://", printed, re.MULTILINE), vendor.name
    for secret in (PASSWORD, ADMIN_KEY, env["GATEWAY_VAULT_KEYS"].partition(":")[2]):
        assert secret not in printed


def test_a_stopped_sandbox_removes_its_scratch_directory(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = free_port()
    log = tmp_path / "serve.err"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [GATEWAY, "serve", "--sandbox", "--port", str(port)],
            env=clean_env(TMPDIR=str(scratch)),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        assert _scratch_left(scratch), "the sandbox keeps its data in a scratch directory"
    finally:
        stop({process: log})

    assert _scratch_left(scratch) == []


def test_version_names_the_installed_package() -> None:
    result = subprocess.run([GATEWAY, "--version"], capture_output=True, text=True, timeout=30)

    assert result.returncode == 0
    assert re.fullmatch(r"gateway \d+\.\d+\.\d+\S*\n", result.stdout), result.stdout


def _commands(parser: object = None, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the ``gateway`` parser, the top level included."""
    import argparse

    parser = parser or _parser()
    assert isinstance(parser, argparse.ArgumentParser)
    paths = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += _commands(sub, (*path, name))
    return paths


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "gateway")
def test_help_is_plain_text(command: tuple[str, ...]) -> None:
    result = subprocess.run(
        [GATEWAY, *command, "--help"], capture_output=True, text=True, timeout=30
    )

    assert result.returncode == 0, result.stderr
    assert "usage: gateway" in result.stdout
    assert not re.search(r"``|:[a-z]+:`", result.stdout), result.stdout
