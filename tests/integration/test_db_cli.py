"""``gateway db``, ``gateway serve`` and ``gateway vault rotate`` against the system of record,
run as an operator runs them: real processes, a real PostgreSQL server, a clean environment.

A shared database is migrated by ``gateway db upgrade`` and nothing else; a replica refuses to
start before that, with one line naming the command; the embedded database migrates itself; and
the database password never reaches any output.
"""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from policies.vault import generate_key_spec
from tests.processes import clean_env, free_port

GATEWAY = [sys.executable, "-m", "gateway.cli"]
PASSWORD = "pw-canary-5f0c1e9a77"


def _with_password(url: str) -> str:
    """The same database, with a password in the URL (the test server trusts its socket, so
    the password is accepted and ignored: what matters is that it is never printed)."""
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def _run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GATEWAY, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def _assert_quiet_about_secrets(*outputs: str) -> None:
    for output in outputs:
        assert PASSWORD not in output
        assert "Traceback" not in output


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    """A fresh, unmigrated PostgreSQL database, addressed with a password."""
    url = _with_password(postgres_url)
    assert PASSWORD in url
    return url


class Served:
    """A ``gateway serve`` process whose output goes to files."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout_path = directory / f"serve-{self.port}.out"
        self.stderr_path = directory / f"serve-{self.port}.err"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.process = subprocess.Popen(
                [*GATEWAY, "serve", "--port", str(self.port)], env=env, stdout=out, stderr=err
            )

    def wait_ready(self, timeout: float = 45) -> httpx.Response:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gateway serve exited with {self.process.returncode}: {self.output}")
            try:
                response = httpx.get(self.url + "/readyz", timeout=5)
                if response.status_code == 200:
                    return response
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"/readyz did not answer 200 within {timeout} s: {self.output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    @property
    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[list[Served]]:
    """Start ``gateway serve`` processes (``serve.append(Served(env, dir))``); all stopped after."""
    started: list[Served] = []
    yield started
    for served in started:
        served.stop()


def test_db_check_on_a_fresh_database_fails_and_names_the_upgrade_command(pg_url: str) -> None:
    result = _run("db", "check", env=clean_env(GATEWAY_DATABASE_URL=pg_url))

    assert result.returncode != 0
    assert "gateway db upgrade" in result.stderr
    assert "no schema" in result.stderr
    _assert_quiet_about_secrets(result.stdout, result.stderr)


def _serve_unmigrated(pg_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        GATEWAY_DATABASE_URL=pg_url,
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
    )
    return _run("serve", "--port", str(free_port()), env=env)


def test_serve_refuses_an_unmigrated_database_naming_the_command(
    pg_url: str, tmp_path: Path
) -> None:
    result = _serve_unmigrated(pg_url, tmp_path)

    assert result.returncode == 2
    refusal = [line for line in result.stderr.splitlines() if line.startswith("gateway:")]
    assert len(refusal) == 1, result.stderr
    assert "gateway db upgrade" in refusal[0]
    assert "no schema" in refusal[0]
    assert result.stdout == ""
    _assert_quiet_about_secrets(result.stdout, result.stderr)
    check = _run("db", "check", env=clean_env(GATEWAY_DATABASE_URL=pg_url))
    assert check.returncode != 0, "serve must not have migrated the shared database itself"


def test_serve_refusing_an_unmigrated_database_prints_only_that_one_line(
    pg_url: str, tmp_path: Path
) -> None:
    result = _serve_unmigrated(pg_url, tmp_path)

    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2
    assert len(lines) == 1, "expected one clear line, got:\n" + result.stderr
    assert "gateway db upgrade" in lines[0]


def test_upgrade_then_check_succeed_and_serve_starts(
    pg_url: str, tmp_path: Path, serve: list[Served]
) -> None:
    env = clean_env(GATEWAY_DATABASE_URL=pg_url)

    upgraded = _run("db", "upgrade", env=env)
    checked = _run("db", "check", env=env)
    again = _run("db", "upgrade", env=env)

    assert upgraded.returncode == 0, upgraded.stderr
    assert checked.returncode == 0, checked.stderr
    assert again.returncode == 0, again.stderr
    assert "is at schema" in checked.stdout
    _assert_quiet_about_secrets(
        upgraded.stdout, upgraded.stderr, checked.stdout, checked.stderr, again.stdout, again.stderr
    )
    served = Served(
        {
            **env,
            "GATEWAY_VAULT_KEYS": generate_key_spec(),
            "GATEWAY_DATA_DIR": str(tmp_path / "data"),
        },
        tmp_path,
    )
    serve.append(served)
    ready = served.wait_ready()
    assert ready.json()["status"] in ("ready", "degraded"), ready.text
    served.stop()
    _assert_quiet_about_secrets(served.output, ready.text)
    assert not (tmp_path / "data" / "gateway.sqlite3").exists(), "the shared database was used"


def test_embedded_serve_migrates_by_itself_into_a_private_file(
    tmp_path: Path, serve: list[Served]
) -> None:
    data_dir = tmp_path / "data"
    env = clean_env(GATEWAY_DATA_DIR=str(data_dir), GATEWAY_VAULT_KEYS=generate_key_spec())

    served = Served(env, tmp_path)
    serve.append(served)
    served.wait_ready()

    database = data_dir / "gateway.sqlite3"
    assert database.exists()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    check = _run("db", "check", env=clean_env(GATEWAY_DATA_DIR=str(data_dir)))
    assert check.returncode == 0, check.stderr
    assert "Operator (admin) key, shown once" in served.stdout_path.read_text()


STORE_COMMANDS = [("vault", "rotate"), ("db", "check"), ("db", "upgrade")]
"""Every command that opens an existing system of record (``serve`` creates its own)."""


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
def test_a_store_command_refuses_a_directory_without_a_database_and_creates_none(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    empty = tmp_path / "not-the-data-dir"
    empty.mkdir()
    env = clean_env(GATEWAY_DATA_DIR=str(empty), GATEWAY_VAULT_KEYS=generate_key_spec())

    result = _run(*command, env=env)

    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert len(lines) == 1, result.stderr
    assert str((empty / "gateway.sqlite3").resolve()) in result.stderr, result.stderr
    assert "GATEWAY_DATA_DIR" in result.stderr
    assert list(empty.iterdir()) == []
    _assert_quiet_about_secrets(result.stdout, result.stderr)


def test_redis_without_a_shared_database_is_refused_at_start(
    tmp_path: Path, redis_url: str
) -> None:
    env = clean_env(
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_REDIS_URL=redis_url,
    )

    result = _run("serve", "--port", str(free_port()), env=env)

    assert result.returncode == 2
    assert "GATEWAY_DATABASE_URL" in result.stderr
    assert "GATEWAY_REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "gateway.sqlite3").exists()


def test_an_unreachable_database_is_reported_without_its_password(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-server-here"
    nowhere.mkdir()
    url = f"postgresql://postgres:{PASSWORD}@/gateway?host={nowhere}"
    env = clean_env(GATEWAY_DATABASE_URL=url, GATEWAY_VAULT_KEYS=generate_key_spec())

    check = _run("db", "check", env=env)
    upgrade = _run("db", "upgrade", env=env)
    served = _run(
        "serve", "--port", str(free_port()), env={**env, "GATEWAY_DATA_DIR": str(tmp_path)}
    )

    for result in (check, upgrade, served):
        assert result.returncode == 2, (result.args, result.stderr)
        assert result.stderr.strip(), result.args
        _assert_quiet_about_secrets(result.stdout, result.stderr)
