"""Truecaller payloads from the contract sheets, translated into the normalized schema.

The recorded payloads are in :mod:`contract_payloads`, copied verbatim from the sheets.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from adapters.truecaller import translate
from adapters.truecaller.payloads import (
    BatchBody,
    BatchCreated,
    BatchStatusRecord,
    BatchStatusResponse,
    Classification,
    ExportResponse,
    FeatureSetOut,
    FeatureSetsResponse,
    LabelOut,
    NumberDetail,
    NumbersResponse,
    ProfileAppCredential,
    ProfileOut,
    RealtimeResponse,
    RecordBody,
    StatusInfo,
    TokenBody,
    TokenResponse,
    TruecallerCredential,
    VerificationCallback,
)
from contract.caller_id import (
    NumberOutcome,
    NumberProgress,
    PersonalizationRecord,
    RecordState,
)
from contract.errors import (
    FieldError,
    GatewayError,
    NotFound,
    RateLimited,
    ValidationFailed,
    VendorCredentialRejected,
    VendorError,
    VendorServerError,
)
from contract.schema import NumberStatus
from tests.unit.adapters.truecaller import contract_payloads as sheet

API_KEY = "caf1694e-b8a4-4082-82fc-105a0a63eafe"
TOKEN = "a4p0pZ2x3aEk9TYGxPZldm0qvWQknTXTINPZxNpIZ32yWmiOFtGqv2mEU7nJlQO6"
LABEL_ID = "c6d86658-008d-4c08-98fb-2bf2649d59a5"


def status_info(body: bytes) -> StatusInfo:
    return msgspec.json.decode(body, type=StatusInfo)


def record(
    *,
    label_name: str | None = "Flower rasm",
    call_reason: str | None = "Flower Delivery",
    starts_at: datetime = datetime(2025, 7, 21, 9, 5, 51, tzinfo=UTC),
    ends_at: datetime = datetime(2025, 7, 21, 13, 5, 51, tzinfo=UTC),
) -> PersonalizationRecord:
    """The sheet's real-time v2 request, as a gateway record."""
    return PersonalizationRecord(
        caller_number="+911234567898",
        receiver_number="919234567898",
        starts_at=starts_at,
        ends_at=ends_at,
        label_id="truecaller:" + LABEL_ID,
        label_name=label_name,
        call_reason=call_reason,
    )


# --- credentials and token -----------------------------------------------------------------------


def test_credential_is_the_vault_secret_and_never_shows_the_api_key() -> None:
    secret = json.dumps(
        {"client_account_id": "91c173bb", "key_id": "aaaee1b1", "api_key": API_KEY}
    ).encode()

    credential = msgspec.json.decode(secret, type=TruecallerCredential)

    assert (credential.client_account_id, credential.key_id) == ("91c173bb", "aaaee1b1")
    assert credential.api_key == API_KEY
    assert API_KEY not in repr(credential)
    assert API_KEY not in str(credential)
    assert "aaaee1b1" in repr(credential)


@pytest.mark.parametrize(
    ("kind", "secret"),
    [
        (TruecallerCredential, {"client_account_id": "a", "key_id": "k", "api_key": "s", "x": 1}),
        (TruecallerCredential, {"client_account_id": "a", "key_id": "k"}),
        (ProfileAppCredential, {"partner_key": "k", "partner_name": "n", "secret": "s"}),
        (ProfileAppCredential, {"partner_key": "k"}),
    ],
)
def test_credentials_refuse_unknown_and_missing_fields(
    kind: type, secret: dict[str, object]
) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(json.dumps(secret).encode(), type=kind)


def test_token_request_is_the_sheet_body_and_hides_the_key() -> None:
    body = TokenBody(key_id="aaaee1b1-7a2f-4c0b-8271-4e2b41c1bf01", api_key=API_KEY)

    assert json.loads(msgspec.json.encode(body)) == json.loads(sheet.TOKEN_REQUEST)
    assert API_KEY not in repr(body)


def test_token_answer_decodes_with_its_creation_time_and_hides_the_token() -> None:
    answer = msgspec.json.decode(sheet.TOKEN_CREATED, type=TokenResponse)

    assert answer.token == TOKEN
    assert answer.created_at == datetime(2025, 7, 10, 6, 59, 5, 720000, tzinfo=UTC)
    assert TOKEN not in repr(answer)


def test_token_answer_without_creation_time_decodes() -> None:
    answer = msgspec.json.decode(b'{"token": "t", "extra": 1}', type=TokenResponse)

    assert (answer.token, answer.created_at) == ("t", None)


# --- numbers -------------------------------------------------------------------------------------


def test_sheet_number_details_translate() -> None:
    page = msgspec.json.decode(sheet.NUMBER_DETAILS, type=NumbersResponse)

    [number] = [translate.number_from_vendor(item) for item in page.numbers]

    assert number.id == "truecaller:918848628575230"
    assert number.vendor == "truecaller"
    assert number.number == "+918848628575230"
    assert number.status is NumberStatus.ACTIVE
    assert number.label == "testLabel from fs page"
    assert number.feature_set == "New Feature set"
    assert number.department == "TestingSanity"
    assert number.created_at == datetime(2025, 7, 28, 9, 25, 19, 557139, tzinfo=UTC)
    assert number.status_detail is None
    assert page.pagination_information is not None
    assert page.pagination_information.total_page_count == 8


