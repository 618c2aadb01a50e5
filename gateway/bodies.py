"""How the gateway reads request bodies: JSON in a JSON media type, decoded within bounds.

Every route with a body reads it through :class:`JsonBodyRequest` (the app's request class), so
the checks below hold for each of them, including routes added later: a body in another media
type is a 415, and one that is not UTF-8 JSON or is nested deeper than :data:`MAX_DEPTH` is a 400.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from contract.errors import BadRequest, UnsupportedMediaType

MAX_DEPTH = 32
"""The deepest nesting of arrays and objects a body may have; the gateway's own bodies need 4."""
JSON_MEDIA_TYPE = "application/json"


class JsonBodyRequest(Request[Any, Any, Any]):
    """A request whose JSON body is refused as a problem, never a 500, when it cannot be read."""

    async def json(self) -> Any:
        """The decoded body (415 for another media type, 400 when it is not readable JSON)."""
        require_json_media_type(self.headers.get("content-type"))
        try:
            value = await super().json()
        except RecursionError:
            raise _too_deep() from None
        except UnicodeDecodeError:
            raise BadRequest("the request body is not valid UTF-8") from None
        if nesting_depth(value) > MAX_DEPTH:
            raise _too_deep()
        return value


def require_json_media_type(content_type: str | None) -> None:
    """Refuse a body sent as anything but ``application/json`` or a ``+json`` type (415)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    if media_type == JSON_MEDIA_TYPE or (kind == "application" and subtype.endswith("+json")):
        return
    sent = f"'{media_type}'" if media_type else "no Content-Type"
    raise UnsupportedMediaType(
        f"the request body must be JSON sent as Content-Type: {JSON_MEDIA_TYPE} (got {sent})"
    )


def nesting_depth(value: object) -> int:
    """How deeply arrays and objects nest in a decoded JSON ``value`` (a scalar is 0)."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        children: list[Any] | None = None
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        if children is None:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> BadRequest:
    return BadRequest(f"the request body nests arrays and objects more than {MAX_DEPTH} deep")
