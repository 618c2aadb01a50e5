"""Truecaller for Business vendor API, part one: tokens, number management, feature sets, labels.

Paths, bodies and errors follow ``vendor-contracts/truecaller-business.md`` §2 and §4-§5.1; the
base URL is the server root.
"""

from __future__ import annotations

import math

from litestar import get, post
from litestar.params import FromPath

from simulators.truecaller import wire
from simulators.truecaller.http import (
    MALFORMED,
    AnyRequest,
    authorize,
    json_body,
    page_of,
    params,
    phone_numbers,
    positive_int,
    require_json,
    sim,
)
from simulators.truecaller.numbers import Classification, NumberFilters, RequestRefused
from simulators.truecaller.records import (
    CALL_PERSONALISATION,
    NUMBER_MANAGEMENT,
    FeatureSet,
    Label,
    NumberEntry,
    iso,
)
from simulators.truecaller.state import BadCredentials, CreationLimitReached

ACCOUNT = "/clients/{client_account_id:str}"
FEATURE_SET_NUMBERS = ACCOUNT + "/number_management/feature_sets/{feature_set_id:str}/numbers"


def feature_set_out(feature_set: FeatureSet) -> wire.FeatureSetOut:
    return wire.FeatureSetOut(
        id=feature_set.id,
        name=feature_set.name,
        description=feature_set.description,
        status=feature_set.status,
        process_id=feature_set.process_id,
        client_account_id=feature_set.account_id,
        label_id=feature_set.label_id,
        call_reason_id=feature_set.call_reason_id,
        video_caller_id=None,
        business_profile_id=None,
        call_me_back=feature_set.call_me_back,
        survey=feature_set.survey,
        department_id=feature_set.department_id,
        department_name=feature_set.department_name,
        operation_id=feature_set.operation_id,
        calling_operation_id=feature_set.calling_operation_id,
        calling_operation_name=feature_set.calling_operation_name,
        process_name=feature_set.process_name,
        sub_process_name=feature_set.sub_process_name,
        created_at=iso(feature_set.created_at),
        updated_at=iso(feature_set.updated_at or feature_set.created_at),
    )


def label_out(label: Label) -> wire.LabelOut:
    return wire.LabelOut(
        id=label.id,
        name=label.name,
        logo_url=label.logo_url,
        category=label.category,
        sub_category=label.sub_category,
        created_by_email=label.created_by_email,
        created_at=iso(label.created_at),
        label_type=label.label_type,
    )


