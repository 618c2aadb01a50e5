"""The Truecaller profile fetch: one GET of the ``endpoint`` a verification callback named.

Which hosts may be fetched is decided before this is called; this module only never follows a
redirect, so an allowed host cannot bounce the request (and the access token) elsewhere.
"""

from __future__ import annotations

import httpx
import msgspec

from adapters.http import VendorPayloadError, VendorResponseError
from adapters.truecaller.payloads import ProfileOut


async def fetch_profile(http: httpx.AsyncClient, endpoint: str, access_token: str) -> ProfileOut:
    """``GET {endpoint}`` with the user's access token; a 3xx is an error like any non-2xx."""
    response = await http.get(
        endpoint,
        headers={"Authorization": f"Bearer {access_token}", "Cache-Control": "no-cache"},
        follow_redirects=False,
    )
    if not response.is_success:
        raise VendorResponseError(response.status_code, response.headers, response.content)
    try:
        return msgspec.json.decode(response.content, type=ProfileOut)
    except msgspec.DecodeError as exc:
        raise VendorPayloadError(f"unexpected profile payload: {exc}") from None