@pytest.mark.parametrize(
    ("status", "expected", "detail"),
    [
        ("listed", NumberStatus.ACTIVE, None),
        ("pending", NumberStatus.PENDING, None),
        ("failed", NumberStatus.FAILED, "Truecaller could not list this number."),
        ("suspended", NumberStatus.INACTIVE, "Truecaller reports the number as `suspended`."),
    ],
)
def test_number_statuses(status: str, expected: NumberStatus, detail: str | None) -> None:
    item = NumberDetail(phone_number="911234567891", status=status)

    number = translate.number_from_vendor(item)

    assert (number.status, number.status_detail) == (expected, detail)


def test_number_echoed_with_plus_has_the_same_id_and_empty_texts_are_unset() -> None:
    item = NumberDetail(
        phone_number="+911234567891", status="listed", label_name="", department=" "
    )

    number = translate.number_from_vendor(item)

    assert (number.id, number.number) == ("truecaller:911234567891", "+911234567891")
    assert (number.label, number.department, number.feature_set) == (None, None, None)


def test_empty_number_page_decodes() -> None:
    page = msgspec.json.decode(sheet.NO_NUMBERS, type=NumbersResponse)

    assert page.numbers == []
    assert page.pagination_information is not None
    assert not translate.has_more_pages(1, page.pagination_information.total_page_count)


@pytest.mark.parametrize(
    ("page", "total", "more"),
    [(1, 8, True), (7, 8, True), (8, 8, False), (9, 8, False), (1, 0, False), (1, None, False)],
)
def test_has_more_pages(page: int, total: int | None, more: bool) -> None:
    assert translate.has_more_pages(page, total) is more


# --- feature sets and labels ---------------------------------------------------------------------


def test_sheet_feature_set_translates() -> None:
    answer = msgspec.json.decode(sheet.FEATURE_SETS, type=FeatureSetsResponse)

    [feature_set] = [translate.feature_set_from_vendor(item) for item in answer.feature_sets]

    assert feature_set.id == "truecaller:069d2e3a-41e6-41f9-a768-157d7e3bd6b9"
    assert (feature_set.vendor, feature_set.name, feature_set.status) == (
        "truecaller",
        "prio1",
        "draft",
    )
    assert feature_set.department == "QA Test new flow edit"
    assert feature_set.operation == "Delivery"
    assert feature_set.process == "newProcess"
    assert feature_set.sub_process == "subPro"
    assert feature_set.label_id == "truecaller:7c7ec202-96cc-4c5f-8b24-23cbc07a2a8a"
    assert (feature_set.call_me_back, feature_set.feedback_survey) == (False, False)
    assert feature_set.created_at == datetime(2025, 7, 16, 10, 15, 4, 800203, tzinfo=UTC)
    assert feature_set.updated_at == feature_set.created_at
    assert answer.pagination_info is not None
    assert answer.pagination_info.total_page_count == 2


def test_feature_set_without_label_or_names_has_them_unset() -> None:
    item = msgspec.json.decode(
        b'{"id": "f1", "name": "n", "status": "published", "label_id": null,'
        b' "sub_process_name": "", "call_me_back": true, "survey": true}',
        type=FeatureSetOut,
    )

    feature_set = translate.feature_set_from_vendor(item)

    assert (feature_set.label_id, feature_set.sub_process, feature_set.department) == (
        None,
        None,
        None,
    )
    assert (feature_set.call_me_back, feature_set.feedback_survey) == (True, True)
    assert feature_set.status == "published"


def test_sheet_labels_translate() -> None:
    labels = msgspec.json.decode(sheet.LABELS, type=list[LabelOut])

    [label] = [translate.label_from_vendor(item) for item in labels]

    assert label.id == "truecaller:255297eb-7f13-44f9-967a-f287ff0f5025"
    assert (label.vendor, label.name) == ("truecaller", "FlowerEra")
    assert label.logo_url is not None and label.logo_url.endswith("1751871235271177747.png")
    assert (label.category, label.sub_category) == (10, 142)
    assert label.created_at == datetime(2025, 7, 7, 6, 53, 55, 402122, tzinfo=UTC)


# --- classification of publish and delist --------------------------------------------------------

EVERY_ARRAY = Classification(
    status="pending",
    new_numbers=["911111111111"],
    existing_numbers=["912222222222"],
    other_feature_set_numbers=["913333333333"],
    others_numbers=["914444444444"],
    other_phonetype_numbers=["915555555555"],
    invalid_numbers=["916666666666"],
    processing_numbers=["917777777777"],
    migrated_numbers=["918888888888"],
)
EVERY_NUMBER = [f"91{d * 10}" for d in "12345678"] + ["919999999999"]


