"""The simulated Truecaller profile flow: the profile endpoint and the verification callback.

``GET {SimulatorConfig.profile_prefix}`` with ``Authorization: Bearer <accessToken>`` serves the
profile JSON of ``vendor-contracts/truecaller-profile.md`` §5 (401 ``{"code","message"}`` for a
missing, unknown or expired token). The user's tap in the Truecaller app has no API, so
``POST /_sim/verifications`` plays it: the simulator POSTs the §4 callback to the partner's
``callback_url`` and records the delivery (see ``GET /_sim/verifications``).
"""

from __future__ import annotations

from typing import Any

from litestar import Response, Router, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody

from simulators.edge import bearer_token
from simulators.truecaller import profile_wire as wire
from simulators.truecaller.config import SimulatorConfig
from simulators.truecaller.http import AnyRequest, sim
from simulators.truecaller.profile_state import Profile, profile_out
from simulators.truecaller.webhooks import VERIFICATION

DEFAULT_USER = wire.ProfileIn(
    first_name="Rajat",
    last_name="Kapoor",
    phone_numbers=["919999999999"],
    email="rajat.kapoor@example.com",
    city="Mumbai",
    country="IN",
    badges=["verified"],
    company="ABC",
    job_title="CEO",
)
"""The user who approves a verification when the control call names nobody."""


def profile_endpoint(server_url: str, prefix: str = SimulatorConfig.profile_prefix) -> str:
    """The profile URL a callback carries for a simulator at ``server_url`` (its root URL)."""
    return server_url.rstrip("/") + prefix


def unauthorized() -> Response[wire.ProfileError]:
    return Response(wire.ProfileError(401, "Unauthorized"), status_code=401)


def profile_router(prefix: str) -> Router:
    """The profile endpoint, mounted at ``prefix``."""

    @get("/", sync_to_thread=False)
    def fetch_profile(request: AnyRequest) -> Response[Any]:
        """The profile of the user an access token was issued for."""
        state = sim(request)
        token = bearer_token({"authorization": request.headers.get("authorization", "")})
        profile = state.profiles.resolve(token)
        if profile is None:
            return unauthorized()
        return Response(profile_out(profile, state.config.profile_numbers_as_json_numbers))

    return Router(path=prefix, route_handlers=[fetch_profile])


# --- control surface ---------------------------------------------------------------------------


def _created(profile: Profile, request: AnyRequest) -> wire.ProfileCreated:
    config = sim(request).config
    return wire.ProfileCreated(
        profile.user_id, profile_out(profile, config.profile_numbers_as_json_numbers)
    )


@post("/profiles", status_code=201)
async def sim_add_profile(
    request: AnyRequest, data: JSONBody[wire.ProfileIn]
) -> wire.ProfileCreated:
    """A Truecaller user who may approve verifications."""
    return _created(sim(request).profiles.add(data), request)


@get("/profiles")
async def sim_list_profiles(request: AnyRequest) -> wire.ProfilesOut:
    """Every simulated user."""
    return wire.ProfilesOut([_created(p, request) for p in sim(request).profiles.profiles()])


@post("/profiles/tokens/expire", status_code=200)
async def sim_expire_access_tokens(request: AnyRequest) -> wire.ExpiredOut:
    """Expire every access token now."""
    return wire.ExpiredOut(sim(request).profiles.expire_all())


@post("/verifications", status_code=202)
async def sim_verify(
    request: AnyRequest, data: JSONBody[wire.VerificationIn]
) -> wire.VerificationOut:
    """Play the user answering the verification dialog; the callback is sent at once."""
    state = sim(request)
    if not data.callback_url.startswith(("http://", "https://")):
        raise ValueError("callback_url must be an http or https URL")
    payload: wire.ApprovedCallback | wire.RejectedCallback
    user_id = token = endpoint = None
    if data.outcome == "approve":
        if data.user_id is not None:
            user_id = state.profiles.get(data.user_id).user_id
        else:
            user_id = state.profiles.add(data.profile or DEFAULT_USER).user_id
        token = state.profiles.issue(user_id).value
        endpoint = profile_endpoint(
            data.endpoint_base or str(request.base_url), state.config.profile_prefix
        )
        payload = wire.ApprovedCallback(data.request_id, token, endpoint)
    else:
        status = "user_rejected" if data.outcome == "reject" else "use_another_number"
        payload = wire.RejectedCallback(data.request_id, status)
    delivery = state.webhooks.new_delivery(
        VERIFICATION, data.request_id, data.callback_url, payload
    )
    state.dispatcher.send(delivery)
    return wire.VerificationOut(
        delivery_id=delivery.id,
        request_id=data.request_id,
        outcome=data.outcome,
        callback_url=data.callback_url,
        payload=payload,
        user_id=user_id,
        access_token=token,
        endpoint=endpoint,
    )


CONTROL_HANDLERS: list[HTTPRouteHandler] = [
    sim_add_profile,
    sim_list_profiles,
    sim_expire_access_tokens,
    sim_verify,
]
