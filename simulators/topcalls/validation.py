"""Request validation of the simulated TopCalls, with zod-style issues (contract §1.1).

The vendor validates with zod: each problem is an issue with a ``path`` (dotted here, e.g.
``sip_gateway.ipv4``), a ``message`` and a ``code`` (``invalid_type``, ``too_small``,
``too_big``, ``invalid_string``, ``invalid_enum_value``, ``custom``). Unknown keys are ignored,
as zod's default object schema strips them. Every check of a body runs, so one 400 lists every
issue. The validators return typed specs; rules that need the account (caller ID, quota) are
the state's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import phonenumbers

from simulators.topcalls.records import (
    BUILTIN_VOICES,
    CALL_EVENTS,
    DEFAULT_CALL_EVENTS,
    DEFAULT_MODEL,
    DEFAULT_VOICE,
    MODELS,
    MODES,
    TRUNK_TYPES,
    CallSpec,
    CarrierSpec,
    SipGateway,
)

Choice = TypeVar("Choice", bound=str)

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,255}$")
ELEVENLABS_VOICE_ID = re.compile(r"^[A-Za-z0-9]{20}$")
SUBSCRIPTION_EVENT = re.compile(
    r"^call\.completed(?:\.[a-z0-9_]+)?$|^lead\.status_changed$|^campaign\.(?:activated|paused)$"
)
E164_MESSAGE = "Phone number must be in E.164 format (e.g., +14155551234)"
_TYPE_NAMES = {str: "string", bool: "boolean", dict: "object", list: "array"}


@dataclass(frozen=True)
class Issue:
    """One zod issue."""

    path: str
    message: str
    code: str


@dataclass(frozen=True)
class NumberSpec:
    """A validated ``POST /v1/phone-numbers`` body."""

    number: str
    voip_carrier_sid: str | None
    label: str | None


@dataclass(frozen=True)
class SubscriptionSpec:
    """A validated ``POST /v1/webhooks`` body."""

    event: str
    url: str
    filters: dict[str, Any] | None


class InvalidBody(Exception):
    """The body (or query) has issues; ``detail`` is the problem's one-line summary."""

    def __init__(self, issues: Sequence[Issue], detail: str | None = None) -> None:
        super().__init__(issues[0].message)
        self.issues = list(issues)
        self.detail = detail or issues[0].message


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return _TYPE_NAMES.get(type(value), "unknown")