def test_sheet_listing_answer_queues_the_new_number() -> None:
    answer = msgspec.json.decode(sheet.PUBLISH_ANSWER, type=Classification)

    [item] = translate.classify(answer, "register", ["911234567891"])

    assert (item.number, item.outcome, item.progress, item.detail) == (
        "+911234567891",
        NumberOutcome.QUEUED,
        NumberProgress.PENDING,
        None,
    )
    assert answer.processing_numbers == []
    assert (answer.status, answer.phone_type) == ("pending", "verified")


def test_sheet_delisting_answers() -> None:
    accepted = msgspec.json.decode(sheet.DELIST_ACCEPTED, type=Classification)
    nothing = msgspec.json.decode(sheet.DELIST_NOTHING, type=Classification)

    [queued] = translate.classify(accepted, "release", ["911234567891"])
    [skipped] = translate.classify(nothing, "release", ["911234567891"])

    assert (queued.outcome, queued.progress) == (NumberOutcome.QUEUED, NumberProgress.PENDING)
    assert (skipped.outcome, skipped.progress) == (
        NumberOutcome.NOT_FOUND,
        NumberProgress.SKIPPED,
    )
    assert skipped.detail == "Not in this feature set; nothing to delist."
    assert (accepted.status, nothing.status) == ("pending", "failed")
    assert accepted.migrated_numbers == []


def test_every_listing_array_has_its_outcome() -> None:
    items = translate.classify(EVERY_ARRAY, "register", EVERY_NUMBER)

    assert [(i.number, i.outcome, i.progress) for i in items] == [
        ("+911111111111", NumberOutcome.QUEUED, NumberProgress.PENDING),
        ("+912222222222", NumberOutcome.ALREADY_DONE, NumberProgress.DONE),
        ("+913333333333", NumberOutcome.IN_OTHER_FEATURE_SET, NumberProgress.FAILED),
        ("+914444444444", NumberOutcome.OWNED_BY_ANOTHER_ACCOUNT, NumberProgress.FAILED),
        ("+915555555555", NumberOutcome.OTHER_PHONE_TYPE, NumberProgress.FAILED),
        ("+916666666666", NumberOutcome.INVALID, NumberProgress.FAILED),
        ("+917777777777", NumberOutcome.OPERATION_IN_PROGRESS, NumberProgress.FAILED),
        ("+918888888888", translate.UNCLASSIFIED_OUTCOME, NumberProgress.FAILED),
        ("+919999999999", translate.UNCLASSIFIED_OUTCOME, NumberProgress.FAILED),
    ]
    assert all(i.detail for i in items[1:])


def test_every_delisting_array_has_its_outcome() -> None:
    items = translate.classify(EVERY_ARRAY, "release", EVERY_NUMBER)

    assert [(i.number, i.outcome, i.progress) for i in items] == [
        ("+911111111111", NumberOutcome.NOT_FOUND, NumberProgress.SKIPPED),
        ("+912222222222", NumberOutcome.QUEUED, NumberProgress.PENDING),
        ("+913333333333", NumberOutcome.IN_OTHER_FEATURE_SET, NumberProgress.FAILED),
        ("+914444444444", NumberOutcome.OWNED_BY_ANOTHER_ACCOUNT, NumberProgress.FAILED),
        ("+915555555555", NumberOutcome.OTHER_PHONE_TYPE, NumberProgress.FAILED),
        ("+916666666666", NumberOutcome.INVALID, NumberProgress.FAILED),
        ("+917777777777", NumberOutcome.OPERATION_IN_PROGRESS, NumberProgress.FAILED),
        ("+918888888888", translate.UNCLASSIFIED_OUTCOME, NumberProgress.FAILED),
        ("+919999999999", translate.UNCLASSIFIED_OUTCOME, NumberProgress.FAILED),
    ]


def test_relisting_while_the_delisting_is_processing_is_reported_ignored() -> None:
    answer = Classification(status="failed", processing_numbers=["911234567891"])

    [item] = translate.classify(answer, "register", ["911234567891"])

    assert (item.outcome, item.progress) == (
        NumberOutcome.OPERATION_IN_PROGRESS,
        NumberProgress.FAILED,
    )
    assert item.detail is not None
    assert "delisting of this number is still processing" in item.detail
    assert "Send it again" in item.detail


def test_a_number_in_two_arrays_gets_the_most_cautious_verdict() -> None:
    answer = Classification(new_numbers=["911234567891"], processing_numbers=["911234567891"])

    [item] = translate.classify(answer, "register", ["911234567891"])

    assert item.outcome is NumberOutcome.OPERATION_IN_PROGRESS
    assert item.progress is NumberProgress.FAILED


def test_numbers_match_by_digits_with_or_without_plus() -> None:
    answer = Classification(new_numbers=["+911234567891"], existing_numbers=["912222222222"])

    items = translate.classify(answer, "register", ["911234567891", "+912222222222"])

    assert [(i.number, i.outcome) for i in items] == [
        ("+911234567891", NumberOutcome.QUEUED),
        ("+912222222222", NumberOutcome.ALREADY_DONE),
    ]