@post("/clients/{client_account_id:str}/token", status_code=200)
async def create_token(request: AnyRequest, client_account_id: FromPath[str]) -> wire.TokenOut:
    """Exchange a key pair for a bearer token (60 minutes; at most 10 per 30 minutes)."""
    require_json(request)
    body = await json_body(request)
    if body is MALFORMED or not isinstance(body, dict):
        raise wire.refuse(400, "invalid request body")
    for name in ("key_id", "api_key"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise wire.refuse(400, f"{name} is required")
    try:
        token = sim(request).tokens.create(client_account_id, body["key_id"], body["api_key"])
    except BadCredentials:
        raise wire.refuse(401, "invalid key_id or api_key") from None
    except CreationLimitReached as exc:
        raise wire.refuse(
            429,
            "token generation limit reached, retry later",
            retry_after=max(1, math.ceil(exc.retry_after)),
        ) from None
    return wire.TokenOut(token.value, iso(token.created_at))


async def _numbers_request(
    request: AnyRequest, client_account_id: FromPath[str], feature_set_id: FromPath[str]
) -> tuple[str, FeatureSet, list[str]]:
    principal = authorize(request, client_account_id, NUMBER_MANAGEMENT)
    require_json(request)
    numbers = phone_numbers(await json_body(request))
    feature_set = sim(request).directory.feature_set(principal.account_id, feature_set_id)
    if feature_set is None:
        raise wire.refuse(404, "feature set not found")
    return principal.key_id, feature_set, numbers


def _arrays(result: Classification) -> dict[str, list[str]]:
    return {
        "new_numbers": result.new_numbers,
        "other_phonetype_numbers": result.other_phonetype_numbers,
        "existing_numbers": result.existing_numbers,
        "others_numbers": result.others_numbers,
        "invalid_numbers": result.invalid_numbers,
        "other_feature_set_numbers": result.other_feature_set_numbers,
    }


@post(
    ACCOUNT + "/number_management/feature_sets/{feature_set_id:str}/numbers/publish",
    status_code=200,
)
async def publish_numbers(
    request: AnyRequest, client_account_id: FromPath[str], feature_set_id: FromPath[str]
) -> wire.ListOut:
    """List numbers in a feature set and publish it; processed asynchronously."""
    key_id, feature_set, numbers = await _numbers_request(
        request, client_account_id, feature_set_id
    )
    state = sim(request)
    key = state.directory.find_key(client_account_id, key_id)
    email = key.owner_email if key else state.directory.account(client_account_id).email
    try:
        result = state.numbers.publish(client_account_id, feature_set, numbers, email)
    except RequestRefused as exc:
        raise wire.refuse(400, str(exc)) from None
    reported = state.config.list_reports_processing_numbers
    return wire.ListOut(
        client_account_id=client_account_id,
        created_by_email=email,
        phone_type="verified",
        status=result.status,
        migrated_numbers=[],
        delisted_numbers=[],
        updated_numbers=[],
        processing_numbers=result.processing_numbers if reported else None,
        **_arrays(result),
    )


@post(
    ACCOUNT + "/number_management/feature_sets/{feature_set_id:str}/numbers/delist", status_code=200
)
async def delist_numbers(
    request: AnyRequest, client_account_id: FromPath[str], feature_set_id: FromPath[str]
) -> wire.DelistOut:
    """Remove numbers from a feature set; processed asynchronously."""
    _, feature_set, numbers = await _numbers_request(request, client_account_id, feature_set_id)
    try:
        result = sim(request).numbers.delist(client_account_id, feature_set, numbers)
    except RequestRefused as exc:
        raise wire.refuse(400, str(exc)) from None
    return wire.DelistOut(
        client_account_id=client_account_id,
        phone_type="",
        processing_numbers=result.processing_numbers,
        status=result.status,
        **_arrays(result),
    )


def _number_out(entry: NumberEntry, feature_set: FeatureSet, label: Label | None) -> wire.NumberOut:
    return wire.NumberOut(
        phone_number=entry.phone_number,
        phone_type=entry.phone_type,
        status=entry.status,
        client_account_id=entry.account_id,
        created_by_email=entry.created_by_email,
        department=feature_set.department_name,
        operation=feature_set.calling_operation_name,
        process=feature_set.process_name,
        subprocess=feature_set.sub_process_name,
        feature_set_name=feature_set.name,
        call_me_back="enabled" if feature_set.call_me_back else "disabled",
        created_at=iso(entry.created_at),
        updated_at=iso(entry.updated_at),
        label_name=label.name if label else "",
    )


@get(ACCOUNT + "/number_management/numbers")
async def number_details(request: AnyRequest, client_account_id: FromPath[str]) -> wire.NumbersOut:
    """The account's numbers with their metadata, filtered and paginated."""
    authorize(request, client_account_id, NUMBER_MANAGEMENT)
    query = params(request)
    page, limit = positive_int(query, "page", 1), positive_int(query, "limit", 50)
    filters = NumberFilters(
        department_id=query.get("department_id") or None,
        feature_set_id=query.get("feature_set_id") or None,
        operation_id=query.get("operation_id") or None,
        process_id=query.get("process_id") or None,
    )
    state = sim(request)
    labels = {label.id: label for label in state.directory.labels(client_account_id)}
    found = state.numbers.details(client_account_id, filters)
    shown, pages = page_of(found, page, limit)
    return wire.NumbersOut(
        numbers=[_number_out(e, fs, labels.get(fs.label_id or "")) for e, fs in shown],
        pagination_information=wire.PaginationInformation(pages),
    )


@get(ACCOUNT + "/number_management/feature_sets")
async def list_feature_sets(
    request: AnyRequest, client_account_id: FromPath[str]
) -> wire.FeatureSetsOut:
    """The account's feature sets, filtered and paginated."""
    authorize(request, client_account_id, NUMBER_MANAGEMENT)
    query = params(request)
    page, limit = positive_int(query, "page", 1), positive_int(query, "limit", 50)
    filters = NumberFilters(
        department_id=query.get("department_id") or None,
        operation_id=query.get("operation_id") or None,
        process_id=query.get("process_id") or None,
    )
    found = [
        fs for fs in sim(request).directory.feature_sets(client_account_id) if filters.matches(fs)
    ]
    shown, pages = page_of(found, page, limit)
    return wire.FeatureSetsOut(
        feature_sets=[feature_set_out(fs) for fs in shown],
        pagination_info=wire.PaginationInfo(pages, page, limit),
    )


@get(ACCOUNT + "/labels")
async def list_labels(request: AnyRequest, client_account_id: FromPath[str]) -> list[wire.LabelOut]:
    """The account's dynamic labels: a bare array, paginated without metadata."""
    authorize(request, client_account_id, CALL_PERSONALISATION)
    query = params(request)
    page, limit = positive_int(query, "page", 1), positive_int(query, "limit", 1000)
    labels = sim(request).directory.labels(client_account_id, "dynamic")
    shown, _ = page_of(labels, page, limit)
    return [label_out(label) for label in shown]


HANDLERS = [
    create_token,
    publish_numbers,
    delist_numbers,
    number_details,
    list_feature_sets,
    list_labels,
]
ROUTES = {
    "/clients/{clientAccountId}/token": ("POST",),
    "/clients/{clientAccountId}/number_management/feature_sets/{featureSetId}/numbers/publish": (
        "POST",
    ),
    "/clients/{clientAccountId}/number_management/feature_sets/{featureSetId}/numbers/delist": (
        "POST",
    ),
    "/clients/{clientAccountId}/number_management/numbers": ("GET",),
    "/clients/{clientAccountId}/number_management/feature_sets": ("GET",),
    "/clients/{clientAccountId}/labels": ("GET",),
}
"""Route templates of this module's handlers, as the request log names them."""
