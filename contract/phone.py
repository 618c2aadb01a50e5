"""Phone numbers at the edge: accept ``+`` or digits-only input, hand out E.164 with ``+``."""

from __future__ import annotations

import re

import phonenumbers

from contract.patterns import whole

_E164_DIGITS = re.compile(r"[1-9][0-9]{7,14}")
_MASKED = re.compile(r"\+?([0-9]+)([Xx*]+)")
# Both are used with fullmatch: ``$`` would also match before a final newline.


E164_DESCRIPTION = (
    "an international number in E.164 form: '+' then 8 to 15 digits, the first not 0, "
    "e.g. +4915112345678 (the '+' may be left out)"
)
E164_INPUT_PATTERN = whole(r"\+?[1-9][0-9]{7,14}", E164_DESCRIPTION)
DIGIT_PREFIX_PATTERN = whole(r"\+?[0-9]{1,15}", "1 to 15 digits, optionally after a '+'")


class InvalidNumber(ValueError):
    """The text is not a phone number in international form; the message says why."""


def parse_e164(raw: str) -> str:
    """Validate a consumer-supplied number and return it as E.164 with ``+``.

    Accepts ``+8613912345678`` and ``8613912345678``: 8 to 15 ASCII digits, no leading zero, and
    a country calling code that exists. Separators are refused so that the OpenAPI pattern
    (:data:`E164_INPUT_PATTERN`) says exactly what is accepted.
    """
    text = raw
    digits = text[1:] if text.startswith("+") else text
    if not _E164_DIGITS.fullmatch(digits):
        raise InvalidNumber(f"must be {E164_DESCRIPTION}")
    try:
        phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber("has no valid country calling code") from exc
    return "+" + digits


def parse_digit_prefix(raw: str) -> str:
    """Validate a number prefix filter (``+86`` or ``86``) and return its digits."""
    digits = raw[1:] if raw.startswith("+") else raw
    if not digits.isdecimal() or not digits.isascii() or len(digits) > 15:
        raise InvalidNumber("must be 1 to 15 digits, optionally starting with '+'")
    return digits


def vendor_digits_to_e164(digits: str) -> str:
    """Render a vendor's digits-only number as E.164; masked digits (``XXX``) stay masked."""
    text = digits.strip()
    return text if text.startswith("+") else "+" + text


def is_masked(number: str) -> bool:
    """Whether a vendor number has masked digits."""
    return bool(_MASKED.fullmatch(number))
