"""EchoCall's HTTP calls on an injected client; no normalization here."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.http import VendorResponseError


class EchoCallClient:
    """One method per EchoCall endpoint; answers are the vendor's JSON."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def get(self, api_key: str, path: str) -> Any:
        """``GET path`` with the key; the decoded JSON, or :class:`VendorResponseError`."""
        return self._json(await self._http.get(path, headers=_auth(api_key)))

    async def post(self, api_key: str, path: str, body: dict[str, object]) -> Any:
        """``POST path`` with a JSON body."""
        return self._json(await self._http.post(path, json=body, headers=_auth(api_key)))

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code >= 300:
            raise VendorResponseError(response.status_code, response.headers, response.content)
        return response.json()


def _auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}