class Fields:
    """Reads fields of a decoded JSON object and collects issues, zod style."""

    def __init__(self, body: object, prefix: str = "", issues: list[Issue] | None = None) -> None:
        self.issues: list[Issue] = [] if issues is None else issues
        self.prefix = prefix
        self.body: dict[str, Any] = body if isinstance(body, dict) else {}
        if not isinstance(body, dict):
            self.fail("", f"Expected object, received {_type_name(body)}", "invalid_type")

    def fail(self, name: str, message: str, code: str) -> None:
        path = ".".join(p for p in (self.prefix, name) if p)
        self.issues.append(Issue(path, message, code))

    def _get(self, name: str, expected: str, required: bool) -> Any:
        value = self.body.get(name)
        if value is None:
            if required:
                self.fail(name, "Required", "invalid_type")
            return None
        if _type_name(value) != expected:
            self.fail(name, f"Expected {expected}, received {_type_name(value)}", "invalid_type")
            return None
        return value

    def string(
        self, name: str, *, required: bool = False, min_len: int = 0, max_len: int | None = None
    ) -> str | None:
        value = self._get(name, "string", required)
        if value is None:
            return None
        if len(value) < min_len:
            self.fail(name, f"String must contain at least {min_len} character(s)", "too_small")
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(name, f"String must contain at most {max_len} character(s)", "too_big")
            return None
        return value

    def number(
        self, name: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        value = self._get(name, "number", False)
        if value is None:
            return None
        if minimum is not None and value < minimum:
            self.fail(name, f"Number must be greater than or equal to {minimum:g}", "too_small")
            return None
        if maximum is not None and value > maximum:
            self.fail(name, f"Number must be less than or equal to {maximum:g}", "too_big")
            return None
        return float(value)

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.number(name, minimum=minimum, maximum=maximum)
        if value is None:
            return default
        if value != int(value):
            self.fail(name, "Expected integer, received float", "invalid_type")
            return default
        return int(value)

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name, "boolean", False)
        return default if value is None else bool(value)

    def choice(self, name: str, options: Sequence[Choice], default: Choice) -> Choice:
        value = self._get(name, "string", False)
        if value is None:
            return default
        for option in options:
            if value == option:
                return option
        listed = " | ".join(f"'{o}'" for o in options)
        message = f"Invalid enum value. Expected {listed}, received '{value}'"
        self.fail(name, message, "invalid_enum_value")
        return default

    def phone(self, name: str, *, required: bool, strict: bool) -> str | None:
        value = self.string(name, required=required)
        if value is None:
            return None
        if not (E164.match(value) and dialable(value, strict)):
            self.fail(name, E164_MESSAGE, "invalid_string")
            return None
        return value

    def url(self, name: str, *, required: bool = False) -> str | None:
        value = self.string(name, required=required)
        if value is not None and not is_http_url(value):
            self.fail(name, "Invalid url", "invalid_string")
            return None
        return value

    def obj(self, name: str, *, required: bool = False) -> Fields | None:
        value = self._get(name, "object", required)
        if value is None:
            return None
        return Fields(value, ".".join(p for p in (self.prefix, name) if p), self.issues)

    def raw_object(self, name: str) -> dict[str, Any] | None:
        return self._get(name, "object", False)

    def strings(self, name: str, options: Collection[str] | None = None) -> list[str] | None:
        value = self._get(name, "array", False)
        if value is None:
            return None
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(
                    f"{name}.{i}", f"Expected string, received {_type_name(item)}", "invalid_type"
                )
            elif options is not None and item not in options:
                listed = " | ".join(f"'{o}'" for o in options)
                message = f"Invalid enum value. Expected {listed}, received '{item}'"
                self.fail(f"{name}.{i}", message, "invalid_enum_value")
        return [i for i in value if isinstance(i, str)]

    def check(self) -> None:
        if self.issues:
            raise InvalidBody(self.issues, _detail(self.issues[0]))


def _detail(issue: Issue) -> str:
    if issue.message == E164_MESSAGE:
        return "Phone number must be in E.164 format"
    return f"{issue.path}: {issue.message}" if issue.path else issue.message


