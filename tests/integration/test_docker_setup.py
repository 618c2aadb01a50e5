"""What the container needs, tested without a Docker daemon: the data directory is a volume,
the health check follows the port the gateway serves on, and sandbox simulators bind the
gateway's host on ports that can be published, with URLs printed that a client can reach."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import clean_env, free_port, process_tree, stop, wait_until_up

GATEWAY = str(Path(sys.executable).with_name("gateway"))
DOCKERFILE = Path(__file__).parents[2] / "Dockerfile"
LISTEN = "0A"
"""A listening socket's state in ``/proc/net/tcp``."""


def _instruction(name: str) -> str:
    """The Dockerfile's ``name`` instruction, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return line


def test_the_data_directory_is_a_volume() -> None:
    data_dir = re.search(r"GATEWAY_DATA_DIR=(\S+)", DOCKERFILE.read_text())
    assert data_dir
    assert data_dir[1] in _instruction("VOLUME")


def test_the_health_check_asks_the_gateway_command() -> None:
    assert re.search(r'CMD \["gateway", "healthcheck"\]', _instruction("HEALTHCHECK"))


def _accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return False
    return True


def _listening(pid: int, port: int) -> set[str]:
    """The IPv4 addresses process ``pid`` and the processes it started listen on at ``port``."""
    inodes: set[str] = set()
    for process in process_tree(pid):
        for fd in Path(f"/proc/{process}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    found: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        (address, port_hex), state, inode = fields[1].split(":"), fields[3], fields[9]
        if state == LISTEN and inode in inodes and int(port_hex, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port = free_port()
    log = tmp_path / "serve.err"
    env = clean_env(GATEWAY_DATA_DIR=str(tmp_path / "data"), GATEWAY_SANDBOX="true")
    with log.open("w") as err:
        process = subprocess.Popen(
            [GATEWAY, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        yield process, port, log
    finally:
        stop({process: log})


def test_the_health_check_follows_the_served_port_not_the_environment(
    served: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    process, _, log = served
    elsewhere = clean_env(GATEWAY_PORT=str(free_port()))

    healthy = subprocess.run(
        [GATEWAY, "healthcheck", "--pid", str(process.pid)], env=elsewhere, timeout=30
    )
    stop({process: log})
    after = subprocess.run(
        [GATEWAY, "healthcheck", "--pid", str(process.pid)], env=elsewhere, timeout=30
    )

    assert healthy.returncode == 0
    assert after.returncode != 0


@pytest.mark.parametrize(
    ("host", "printed", "also_at"),
    [("127.0.0.2", "127.0.0.2", None), ("0.0.0.0", "127.0.0.1", "127.0.0.2")],  # noqa: S104
)
def test_sandbox_simulators_bind_the_gateways_host_on_the_configured_ports(
    host: str, printed: str, also_at: str | None, tmp_path: Path
) -> None:
    port, first = free_port(), free_port()
    out, log = tmp_path / "serve.out", tmp_path / "serve.err"
    env = clean_env(GATEWAY_DATA_DIR=str(tmp_path / "data"), GATEWAY_SANDBOX_PORT=str(first))
    with out.open("w") as stdout, log.open("w") as stderr:
        process = subprocess.Popen(
            [GATEWAY, "serve", "--sandbox", "--host", host, "--port", str(port)],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        wait_until_up(f"http://{printed}:{port}")
        controls = re.findall(r"\(control: http://([^:/]+):(\d+)/_sim\)", out.read_text())
        assert controls, out.read_text()
        assert {h for h, _ in controls} == {printed}
        assert int(controls[0][1]) == first
        for _, sim_port in controls:
            assert _accepts(printed, int(sim_port))
            # What the process listens on, read from the kernel: a refused connection to another
            # address would not say so (another test's server may hold that address and port).
            assert _listening(process.pid, int(sim_port)) == {host}
            if also_at:
                assert _accepts(also_at, int(sim_port)), "not bound to every interface"
    finally:
        stop({process: log})
