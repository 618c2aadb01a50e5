"""One-tap phone verification: a request id out, the vendor's callback in, a profile fetched.

The request id is 256 random bits, so it also authenticates the callback it comes back in (the
vendor signs nothing). The callback's ``endpoint`` is where the gateway fetches the profile with
the user's access token: it is fetched only when its origin is on the allow-list (the vendor's
hosts by default; the simulator's in sandbox mode), with redirects refused, so a forged callback
cannot make the gateway reach anything else. The access token is used once and never stored; the
profile is sealed with the vault's keys at rest.

When a callback ends a verification (verified, rejected, expired or failed), one
``verification.completed`` is recorded. Its ``data`` is the verification as its GET answers it
but without the profile: the event log is not sealed, so the profile stays behind the GET.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import msgspec

from adapters.capabilities import PhoneVerifier
from adapters.declaration import Op
from contract.caller_id import (
    CallerProfile,
    Verification,
    VerificationCreate,
    VerificationState,
)
from contract.errors import FieldError, NotFound, ValidationFailed, VendorCredentialRejected
from gateway.dispatch import Bound, VendorDispatcher
from gateway.events.settled import Settlements
from policies.records import RecordStore
from policies.sql import Database
from policies.sql.schema import records
from policies.vault import ResealCount, Vault, reseal_column

KEEP_AFTER_EXPIRY = timedelta(hours=1)
PROFILE_PURPOSE = "verification#profile"
MAX_ENDPOINT_LENGTH = 2048
ACCESS_TOKEN = re.compile(r"[!-~]{1,4096}")
"""What a profile access token may be: visible ASCII, no spaces, as a header value can carry."""
log = logging.getLogger(__name__)


class _Stored(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: str
    verification: Verification
    sealed_profile: bytes | None = None


_KEY_PREFIX = "gw:verification:"


def _key(request_id: str) -> str:
    return _KEY_PREFIX + request_id


async def reseal_profiles(database: Database, vault: Vault) -> dict[str, ResealCount]:
    """Seal every stored verification's profile under the active master key (a step of
    ``gateway vault rotate``): a profile cannot be fetched again, so an unopened one is lost."""

    def reseal(_row: object, value: bytes) -> bytes | None:
        try:
            stored = msgspec.json.decode(value, type=_Stored)
        except msgspec.DecodeError:
            return None
        if stored.sealed_profile is None:
            return value
        sealed = vault.reseal(stored.tenant_id, PROFILE_PURPOSE, stored.sealed_profile)
        if sealed is None or sealed == stored.sealed_profile:
            return None if sealed is None else value
        return msgspec.json.encode(msgspec.structs.replace(stored, sealed_profile=sealed))

    where = records.c.key.startswith(_KEY_PREFIX, autoescape=True) & records.c.owner.is_(None)
    count = await reseal_column(database, records, "value", reseal, where)
    return {"records.verification_profile": count}


def allowed_endpoint(endpoint: str, allowed_origins: Sequence[str]) -> httpx.URL | None:
    """``endpoint`` as the URL the fetch will use, when it is on one of ``allowed_origins``
    (scheme, host pattern, port); ``None`` when it is not, or is not a URL httpx can send.

    httpx parses it here and in the fetch, so the host checked is the host reached.
    """
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        return None
    try:
        target = httpx.URL(endpoint)
    except httpx.InvalidURL:
        return None
    port = target.port or _default_port(target.scheme)
    if target.userinfo or not target.raw_host or not 0 < port < 65536:
        return None
    host = target.raw_host.decode("ascii").lower()
    for origin in allowed_origins:
        allowed = httpx.URL(origin)
        if allowed.scheme != target.scheme or not allowed.raw_host:
            continue
        if (allowed.port or _default_port(allowed.scheme)) != port:
            continue
        pattern = allowed.raw_host.decode("ascii").lower()
        wildcard = pattern.startswith("*.")
        if (wildcard and host.endswith(pattern[1:])) or host == pattern:
            return target
    return None


def endpoint_allowed(endpoint: str, allowed_origins: Sequence[str]) -> bool:
    """Whether ``endpoint`` is on one of ``allowed_origins`` (see :func:`allowed_endpoint`)."""
    return allowed_endpoint(endpoint, allowed_origins) is not None


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class Verifications:
    """Starts verifications, takes the vendor's callbacks and answers status requests."""

    def __init__(
        self,
        dispatcher: VendorDispatcher,
        records: RecordStore,
        vault: Vault,
        allowed_origins: Sequence[str],
        settlements: Settlements,
    ) -> None:
        self._dispatcher = dispatcher
        self._records = records
        self._vault = vault
        self._settlements = settlements
        self.allowed_origins = tuple(allowed_origins)

    async def start(
        self, bound: Bound[PhoneVerifier[object]], request: VerificationCreate
    ) -> Verification:
        """A new pending verification with the deep link that starts it on the phone."""
        request_id = secrets.token_urlsafe(32)
        credential = await self._dispatcher.credential(bound)
        link, parameters = bound.adapter.deep_link(
            credential, request_id, request.language, request.ttl_seconds
        )
        now = datetime.now(UTC)
        verification = Verification(
            request_id=request_id,
            vendor=bound.vendor,
            status=VerificationState.PENDING,
            created_at=now,
            expires_at=now + timedelta(seconds=request.ttl_seconds),
            deep_link=link,
            deep_link_parameters=parameters,
        )
        await self._save(_Stored(tenant_id=bound.tenant_id, verification=verification))
        return verification

    async def get(self, tenant_id: str, request_id: str) -> Verification:
        """The verification, with its profile once verified (404 for another tenant's)."""
        stored = await self._load(request_id)
        if stored is None or stored.tenant_id != tenant_id:
            raise NotFound("no such verification")
        verification = stored.verification
        if stored.sealed_profile is not None:
            plaintext = self._vault.open_value(tenant_id, PROFILE_PURPOSE, stored.sealed_profile)
            if plaintext is not None:
                profile = msgspec.json.decode(plaintext, type=CallerProfile)
                verification = msgspec.structs.replace(verification, profile=profile)
        if verification.status is VerificationState.PENDING and _expired(verification):
            verification = msgspec.structs.replace(verification, status=VerificationState.EXPIRED)
        return verification

    async def callback(self, vendor: str, body: object) -> Verification:
        """Record the vendor's callback; fetch the profile when approved and allowed.

        A repeated callback for a settled verification changes nothing (its event, recorded
        once, is recorded again if the first callback failed before it could be). A vendor
        failure while fetching leaves it pending and raises, so the vendor retries its
        callback.
        """
        adapter = self._dispatcher.adapter(vendor, PhoneVerifier)
        data = adapter.parse_callback(body)
        stored = await self._load(data.request_id)
        if stored is None or stored.verification.vendor != vendor:
            raise NotFound("no pending verification with this requestId")
        current = stored.verification
        if current.status is not VerificationState.PENDING:
            await self._settlements.verification(stored.tenant_id, current)
            return current
        if _expired(current):
            return await self._settle(stored, VerificationState.EXPIRED, "the callback came late")
        if not data.approved:
            return await self._settle(
                stored, VerificationState.REJECTED, data.status or "the user declined"
            )
        refusal = _callback_refusal(data.access_token, data.endpoint, self.allowed_origins)
        if isinstance(refusal, FieldError):
            log.warning("refused a verification callback", extra={"vendor": vendor})
            await self._settle(stored, VerificationState.FAILED, _REFUSED[refusal.field])
            raise ValidationFailed(
                f"{_REFUSED[refusal.field]}; nothing was fetched", errors=[refusal]
            )
        endpoint, token = refusal
        bound = self._dispatcher.bind(stored.tenant_id, vendor, PhoneVerifier)
        try:
            fetched = await self._dispatcher.call(
                bound,
                Op.FETCH_PROFILE,
                lambda verifier, _credential: verifier.fetch_profile(str(endpoint), token),
            )
            profile = fetched.value
        except VendorCredentialRejected as exc:
            return await self._settle(stored, VerificationState.FAILED, exc.detail)
        sealed = self._vault.seal_value(
            stored.tenant_id, PROFILE_PURPOSE, msgspec.json.encode(profile)
        )
        return await self._settle(stored, VerificationState.VERIFIED, None, sealed)

    async def _settle(
        self,
        stored: _Stored,
        status: VerificationState,
        detail: str | None,
        sealed_profile: bytes | None = None,
    ) -> Verification:
        verification = msgspec.structs.replace(stored.verification, status=status, detail=detail)
        await self._save(
            _Stored(
                tenant_id=stored.tenant_id,
                verification=verification,
                sealed_profile=sealed_profile,
            )
        )
        await self._settlements.verification(stored.tenant_id, verification)
        return verification

    async def _load(self, request_id: str) -> _Stored | None:
        raw = await self._records.get(_key(request_id))
        return msgspec.json.decode(raw, type=_Stored) if raw is not None else None

    async def _save(self, stored: _Stored) -> None:
        remaining = stored.verification.expires_at + KEEP_AFTER_EXPIRY - datetime.now(UTC)
        await self._records.put(
            _key(stored.verification.request_id),
            msgspec.json.encode(stored),
            max(1.0, remaining.total_seconds()),
            tenant_id=stored.tenant_id,
        )


_REFUSED = {
    "body.endpoint": "the profile endpoint is not on the allow-list",
    "body.accessToken": "the access token cannot be sent in a header",
}


def _callback_refusal(
    token: str | None, endpoint: str | None, allowed_origins: Sequence[str]
) -> FieldError | tuple[httpx.URL, str]:
    """The endpoint to fetch and the token to send, or why the callback's pair is refused."""
    url = allowed_endpoint(endpoint or "", allowed_origins)
    if url is None:
        return FieldError(
            field="body.endpoint",
            message=f"must be a URL of at most {MAX_ENDPOINT_LENGTH} characters on an allowed host",
        )
    if token is None or not ACCESS_TOKEN.fullmatch(token):
        return FieldError(
            field="body.accessToken",
            message="must be 1 to 4096 visible ASCII characters, without spaces",
        )
    return url, token


def _expired(verification: Verification) -> bool:
    return datetime.now(UTC) >= verification.expires_at
