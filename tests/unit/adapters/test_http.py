"""The vendor client every adapter is handed."""

from __future__ import annotations

import httpx

from adapters.http import VendorHttpSettings, build_vendor_client


async def test_a_cookie_a_vendor_sets_is_never_sent_back() -> None:
    seen: list[str | None] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "session=tenant-a; Path=/"})

    client = build_vendor_client(
        VendorHttpSettings(base_url="https://vendor.test"), transport=httpx.MockTransport(vendor)
    )
    async with client:
        await client.get("/first")  # one tenant's call
        await client.get("/second")  # another tenant's, on the same client

    assert seen == [None, None]
    assert not client.cookies
