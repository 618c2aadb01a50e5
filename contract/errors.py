"""The gateway's error hierarchy and its RFC 9457 ``application/problem+json`` rendering.

Every error a consumer can see is a :class:`GatewayError` (or is converted to one at the edge), so
there is exactly one place that decides status, title and body. A subclass changes only what
differs: its status, its title, its ``type`` slug.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypedDict

import msgspec

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"


class FieldError(msgspec.Struct, frozen=True):
    """One invalid input: where it was (``query.number``, ``body.name``...) and what is wrong."""

    field: str
    message: str


class VendorContext(TypedDict):
    """The ``vendor`` and ``vendor_status`` keywords of an error a vendor's answer caused."""

    vendor: str
    vendor_status: int | None


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem details body, with the gateway's extension members."""

    type: Annotated[
        str, msgspec.Meta(description="Stable id to switch on.", examples=["/problems/not-found"])
    ]
    title: str
    status: int
    detail: str
    request_id: Annotated[str, msgspec.Meta(description="Also sent as `X-Request-ID`.")] = ""
    vendor: str | None = None
    vendor_status: int | None = None
    errors: list[FieldError] | None = None
    retry_after: int | None = None
    deadline_seconds: Annotated[
        float | None,
        msgspec.Meta(
            description="The request's deadline at this vendor (attempts, backoff and waits for "
            "budget slots included), when it is what ended the request."
        ),
    ] = None


class GatewayError(Exception):
    """Base of every error the gateway reports to a consumer."""

    status: int = 500
    title: str = "Internal server error"
    slug: str = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        vendor: str | None = None,
        vendor_status: int | None = None,
        errors: Sequence[FieldError] | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.detail = detail or self.title
        self.vendor = vendor
        self.vendor_status = vendor_status
        self.errors = list(errors) if errors else None
        self.retry_after = retry_after
        super().__init__(self.detail)

    def to_problem(self, request_id: str) -> Problem:
        """Render this error as a problem body."""
        return Problem(
            type=PROBLEM_TYPE_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            request_id=request_id,
            vendor=self.vendor,
            vendor_status=self.vendor_status,
            errors=self.errors,
            retry_after=self.retry_after,
        )

    def headers(self) -> dict[str, str]:
        """Response headers that belong with this error."""
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(self.retry_after)}


class BadRequest(GatewayError):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthorized(GatewayError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="caller-gateway"'}


class PaymentRequired(GatewayError):
    """The vendor account cannot pay for the action (its quota or balance is spent)."""

    status, title, slug = 402, "Payment required", "payment-required"


class Forbidden(GatewayError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(GatewayError):
    status, title, slug = 404, "Not found", "not-found"


class MethodNotAllowed(GatewayError):
    status, title, slug = 405, "Method not allowed", "method-not-allowed"


class Conflict(GatewayError):
    status, title, slug = 409, "Conflict", "conflict"


class VendorNotConfigured(Conflict):
    """The tenant stored no credential for the vendor (or any vendor) that could do this."""

    title, slug = "Vendor not configured", "vendor-not-configured"


class NotSupportedByVendor(Conflict):
    """The object exists, but its vendor offers no way to do this to it (stop a TrustCaller
    call): no retry or other input can make it work."""

    title, slug = "Not supported by this vendor", "not-supported-by-vendor"


class PayloadTooLarge(GatewayError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(GatewayError):
    """A request body in a media type the operation does not read (it reads JSON)."""

    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class ValidationFailed(GatewayError):
    status, title, slug = 422, "Validation failed", "validation-failed"


class RateLimited(GatewayError):
    status, title, slug = 429, "Too many requests", "rate-limited"


class VendorFailure(GatewayError):
    """A failure of the vendor itself: its 5xx, a timeout, no connection.

    Only this branch is retried (for idempotent operations) and counted by circuit breakers; an
    answer the vendor gave on purpose (404, 422, a refused credential), a payload we could not
    read and every local precondition are not failures of the vendor.
    """


class VendorError(GatewayError):
    """The vendor answered, but not with something we can pass on (an unexpected status, a
    payload that does not match its contract)."""

    status, title, slug = 502, "Vendor error", "vendor-error"

    @classmethod
    def for_status(
        cls, detail: str, *, vendor: str | None = None, vendor_status: int | None = None
    ) -> VendorError:
        """The error for an unexpected vendor status: a :class:`VendorServerError` for a 5xx."""
        kind = VendorServerError if vendor_status is not None and vendor_status >= 500 else cls
        return kind(detail, vendor=vendor, vendor_status=vendor_status)


class VendorServerError(VendorError, VendorFailure):
    """The vendor answered with a 5xx."""


class VendorCredentialRejected(VendorError):
    """The vendor refused the credential this tenant stored with us (its 401 or 403)."""

    title, slug = "Vendor credential rejected", "vendor-credential-rejected"


class VendorTokenRejected(VendorCredentialRejected):
    """The vendor refused a short-lived token it issued (expired or revoked): refresh it once."""

    title, slug = "Vendor token rejected", "vendor-token-rejected"


class VendorUnreachable(VendorError, VendorFailure):
    title, slug = "Vendor unreachable", "vendor-unreachable"


class VendorTimeout(VendorFailure):
    """The vendor did not answer within the request's deadline there."""

    status, title, slug = 504, "Vendor timeout", "vendor-timeout"
    deadline_seconds: float | None = None
    """Set when the request's deadline, not one read, is what ran out."""

    def to_problem(self, request_id: str) -> Problem:
        """The problem body, with the deadline that fired."""
        problem = super().to_problem(request_id)
        problem.deadline_seconds = self.deadline_seconds
        return problem


class ServiceUnavailable(GatewayError):
    """A dependency of the gateway itself (its shared store) is unreachable."""

    status, title, slug = 503, "Service unavailable", "service-unavailable"


class VendorCircuitOpen(GatewayError):
    """The vendor failed repeatedly for this credential; calls fail fast for a while."""

    status, title, slug = 503, "Vendor unavailable", "vendor-circuit-open"


class VendorBusy(GatewayError):
    """Every connection slot to the vendor is taken (it is slow); the call was not made."""

    status, title, slug = 503, "Vendor busy", "vendor-busy"
