"""``gateway listen`` as a developer runs it: the real command against a real sandbox gateway
(``gateway serve --sandbox``, shared by the module), over real HTTP.

The banner's loop is run as printed (the listener in one shell, the call in another) and
``call.completed`` must arrive; a forged delivery is refused; ``--forward-to`` hands a local app
the verified body with its ``webhook-*`` headers; SIGTERM removes the subscription; a gateway
that may not deliver to loopback is a one-line error and exit code 2.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from gateway.sandbox import LOOPBACK_NETWORKS, allow_local_webhooks
from gateway.settings import Settings
from simulators.server import start_in_thread
from tests.integration.conftest import GatewayStack, Simulators, new_tenant
from tests.integration.webhook_receiver import WebhookReceiver
from tests.processes import clean_env, free_port, stop, wait_until_up

BIN = Path(sys.executable).parent
GATEWAY = str(BIN / "gateway")
BASH = shutil.which("bash") or "/bin/bash"


@dataclass(frozen=True)
class Sandbox:
    url: str
    key: str
    banner: list[str]


def _wait_for(
    path: Path, wanted: Callable[[str], bool], process: subprocess.Popen[str], seconds: float = 60
) -> str:
    """``path``'s text once ``wanted`` holds for it (the test fails if ``process`` exits first
    or ``seconds`` pass)."""
    deadline = time.monotonic() + seconds
    while True:
        text = path.read_text()
        if wanted(text):
            return text
        assert process.poll() is None, f"it exited ({process.returncode}), having printed:\n{text}"
        assert time.monotonic() < deadline, f"not printed within {seconds:g} s:\n{text}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One ``gateway serve --sandbox`` for the module, and the demo tenant's key."""
    work = tmp_path_factory.mktemp("listen-sandbox")
    port = free_port()
    out, err = work / "gateway.out", work / "gateway.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [GATEWAY, "serve", "--sandbox", "--port", str(port)],
            env=clean_env(GATEWAY_DATA_DIR=str(work / "data")),
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    try:
        banner = _wait_for(out, lambda text: "# the commands under Try now work" in text, process)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)
        key = re.search(r"demo tenant key:\s+(gw_\S+)", banner)
        assert key, banner
        yield Sandbox(url=url, key=key[1], banner=banner.splitlines())
    finally:
        stop({process: err})  # type: ignore[dict-item]


@dataclass
class Listener:
    process: subprocess.Popen[str]
    out: Path

    def printed(self, wanted: Callable[[str], bool], seconds: float = 60) -> str:
        return _wait_for(self.out, wanted, self.process, seconds)

    @property
    def receiver_url(self) -> str:
        found = re.search(r"delivered to (http://127\.0\.0\.1:\d+/)", self.out.read_text())
        assert found, self.out.read_text()
        return found[1]

    @property
    def subscription_id(self) -> str:
        found = re.search(r"\(subscription (sub_\S+),", self.out.read_text())
        assert found, self.out.read_text()
        return found[1]

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


