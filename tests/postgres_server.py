"""A real PostgreSQL server for the tests, on a unix socket in a temporary directory.

``initdb`` a fresh cluster, start ``postgres`` on a socket only (no TCP), create one database
per test from a migrated template. As root (CI), the server runs as the ``postgres`` system user,
since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(f"{name} is not installed: run `make test`, which installs PostgreSQL")
    return found


def _as_postgres_user() -> tuple[Callable[[], None] | None, int | None]:
    """Who runs the server: the ``postgres`` system user when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None, None
    user = pwd.getpwnam("postgres")

    def demote() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return demote, user.pw_uid


@dataclass
class PostgresServer:
    """A PostgreSQL cluster the tests can stop and start again on the same socket."""

    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    databases: int = 0

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        """The server's log (its stderr), appended to across restarts: a test that turns on
        ``log_statement`` for its database reads the statements it caused here."""
        return self.directory / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The URL the gateway takes in ``GATEWAY_DATABASE_URL``."""
        return f"postgresql://postgres@/{database}?host={self.directory}"

    def init(self) -> None:
        """Create the cluster (trust authentication on the socket only)."""
        demote, uid = _as_postgres_user()
        if uid is not None:
            os.chown(self.directory, uid, -1)
        subprocess.run(
            [
                _binary("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=demote,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        demote, _ = _as_postgres_user()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    _binary("postgres"),
                    "-D",
                    str(self.data),
                    "-k",
                    str(self.directory),
                    "-c",
                    "listen_addresses=",
                    "-c",
                    "fsync=off",
                    "-c",
                    "max_connections=200",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
                preexec_fn=demote,
            )
        deadline = time.monotonic() + 20
        while self.psql("SELECT 1", check=False).returncode != 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("postgres did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (fast shutdown; the tests use this to simulate an outage)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: clients are cut off
            self.process.wait(timeout=20)
            self.process = None

    def psql(
        self, sql: str, database: str = "postgres", check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        """Run one statement as the superuser."""
        return subprocess.run(
            [
                _binary("psql"),
                "-h",
                str(self.directory),
                "-U",
                "postgres",
                "-d",
                database,
                "-qAtc",
                sql,
            ],
            check=check,
            capture_output=True,
        )

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        self.databases += 1
        name = f"test_{self.databases}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)
