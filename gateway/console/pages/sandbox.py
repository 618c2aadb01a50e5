"""``/console/sandbox`` (sandbox mode only): a panel that drives the vendor simulators through
their ``/_sim/`` control surfaces (make a vendor fail, place a live call, play a verification)
so a person can watch the gateway react on the other pages.

What each simulator offers comes from its own ``console_actions`` (the module its vendor
declaration names, imported only in sandbox mode); the gateway names no vendor here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Template

from contract.errors import NotFound
from gateway.console.auth import require_session
from gateway.console.forms import text_field
from gateway.console.render import AnyRequest, page
from gateway.sandbox import simulator_modules
from gateway.services import Services

SIMULATOR_TIMEOUT_SECONDS = 5.0
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SHOWN_ANSWER_CHARACTERS = 600


class SimulatorAction(Protocol):
    """The shape of ``simulators.sandbox.ConsoleAction`` (the gateway does not import it)."""

    @property
    def vendor(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def body(self) -> dict[str, Any] | None: ...
    @property
    def fields(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SimulatorAnswer:
    """What the simulator said to an action, for the page."""

    label: str
    status: int | None
    text: str


def simulator_actions(services: Services) -> list[SimulatorAction]:
    """Every action the running simulators offer, for the vendors the gateway points at them."""
    settings = services.settings
    actions: list[SimulatorAction] = []
    for module in simulator_modules().values():
        offer = getattr(module, "console_actions", None)
        if offer is None:
            continue
        base_urls = {vendor: http.base_url for vendor, http in settings.vendors.items()}
        actions += offer(base_urls)
    return actions


def _filled(value: object, values: Mapping[str, str]) -> object:
    """``value`` with each ``{name}`` placeholder in its strings replaced, in one pass (what a
    person typed is never read as a placeholder)."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), value)
    if isinstance(value, dict):
        return {key: _filled(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, values) for item in value]
    return value


class SandboxPages(Controller):
    """The simulators' controls; 404 outside sandbox mode."""

    path = "/console/sandbox"
    guards = [require_session]
    include_in_schema = False

    @get("/")
    async def panel(self, request: AnyRequest) -> Template:
        """Every action, one form each."""
        return _panel(request, None)

    @post("/{vendor:str}/{action:str}")
    async def run(
        self, request: AnyRequest, vendor: FromPath[str], action: FromPath[str]
    ) -> Template:
        """Send the action to its simulator and show what it answered."""
        services: Services = request.app.state.services
        chosen = _find(services, vendor, action)
        values = {
            "gateway": str(services.settings.server.public_url or request.base_url).rstrip("/"),
        }
        for field in chosen.fields:
            values[field] = await text_field(request, field, field)
        body = _filled(chosen.body, values) if chosen.body is not None else None
        try:
            async with httpx.AsyncClient(timeout=SIMULATOR_TIMEOUT_SECONDS) as client:
                answer = await client.request(chosen.method, chosen.url, json=body)
        except httpx.HTTPError as exc:
            result = SimulatorAnswer(chosen.label, None, f"the simulator did not answer: {exc}")
        else:
            result = SimulatorAnswer(
                chosen.label, answer.status_code, answer.text[:SHOWN_ANSWER_CHARACTERS]
            )
        return _panel(request, result)


def _find(services: Services, vendor: str, name: str) -> SimulatorAction:
    if not services.settings.sandbox:
        raise NotFound("the sandbox panel exists in sandbox mode only")
    for action in simulator_actions(services):
        if action.vendor == vendor and action.name == name:
            return action
    raise NotFound(f"no simulator action {vendor}/{name}")


def _panel(request: AnyRequest, result: SimulatorAnswer | None) -> Template:
    services: Services = request.app.state.services
    if not services.settings.sandbox:
        raise NotFound("the sandbox panel exists in sandbox mode only")
    return page(request, "sandbox.html", actions=simulator_actions(services), result=result)
