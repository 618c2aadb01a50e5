"""``/v1/agent-models``, ``/v1/voices`` and ``/v1/balance``: what AI calls can use and cost."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from adapters.capabilities import AgentCatalog, BalanceSource
from adapters.declaration import Op
from contract.agents import (
    AgentModel,
    AgentModelList,
    BalanceList,
    CallMode,
    Voice,
    VoiceFilters,
    VoiceList,
)
from contract.patterns import whole
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import READ_ERRORS, contract
from gateway.pipeline import CacheUse
from gateway.routes.answers import answer, data_list
from gateway.routes.include import IncludeQuery, with_includes
from gateway.routes.params import CacheControlHeader, wants_fresh
from gateway.services import Services

Word = Annotated[
    str | None,
    Parameter(
        pattern=whole(
            r"[A-Za-z][A-Za-z0-9_-]{0,31}",
            "a word of up to 32 letters, digits, - or _, starting with a letter",
        )
    ),
]


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
        include: IncludeQuery = None,
    ) -> Response[AgentModelList]:
        """Models a call's `model` can name (cached; `Cache-Control: no-cache` refreshes)."""
        tenant_id = principal.require_tenant()
        gathered = await services.dispatcher.collect(
            tenant_id,
            AgentCatalog,
            Op.LIST_MODELS,
            lambda adapter, credential: adapter.list_models(credential),
            CacheUse((), list[AgentModel], wants_fresh(cache_control)),
        )
        return services.answer_bodies.answer(
            tenant_id, gathered, data_list, AgentModelList, include
        )

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
        include: IncludeQuery = None,
    ) -> Response[VoiceList]:
        """Built-in and account voices, filtered as the vendor allows (cached)."""
        filters = VoiceFilters(
            mode=mode, provider=provider, gender=gender, language=language, custom=custom
        )
        tenant_id = principal.require_tenant()
        gathered = await services.dispatcher.collect(
            tenant_id,
            AgentCatalog,
            Op.LIST_VOICES,
            lambda adapter, credential: adapter.list_voices(credential, filters),
            CacheUse(
                (mode, provider, gender, language, custom),
                list[Voice],
                wants_fresh(cache_control),
            ),
        )
        return services.answer_bodies.answer(tenant_id, gathered, data_list, VoiceList, include)

    @get(
        "/balance",
        operation_id="getBalance",
        summary="Get balances",
        **contract(Scope.ACCOUNT_READ, *READ_ERRORS),
    )
    async def get_balance(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        include: IncludeQuery = None,
    ) -> Response[BalanceList]:
        """What is left to spend with each vendor that bills by usage (never cached)."""
        gathered = await services.dispatcher.fan_out(
            principal.require_tenant(),
            BalanceSource,
            Op.GET_BALANCE,
            lambda adapter, credential: adapter.get_balance(credential),
        )
        balances = BalanceList(data=gathered.values, errors=gathered.errors)
        return answer(with_includes(balances, include), gathered.facts)