def test_classification_keeps_request_order_and_lists_duplicates_once() -> None:
    answer = Classification(new_numbers=["911111111111", "912222222222"])

    items = translate.classify(answer, "register", ["912222222222", "911111111111", "912222222222"])

    assert [i.number for i in items] == ["+912222222222", "+911111111111"]


def test_unclassified_number_fails_with_a_detail_naming_why() -> None:
    answer = Classification(migrated_numbers=["911111111111"])

    [migrated, missing] = translate.classify(answer, "register", ["911111111111", "912222222222"])

    assert migrated.detail is not None and "`migrated_numbers`" in migrated.detail
    assert missing.detail is not None and "did not classify it" in missing.detail
    assert (missing.progress, migrated.progress) == (NumberProgress.FAILED, NumberProgress.FAILED)


def test_invalid_number_keeps_its_digits_only() -> None:
    answer = Classification(invalid_numbers=["91-123 4"])

    [item] = translate.classify(answer, "register", ["91-123 4"])

    assert (item.number, item.outcome) == ("+911234", NumberOutcome.INVALID)


def test_a_requested_number_without_digits_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="digits"):
        translate.classify(Classification(), "register", ["abc"])


def test_listing_answer_without_arrays_decodes_them_empty() -> None:
    answer = msgspec.json.decode(b'{"status": "failed", "unknown": [1]}', type=Classification)

    assert answer.new_numbers == [] and answer.processing_numbers == []
    assert answer.status == "failed"


# --- epoch milliseconds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milliseconds", "moment"),
    [
        (1753088751000, datetime(2025, 7, 21, 9, 5, 51, tzinfo=UTC)),
        (1753103151000, datetime(2025, 7, 21, 13, 5, 51, tzinfo=UTC)),
        (1751879424883, datetime(2025, 7, 7, 9, 10, 24, 883000, tzinfo=UTC)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_epoch_milliseconds_both_ways(milliseconds: int, moment: datetime) -> None:
    assert translate.from_epoch_ms(milliseconds) == moment
    assert translate.epoch_ms(moment) == milliseconds


def test_epoch_ms_reads_naive_as_utc_converts_offsets_and_drops_microseconds() -> None:
    india = timezone(timedelta(hours=5, minutes=30))

    assert translate.epoch_ms(datetime(2025, 7, 21, 9, 5, 51)) == 1753088751000
    assert translate.epoch_ms(datetime(2025, 7, 21, 14, 35, 51, tzinfo=india)) == 1753088751000
    assert translate.epoch_ms(datetime(2025, 7, 21, 9, 5, 51, 999, tzinfo=UTC)) == 1753088751000


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        (1641015429, datetime(2022, 1, 1, 5, 37, 9, tzinfo=UTC)),
        ("1641015429", datetime(2022, 1, 1, 5, 37, 9, tzinfo=UTC)),
        ("1508089888000", datetime(2017, 10, 15, 17, 51, 28, tzinfo=UTC)),
        ("soon", None),
        ("-5", None),
    ],
)
def test_from_epoch_tells_seconds_from_milliseconds(
    value: int | str, moment: datetime | None
) -> None:
    assert translate.from_epoch(value) == moment


# --- real-time personalisation -------------------------------------------------------------------


def test_record_body_is_the_sheet_realtime_request() -> None:
    body = translate.record_body(record(), "911234567898", "919234567898", LABEL_ID)

    assert json.loads(msgspec.json.encode(body)) == json.loads(sheet.REALTIME_REQUEST)


def test_record_body_leaves_unset_options_out() -> None:
    gateway_record = record(label_name=None, call_reason=None)

    body = translate.record_body(gateway_record, "911234567898", "919234567898", None)

    assert json.loads(msgspec.json.encode(body)) == {
        "caller_number": "911234567898",
        "receiver_number": "919234567898",
        "starts_at": 1753088751000,
        "ends_at": 1753103151000,
    }


def test_sheet_batch_request_encodes_as_sent() -> None:
    body = BatchBody(
        call_records=[
            RecordBody(
                label_id=LABEL_ID,
                dynamic_label_name="Centro Bank KYC Department",
                dynamic_call_reason="Calling you for KYC Verification",
                caller_number="+91**********",
                receiver_number="91**********",
                starts_at=1753246858000,
                ends_at=1753362058000,
            )
        ]
    )

    assert json.loads(msgspec.json.encode(body)) == json.loads(sheet.BATCH_REQUEST)
    assert msgspec.json.decode(sheet.BATCH_REQUEST, type=BatchBody) == body


def test_sheet_realtime_success_is_the_delivered_personalization() -> None:
    answer = msgspec.json.decode(sheet.REALTIME_SUCCESS, type=RealtimeResponse)

    delivered = translate.personalization_from(
        answer, record(), "+911234567898", "+919234567898", "truecaller:" + LABEL_ID
    )

    assert delivered.vendor == "truecaller"
    assert (delivered.caller_number, delivered.receiver_number) == (
        "+911234567898",
        "+919234567898",
    )
    assert delivered.starts_at == datetime(2025, 7, 21, 9, 5, 51, tzinfo=UTC)
    assert delivered.ends_at == datetime(2025, 7, 21, 13, 5, 51, tzinfo=UTC)
    assert delivered.label_id == "truecaller:" + LABEL_ID
    assert (delivered.label_name, delivered.call_reason) == ("Flower rasm", "Flower Delivery")
    assert delivered.message == "Record processed successfully"


