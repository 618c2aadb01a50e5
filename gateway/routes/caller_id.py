"""``/v1/caller-id``: labels, feature sets, personalization and call-me-back / feedback logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from adapters.capabilities import CallerIdProvider
from adapters.declaration import Op
from contract.caller_id import (
    CallerLabel,
    CallerLabelList,
    ExportLink,
    FeatureSet,
    FeatureSetList,
    Personalization,
    PersonalizationBatch,
    PersonalizationBatchCreate,
    PersonalizationCreate,
)
from contract.errors import FieldError, ValidationFailed
from contract.patterns import whole
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.idempotency import request_fingerprint, run_idempotently
from gateway.openapi import BODY_ERRORS, READ_ERRORS, WRITE_ERRORS, contract
from gateway.pipeline import CacheUse
from gateway.routes.answers import answer, data_list
from gateway.routes.include import IncludeQuery, with_includes
from gateway.routes.params import CacheControlHeader, IdempotencyKeyHeader, wants_fresh
from gateway.services import Services

DEPRECATED_NOTE = (
    "Served by a vendor endpoint the vendor has deprecated (its only API for this data); "
    "prefer the vendor's webhooks where you can."
)
BATCH_MAX_BODY_BYTES = 8 * 1024 * 1024
"""10,000 records of at most about 500 bytes each fit; other routes keep the 1 MiB limit."""
SurveyId = Annotated[
    str,
    Parameter(pattern=whole(r"[A-Za-z0-9-]{1,64}", "1 to 64 letters, digits or -")),
]


class CallerIdController(Controller):
    """Dynamic caller ID over the tenant's caller-ID vendor."""

    path = "/v1/caller-id"
    tags = ["caller-id"]

    @get(
        "/labels",
        operation_id="listCallerLabels",
        summary="List dynamic caller-ID labels",
        **contract(Scope.CALLER_ID_READ, *READ_ERRORS),
    )
    async def list_labels(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        cache_control: CacheControlHeader = None,
        include: IncludeQuery = None,
    ) -> Response[CallerLabelList]:
        """Labels a personalization can show (cached)."""
        tenant_id = principal.require_tenant()
        gathered = await services.dispatcher.collect(
            tenant_id,
            CallerIdProvider,
            Op.LIST_LABELS,
            lambda adapter, credential: adapter.list_labels(credential),
            CacheUse((), list[CallerLabel], wants_fresh(cache_control)),
        )
        return services.answer_bodies.answer(
            tenant_id, gathered, data_list, CallerLabelList, include
        )

    @get(
        "/feature-sets",
        operation_id="listFeatureSets",
        summary="List caller-ID feature sets",
        **contract(Scope.CALLER_ID_READ, *READ_ERRORS),
    )
    async def list_feature_sets(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        cache_control: CacheControlHeader = None,
        include: IncludeQuery = None,
    ) -> Response[FeatureSetList]:
        """Feature sets numbers can be registered in (cached)."""
        tenant_id = principal.require_tenant()
        gathered = await services.dispatcher.collect(
            tenant_id,
            CallerIdProvider,
            Op.LIST_FEATURE_SETS,
            lambda adapter, credential: adapter.list_feature_sets(credential),
            CacheUse((), list[FeatureSet], wants_fresh(cache_control)),
        )
        return services.answer_bodies.answer(
            tenant_id, gathered, data_list, FeatureSetList, include
        )

    @post(
        "/personalizations",
        operation_id="personalizeCall",
        summary="Personalize a call now",
        status_code=200,
        **contract(Scope.CALLER_ID_WRITE, *BODY_ERRORS, *WRITE_ERRORS),
    )
    async def personalize(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[PersonalizationCreate],
    ) -> Response[Personalization]:
        """Push the caller identity and reason to the receiver's phone now.

        Checked here first (numbers, window not in the past and at most 24 h, a label of this
        account, lengths); a failure the vendor reports inside a 200 is a 422 (the receiver
        cannot be personalized) or a 502 (the vendor could not deliver).
        """
        tenant_id = principal.require_tenant()
        bound = await services.dispatcher.choose(tenant_id, CallerIdProvider, data.vendor)
        (item,) = await services.personalizations.prepare(bound, [data], "body", indexed=False)
        outcome = await services.dispatcher.call(
            bound,
            Op.PERSONALIZE,
            lambda adapter, credential: adapter.personalize(credential, item),
        )
        return answer(outcome.value, outcome.facts)

    @post(
        "/personalization-batches",
        operation_id="createPersonalizationBatch",
        summary="Personalize many calls",
        status_code=202,
        request_max_body_size=BATCH_MAX_BODY_BYTES,
        **contract(Scope.CALLER_ID_WRITE, *BODY_ERRORS, *WRITE_ERRORS),
    )
    async def create_batch(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[PersonalizationBatchCreate],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[PersonalizationBatch]:
        """Queue up to 10,000 records; split into the vendor's batch size, tracked as one batch."""
        tenant_id = principal.require_tenant()
        bound = await services.dispatcher.choose(tenant_id, CallerIdProvider, data.vendor)
        items = await services.personalizations.prepare(
            bound, data.records, "body.records", indexed=True
        )

        async def submit() -> PersonalizationBatch:
            return await services.personalizations.submit(bound, items)

        return await run_idempotently(
            services.idempotency,
            tenant_id,
            "personalization_batch",
            idempotency_key,
            request_fingerprint("POST", "personalization-batches", msgspec.to_builtins(data)),
            submit,
            status_code=202,
        )

    @get(
        "/personalization-batches/{batch_id:str}",
        operation_id="getPersonalizationBatch",
        summary="Get a personalization batch",
        **contract(Scope.CALLER_ID_READ, 404, *READ_ERRORS),
    )
    async def get_batch(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        batch_id: FromPath[str],
        include: IncludeQuery = None,
    ) -> PersonalizationBatch:
        """Every record's status, in the order submitted."""
        batch = await services.personalizations.status(principal.require_tenant(), batch_id)
        return with_includes(batch, include)

    @get(
        "/callback-requests",
        operation_id="getCallbackRequestLog",
        summary="Get the call-me-back log (deprecated vendor endpoint)",
        description=DEPRECATED_NOTE,
        **contract(Scope.CALLER_ID_READ, *READ_ERRORS),
    )
    async def callback_requests(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        start: Annotated[datetime, Parameter(description="Requests made at or after this time.")],
        end: Annotated[datetime, Parameter(description="Requests made before this time.")],
    ) -> Response[ExportLink]:
        """A link (valid about 10 minutes) to the log of users asking to be called back."""
        if _utc(end) <= _utc(start):
            raise ValidationFailed(
                "end is not after start",
                errors=[FieldError(field="query.end", message="must be after start")],
            )
        tenant_id = principal.require_tenant()
        bound = await services.dispatcher.choose(
            tenant_id, CallerIdProvider, None, field="query.vendor"
        )
        outcome = await services.dispatcher.call(
            bound,
            Op.CALLBACK_REQUESTS,
            lambda adapter, credential: adapter.callback_requests(
                credential, _utc(start), _utc(end)
            ),
        )
        return answer(outcome.value, outcome.facts)

    @get(
        "/feedback",
        operation_id="getFeedbackReport",
        summary="Get a feedback survey report (deprecated vendor endpoint)",
        description=DEPRECATED_NOTE,
        **contract(Scope.CALLER_ID_READ, *READ_ERRORS),
    )
    async def feedback(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        survey_id: SurveyId,
        start: Annotated[datetime, Parameter(description="Answers given at or after this time.")],
    ) -> Response[ExportLink]:
        """A link (valid about 10 minutes) to a feedback survey's answers."""
        tenant_id = principal.require_tenant()
        bound = await services.dispatcher.choose(
            tenant_id, CallerIdProvider, None, field="query.vendor"
        )
        outcome = await services.dispatcher.call(
            bound,
            Op.FEEDBACK_REPORT,
            lambda adapter, credential: adapter.feedback_report(credential, survey_id, _utc(start)),
        )
        return answer(outcome.value, outcome.facts)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
