"""EchoCall's API (``/v2``: lines and dials behind a bearer key) and a ``/_sim`` control surface.

Its small contract: ``Authorization: Bearer ek_...`` or 401 ``{"error": ...}``; unknown ids 404;
a dial repeated with the same ``key`` is not dialed twice; ``/_sim/fail`` makes the next API
request answer 500; ``/_sim/requests`` counts what the API served.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath, JSONBody

API = "/v2"


@dataclass
class Account:
    """One customer: its key, lines and dials."""

    api_key: str
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    dials: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


@dataclass
class EchoCallState:
    """Everything the simulated EchoCall knows."""

    accounts: dict[str, Account] = field(default_factory=dict)
    fail_next: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_account(self, lines: int = 2) -> Account:
        """A new account with ``lines`` numbers."""
        account = Account(api_key="ek_" + secrets.token_hex(12))
        for index in range(lines):
            line_id = f"L{len(self.accounts)}{index}"
            account.lines[line_id] = {
                "line_id": line_id,
                "digits": f"4930{len(self.accounts):03d}{index:04d}",
                "created": 1_700_000_000 + index,
            }
        self.accounts[account.api_key] = account
        return account


def _error(status: int, message: str) -> Response[dict[str, str]]:
    return Response({"error": message}, status_code=status)


def _account(request: Request[Any, Any, Any], state: EchoCallState) -> Account | None:
    header = request.headers.get("authorization", "")
    return state.accounts.get(header.removeprefix("Bearer ").strip())


def create_app() -> Litestar:
    """A fresh simulator."""
    state = EchoCallState()

    def guard(request: Request[Any, Any, Any]) -> Account | Response[dict[str, str]]:
        with state.lock:
            state.requests += 1
            if state.fail_next:
                state.fail_next -= 1
                return _error(500, "internal error")
        account = _account(request, state)
        return account if account is not None else _error(401, "invalid api key")

    @get(f"{API}/lines", sync_to_thread=False)
    def lines(request: Request[Any, Any, Any]) -> Any:
        account = guard(request)
        if isinstance(account, Response):
            return account
        return {"lines": list(account.lines.values())}

    @get(f"{API}/lines/{{line_id:str}}", sync_to_thread=False)
    def line(request: Request[Any, Any, Any], line_id: FromPath[str]) -> Any:
        account = guard(request)
        if isinstance(account, Response):
            return account
        found = account.lines.get(line_id)
        return found if found is not None else _error(404, "no such line")

    @get(f"{API}/dials", sync_to_thread=False)
    def dials(request: Request[Any, Any, Any]) -> Any:
        account = guard(request)
        if isinstance(account, Response):
            return account
        return {"dials": list(account.dials.values())}

    @get(f"{API}/dials/{{dial_id:str}}", sync_to_thread=False)
    def dial(request: Request[Any, Any, Any], dial_id: FromPath[str]) -> Any:
        account = guard(request)
        if isinstance(account, Response):
            return account
        found = account.dials.get(dial_id)
        return found if found is not None else _error(404, "no such dial")

    @post(f"{API}/dials", sync_to_thread=False, status_code=201)
    def place(request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> Any:
        account = guard(request)
        if isinstance(account, Response):
            return account
        to, key = data.get("to"), str(data.get("key", ""))
        if not isinstance(to, str) or not to.isdigit():
            return _error(422, "to must be digits")
        with state.lock:
            if key in account.keys:
                return account.dials[account.keys[key]]
            dial_id = "D" + secrets.token_hex(4)
            account.dials[dial_id] = {
                "dial_id": dial_id,
                "to": to,
                "state": "ringing",
                "created": int(time.time()),
            }
            account.keys[key] = dial_id
            return account.dials[dial_id]

    @post(f"{API}/dials/{{dial_id:str}}/hangup", sync_to_thread=False, status_code=200)
    def hangup(request: Request[Any, Any, Any], dial_id: FromPath[str]) -> Any:
        account = guard(request)
        if isinstance(account, Response):
            return account
        found = account.dials.get(dial_id)
        if found is None:
            return _error(404, "no such dial")
        found["state"] = "ended"
        return found

    @post("/_sim/accounts", sync_to_thread=False, status_code=201)
    def new_account() -> dict[str, Any]:
        account = state.create_account()
        return {"api_key": account.api_key, "lines": list(account.lines)}

    @post("/_sim/fail", sync_to_thread=False, status_code=204)
    def fail(data: JSONBody[dict[str, int]]) -> None:
        state.fail_next = int(data.get("times", 1))

    @get("/_sim/requests", sync_to_thread=False)
    def requests() -> dict[str, int]:
        return {"total": state.requests}

    app = Litestar(
        route_handlers=[lines, line, dials, dial, place, hangup, new_account, fail, requests],
        openapi_config=None,
        logging_config=None,
    )
    app.state.echocall = state
    return app
