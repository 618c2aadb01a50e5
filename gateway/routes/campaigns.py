"""``/v1/campaigns``: watch campaigns and start or pause them (they are built at the vendor)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from adapters.capabilities import CampaignSource
from adapters.declaration import Op
from contract.agents import ActionResult, Campaign, CampaignList
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import READ_ERRORS, WRITE_ERRORS, contract
from gateway.routes.actions import run_action
from gateway.routes.answers import answer
from gateway.routes.include import IncludeQuery, with_includes
from gateway.routes.params import IdempotencyKeyHeader
from gateway.services import Services


class CampaignsController(Controller):
    """Campaigns of AI calls; starting and pausing needs the `campaigns:write` scope."""

    path = "/v1/campaigns"
    tags = ["campaigns"]

    @get(
        "/",
        operation_id="listCampaigns",
        summary="List campaigns",
        **contract(Scope.CAMPAIGNS_READ, *READ_ERRORS),
    )
    async def list_campaigns(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        include: IncludeQuery = None,
    ) -> Response[CampaignList]:
        """Every campaign of every configured vendor, with its stats."""
        gathered = await services.dispatcher.collect(
            principal.require_tenant(),
            CampaignSource,
            Op.LIST_CAMPAIGNS,
            lambda adapter, credential: adapter.list_campaigns(credential),
        )
        campaigns = CampaignList(data=gathered.values, errors=gathered.errors)
        return answer(with_includes(campaigns, include), gathered.facts)

    @get(
        "/{campaign_id:str}",
        operation_id="getCampaign",
        summary="Get a campaign",
        **contract(Scope.CAMPAIGNS_READ, 404, *READ_ERRORS),
    )
    async def get_campaign(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        campaign_id: FromPath[str],
        include: IncludeQuery = None,
    ) -> Response[Campaign]:
        """One campaign with its current stats."""
        bound, native = services.dispatcher.bind_by_id(
            principal.require_tenant(), campaign_id, CampaignSource
        )
        outcome = await services.dispatcher.call(
            bound,
            Op.GET_CAMPAIGN,
            lambda adapter, credential: adapter.get_campaign(credential, native),
        )
        return answer(with_includes(outcome.value, include), outcome.facts)

    @post(
        "/{campaign_id:str}/start",
        operation_id="startCampaign",
        summary="Start or resume a campaign",
        status_code=200,
        **contract(Scope.CAMPAIGNS_WRITE, 404, *WRITE_ERRORS),
    )
    async def start_campaign(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        campaign_id: FromPath[str],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[ActionResult]:
        """Start a draft or resume a paused campaign (402 without minutes, 409 once it ended)."""
        return await run_action(
            services,
            principal,
            CampaignSource,
            campaign_id,
            Op.START_CAMPAIGN,
            "start",
            "campaigns cannot be started",
            idempotency_key,
            lambda adapter, credential, native, key: adapter.start_campaign(
                credential, native, key
            ),
        )

    @post(
        "/{campaign_id:str}/pause",
        operation_id="pauseCampaign",
        summary="Pause a campaign",
        status_code=200,
        **contract(Scope.CAMPAIGNS_WRITE, 404, *WRITE_ERRORS),
    )
    async def pause_campaign(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        campaign_id: FromPath[str],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[ActionResult]:
        """Stop queuing new calls (calls in flight finish); 409 unless running or paused."""
        return await run_action(
            services,
            principal,
            CampaignSource,
            campaign_id,
            Op.PAUSE_CAMPAIGN,
            "pause",
            "campaigns cannot be paused",
            idempotency_key,
            lambda adapter, credential, native, key: adapter.pause_campaign(
                credential, native, key
            ),
        )
