"""``include=vendor_data``: the vendor's own object beside each unified one, only when asked.

Over the real gateway and every registered vendor's simulator: a read with the include carries
the fields the unified shape drops (TrustCaller's ``ivr_id``, ``call_acceptable``,
``short_call``), a read without it carries none, and an unknown include is a 422 problem.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from adapters.capabilities import CallSource, NumberSource
from adapters.registry import VENDORS
from tests.integration.conftest import TenantHandle

INCLUDE = {"include": "vendor_data"}
DROPPED_BY_THE_SCHEMA = {
    ("numbers", "trustcaller"): {"ivr_id"},
    ("calls", "trustcaller"): {"call_acceptable", "short_call"},
}
"""Vendor fields the unified shape has no place for, which ``vendor_data`` must carry."""


def serving(capability: type) -> list[str]:
    return [
        entry.name
        for entry in VENDORS
        if isinstance(entry.factory(httpx.AsyncClient()), capability)
    ]


NOT_SEEDED = {("numbers", "truecaller")}
"""A new simulator account holds none of these (its numbers are registered first)."""
CASES = [
    case
    for case in [("numbers", v) for v in serving(NumberSource)]
    + [("calls", v) for v in serving(CallSource)]
    if case not in NOT_SEEDED
]


@pytest.fixture
def tenant_all(make_tenant: Callable[..., TenantHandle]) -> TenantHandle:
    return make_tenant("vendordata", all_vendors=True)


@pytest.mark.parametrize(("resource", "vendor"), CASES, ids=lambda x: str(x))
def test_vendor_data_is_there_when_asked_and_only_then(
    tenant_all: TenantHandle, resource: str, vendor: str
) -> None:
    plain = tenant_all.client.get(f"/v1/{resource}", params={"vendor": vendor})
    asked = tenant_all.client.get(f"/v1/{resource}", params={"vendor": vendor, **INCLUDE})

    assert plain.status_code == asked.status_code == 200, (plain.text, asked.text)
    assert asked.json()["data"], f"the {vendor} simulator account has no {resource}"
    assert all(item["vendor_data"] is None for item in plain.json()["data"])
    for item in asked.json()["data"]:
        assert isinstance(item["vendor_data"], dict) and item["vendor_data"]
        assert DROPPED_BY_THE_SCHEMA.get((resource, vendor), set()) <= set(item["vendor_data"])
    first = asked.json()["data"][0]
    one = tenant_all.client.get(f"/v1/{resource}/{first['id']}", params=INCLUDE)
    bare = tenant_all.client.get(f"/v1/{resource}/{first['id']}")
    assert one.status_code == bare.status_code == 200, (one.text, bare.text)
    assert isinstance(one.json()["vendor_data"], dict) and one.json()["vendor_data"]
    assert DROPPED_BY_THE_SCHEMA.get((resource, vendor), set()) <= set(one.json()["vendor_data"])
    assert bare.json()["vendor_data"] is None
    secrets = [
        str(details[name])
        for details in tenant_all.accounts.values()
        for name in ("token", "api_key")
        if details.get(name)
    ]
    assert secrets
    for secret in secrets:
        assert secret not in asked.text


@pytest.mark.parametrize("path", ["/v1/numbers", "/v1/calls"])
def test_an_unknown_include_is_a_422_problem(tenant_all: TenantHandle, path: str) -> None:
    answer = tenant_all.client.get(path, params={"include": "everything"})

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["query.include"]
