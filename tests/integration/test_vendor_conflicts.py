"""A 409 says which vendor it is about: one the tenant has not configured, or one that cannot
do what was asked to its objects."""

from __future__ import annotations

import pytest

from tests.integration.conftest import TenantHandle
from tests.integration.test_errors_api import assert_problem


@pytest.mark.parametrize(
    ("method", "path", "words"),
    [
        ("POST", "/v1/calls/{call}/stop", "TrustCaller calls cannot be stopped"),
        ("POST", "/v1/calls/{call}/cancel", "TrustCaller calls cannot be cancelled"),
        ("DELETE", "/v1/numbers/{number}", "TrustCaller numbers cannot be released"),
        ("POST", "/v1/campaigns/trustcaller:1/start", "TrustCaller campaigns cannot be started"),
        ("POST", "/v1/campaigns/trustcaller:1/pause", "TrustCaller campaigns cannot be paused"),
    ],
)
def test_an_action_the_objects_vendor_cannot_do_is_a_409_naming_it(
    tenant: TenantHandle, method: str, path: str, words: str
) -> None:
    call = tenant.client.get("/v1/calls", params={"vendor": "trustcaller", "limit": 1})
    number = tenant.client.get("/v1/numbers", params={"vendor": "trustcaller", "limit": 1})
    call_id, number_id = call.json()["data"][0]["id"], number.json()["data"][0]["id"]
    assert tenant.client.get(f"/v1/calls/{call_id}").status_code == 200

    response = tenant.client.request(method, path.format(call=call_id, number=number_id))

    problem = assert_problem(response, 409, "not-supported-by-vendor")
    assert words in problem["detail"]
    assert problem["vendor"] == "trustcaller"


def test_an_unknown_vendor_prefix_is_still_404(tenant: TenantHandle) -> None:
    response = tenant.client.post("/v1/calls/nosuchvendor:1/stop")

    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path", "json", "vendor"),
    [
        ("POST", "/v1/verifications", {"language": "en"}, "truecaller_profile"),
        ("GET", "/v1/caller-id/labels", None, "truecaller"),
    ],
)
def test_a_vendor_the_tenant_has_not_configured_is_named(
    tenant: TenantHandle, method: str, path: str, json: dict[str, str] | None, vendor: str
) -> None:
    response = tenant.client.request(method, path, json=json)

    problem = assert_problem(response, 409, "vendor-not-configured")
    assert vendor in problem["detail"]
    assert problem["vendor"] == vendor
    assert f"/credentials/{vendor}" in problem["detail"]
