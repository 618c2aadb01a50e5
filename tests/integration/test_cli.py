"""The ``gateway`` command as a user runs it: a real process, real ports."""

from __future__ import annotations

import asyncio
import json
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

from policies.vault import Keyring, SqlVaultBackend, Vault, generate_key_spec
from tests.databases import migrated
from tests.processes import clean_env, free_port

GATEWAY = [sys.executable, "-m", "gateway.cli"]


def test_serve_refuses_to_start_without_a_master_key_outside_sandbox(tmp_path: Path) -> None:
    result = subprocess.run(
        [*GATEWAY, "serve", "--port", str(free_port())],
        env=clean_env(GATEWAY_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "GATEWAY_VAULT_KEYS is not set" in result.stderr
    assert "gateway vault generate-key" in result.stderr


def test_invalid_settings_are_all_reported_without_echoing_secrets(tmp_path: Path) -> None:
    secret_looking = "not-a-real-key-but-private"
    result = subprocess.run(
        [*GATEWAY, "serve"],
        env=clean_env(
            GATEWAY_DATA_DIR=str(tmp_path),
            GATEWAY_PORT="eighty",
            GATEWAY_VAULT_KEYS=secret_looking,
            GATEWAY_ADMIN_KEY=secret_looking,
        ),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    for variable in ("GATEWAY_PORT", "GATEWAY_VAULT_KEYS", "GATEWAY_ADMIN_KEY"):
        assert variable in result.stderr
    assert secret_looking not in result.stderr + result.stdout


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """``gateway serve --sandbox`` on a free port, JSON logs to a file."""
    port = free_port()
    log_path = tmp_path / "stderr.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [*GATEWAY, "serve", "--sandbox", "--port", str(port)],
            env=clean_env(GATEWAY_LOG_FORMAT="json", GATEWAY_DATA_DIR=str(tmp_path / "data")),
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        yield process, url, log_path
    finally:
        process.terminate()
        process.wait(timeout=15)


def _whole_banner(process: subprocess.Popen[str], url: str) -> str:
    """The banner down to the blank line after its commands."""
    banner = _banner(process, url)
    while process.stdout is not None:
        line = process.stdout.readline()
        if not line.strip():
            return banner
        banner += line
    return banner


def test_the_banners_commands_place_a_call_and_verify_a_phone(
    sandbox_process: tuple[subprocess.Popen[str], str, Path],
) -> None:
    process, url, _ = sandbox_process
    banner = _whole_banner(process, url)
    demo_key = re.search(r"demo tenant key:\s+(gw_\S+)", banner)
    assert demo_key, banner
    commands = [line.strip() for line in banner.splitlines() if line.startswith("  ")]
    script = "\n".join(c for c in commands if c.startswith(("curl", "CALL_ID", "REQUEST_ID")))
    script += '\necho "CALL_ID=$CALL_ID"\necho "REQUEST_ID=$REQUEST_ID"\n'

    ran = subprocess.run(
        [shutil.which("bash") or "/bin/bash", "-euo", "pipefail", "-c", script],
        env={**os.environ, "GW_KEY": demo_key[1]},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ran.returncode == 0, ran.stderr
    call_id = re.search(r"CALL_ID=(topcalls:\S+)", ran.stdout)
    request_id = re.search(r"REQUEST_ID=(\S+)", ran.stdout)
    assert call_id and request_id, ran.stdout
    headers = {"Authorization": f"Bearer {demo_key[1]}"}
    deadline = time.monotonic() + 30
    while True:
        call = httpx.get(f"{url}/v1/calls/{call_id[1]}", headers=headers).json()
        if call["status"] == "completed" and call["post_processing_done"]:
            break
        assert time.monotonic() < deadline, call
        time.sleep(0.5)
    assert call["transcript"] and call["summary"] and call["duration_seconds"] > 0
    verification = httpx.get(f"{url}/v1/verifications/{request_id[1]}", headers=headers).json()
    assert verification["status"] == "verified", verification
    assert verification["profile"]["numbers"][0].startswith("+")


def _banner(process: subprocess.Popen[str], url: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        pytest.fail("the sandbox gateway did not answer /healthz within 30 s")
    lines = []
    while process.stdout is not None:
        line = process.stdout.readline()
        lines.append(line)
        if line.startswith("  curl"):
            return "".join(lines)
    return "".join(lines)


def test_sandbox_serves_vendor_data_and_keeps_keys_out_of_logs(
    sandbox_process: tuple[subprocess.Popen[str], str, Path],
) -> None:
    process, url, log_path = sandbox_process
    banner = _banner(process, url)
    demo_key = re.search(r"demo tenant key:\s+(gw_\S+)", banner)
    operator_key = re.search(r"operator \(admin\) key, shown once:\s+(gw_\S+)", banner)
    assert demo_key and operator_key, banner
    assert f"{url}/v1/numbers" in banner

    headers = {"Authorization": f"Bearer {demo_key[1]}"}
    numbers = httpx.get(url + "/v1/numbers", headers=headers)
    calls = httpx.get(url + "/v1/calls?limit=3", headers=headers)
    spec = httpx.get(url + "/schema/openapi.json")

    assert numbers.status_code == 200 and numbers.json()["data"]
    assert all(n["number"].startswith("+") for n in numbers.json()["data"])
    assert calls.status_code == 200 and len(calls.json()["data"]) == 3
    assert spec.status_code == 200
    process.terminate()
    process.wait(timeout=15)
    log_lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    access = [entry for entry in log_lines if entry["logger"] == "gateway.access"]
    assert any(entry["path"] == "/v1/numbers" and entry["request_id"] for entry in access)
    whole_log = log_path.read_text()
    assert demo_key[1] not in whole_log and operator_key[1] not in whole_log
    assert "[REDACTED]" not in whole_log, "something tried to log a credential"


def test_vault_rotate_rewraps_every_record_under_the_newest_key(tmp_path: Path) -> None:
    old, new = generate_key_spec(1), generate_key_spec(2)

    async def seed() -> None:
        database = await migrated(None, tmp_path)
        vault = Vault(SqlVaultBackend(database), Keyring.from_spec(old))
        await vault.put("ten_a", "trustcaller", {"token": "1|" + "a" * 40})
        await vault.put("ten_b", "trustcaller", {"token": "2|" + "b" * 40})
        await vault.close()
        await database.close()

    asyncio.run(seed())

    result = subprocess.run(
        [*GATEWAY, "vault", "rotate"],
        env=clean_env(GATEWAY_DATA_DIR=str(tmp_path), GATEWAY_VAULT_KEYS=f"{old},{new}"),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rewrapped"] == 2 and report["failed"] == []
    assert report["any_failed"] is False
    assert "webhook_endpoints.sealed_token" in report["sealed_values"]

    async def read_with_new_key_only() -> dict[str, str] | None:
        database = await migrated(None, tmp_path)
        vault = Vault(SqlVaultBackend(database), Keyring.from_spec(new))
        try:
            return await vault.get_secret("ten_b", "trustcaller")
        finally:
            await database.close()

    assert asyncio.run(read_with_new_key_only()) == {"token": "2|" + "b" * 40}


def test_generate_key_prints_a_usable_spec() -> None:
    result = subprocess.run(
        [*GATEWAY, "vault", "generate-key", "--version", "3"],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0
    assert Keyring.from_spec(result.stdout.strip()).active.version == 3