def test_an_error_inside_a_200_is_raised_not_delivered() -> None:
    answer = msgspec.json.decode(sheet.NOT_A_TRUECALLER_USER, type=RealtimeResponse)

    with pytest.raises(ValidationFailed) as raised:
        translate.personalization_from(answer, record(), "+911234567898", "+919234567898", None)

    error = raised.value
    assert (error.status, error.vendor, error.vendor_status) == (422, "truecaller", 200)
    assert error.errors is not None
    assert [e.field for e in error.errors] == ["body.receiver_number"]
    assert "Not a Truecaller user" in error.detail


def test_failed_to_push_inside_a_200_is_a_502_that_is_no_vendor_outage() -> None:
    answer = RealtimeResponse(status_info=StatusInfo(status="error", message="Failed to push"))

    with pytest.raises(VendorError) as raised:
        translate.personalization_from(answer, record(), "+911234567898", "+919234567898", None)

    assert (raised.value.status, raised.value.vendor_status) == (502, 200)
    assert type(raised.value) is VendorError


@pytest.mark.parametrize(
    ("vendor_field", "gateway_field"),
    [
        ("caller_number", "body.caller_number"),
        ("receiver_number", "body.receiver_number"),
        ("starts_at", "body.starts_at"),
        ("ends_at", "body.ends_at"),
        ("label_id", "body.label_id"),
        ("dynamic_label_name", "body.label_name"),
        ("dynamic_call_reason", "body.call_reason"),
        ("caller", "body.caller_number"),
        ("receiver", "body.receiver_number"),
        ("label_name", "body.label_name"),
        ("call_reason", "body.call_reason"),
        ("video", "body.video"),
    ],
)
def test_a_field_error_is_a_422_on_the_gateway_field(vendor_field: str, gateway_field: str) -> None:
    info = StatusInfo(status="error", field=vendor_field, message="Request body is invalid: no")

    error = translate.status_info_error(info)

    assert isinstance(error, ValidationFailed)
    assert error.errors == [FieldError(field=gateway_field, message="Request body is invalid: no")]
    assert error.vendor == "truecaller"


@pytest.mark.parametrize(
    ("message", "kind", "field"),
    [
        ("Not a Truecaller user", ValidationFailed, "body.receiver_number"),
        ("OS not supported", ValidationFailed, "body.receiver_number"),
        ("App version not supported", ValidationFailed, "body.receiver_number"),
        ("Invalid input", ValidationFailed, "body"),
        ("Request body is invalid: unexpected key", ValidationFailed, "body"),
        ("Failed to push", VendorError, None),
        ("Something new", VendorError, None),
        (None, VendorError, None),
    ],
)
def test_delivery_failures(
    message: str | None, kind: type[GatewayError], field: str | None
) -> None:
    error = translate.status_info_error(StatusInfo(status="error", message=message))

    assert type(error) is kind
    assert error.vendor == "truecaller"
    assert [e.field for e in error.errors or []] == ([field] if field else [])


def test_sheet_validation_error_400_is_a_422_on_ends_at() -> None:
    error = translate.error_from_response(400, {}, sheet.REALTIME_INVALID)

    assert isinstance(error, ValidationFailed)
    assert (error.vendor, error.vendor_status) == ("truecaller", 400)
    assert error.errors == [
        FieldError(
            field="body.ends_at",
            message="Request body is invalid: ends_at cannot be older than current time",
        )
    ]


# --- batches -------------------------------------------------------------------------------------


def test_sheet_batch_created_and_status_decode() -> None:
    created = msgspec.json.decode(sheet.BATCH_CREATED, type=BatchCreated)
    status = msgspec.json.decode(sheet.BATCH_STATUS, type=BatchStatusResponse)

    assert created.batch_id == "b72f7a40-ec3a-462f-b528-da0e8dc87e79"
    assert status.batch_id == "0ca10281-11a0-4f86-bb27-7452da543cb6"
    [item] = status.data
    assert item.caller_number == "************"
    assert item.starts_at is not None
    assert translate.from_epoch_ms(item.starts_at) == datetime(2025, 7, 23, 5, 0, 58, tzinfo=UTC)
    assert translate.record_status(item) == (RecordState.SUCCEEDED, None, None)