def dialable(number: str, strict: bool) -> bool:
    """A known country code and a possible (``strict``: valid) number for it."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    if strict:
        return phonenumbers.is_valid_number(parsed)
    return phonenumbers.is_possible_number(parsed)


def is_http_url(value: str) -> bool:
    """An absolute ``http``/``https`` URL with a host."""
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def is_uuid(value: str) -> bool:
    """A UUID in its canonical 8-4-4-4-12 form."""
    return bool(re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value))


# --- bodies ------------------------------------------------------------------------------------


def call_spec(body: object, custom_voices: Collection[str], strict_numbers: bool) -> CallSpec:
    """``POST /v1/calls`` (contract §2.2), or :class:`InvalidBody`."""
    f = Fields(body)
    phone = f.phone("phone_number", required=True, strict=strict_numbers)
    task = f.string("task", min_len=10)
    instructions = f.string("instructions", min_len=10)
    if (f.body.get("task") is None) == (f.body.get("instructions") is None):
        f.fail("task", "Provide exactly one of task or instructions", "custom")
    from_number = f.phone("from_number", required=False, strict=strict_numbers)
    first_sentence = f.string("first_sentence", min_len=1)
    models = {m.id: m for m in MODELS}
    model_id = f.string("model")
    model = models.get(model_id) if model_id is not None else None
    if model_id is not None and model is None:
        f.fail("model", f"Unknown model '{model_id}'; see GET /v1/models", "custom")
    mode_default = model.mode if model else "realtime"
    mode = f.choice("mode", MODES, mode_default)
    if model is not None and model.mode != mode:
        f.fail("model", f"Model '{model.id}' is not available in {mode} mode", "custom")
    voice = f.string("voice") or DEFAULT_VOICE[mode]
    if not _voice_fits(voice, mode, custom_voices):
        f.fail("voice", f"Voice '{voice}' is not available in {mode} mode", "custom")
    temperature = f.number("temperature", minimum=0, maximum=2)
    max_duration = f.number("max_duration", minimum=1, maximum=60)
    webhook_url = f.url("webhook_url")
    events = f.strings("webhook_events", CALL_EVENTS)
    knowledge = f.strings("knowledge_base_ids")
    spec = CallSpec(
        phone_number=phone or "",
        task=task,
        instructions=instructions,
        from_number=from_number,
        first_sentence=first_sentence,
        mode=mode,
        voice=voice,
        model=model.id if model else DEFAULT_MODEL[mode],
        temperature=temperature,
        max_duration=10.0 if max_duration is None else max_duration,
        background_audio=f.string("background_audio"),
        background_audio_gain=f.string("background_audio_gain"),
        knowledge_base_ids=knowledge,
        request_data=f.raw_object("request_data"),
        webhook_url=webhook_url,
        webhook_events=tuple(events) if events is not None else DEFAULT_CALL_EVENTS,
        metadata=f.raw_object("metadata") or {},
    )
    f.check()
    return spec


def _voice_fits(voice: str, mode: str, custom_voices: Collection[str]) -> bool:
    if any(v.id == voice and v.mode == mode for v in BUILTIN_VOICES):
        return True
    return mode == "legacy" and (voice in custom_voices or bool(ELEVENLABS_VOICE_ID.match(voice)))


def number_spec(body: object, strict_numbers: bool) -> NumberSpec:
    """``POST /v1/phone-numbers`` (contract §4.4), or :class:`InvalidBody`."""
    f = Fields(body)
    number = f.phone("number", required=True, strict=strict_numbers)
    sid = f.string("voip_carrier_sid")
    if sid is not None and not is_uuid(sid):
        f.fail("voip_carrier_sid", "Invalid uuid", "invalid_string")
    label = f.string("label", max_len=100)
    f.check()
    return NumberSpec(number or "", sid, label)


def carrier_spec(body: object) -> CarrierSpec:
    """``POST /v1/phone-numbers/carriers`` (contract §4.7), or :class:`InvalidBody`."""
    f = Fields(body)
    name = f.string("carrier_name", required=True, min_len=1, max_len=100)
    trunk = f.choice("trunk_type", TRUNK_TYPES, "static_ip")
    gateway = f.obj("sip_gateway", required=True)
    sip = None
    if gateway is not None:
        address = gateway.string("ipv4", required=True, min_len=1)
        port = gateway.integer("port", 5060, 1, 65535)
        inbound = gateway.boolean("inbound", True)
        outbound = gateway.boolean("outbound", True)
        if address is not None and inbound and not _is_ipv4(address):
            gateway.fail(
                "ipv4",
                "An inbound gateway must be an IPv4 address; hostnames are not allowed",
                "custom",
            )
        sip = SipGateway(address or "", port, inbound, outbound)
    registration = _credentials(f, "registration", ("username", "password", "sip_realm"), trunk)
    inbound_auth = _credentials(f, "inbound_auth", ("username", "password"), trunk)
    f.check()
    assert name is not None and sip is not None
    return CarrierSpec(name, trunk, sip, registration, inbound_auth)


def _credentials(f: Fields, name: str, keys: tuple[str, ...], trunk: str) -> dict[str, str] | None:
    required = (name, trunk) in {("registration", "reg"), ("inbound_auth", "auth")}
    section = f.obj(name, required=required)
    if section is None:
        return None
    values = {k: section.string(k, required=True, min_len=1) for k in keys}
    return {k: v for k, v in values.items() if v is not None}


def _is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def subscription_spec(body: object) -> SubscriptionSpec:
    """``POST /v1/webhooks`` (contract §6.1), or :class:`InvalidBody`."""
    f = Fields(body)
    event = f.string("event", required=True)
    if event is not None and not SUBSCRIPTION_EVENT.match(event):
        f.fail("event", "Invalid event", "invalid_string")
    url = f.url("url", required=True)
    filters = f.raw_object("filters")
    f.check()
    return SubscriptionSpec(event or "", url or "", filters)
