"""A vendor on ``httpx.MockTransport`` for pure client tests: queued answers, recorded requests."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from adapters.http import VendorHttpSettings, build_vendor_client


@dataclass
class RecordingVendor:
    """Answers every request with the next queued response and keeps what it received."""

    responses: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.responses.append(httpx.Response(status, content=body, headers=headers))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def http(self, base_url: str) -> httpx.AsyncClient:
        """The gateway's vendor client for ``base_url``, on this vendor's transport."""
        return build_vendor_client(
            VendorHttpSettings(base_url=base_url), transport=httpx.MockTransport(self.handle)
        )


def query(request: httpx.Request) -> dict[str, str]:
    """A request's query parameters."""
    return dict(request.url.params)