def test_sheet_failed_and_pending_records() -> None:
    failed = BatchStatusRecord(status_info=status_info(sheet.RECORD_FAILED))
    pending = BatchStatusRecord(status_info=status_info(sheet.RECORD_PENDING))
    succeeded = BatchStatusRecord(status_info=status_info(sheet.RECORD_SUCCESS))

    assert translate.record_status(failed) == (
        RecordState.FAILED,
        "ends_at",
        "Request body is invalid: …",
    )
    assert translate.record_status(pending) == (RecordState.PENDING, None, None)
    assert translate.record_status(succeeded) == (RecordState.SUCCEEDED, None, None)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        (None, (RecordState.PENDING, None, None)),
        (
            StatusInfo(status="error", message="Not a Truecaller user"),
            (RecordState.FAILED, "receiver_number", "Not a Truecaller user"),
        ),
        (
            StatusInfo(status="error", field="dynamic_call_reason", message="too short"),
            (RecordState.FAILED, "call_reason", "too short"),
        ),
        (
            StatusInfo(status="error", field="label_name", message="too long"),
            (RecordState.FAILED, "label_name", "too long"),
        ),
        (
            StatusInfo(status="error", message="Failed to push"),
            (RecordState.FAILED, None, "Failed to push"),
        ),
        (
            StatusInfo(status="expired"),
            (RecordState.FAILED, None, "Truecaller reported `expired`."),
        ),
    ],
)
def test_record_status(
    info: StatusInfo | None, expected: tuple[RecordState, str | None, str | None]
) -> None:
    assert translate.record_status(BatchStatusRecord(status_info=info)) == expected


def test_unknown_batch_is_an_empty_status() -> None:
    status = msgspec.json.decode(b'{"data": []}', type=BatchStatusResponse)

    assert (status.data, status.batch_id) == ([], None)


# --- deprecated downloads ------------------------------------------------------------------------


def test_sheet_download_keeps_the_url_and_drops_an_unreadable_expiry() -> None:
    link = translate.export_link(msgspec.json.decode(sheet.DOWNLOAD, type=ExportResponse))

    assert link.vendor == "truecaller"
    assert link.url == "https://…/cmb-logs/<uuid>.csv"
    assert (link.expires_at, link.message) == (None, None)


@pytest.mark.parametrize(
    ("expires_at", "moment"),
    [
        ("2025-07-10T07:09:05.72Z", datetime(2025, 7, 10, 7, 9, 5, 720000, tzinfo=UTC)),
        ("2025-07-10T12:39:05+05:30", datetime(2025, 7, 10, 7, 9, 5, tzinfo=UTC)),
        (1752131345, datetime(2025, 7, 10, 7, 9, 5, tzinfo=UTC)),
        ("1752131345000", datetime(2025, 7, 10, 7, 9, 5, tzinfo=UTC)),
    ],
)
def test_download_expiry_is_read_as_iso_or_epoch(expires_at: str | int, moment: datetime) -> None:
    link = translate.export_link(ExportResponse(url="https://x/y.csv", expires_at=expires_at))

    assert link.expires_at == moment


def test_no_data_answer_has_only_the_message() -> None:
    link = translate.export_link(msgspec.json.decode(sheet.NO_CMB, type=ExportResponse))

    assert (link.url, link.message) == (None, "No CMB found for client Id")


def test_no_data_404_is_not_found_in_the_gateways_words() -> None:
    error = translate.error_from_response(
        404, {}, sheet.NO_CMB, not_found="no call-me-back requests in that period"
    )

    assert isinstance(error, NotFound)
    assert error.detail == "no call-me-back requests in that period"
    assert (error.vendor, error.vendor_status) == ("truecaller", 404)


# --- profile flow --------------------------------------------------------------------------------


def test_sheet_profile_translates() -> None:
    profile = translate.profile_from_vendor(msgspec.json.decode(sheet.PROFILE, type=ProfileOut))

    assert (profile.first_name, profile.last_name) == ("Rajat", "Kapoor")
    assert profile.numbers == ["+919999999999"]
    assert profile.email == "y.s@truecaller.com"
    assert (profile.city, profile.country) == ("city_field_value", "IN")
    assert profile.badges == ["verified", "premium"]
    assert (profile.company, profile.job_title) == ("ABC", "CEO")
    assert profile.avatar_url is not None and profile.avatar_url.endswith("0498020d/3")
    assert profile.gender == "Male"
    assert profile.vendor_user_id == "1319413476"


def test_older_profile_with_number_ints_and_online_identity_translates() -> None:
    older = (
        b'{"phoneNumbers": [46795087665, "+46795087666", 46795087665], "id": 655574719,'
        b' "name": {"first": "Anna"}, "onlineIdentity": {"email": "a@example.se",'
        b' "twitterId": "anna"}, "isActive": true, "addresses": [{"city": "Lund"}]}'
    )

    profile = translate.profile_from_vendor(msgspec.json.decode(older, type=ProfileOut))

    assert profile.numbers == ["+46795087665", "+46795087666"]
    assert profile.email == "a@example.se"
    assert profile.vendor_user_id == "655574719"
    assert (profile.first_name, profile.last_name) == ("Anna", None)
    assert (profile.city, profile.country) == ("Lund", None)


def test_profile_with_only_optional_attributes_absent_translates_empty() -> None:
    profile = translate.profile_from_vendor(msgspec.json.decode(b"{}", type=ProfileOut))

    assert profile.numbers == [] and profile.badges == []
    assert (profile.first_name, profile.email, profile.country, profile.vendor_user_id) == (
        None,
        None,
        None,
        None,
    )


