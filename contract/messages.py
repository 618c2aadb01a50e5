"""msgspec's validation messages, said for people: what to send, not the library's words.

msgspec reports ``Expected `str` matching regex '^\\\\+?...'`` or ``Invalid RFC3339 encoded
date``; a consumer should read "must be an international number in E.164 form..." or "must be a
date as YYYY-MM-DD". Every place that shows a decoding error to a consumer goes through
:func:`explain` (or :func:`field_error` for a whole :class:`msgspec.ValidationError`).
"""

from __future__ import annotations

import ast
import re

import msgspec

from contract.errors import FieldError
from contract.patterns import describe

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_REGEX = re.compile(r"^Expected `str` matching regex (?P<literal>'.*'|\".*\")$")
_LENGTH = re.compile(r"^Expected `(?P<kind>\w+)` of length (?P<op>[<>]=?) (?P<n>\d+)$")
_BOUND = re.compile(r"^Expected `(?P<kind>int|float)` (?P<op>[<>]=?) (?P<n>-?[\d.e+-]+)$")
_TYPE = re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>[^`]+)`$")
_ENUM = re.compile(r"^Invalid enum value ")

_TYPE_WORDS = {
    "str": "a string",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "object": "an object",
    "array": "an array",
    "null": "null",
}
_BOUND_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}
_FIXED = {
    "Invalid RFC3339 encoded date": "must be a date as YYYY-MM-DD, e.g. 2026-11-01",
    "Invalid RFC3339 encoded datetime": (
        "must be a date and time in RFC 3339 form, e.g. 2026-11-01T09:30:00Z"
    ),
    "Invalid RFC3339 encoded time": "must be a time as HH:MM:SS",
    "Invalid UUID": "must be a UUID",
}


def explain(message: str) -> tuple[str, str]:
    """``message`` (one msgspec validation error) as the path of the field inside the value it
    names (``""`` for the value itself, else ``.name`` or ``[0].name``) and words for a person."""
    path = ""
    at = _AT.search(message)
    if at:
        path, message = at["path"], message[: at.start()]
    if match := _MISSING.match(message):
        return f"{path}.{match['name']}", "is required"
    if match := _UNKNOWN.match(message):
        return f"{path}.{match['name']}", "is not a field this operation accepts"
    return path, _words(message)


def field_error(exc: msgspec.ValidationError, prefix: str) -> FieldError:
    """A :class:`msgspec.ValidationError` of a value found at ``prefix`` (``body``...)."""
    path, message = explain(str(exc))
    return FieldError(field=prefix + path, message=message)


def _words(message: str) -> str:
    if message in _FIXED:
        return _FIXED[message]
    if match := _REGEX.match(message):
        described = describe(ast.literal_eval(match["literal"]))
        return f"must be {described}" if described else "is not in the expected format"
    if match := _LENGTH.match(message):
        unit = "characters" if match["kind"] == "str" else "items"
        return f"must have {_BOUND_WORDS[match['op']]} {match['n']} {unit}"
    if match := _BOUND.match(message):
        return f"must be {_BOUND_WORDS[match['op']]} {match['n']}"
    if match := _TYPE.match(message):
        kinds = [_TYPE_WORDS.get(kind, kind) for kind in match["expected"].split(" | ")]
        return f"must be {' or '.join(kinds)}"
    if _ENUM.match(message):
        return "is not one of the allowed values (the API document lists them)"
    return message[:1].lower() + message[1:]
