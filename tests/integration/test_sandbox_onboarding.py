"""Onboarding a tenant against the simulators with nothing but what the sandbox prints.

``gateway sandbox <vendor>`` and the ``serve --sandbox`` banner print, for every vendor, a
credential ready to store through the admin API. These tests run exactly the printed commands
(with bash and curl) against a real gateway over HTTP: a new tenant, its key, each vendor's
credential, then the vendor's first calls. A call works when it answers 2xx and reports no
vendor error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.registry import VENDORS
from gateway.sandbox_guide import END_OF_GUIDE
from policies.vault import generate_key_spec
from tests.processes import clean_env, free_port, stop, wait_until_up

GATEWAY = str(Path(sys.executable).with_name("gateway"))
ADMIN_KEY = "gw_" + "o" * 40
STRICT_CURL = r"""
curl() {
  local out
  out=$(command curl --fail-with-body "$@") || { printf '%s\n' "$out" >&2; return 1; }
  if grep -q '"errors":\[{' <<<"$out"; then printf 'vendor error: %s\n' "$out" >&2; return 1; fi
  printf '%s\n' "$out"
}
"""
"""The printed commands are run as printed; only curl is made to fail on an error answer."""


def _run_printed(commands: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    script = STRICT_CURL + "\n".join(commands) + '\necho "TENANT=$TENANT"\n'
    return subprocess.run(
        [shutil.which("bash") or "/bin/bash", "-euo", "pipefail", "-c", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _read_until(process: subprocess.Popen[str], out: Path, last: str) -> list[str]:
    """What ``process`` printed, once it printed a line starting with ``last`` (the test fails
    if it exits or takes more than a minute)."""
    deadline = time.monotonic() + 60
    while True:
        lines = out.read_text().splitlines()
        if any(line.startswith(last) for line in lines):
            return lines
        assert process.poll() is None, "it exited, having printed:\n" + "\n".join(lines)
        assert time.monotonic() < deadline, "it never printed it:\n" + "\n".join(lines)
        time.sleep(0.1)


def _section(lines: list[str], heading: str) -> list[str]:
    """The indented commands under the first line that starts with ``heading``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 1
    section = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        if not line.lstrip().startswith("#"):
            section.append(line.strip())
    return section


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[dict[subprocess.Popen[str], Path]]:
    """Started processes, each with its stderr log; all stopped after the test."""
    started: dict[subprocess.Popen[str], Path] = {}
    yield started
    stop(started)  # type: ignore[arg-type]


def _start(
    processes: dict[subprocess.Popen[str], Path], name: Path, args: list[str], env: dict[str, str]
) -> subprocess.Popen[str]:
    """``gateway *args`` with its stdout in ``name``.out and its stderr in ``name``.err."""
    with name.with_suffix(".out").open("w") as stdout, name.with_suffix(".err").open("w") as err:
        process = subprocess.Popen([GATEWAY, *args], env=env, stdout=stdout, stderr=err, text=True)
    processes[process] = name.with_suffix(".err")
    return process


@pytest.mark.parametrize("vendor", [v.name for v in VENDORS if v.declaration.simulator])
def test_what_gateway_sandbox_prints_onboards_a_tenant_on_another_gateway(
    vendor: str, tmp_path: Path, processes: dict[subprocess.Popen[str], Path]
) -> None:
    gateway_url = f"http://127.0.0.1:{free_port()}"
    simulator = _start(
        processes,
        tmp_path / "simulator",
        ["sandbox", vendor, "--port", str(free_port()), "--gateway-url", gateway_url],
        clean_env(),
    )
    printed = _read_until(simulator, tmp_path / "simulator.out", END_OF_GUIDE)
    assert any(line.startswith(f"{vendor} simulator: ") for line in printed), printed
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in _section(printed, "Point a gateway at it")
    )
    _start(
        processes,
        tmp_path / "gateway",
        ["serve", "--port", gateway_url.rpartition(":")[2]],
        clean_env(
            GATEWAY_VAULT_KEYS=generate_key_spec(),
            GATEWAY_ADMIN_KEY=ADMIN_KEY,
            GATEWAY_DATA_DIR=str(tmp_path / "data"),
            **exports,
        ),
    )
    wait_until_up(gateway_url)
    onboard = _section(printed, "Onboard a tenant")
    assert any(f"/credentials/{vendor}" in line for line in onboard), onboard

    ran = _run_printed(onboard + _section(printed, "Then, as that tenant"), ADMIN_KEY=ADMIN_KEY)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert re.search(r"TENANT=ten_\S+", ran.stdout), ran.stdout


def test_the_sandbox_banner_onboards_a_tenant_of_ones_own(
    tmp_path: Path, processes: dict[subprocess.Popen[str], Path]
) -> None:
    port = free_port()
    gateway = _start(
        processes,
        tmp_path / "gateway",
        ["serve", "--sandbox", "--port", str(port)],
        clean_env(GATEWAY_DATA_DIR=str(tmp_path / "data")),
    )
    banner = _read_until(gateway, tmp_path / "gateway.out", "  # the commands under Try now work")
    wait_until_up(f"http://127.0.0.1:{port}")
    operator_key = re.search(r"operator \(admin\) key, shown once:\s+(gw_\S+)", "\n".join(banner))
    demo_tenant = re.search(r"demo tenant:\s+(ten_\S+)", "\n".join(banner))
    console = re.search(r"web console:\s+(\S+)", "\n".join(banner))
    assert operator_key and demo_tenant and console, banner
    sign_in = httpx.get(console[1], follow_redirects=True, timeout=10)
    assert (sign_in.status_code, sign_in.url.path) == (200, "/console/sign-in")
    onboard = _section(banner, "Onboard a tenant of your own")
    for entry in VENDORS:
        assert any(f"/credentials/{entry.name}" in line for line in onboard), entry.name
    tries = [line for line in _section(banner, "Try:") if not line.startswith("export GW_KEY")]

    ran = _run_printed(onboard + tries, ADMIN_KEY=operator_key[1])

    assert ran.returncode == 0, ran.stdout + ran.stderr
    tenant = re.search(r"TENANT=(ten_\S+)", ran.stdout)
    assert tenant and tenant[1] != demo_tenant[1], ran.stdout
