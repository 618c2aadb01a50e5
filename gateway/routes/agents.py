"""``/v1/agent-models``, ``/v1/voices`` and ``/v1/balance``: what AI calls can use and cost."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from adapters.base import AgentCatalog, BalanceSource
from contract.agents import (
    AgentModel,
    AgentModelList,
    BalanceList,
    CallMode,
    Voice,
    VoiceFilters,
    VoiceList,
)
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import READ_ERRORS, contract
from gateway.routes.params import CacheControlHeader, wants_fresh
from gateway.services import Services

Word = Annotated[str | None, Parameter(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")]


class AgentsController(Controller):
    """Models, voices and balances of the tenant's AI-call vendors."""

    path = "/v1"
    tags = ["agents"]

    @get(
        "/agent-models",
        operation_id="listAgentModels",
        summary="List agent models",
        **contract(Scope.CALLS_READ, *READ_ERRORS),
    )
    async def list_agent_models(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        cache_control: CacheControlHeader = None,
    ) -> AgentModelList:
        """Models a call's `model` can name (cached; `Cache-Control: no-cache` refreshes)."""
        models, errors = await services.dispatcher.collect(
            principal.require_tenant(),
            AgentCatalog,
            "list_models",
            lambda bound: bound.adapter.list_models(bound.credential),
            cached=(list[AgentModel], (), wants_fresh(cache_control)),
        )
        return AgentModelList(data=models, errors=errors)

    @get(
        "/voices",
        operation_id="listVoices",
        summary="List voices",
        **contract(Scope.CALLS_READ, *READ_ERRORS),
    )
    async def list_voices(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        mode: Annotated[
            CallMode | None, Parameter(description="Voices for this call mode only.")
        ] = None,
        provider: Word = None,
        gender: Word = None,
        language: Word = None,
        custom: Annotated[
            bool | None,
            Parameter(description="`false`: built-in voices only; `true`: the account's own."),
        ] = None,
        cache_control: CacheControlHeader = None,
    ) -> VoiceList:
        """Built-in and account voices, filtered as the vendor allows (cached)."""
        filters = VoiceFilters(
            mode=mode, provider=provider, gender=gender, language=language, custom=custom
        )
        voices, errors = await services.dispatcher.collect(
            principal.require_tenant(),
            AgentCatalog,
            "list_voices",
            lambda bound: bound.adapter.list_voices(bound.credential, filters),
            cached=(
                list[Voice],
                (mode, provider, gender, language, custom),
                wants_fresh(cache_control),
            ),
        )
        return VoiceList(data=voices, errors=errors)

    @get(
        "/balance",
        operation_id="getBalance",
        summary="Get balances",
        **contract(Scope.ACCOUNT_READ, *READ_ERRORS),
    )
    async def get_balance(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> BalanceList:
        """What is left to spend with each vendor that bills by usage (never cached)."""
        balances, errors = await services.dispatcher.fan_out(
            principal.require_tenant(),
            BalanceSource,
            "get_balance",
            lambda bound: bound.adapter.get_balance(bound.credential),
        )
        return BalanceList(data=balances, errors=errors)
