"""The production image has no simulators: the gateway must run without them.

The processes here block every ``simulators`` import, as an install without the ``[sandbox]``
extra (the Dockerfile's) would, then run the ``gateway`` command as an operator does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

from gateway.auth.keys import generate_api_key
from policies.vault import generate_key_spec
from simulators.server import bind_socket

WITHOUT_SIMULATORS = """
import importlib.abc, sys

class NoSimulators(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "simulators" or name.startswith("simulators."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoSimulators())
from gateway.cli import main
sys.exit(main(sys.argv[1:]))
"""


IMAGE_PACKAGES = ("contract", "gateway", "adapters", "policies")
"""What the Dockerfile copies into the image."""


def gateway(*args: str) -> list[str]:
    return [sys.executable, "-c", WITHOUT_SIMULATORS, *args]


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return {**base, "GATEWAY_DATA_DIR": str(tmp_path / "data"), **extra}


def test_the_gateway_serves_without_the_simulators(tmp_path: Path) -> None:
    with bind_socket() as sock:
        port = sock.getsockname()[1]
    admin_key = generate_api_key()
    process = subprocess.Popen(
        gateway("serve", "--port", str(port)),
        env=env(tmp_path, GATEWAY_VAULT_KEYS=generate_key_spec(), GATEWAY_ADMIN_KEY=admin_key),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        admin = {"Authorization": f"Bearer {admin_key}"}
        created = httpx.post(url + "/v1/admin/tenants", json={"name": "prod"}, headers=admin)
        assert created.status_code == 201, created.text
    finally:
        process.terminate()
        process.wait(10)


def test_sandbox_mode_without_the_simulators_names_the_extra(tmp_path: Path) -> None:
    result = subprocess.run(
        gateway("serve", "--sandbox", "--port", "0"),
        env=env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "[sandbox]" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_dockerfile_installs_without_the_sandbox() -> None:
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()

    assert "COPY simulators" not in dockerfile
    assert "[sandbox]" not in dockerfile
    assert "pip install --quiet ." in dockerfile


def test_the_image_sources_build_a_wheel_with_migrations_and_without_simulators(
    tmp_path: Path,
) -> None:
    """What the Dockerfile copies builds a distribution that can migrate its database."""
    root = Path(__file__).parents[2]
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    dockerfile = (root / "Dockerfile").read_text()
    for package in IMAGE_PACKAGES:
        assert f"COPY {package} ./{package}" in dockerfile
        shutil.copytree(
            root / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )

    built = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--wheel-dir", str(tmp_path / "dist"), str(source)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    (metadata,) = (n for n in names if n.endswith(".dist-info/METADATA"))
    requires = zipfile.ZipFile(wheel).read(metadata).decode()

    assert "policies/sql/migrations/env.py" in names
    assert "policies/sql/migrations/script.py.mako" in names
    assert any(n.startswith("policies/sql/migrations/versions/0001_") for n in names)
    assert "policies/ratelimit/sliding_window.lua" in names
    assert not any(n.startswith("simulators/") for n in names)
    # the console's pages and assets come with the install, not from a CDN at run time
    assert "gateway/console/templates/base.html" in names
    assert "gateway/console/templates/vendors_live.html" in names
    assert "gateway/console/static/console.css" in names
    assert any(n.startswith("gateway/console/static/htmx-") for n in names)
    # the API reference's assets come with the install, not from a CDN at run time
    assert "Requires-Dist: swagger-ui-bundle-v2" in requires