def test_sheet_callbacks_decode_and_never_show_the_token() -> None:
    approved = msgspec.json.decode(sheet.CALLBACK_APPROVED, type=VerificationCallback)
    rejected = msgspec.json.decode(sheet.CALLBACK_REJECTED, type=VerificationCallback)

    assert approved.requestId == "RL8YZ41FQMt5Jiak2sc_Ys0OgQA="
    assert approved.endpoint == "https://profile4-noneu.truecaller.com/v1/default"
    assert approved.accessToken is not None and approved.accessToken not in repr(approved)
    assert approved.status is None
    assert (rejected.requestId, rejected.status) == ("WZqlS6PqY0ycO3mKlEuI=", "user_rejected")
    assert (rejected.accessToken, rejected.endpoint) == (None, None)


def test_deep_link_is_the_sheets_url_with_every_value_encoded() -> None:
    url, parameters = translate.deep_link(
        "RL8YZ41FQMt5Jiak2sc_Ys0OgQA=", "k/ey+1", "Fleurs & Café Co", "hi", 600000
    )

    assert url == (
        "truecallersdk://truesdk/web_verify?type=btmsheet"
        "&requestNonce=RL8YZ41FQMt5Jiak2sc_Ys0OgQA%3D&partnerKey=k%2Fey%2B1"
        "&partnerName=Fleurs%20%26%20Caf%C3%A9%20Co&lang=hi&ttl=600000"
    )
    assert parameters == {
        "type": "btmsheet",
        "requestNonce": "RL8YZ41FQMt5Jiak2sc_Ys0OgQA=",
        "partnerKey": "k/ey+1",
        "partnerName": "Fleurs & Café Co",
        "lang": "hi",
        "ttl": "600000",
    }
    parsed = urlsplit(url)
    assert (parsed.scheme, parsed.netloc, parsed.path) == (
        "truecallersdk",
        "truesdk",
        "/web_verify",
    )
    assert {k: v[0] for k, v in parse_qs(parsed.query).items()} == parameters


def test_deep_link_without_language_leaves_lang_out() -> None:
    url, parameters = translate.deep_link("n" * 64, "key", "App", None, 30000)

    assert "lang" not in parameters
    assert url.endswith("&partnerName=App&ttl=30000")


@pytest.mark.parametrize("nonce", ["short", "n" * 65, ""])
def test_deep_link_refuses_a_nonce_of_the_wrong_length(nonce: str) -> None:
    with pytest.raises(ValueError, match="8 to 64"):
        translate.deep_link(nonce, "key", "App", "en", 30000)


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "rejected"),
    [
        (401, sheet.LOGIN_AGAIN, True),
        (401, sheet.MISSING_AUTHORIZATION, False),
        (401, sheet.TOKEN_BAD_KEY, False),
        (403, sheet.FORBIDDEN, False),
        (500, sheet.TOKEN_UNPARSEABLE, False),
        (400, sheet.LOGIN_AGAIN, False),
        (401, b"<html>Unauthorized</html>", False),
        (401, b"", False),
    ],
)
def test_only_please_login_again_means_refresh_the_token(
    status: int, body: bytes, rejected: bool
) -> None:
    assert translate.is_token_rejected(status, body) is rejected


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (sheet.PHONE_NUMBERS_REQUIRED, "body.numbers", "phone_numbers is required"),
        (
            sheet.BATCH_TOO_LARGE,
            "body.records",
            "call_records must contain between 1 and 500 records",
        ),
        (
            b'{"slug":"invalid-input",'
            b'"message":"dynamic_call_reason length must be between 10 and 100"}',
            "body.call_reason",
            "dynamic_call_reason length must be between 10 and 100",
        ),
        (
            b'{"slug":"invalid-input","message":"invalid request body"}',
            "body",
            "invalid request body",
        ),
    ],
)
def test_slug_400_is_a_422_on_the_field_its_message_names(
    body: bytes, field: str, message: str
) -> None:
    error = translate.error_from_response(400, {}, body)

    assert isinstance(error, ValidationFailed)
    assert error.errors == [FieldError(field=field, message=message)]
    assert message in error.detail
    assert (error.vendor, error.vendor_status) == ("truecaller", 400)


def test_401_says_the_stored_key_was_refused_and_how_to_fix_it() -> None:
    error = translate.error_from_response(401, {}, sheet.LOGIN_AGAIN)

    assert isinstance(error, VendorCredentialRejected)
    assert "PUT /v1/admin/tenants/{tenant}/credentials/truecaller" in error.detail
    assert (error.status, error.vendor, error.vendor_status) == (502, "truecaller", 401)


def test_403_says_the_key_lacks_access() -> None:
    error = translate.error_from_response(403, {}, sheet.FORBIDDEN)

    assert isinstance(error, VendorCredentialRejected)
    assert "lacks access" in error.detail
    assert "not authorized. please contact your admin." in error.detail
    assert error.vendor_status == 403


