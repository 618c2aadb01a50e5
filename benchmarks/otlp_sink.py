"""Where the gateway's OTLP trace exporter sends spans during the benchmark: it reads each
export and answers 200 with an empty ``ExportTraceServiceResponse``, keeping nothing.

    uvicorn benchmarks.otlp_sink:app
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Any request: its body read and dropped, then ``200 application/x-protobuf``."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/x-protobuf"), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
