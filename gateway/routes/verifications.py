"""``/v1/verifications``: one-tap phone verification, and the vendor's callback into it."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from adapters.capabilities import PhoneVerifier
from contract.caller_id import Verification, VerificationCreate
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import BODY_ERRORS, READ_ERRORS, contract, problem_responses
from gateway.routes.include import IncludeQuery, with_includes
from gateway.services import Services


class VerificationsController(Controller):
    """Start a verification and follow it to the verified profile."""

    path = "/v1/verifications"
    tags = ["verifications"]

    @post(
        "/",
        operation_id="startVerification",
        summary="Start a phone verification",
        status_code=201,
        **contract(Scope.VERIFICATIONS, *BODY_ERRORS, *READ_ERRORS),
    )
    async def start(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[VerificationCreate],
    ) -> Verification:
        """A request id and the deep link a page opens on the user's Android phone.

        When the user approves, the vendor calls the gateway back, the gateway fetches the
        profile, and `GET /v1/verifications/{request_id}` reports it.
        """
        tenant_id = principal.require_tenant()
        bound = await services.dispatcher.choose(tenant_id, PhoneVerifier, data.vendor)
        return await services.verifications.start(bound, data)

    @get(
        "/{request_id:str}",
        operation_id="getVerification",
        summary="Get a verification",
        **contract(Scope.VERIFICATIONS, 404, *READ_ERRORS),
    )
    async def get_verification(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request_id: FromPath[str],
        include: IncludeQuery = None,
    ) -> Verification:
        """Pending, verified (with the caller's profile), rejected, expired or failed."""
        verification = await services.verifications.get(principal.require_tenant(), request_id)
        return with_includes(verification, include)


class CallbackAck(msgspec.Struct, frozen=True):
    """What the vendor's callback gets back."""

    status: str = "ok"


@post(
    "/v1/verifications/{vendor:str}/callback",
    operation_id="receiveVerificationCallback",
    summary="Receive a verification callback (called by the vendor)",
    status_code=200,
    tags=["verifications"],
    security=[],
    responses=problem_responses(400, 404, 413, 415, 422, 500, 502, 503, 504),
)
async def verification_callback(
    services: NamedDependency[Services],
    vendor: FromPath[str],
    data: JSONBody[dict[str, Any]],
) -> CallbackAck:
    """The vendor's server-to-server callback, not for consumers. It needs no gateway key: the
    unguessable request id it carries is what authenticates it, and the profile endpoint it
    names is fetched only on an allowed host."""
    await services.verifications.callback(vendor, data)
    return CallbackAck()