@pytest.fixture
def listeners(tmp_path: Path) -> Iterator[Callable[..., Listener]]:
    """Starts ``gateway listen`` (or a shell command running it) with the key in ``GW_KEY``;
    every one still running is stopped afterwards."""
    started: dict[subprocess.Popen[str], Path] = {}

    def start(argv: list[str], key: str, ready: bool = True) -> Listener:
        out = tmp_path / f"listen-{len(started)}.out"
        with out.open("w") as stdout:
            process = subprocess.Popen(
                argv,
                env=clean_env(GW_KEY=key, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"),
                stdout=stdout,
                stderr=subprocess.STDOUT,
                text=True,
            )
        started[process] = out
        listener = Listener(process, out)
        if ready:
            listener.printed(lambda text: "  listening" in text, seconds=30)
        return listener

    yield start
    stop({p: out for p, out in started.items() if p.poll() is None})  # type: ignore[misc]


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _place_call(sandbox: Sandbox) -> str:
    answer = httpx.post(
        f"{sandbox.url}/v1/calls",
        headers=_headers(sandbox.key),
        json={"to_number": "+14155551234", "task": "Confirm the appointment tomorrow at 3 PM"},
        timeout=15,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _loop_section(banner: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(banner) if line.startswith("Watch events arrive"))
    section = []
    for line in banner[start + 1 :]:
        if not line.startswith("  "):
            break
        if not line.lstrip().startswith("#"):
            section.append(line.strip())
    return section


def test_the_banners_loop_prints_call_completed_for_a_call_placed_through_the_gateway(
    sandbox: Sandbox, listeners: Callable[..., Listener]
) -> None:
    listen_line, place_call = _loop_section(sandbox.banner)
    assert listen_line == f"gateway listen --gateway {sandbox.url}   # reads the key from GW_KEY"
    assert "--key" not in listen_line, "a key on the command line is in the process list"
    listener = listeners([BASH, "-c", "exec " + listen_line], sandbox.key)

    placed = subprocess.run(
        [BASH, "-euo", "pipefail", "-c", place_call + '\necho "CALL_ID=$CALL_ID"'],
        env={**os.environ, "GW_KEY": sandbox.key},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert placed.returncode == 0, placed.stderr
    call_id = re.search(r"CALL_ID=(\S+:\S+)", placed.stdout)
    assert call_id, placed.stdout

    printed = listener.printed(
        lambda text: re.search(rf"call\.completed  {re.escape(call_id[1])}  evt_", text) is not None
    )
    lines = [line for line in printed.splitlines() if call_id[1] in line]
    assert [line.split("  ")[1] for line in lines][-1] == "call.completed", printed
    assert "warning" not in printed


def test_a_delivery_with_a_bad_signature_is_refused_and_reported(
    sandbox: Sandbox, listeners: Callable[..., Listener]
) -> None:
    listener = listeners([GATEWAY, "listen", "--gateway", sandbox.url], sandbox.key)
    forged = Webhook("whsec_" + "Zm9yZ2VkIHNlY3JldCBmb3IgdGhlIHRlc3Q=")
    body = '{"id": "evt_forged", "type": "call.completed"}'
    stamp = datetime.now(UTC).replace(microsecond=0)
    headers = {
        "webhook-id": "evt_forged",
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": forged.sign("evt_forged", stamp, body),
        "content-type": "application/json",
    }

    answer = httpx.post(listener.receiver_url, content=body, headers=headers, timeout=10)

    assert answer.status_code == 400
    printed = listener.printed(lambda text: "evt_forged" in text, seconds=10)
    (warning,) = [line for line in printed.splitlines() if "evt_forged" in line]
    assert warning.startswith("warning: refused a delivery with a bad signature"), warning
    assert "call.completed" not in printed


def test_forward_to_posts_the_verified_body_with_its_webhook_headers(
    sandbox: Sandbox, listeners: Callable[..., Listener]
) -> None:
    app = WebhookReceiver()
    server = start_in_thread(app)
    try:
        listener = listeners(
            [
                GATEWAY,
                "listen",
                "--gateway",
                sandbox.url,
                "--events",
                "call.queued",
                "--forward-to",
                f"{server.url}/hooks",
            ],
            sandbox.key,
        )
        call_id = _place_call(sandbox)

        printed = listener.printed(lambda text: f"-> {server.url}/hooks: 200" in text)
        (got, *_) = app.at("/hooks")
    finally:
        server.stop()
    assert got.json["type"] == "call.queued" and got.json["subject"] == call_id, got.json
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= got.headers.keys()
    assert got.headers["webhook-id"] == got.json["id"]
    secret = re.search(r"secret: (whsec_\S+)", printed)
    assert secret, printed
    assert Webhook(secret[1]).verify(got.body, got.headers)["id"] == got.json["id"]
    assert f"call.queued  {call_id}" in printed


def test_sigterm_deletes_the_subscription(
    sandbox: Sandbox, listeners: Callable[..., Listener]
) -> None:
    listener = listeners([GATEWAY, "listen", "--gateway", sandbox.url], sandbox.key)
    subscription = listener.subscription_id

    def listed() -> set[str]:
        page = httpx.get(f"{sandbox.url}/v1/subscriptions", headers=_headers(sandbox.key))
        assert page.status_code == 200, page.text
        return {s["id"] for s in page.json()["data"]}

    assert subscription in listed()
    description = httpx.get(
        f"{sandbox.url}/v1/subscriptions/{subscription}", headers=_headers(sandbox.key)
    ).json()["description"]
    assert description.startswith("gateway listen on ")

    assert listener.terminate() == 0
    assert subscription not in listed()
    assert f"deleted subscription {subscription}" in listener.out.read_text()


def test_a_gateway_that_refuses_loopback_is_a_one_line_error_and_exit_2(
    gateway: GatewayStack, simulators: Simulators, listeners: Callable[..., Listener]
) -> None:
    tenant = new_tenant(gateway, simulators)
    listener = listeners([GATEWAY, "listen", "--gateway", gateway.url], tenant.key, ready=False)

    assert listener.process.wait(timeout=30) == 2
    (line,) = listener.out.read_text().splitlines()
    assert line.startswith("gateway listen: the gateway refused to deliver to http://127.0.0.1:")
    assert "GATEWAY_WEBHOOK_ALLOW_HTTP=true" in line
    assert "GATEWAY_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8" in line


def test_sandbox_allows_loopback_webhooks_only_where_the_operator_did_not_decide() -> None:
    default = Settings()
    assert allow_local_webhooks(default, {}).policies.webhook_allow_http is True
    assert allow_local_webhooks(default, {}).policies.webhook_allowed_networks == LOOPBACK_NETWORKS
    chosen = allow_local_webhooks(
        default.with_policies(webhook_allowed_networks=("10.0.0.0/8",)),
        {"GATEWAY_WEBHOOK_ALLOW_HTTP": "false", "GATEWAY_WEBHOOK_ALLOWED_NETWORKS": "10.0.0.0/8"},
    )
    assert chosen.policies.webhook_allow_http is False
    assert chosen.policies.webhook_allowed_networks == ("10.0.0.0/8",)
