"""``gateway listen``: the tenant's events on a developer's terminal, the way ``stripe listen``
shows Stripe's.

It serves a small receiver on 127.0.0.1, subscribes it through the gateway's API (a temporary
subscription, deleted on Ctrl-C or SIGTERM), verifies each delivery's Standard Webhooks signature
with the secret the API returned, prints each event, and, with ``--forward-to``, POSTs the verified
body with its ``webhook-*`` headers unchanged to a local app. The gateway must be allowed to
deliver over http to loopback (sandbox mode allows it unless the operator said otherwise).
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

import httpx
from standardwebhooks import Webhook, WebhookVerificationError

LOOPBACK = "127.0.0.1"
MAX_BODY_BYTES = 4 * 1024 * 1024
"""A delivery larger than this is refused unread (the gateway's events are far smaller)."""
WEBHOOK_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
FORWARD_TIMEOUT_SECONDS = 10.0
API_TIMEOUT_SECONDS = 15.0
KEY_VARIABLES = ("GW_KEY", "GATEWAY_KEY")
"""Where the key is read from when ``--key`` is not given (so it stays out of the process list)."""
LOOPBACK_SETTINGS = (
    "set GATEWAY_WEBHOOK_ALLOW_HTTP=true and GATEWAY_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8 "
    "where the gateway starts (sandbox mode sets both unless they are set)"
)


class ListenError(Exception):
    """``gateway listen`` cannot go on; the message says why and what to do, on one line."""


@dataclass(frozen=True)
class ListenOptions:
    """What ``gateway listen`` was asked to do."""

    gateway: str
    """The gateway's base URL."""
    key: str
    """A tenant key with ``events:write`` and ``events:read``."""
    types: tuple[str, ...] = ("*",)
    """Event types or prefixes to subscribe to."""
    forward_to: str | None = None
    """Where to POST each verified delivery, if anywhere."""
    port: int = 0
    """The receiver's port on 127.0.0.1; 0 picks a free one."""
    as_json: bool = False
    """Print each whole event as JSON instead of one summary line."""


def key_from(given: str | None, environ: Mapping[str, str]) -> str:
    """``--key``, else the first of ``GW_KEY``/``GATEWAY_KEY`` that is set."""
    key = given or next((environ[v] for v in KEY_VARIABLES if environ.get(v)), None)
    if not key:
        raise ListenError("no key: pass --key or set GW_KEY (a tenant key with events:write)")
    return key


@dataclass(frozen=True)
class Subscribed:
    """The temporary subscription."""

    id: str
    secret: str
    url: str


class _Printer:
    """One line at a time, whichever thread prints."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self._out.write(text + "\n")
            self._out.flush()


def summary_line(event: Mapping[str, Any]) -> str:
    """``time  type  subject  id`` of one event."""
    return "  ".join(
        str(event.get(field) or "-") for field in ("created_at", "type", "subject", "id")
    )


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        self.listener: Listener | None = None
        """Set once the subscription (and so the secret) exists; until then nothing is accepted."""
        super().__init__((LOOPBACK, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver
    server_version = "gateway-listen"
    sys_version = ""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._answer(413, "too large")
            return
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        listener = self.server.listener
        status, text = (503, "not ready") if listener is None else listener.receive(body, headers)
        self._answer(status, text)

    def _answer(self, status: int, text: str) -> None:
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: each delivery is printed as an event instead."""


class Listener:
    """The receiver's side: verify, print, forward."""

    def __init__(
        self, options: ListenOptions, secret: str, out: TextIO, client: httpx.Client
    ) -> None:
        self._options = options
        self._webhook = Webhook(secret)
        self._print = _Printer(out)
        self._client = client

    def receive(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        """The status and text to answer one delivery with, having printed it."""
        try:
            event = self._webhook.verify(body, dict(headers))
        except (WebhookVerificationError, ValueError) as exc:
            self._print.line(
                f"warning: refused a delivery with a bad signature ({exc}; "
                f"webhook-id {headers.get('webhook-id', '-')}): answered 400"
            )
            return 400, "bad signature"
        if self._options.as_json:
            self._print.line(json.dumps(event, sort_keys=True))
        else:
            self._print.line(summary_line(event if isinstance(event, dict) else {}))
        if self._options.forward_to:
            self._forward(self._options.forward_to, body, headers)
        return 200, "ok"

    def _forward(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        sent = {name: headers[name] for name in WEBHOOK_HEADERS if name in headers}
        sent["content-type"] = headers.get("content-type", "application/json")
        try:
            answer = self._client.post(
                url, content=body, headers=sent, timeout=FORWARD_TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            self._print.line(f"  -> {url}: no answer ({type(exc).__name__}: {exc})")
            return
        self._print.line(f"  -> {url}: {answer.status_code}")


def _problem_words(answer: httpx.Response) -> str:
    try:
        problem = answer.json()
    except ValueError:
        return f"{answer.status_code} {answer.text[:200]}".strip()
    if not isinstance(problem, dict):
        return str(answer.status_code)
    words = str(problem.get("detail") or problem.get("title") or answer.status_code)
    reasons = [
        str(error.get("message"))
        for error in problem.get("errors") or ()
        if isinstance(error, dict) and error.get("message")
    ]
    return words + (": " + "; ".join(reasons) if reasons else "")


def subscribe(client: httpx.Client, options: ListenOptions, url: str) -> Subscribed:
    """Make the temporary subscription; a refusal is a :class:`ListenError` in words."""
    body = {
        "url": url,
        "types": list(options.types),
        "description": f"gateway listen on {socket.gethostname()}"[:500],
    }
    try:
        answer = client.post("/v1/subscriptions", json=body)
    except httpx.HTTPError as exc:
        raise ListenError(
            f"the gateway at {options.gateway} did not answer ({type(exc).__name__}: {exc})"
        ) from None
    if answer.status_code == 201:
        made = answer.json()
        return Subscribed(id=str(made["id"]), secret=str(made["secret"]), url=url)
    words = _problem_words(answer)
    if answer.status_code == 422 and "url" in answer.text:
        raise ListenError(
            f"the gateway refused to deliver to {url}: {words}. Its operator must allow "
            f"deliveries over http to loopback: {LOOPBACK_SETTINGS}"
        )
    if answer.status_code in (401, 403):
        raise ListenError(
            f"the gateway refused the key ({answer.status_code}: {words}); "
            "use a tenant key with the events:write and events:read scopes"
        )
    raise ListenError(f"the gateway refused the subscription ({answer.status_code}: {words})")


def unsubscribe(client: httpx.Client, subscription: Subscribed) -> str:
    """Delete the temporary subscription; what happened, in words."""
    try:
        answer = client.delete(f"/v1/subscriptions/{subscription.id}")
    except httpx.HTTPError as exc:
        return f"could not delete subscription {subscription.id} ({type(exc).__name__}): delete it"
    if answer.status_code in (204, 404):
        return f"deleted subscription {subscription.id}"
    return f"could not delete subscription {subscription.id} ({answer.status_code}): delete it"


@contextlib.contextmanager
def _stop_on_sigterm(stopped: threading.Event) -> Iterator[None]:
    """SIGTERM sets ``stopped`` (and nothing else: an exception raised from a signal handler
    can land inside any call of the main thread, a thread's start included)."""
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stopped.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def listen(options: ListenOptions, out: TextIO = sys.stdout) -> int:
    """Subscribe, serve until Ctrl-C or SIGTERM, then unsubscribe; runs in the main thread.
    0 once stopped; a :class:`ListenError` when the receiver or the subscription cannot be."""
    stopped = threading.Event()
    with _stop_on_sigterm(stopped), contextlib.suppress(KeyboardInterrupt):
        _listen(options, out, stopped)
    return 0


def _listen(options: ListenOptions, out: TextIO, stopped: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {options.key}"}
    with (
        httpx.Client(
            base_url=options.gateway.rstrip("/"),
            headers=headers,
            timeout=API_TIMEOUT_SECONDS,
            trust_env=False,
        ) as api,
        httpx.Client(trust_env=False, follow_redirects=False) as forwarder,
    ):
        try:
            receiver = _Receiver(options.port)
        except OSError as exc:
            raise ListenError(f"cannot listen on {LOOPBACK}:{options.port}: {exc}") from None
        with receiver:
            url = f"http://{LOOPBACK}:{receiver.server_address[1]}/"
            subscription = subscribe(api, options, url)
            serving = threading.Thread(
                target=receiver.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
            )
            try:
                receiver.listener = Listener(options, subscription.secret, out, forwarder)
                _print_ready(out, options, subscription)
                serving.start()
                with contextlib.suppress(KeyboardInterrupt):
                    while not stopped.wait(0.2):
                        pass
            finally:
                if serving.is_alive():
                    receiver.shutdown()
                    serving.join(5)
                with contextlib.suppress(KeyboardInterrupt):
                    print(unsubscribe(api, subscription), file=out, flush=True)


def _print_ready(out: TextIO, options: ListenOptions, subscription: Subscribed) -> None:
    lines = [
        f"Ready: {', '.join(options.types)} events from {options.gateway} are delivered to "
        f"{subscription.url} (subscription {subscription.id}, removed when you stop).",
        "Every delivery's signature is verified (Standard Webhooks). Ctrl-C to stop.",
    ]
    if options.forward_to:
        lines += [
            f"Forwarding verified deliveries to {options.forward_to}, headers unchanged;",
            f"verify them there with this subscription's secret: {subscription.secret}",
        ]
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    lines.append(f"{stamp}  listening")
    print("\n".join(lines), file=out, flush=True)
