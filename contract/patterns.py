"""Text formats that input must match as a whole, each written once with the words for people.

A ``pattern`` is checked by msgspec with ``re.search``, where ``$`` also matches just before a
final newline, and read by OpenAPI clients as ECMA-262, where ``$`` is the end of the text.
:func:`whole` writes a pattern both read the same way: the ``(?!\\n)`` before ``$`` refuses
that final newline in Python and changes nothing in JSON Schema.

Each format also says what it accepts in words (:func:`describe`), so a 422 tells a person what
to send instead of showing them the regex.
"""

from __future__ import annotations

_DESCRIPTIONS: dict[str, str] = {}


def whole(core: str, description: str) -> str:
    """A pattern that accepts a text only when all of it matches ``core``.

    ``description`` completes "must be ..." in an error message (``"an E.164 number: ..."``).
    """
    pattern = f"^(?:{core})(?!\\n)$"
    _DESCRIPTIONS[pattern] = description
    return pattern


def describe(pattern: str) -> str | None:
    """What a pattern made by :func:`whole` accepts, in words (``None`` for another pattern)."""
    return _DESCRIPTIONS.get(pattern)


HEADER_TOKEN = whole(
    r"[!-~]{1,4096}", "1 to 4096 visible ASCII characters, without spaces or line breaks"
)
"""A value sent to a vendor in a header (an API key, a token)."""
