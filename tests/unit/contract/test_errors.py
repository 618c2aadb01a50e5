"""The error hierarchy and its problem+json rendering."""

from __future__ import annotations

import msgspec
import pytest

from contract.errors import (
    PROBLEM_MEDIA_TYPE,
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    GatewayError,
    MethodNotAllowed,
    NotFound,
    NotSupportedByVendor,
    Problem,
    RateLimited,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    VendorCredentialRejected,
    VendorError,
    VendorNotConfigured,
    VendorTimeout,
    VendorUnreachable,
)


@pytest.mark.parametrize(
    ("error_type", "status", "slug", "title"),
    [
        (GatewayError, 500, "internal-error", "Internal server error"),
        (BadRequest, 400, "bad-request", "Bad request"),
        (Unauthorized, 401, "unauthorized", "Unauthorized"),
        (Forbidden, 403, "forbidden", "Forbidden"),
        (NotFound, 404, "not-found", "Not found"),
        (MethodNotAllowed, 405, "method-not-allowed", "Method not allowed"),
        (Conflict, 409, "conflict", "Conflict"),
        (VendorNotConfigured, 409, "vendor-not-configured", "Vendor not configured"),
        (NotSupportedByVendor, 409, "not-supported-by-vendor", "Not supported by this vendor"),
        (UnsupportedMediaType, 415, "unsupported-media-type", "Unsupported media type"),
        (ValidationFailed, 422, "validation-failed", "Validation failed"),
        (RateLimited, 429, "rate-limited", "Too many requests"),
        (VendorError, 502, "vendor-error", "Vendor error"),
        (VendorCredentialRejected, 502, "vendor-credential-rejected", "Vendor credential rejected"),
        (VendorUnreachable, 502, "vendor-unreachable", "Vendor unreachable"),
        (VendorTimeout, 504, "vendor-timeout", "Vendor timeout"),
    ],
)
def test_each_error_renders_its_status_type_and_title(
    error_type: type[GatewayError], status: int, slug: str, title: str
) -> None:
    problem = error_type("what happened").to_problem("req-1")

    assert (problem.status, problem.type, problem.title) == (status, f"/problems/{slug}", title)
    assert problem.detail == "what happened"
    assert problem.request_id == "req-1"


def test_vendor_errors_share_a_base_consumers_can_catch() -> None:
    assert issubclass(VendorCredentialRejected, VendorError)
    assert issubclass(VendorUnreachable, VendorError)
    assert issubclass(VendorNotConfigured, Conflict)


def test_detail_defaults_to_the_title() -> None:
    error = NotFound()

    assert error.detail == "Not found"
    assert str(error) == "Not found"


def test_problem_carries_vendor_field_errors_and_retry_after() -> None:
    error = ValidationFailed(
        "bad input",
        vendor="trustcaller",
        vendor_status=422,
        errors=[FieldError(field="query.number", message="required")],
    )

    problem = error.to_problem("req-2")

    assert problem == Problem(
        type="/problems/validation-failed",
        title="Validation failed",
        status=422,
        detail="bad input",
        request_id="req-2",
        vendor="trustcaller",
        vendor_status=422,
        errors=[FieldError(field="query.number", message="required")],
    )


def test_problem_json_omits_members_that_do_not_apply() -> None:
    body = msgspec.json.decode(msgspec.json.encode(Forbidden("no").to_problem("req-3")))

    assert body == {
        "type": "/problems/forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": "no",
        "request_id": "req-3",
    }


def test_rate_limited_problem_and_header_carry_retry_after() -> None:
    error = RateLimited("slow down", retry_after=30)

    assert error.headers() == {"Retry-After": "30"}
    assert msgspec.to_builtins(error.to_problem("r"))["retry_after"] == 30


def test_errors_without_retry_after_send_no_extra_headers() -> None:
    assert NotFound("gone").headers() == {}
    assert VendorError("boom").headers() == {}


def test_unauthorized_challenges_for_a_bearer_token() -> None:
    assert Unauthorized("who are you").headers() == {
        "WWW-Authenticate": 'Bearer realm="caller-gateway"'
    }


def test_empty_field_error_list_is_left_out() -> None:
    assert ValidationFailed("x", errors=[]).to_problem("r").errors is None


def test_problem_media_type_is_rfc_9457() -> None:
    assert PROBLEM_MEDIA_TYPE == "application/problem+json"
