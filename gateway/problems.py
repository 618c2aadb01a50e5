"""Exception handlers: every error leaves as ``application/problem+json``, never a stack trace."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.exceptions import MethodNotAllowedException as LitestarMethodNotAllowed

from contract.errors import (
    PROBLEM_MEDIA_TYPE,
    BadRequest,
    FieldError,
    Forbidden,
    GatewayError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from contract.messages import explain
from policies.last_known import StoreUnavailable
from policies.redis_client import REDIS_ERRORS
from policies.sql import DatabaseUnavailable
from policies.vault import CredentialDecryptError

log = logging.getLogger(__name__)
DATABASE_RETRY_AFTER = 5
BODY_KEY = "data"
"""The handler parameter Litestar decodes the body into; its errors are about the body itself."""
_MISSING_PARAMETER = re.compile(r"Missing required (?P<source>\w+) parameter '(?P<name>[^']+)'")


def problem_response(request: Request[Any, Any, Any], error: GatewayError) -> Response[Any]:
    """Render ``error`` for the client of ``request``."""
    request_id = request.scope.get("state", {}).get("request_id", "")
    return Response(
        content=error.to_problem(request_id),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=error.headers(),
    )


def _field_errors(exc: ValidationException) -> list[FieldError]:
    """Litestar's per-field messages, each naming where it was and saying what to send."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        source, key = item.get("source"), item.get("key")
        source = getattr(source, "value", source)
        message = str(item.get("message", "invalid"))
        if source == "body" and key == BODY_KEY:
            if message == repr(BODY_KEY):
                errors.append(FieldError(field="body", message="is required (send a JSON body)"))
                continue
            key = None
        field = ".".join(str(p) for p in (source, key) if p) or "body"
        path, words = explain(message)
        errors.append(FieldError(field=field + path, message=words))
    return errors


def from_litestar(exc: HTTPException, request: Request[Any, Any, Any]) -> GatewayError:
    """Translate Litestar's own HTTP errors into the gateway's hierarchy."""
    if isinstance(exc, ValidationException):
        errors = _field_errors(exc)
        missing = _MISSING_PARAMETER.match(str(exc.detail))
        if not errors and missing:
            field = f"{missing['source']}.{missing['name']}"
            errors = [FieldError(field=field, message="is required")]
        first = f": {errors[0].field} {errors[0].message}" if errors else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return ValidationFailed(f"the request has invalid input{first}{more}", errors=errors)
    if isinstance(exc, NotFoundException):
        return NotFound(f"no route for {request.method} {request.url.path}")
    if isinstance(exc, LitestarMethodNotAllowed):
        return MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    if isinstance(exc, NotAuthorizedException):
        return Unauthorized()
    if isinstance(exc, PermissionDeniedException):
        return Forbidden()
    if exc.status_code == 400:
        return BadRequest("the request could not be read (is the body valid JSON?)")
    if exc.status_code == 413:
        return PayloadTooLarge("the request body is too large")
    generic = GatewayError(str(exc.detail))
    generic.status, generic.title, generic.slug = exc.status_code, "HTTP error", "http-error"
    return generic


def handle_gateway_error(request: Request[Any, Any, Any], exc: GatewayError) -> Response[Any]:
    """Our own errors already know their status and body."""
    return problem_response(request, exc)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's errors (unknown route, wrong method, invalid input) as problems."""
    response = problem_response(request, from_litestar(exc, request))
    if isinstance(exc, LitestarMethodNotAllowed) and exc.headers:
        response.headers.update(exc.headers)
    return response


def handle_decrypt_error(
    request: Request[Any, Any, Any], exc: CredentialDecryptError
) -> Response[Any]:
    """A stored credential that no longer decrypts is an operator problem, not the client's."""
    log.error("stored credential cannot be decrypted", extra={"error": str(exc)})
    return problem_response(
        request,
        GatewayError(
            "a stored credential cannot be decrypted; an operator must check the vault keys"
        ),
    )


def handle_store_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The shared store is down and nothing recent is known: a retryable 503, not a 500."""
    log.error("shared store unreachable", extra={"error": type(exc).__name__})
    error = ServiceUnavailable("the gateway's shared store is unreachable; retry shortly")
    error.retry_after = 1
    return problem_response(request, error)


def handle_database_unavailable(
    request: Request[Any, Any, Any], exc: DatabaseUnavailable
) -> Response[Any]:
    """The system of record is down: nothing was written; a retryable 503."""
    log.error("database unreachable", extra={"error": str(exc)})
    error = ServiceUnavailable(
        "the gateway's database is unreachable; nothing was changed, retry shortly"
    )
    error.retry_after = DATABASE_RETRY_AFTER
    return problem_response(request, error)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything else: log it with the request id, answer a bare 500."""
    log.exception("unhandled error", exc_info=exc)
    return problem_response(request, GatewayError("an unexpected error occurred"))


EXCEPTION_HANDLERS: dict[Any, Any] = {
    GatewayError: handle_gateway_error,
    HTTPException: handle_http_exception,
    CredentialDecryptError: handle_decrypt_error,
    StoreUnavailable: handle_store_unavailable,
    DatabaseUnavailable: handle_database_unavailable,
    **dict.fromkeys(REDIS_ERRORS, handle_store_unavailable),
    Exception: handle_unexpected,
}
