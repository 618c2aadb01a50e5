"""The Truecaller profile-flow adapter: deep links out, callbacks in, profiles fetched.

Its stored credential is the app's partner key and name (what the deep link carries); the
per-user access token arrives in the callback and is used once, here, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import msgspec

from adapters.capabilities import VerificationCallbackData
from adapters.credentials import load_secret
from adapters.http import VendorPayloadError, VendorResponseError, translate_transport_errors
from adapters.truecaller import translate
from adapters.truecaller.declaration import PROFILE_DECLARATION
from adapters.truecaller.payloads import ProfileAppCredential, VerificationCallback
from adapters.truecaller.profile_client import fetch_profile
from contract.caller_id import CallerProfile
from contract.errors import ValidationFailed, VendorError
from contract.messages import field_error


class TruecallerProfileAdapter:
    """One-tap phone verification through the Truecaller app."""

    declaration = PROFILE_DECLARATION

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    def load_credential(self, secret: Mapping[str, str]) -> ProfileAppCredential:
        """Decode the stored app identity (``partner_key``, ``partner_name``)."""
        return load_secret(secret, ProfileAppCredential, "Truecaller profile")

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        """The app's name, which the user sees in the dialog."""
        credential = self.load_credential(secret)
        return {"partner_name": credential.partner_name}

    def deep_link(
        self,
        credential: ProfileAppCredential,
        request_id: str,
        language: str | None,
        ttl_seconds: int,
    ) -> tuple[str, dict[str, str]]:
        """The ``truecallersdk://`` link that opens the verification dialog."""
        return translate.deep_link(
            request_id,
            credential.partner_key,
            credential.partner_name,
            language,
            ttl_seconds * 1000,
        )

    def parse_callback(self, body: object) -> VerificationCallbackData:
        """``{requestId, accessToken, endpoint}`` when approved, ``{requestId, status}`` if not."""
        try:
            callback = msgspec.convert(body, VerificationCallback)
        except msgspec.ValidationError as exc:
            raise ValidationFailed(
                "not a Truecaller verification callback", errors=[field_error(exc, "body")]
            ) from None
        approved = callback.status is None and bool(callback.accessToken and callback.endpoint)
        return VerificationCallbackData(
            request_id=callback.requestId,
            approved=approved,
            access_token=callback.accessToken,
            endpoint=callback.endpoint,
            status=callback.status,
        )

    async def fetch_profile(self, endpoint: str, access_token: str) -> CallerProfile:
        """GET the profile at ``endpoint`` (already allowed by the gateway), no redirects."""
        try:
            profile = await translate_transport_errors(
                translate.PROFILE_VENDOR, lambda: fetch_profile(self._http, endpoint, access_token)
            )
        except VendorResponseError as exc:
            raise translate.profile_error(exc.status, exc.body) from None
        except VendorPayloadError as exc:
            raise VendorError(
                f"Truecaller profile {exc}", vendor=translate.PROFILE_VENDOR
            ) from None
        return translate.profile_from_vendor(profile)