def test_404_carries_the_vendor_text_unless_replaced() -> None:
    error = translate.error_from_response(404, {}, sheet.FEATURE_SET_NOT_FOUND)

    assert isinstance(error, NotFound)
    assert error.detail == "Truecaller: feature set not found"


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"Retry-After": "1"}, 1), ({"retry-after": "7"}, 7), ({}, 1), ({"Retry-After": "soon"}, 1)],
)
def test_429_is_rate_limited_with_the_vendors_retry_after(
    headers: dict[str, str], retry_after: int
) -> None:
    error = translate.error_from_response(429, headers, sheet.RATE_LIMITED)

    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.vendor, error.vendor_status) == (
        retry_after,
        "truecaller",
        429,
    )


def test_5xx_is_a_vendor_error_with_the_vendors_message() -> None:
    error = translate.error_from_response(500, {}, sheet.TOKEN_UNPARSEABLE)

    assert type(error) is VendorServerError
    assert "500/50011 - Failed to parse token" in error.detail
    assert error.vendor_status == 500


@pytest.mark.parametrize("body", [b"<html>Bad Gateway</html>", b"", b"[1, 2]", b'{"message": 5}'])
@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ValidationFailed),
        (401, VendorCredentialRejected),
        (403, VendorCredentialRejected),
        (404, NotFound),
        (429, RateLimited),
        (500, VendorServerError),
        (503, VendorServerError),
        (418, VendorError),
    ],
)
def test_unreadable_error_bodies_still_map_by_status(
    body: bytes, status: int, kind: type[GatewayError]
) -> None:
    error = translate.error_from_response(status, {}, body)

    assert type(error) is kind
    assert (error.vendor, error.vendor_status) == ("truecaller", status)
    assert error.detail


@pytest.mark.parametrize(
    "message",
    [
        f"please login again: {TOKEN}",
        f"Bearer {TOKEN[:12]} refused",
        f"invalid key_id or api_key {API_KEY}",
    ],
)
def test_error_messages_never_echo_tokens_or_keys(message: str) -> None:
    body = json.dumps({"slug": "invalid-input", "message": message}).encode()

    for error in (
        translate.error_from_response(400, {}, body),
        translate.error_from_response(500, {}, body),
        translate.token_error(400, {}, body),
    ):
        assert TOKEN[:12] not in error.detail
        assert API_KEY not in error.detail
        assert all(TOKEN[:12] not in e.message for e in error.errors or [])


def test_scrubbing_keeps_ordinary_vendor_words_and_phone_numbers() -> None:
    body = b'{"slug":"invalid-input","message":"dynamic_call_reason invalid for 911234567891"}'

    error = translate.error_from_response(400, {}, body)

    assert "dynamic_call_reason invalid for 911234567891" in error.detail


def test_token_401_says_the_stored_key_pair_was_refused() -> None:
    error = translate.token_error(401, {}, sheet.TOKEN_BAD_KEY)

    assert isinstance(error, VendorCredentialRejected)
    assert "Truecaller refused the stored key id / api key" in error.detail
    assert "PUT /v1/admin/tenants/{tenant}/credentials/truecaller" in error.detail
    assert (error.vendor, error.vendor_status) == ("truecaller", 401)


@pytest.mark.parametrize("status", [400, 404])
def test_token_400_and_404_are_the_stored_credential_too(status: int) -> None:
    error = translate.token_error(status, {}, sheet.TOKEN_MISSING_KEY)

    assert isinstance(error, VendorCredentialRejected)
    assert "api_key is required" in error.detail


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({}, translate.TOKEN_LIMIT_RETRY_AFTER), ({"Retry-After": "90"}, 90)],
)
def test_token_429_is_the_creation_limit(headers: dict[str, str], retry_after: int) -> None:
    error = translate.token_error(429, headers, sheet.TOKEN_LIMIT)

    assert isinstance(error, RateLimited)
    assert "10 per 30 minutes" in error.detail
    assert error.retry_after == retry_after


@pytest.mark.parametrize(
    ("status", "kind"),
    [(500, VendorServerError), (403, VendorCredentialRejected), (503, VendorServerError)],
)
def test_other_token_errors_map_as_any_other_answer(status: int, kind: type[GatewayError]) -> None:
    error = translate.token_error(status, {}, b"<html>oops</html>")

    assert type(error) is kind
    assert error.vendor_status == status


def test_profile_401_is_the_access_token_refused() -> None:
    error = translate.profile_error(401, sheet.PROFILE_UNAUTHORIZED)

    assert isinstance(error, VendorCredentialRejected)
    assert "the access token was refused or expired" in error.detail
    assert (error.vendor, error.vendor_status) == ("truecaller_profile", 401)


@pytest.mark.parametrize(
    ("status", "body", "text"),
    [
        (500, sheet.PROFILE_ERROR, "Internal error"),
        (503, b"<html>down</html>", "HTTP 503"),
        (302, b"", "redirect"),
        (404, b'{"code":404,"message":"Not found"}', "Not found"),
    ],
)
def test_other_profile_errors_are_vendor_errors(status: int, body: bytes, text: str) -> None:
    error = translate.profile_error(status, body)

    assert type(error) is (VendorServerError if status >= 500 else VendorError)
    assert text in error.detail
    assert (error.vendor, error.vendor_status) == ("truecaller_profile", status)
