"""A credential is checked with its vendor when it is stored, for every vendor that has a check.

Over the real gateway and each vendor's simulator: a good credential is verified, a wrong one
is refused and not stored, ``verify=false`` stores without asking the vendor, and a vendor that
cannot be reached leaves the credential stored and unverified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from adapters.declaration import Op
from adapters.registry import VENDORS
from tests.integration.conftest import GatewayStack, Simulators, TenantHandle

CHECKED = [entry.name for entry in VENDORS if Op.VERIFY_CREDENTIAL in entry.declaration.operations]
UNCHECKED = [entry.name for entry in VENDORS if entry.name not in CHECKED]
SECRET_FIELDS = ("token", "api_key")
"""The fields of the registered vendors' secrets that carry the secret part."""


@pytest.fixture(params=CHECKED)
def vendor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def admin(gateway: GatewayStack) -> httpx.Client:
    return gateway.admin()


@pytest.fixture
def tenant_id(admin: httpx.Client) -> str:
    created = admin.post("/v1/admin/tenants", json={"name": "verify"})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture
def vendor_control(simulators: Simulators, vendor: str) -> Iterator[httpx.Client]:
    """The control surface of the simulator serving ``vendor``; its faults cleared afterwards."""
    url = simulators.server_for(vendor).url + "/_sim"
    with httpx.Client(base_url=url, timeout=5) as control:
        yield control
        control.delete("/faults")


def good_secret(simulators: Simulators, vendor: str) -> dict[str, str]:
    accounts = simulators.new_accounts("verify", vendor, vendor)
    return next(a.secrets[vendor] for a in accounts.values() if vendor in a.secrets)


def wrong(secret: dict[str, str]) -> dict[str, str]:
    """The secret with its secret part mistyped (same shape, last characters changed)."""
    return {
        name: value[:-4] + ("1111" if value.endswith("0000") else "0000")
        if name in SECRET_FIELDS
        else value
        for name, value in secret.items()
    }


def requests_seen(control: httpx.Client) -> int:
    return int(control.get("/requests").json()["total"])


def put(
    admin: httpx.Client, tenant_id: str, vendor: str, secret: dict[str, str], **params: str
) -> httpx.Response:
    return admin.put(
        f"/v1/admin/tenants/{tenant_id}/credentials/{vendor}",
        json={"secret": secret},
        params=params,
    )


def stored_vendors(admin: httpx.Client, tenant_id: str) -> list[str]:
    return [
        c["vendor"] for c in admin.get(f"/v1/admin/tenants/{tenant_id}/credentials").json()["data"]
    ]


def audited(admin: httpx.Client, tenant_id: str, action: str) -> list[dict[str, object]]:
    page = admin.get("/v1/admin/audit", params={"tenant_id": tenant_id, "action": action})
    assert page.status_code == 200, page.text
    return list(page.json()["data"])


def test_a_good_credential_is_verified_with_the_vendor(
    admin: httpx.Client,
    tenant_id: str,
    vendor: str,
    simulators: Simulators,
    vendor_control: httpx.Client,
) -> None:
    secret = good_secret(simulators, vendor)
    before = requests_seen(vendor_control)

    stored = put(admin, tenant_id, vendor, secret)

    assert stored.status_code == 200, stored.text
    verification = stored.json()["verification"]
    assert verification["status"] == "verified"
    assert verification["checked_at"] is not None
    assert requests_seen(vendor_control) > before
    assert stored_vendors(admin, tenant_id) == [vendor]
    entry = audited(admin, tenant_id, "credential.verified")[0]
    assert (entry["target"], entry["outcome"]) == (vendor, "ok")
    for name in SECRET_FIELDS:
        if name in secret:
            assert secret[name] not in stored.text


def test_a_wrong_credential_is_refused_and_not_stored(
    admin: httpx.Client, tenant_id: str, vendor: str, simulators: Simulators
) -> None:
    good = good_secret(simulators, vendor)
    mistyped = wrong(good)
    assert put(admin, tenant_id, vendor, good).status_code == 200
    kept = admin.get(f"/v1/admin/tenants/{tenant_id}/credentials").json()["data"]

    refused = put(admin, tenant_id, vendor, mistyped)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["vendor"] == vendor
    assert [e["field"] for e in problem["errors"]] == ["body.secret"]
    assert "verify=false" in problem["detail"]
    assert admin.get(f"/v1/admin/tenants/{tenant_id}/credentials").json()["data"] == kept
    entry = audited(admin, tenant_id, "credential.rejected")[0]
    assert (entry["target"], entry["outcome"]) == (vendor, "failed")
    for name in SECRET_FIELDS:
        if name in mistyped:
            assert mistyped[name] not in refused.text


def test_a_refused_credential_for_a_new_vendor_leaves_none_stored(
    admin: httpx.Client, tenant_id: str, vendor: str, simulators: Simulators
) -> None:
    refused = put(admin, tenant_id, vendor, wrong(good_secret(simulators, vendor)))

    assert refused.status_code == 422, refused.text
    assert stored_vendors(admin, tenant_id) == []


def test_verify_false_stores_without_asking_the_vendor(
    admin: httpx.Client,
    tenant_id: str,
    vendor: str,
    simulators: Simulators,
    vendor_control: httpx.Client,
) -> None:
    before = requests_seen(vendor_control)

    stored = put(admin, tenant_id, vendor, wrong(good_secret(simulators, vendor)), verify="false")

    assert stored.status_code == 200, stored.text
    verification = stored.json()["verification"]
    assert verification["status"] == "unverified"
    assert verification["checked_at"] is None
    assert "verify=false" in verification["detail"]
    assert requests_seen(vendor_control) == before
    assert stored_vendors(admin, tenant_id) == [vendor]


def test_an_unreachable_vendor_leaves_the_credential_stored_and_unverified(
    admin: httpx.Client,
    tenant_id: str,
    vendor: str,
    simulators: Simulators,
    vendor_control: httpx.Client,
) -> None:
    secret = good_secret(simulators, vendor)
    assert vendor_control.post("/faults", json={"drop": True}).status_code == 201

    stored = put(admin, tenant_id, vendor, secret)

    assert stored.status_code == 200, stored.text
    verification = stored.json()["verification"]
    assert verification["status"] == "unverified"
    assert verification["checked_at"] is not None
    assert "could not be asked" in verification["detail"]
    assert stored_vendors(admin, tenant_id) == [vendor]
    assert audited(admin, tenant_id, "credential.verified") == []


@pytest.mark.parametrize("unchecked", UNCHECKED)
def test_a_vendor_without_a_check_stores_unverified_and_says_why(
    admin: httpx.Client, tenant_id: str, simulators: Simulators, unchecked: str
) -> None:
    stored = put(admin, tenant_id, unchecked, good_secret(simulators, unchecked))

    assert stored.status_code == 200, stored.text
    verification = stored.json()["verification"]
    assert verification["status"] == "unverified"
    assert verification["checked_at"] is None
    assert "offers no call that checks" in verification["detail"]


def test_every_vendors_working_credential_passes_its_check(
    make_tenant: Callable[..., TenantHandle], admin: httpx.Client
) -> None:
    handle = make_tenant("checked", all_vendors=True, verify=True)

    entries = audited(admin, handle.id, "credential.verified")
    assert sorted(str(e["target"]) for e in entries) == sorted(CHECKED)
