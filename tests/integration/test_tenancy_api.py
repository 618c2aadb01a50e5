"""One tenant can never read, list or change another tenant's objects, on any operation.

The operations come from the committed OpenAPI document (which a drift test keeps equal to the
app), so a new route is swept as soon as it exists.
"""

from __future__ import annotations

import importlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import (
    FRESH_VENDOR,
    GatewayStack,
    Simulators,
    TenantHandle,
    new_tenant,
    running_gateway,
    settings_for,
    simulator_module_of,
    unlisted_number,
)

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text()
)
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    if path.startswith("/v1/")
    for method, operation in item.items()
    if method in METHODS
]
ADDRESSED = [
    op
    for op in OPERATIONS
    if "{" in op[1] and not (not op[2].get("security") and "{token}" in op[1])
]
"""Operations on an object; a public one whose path carries its capability token is not: holding
the token is what it asks (``test_events_api`` shows another tenant's token lands nothing here)."""
LISTS = [op for op in OPERATIONS if "{" not in op[1] and op[0] == "GET"]


@dataclass
class TwoTenants:
    owner: TenantHandle
    intruder: TenantHandle
    path_values: dict[str, str]

    def owner_ids(self) -> list[str]:
        return [v for k, v in self.path_values.items() if k not in ("vendor", "budget")]


def created(response: Any, field: str) -> str:
    assert response.status_code in (200, 201, 202), response.text
    return str(response.json()[field])


def owner_objects(owner: TenantHandle) -> dict[str, str]:
    """One object of every kind the API addresses, made by (or for) the owner."""
    client = owner.client
    truecaller = owner.truecaller_account or {}
    label = next(x for x in truecaller["labels"] if x["label_type"] == "dynamic")
    starts = datetime.now(UTC) + timedelta(minutes=5)
    record = {
        "caller_number": "+919800000001",
        "receiver_number": "+919800000002",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "label_id": "truecaller:" + label["id"],
    }
    carrier = {"name": "Owner trunk", "sip_gateway": {"address": "203.0.113.10"}}
    registration = {
        "vendor": "truecaller",
        "feature_set_id": "truecaller:" + truecaller["feature_sets"][0]["id"],
        "numbers": [unlisted_number()],
    }
    return {
        # TopCalls' objects: the vendor can do every action on them (stop, cancel, release), so
        # the sweep reaches the tenant check rather than a vendor's "cannot do this" (409).
        "number_id": client.get("/v1/numbers?vendor=topcalls").json()["data"][0]["id"],
        "call_id": client.get("/v1/calls?vendor=topcalls&limit=1").json()["data"][0]["id"],
        "campaign_id": client.get("/v1/campaigns").json()["data"][0]["id"],
        "carrier_id": created(client.post("/v1/carriers", json=carrier), "id"),
        "operation_id": created(client.post("/v1/numbers", json=registration), "id"),
        "batch_id": created(
            client.post("/v1/caller-id/personalization-batches", json={"records": [record]}), "id"
        ),
        "request_id": created(client.post("/v1/verifications", json={}), "request_id"),
        "webhook_id": created(
            client.post(
                "/v1/vendor-webhooks",
                json={"event": "call.completed", "url": "https://owner.example/hooks"},
            ),
            "id",
        ),
        "event_id": owner_event(owner),
        "subscription_id": created(
            client.post("/v1/subscriptions", json={"url": "https://owner.example/events"}), "id"
        ),
    }


def owner_event(owner: TenantHandle) -> str:
    """An event in the owner's log: a Truecaller delivery to the owner's endpoint."""
    put = owner.client.put(f"/v1/admin/tenants/{owner.id}/webhook-endpoints/truecaller", json={})
    now = str(int(time.time()))
    delivery = {
        "event_id": f"sweep-{owner.id}",
        "client_account_id": (owner.truecaller_account or {})["client_account_id"],
        "event_type": "cmb",
        "created_at": now,
        "cmb_payload": {
            "business_number": "910987654321",
            "client_number": "918765432198",
            "requested_at": now,
            "is_interested": True,
        },
    }
    assert httpx.post(created(put, "url"), json=delivery).status_code == 200
    deadline = time.monotonic() + 10
    while not (found := owner.client.get("/v1/events").json()["data"]):
        assert time.monotonic() < deadline, "the delivery never became an event"
        time.sleep(0.05)
    return str(found[0]["id"])


@pytest.fixture(scope="module")
def sweep_simulators(shared_simulators: Simulators) -> Iterator[Simulators]:
    """The session's simulators with a TrustCaller simulator of the sweep's own."""
    module = simulator_module_of(FRESH_VENDOR)
    fresh = importlib.import_module(module).start_for_tests()
    yield shared_simulators.with_fresh(module, fresh)
    fresh.server.stop()


@pytest.fixture(scope="module")
def gateway(
    sweep_simulators: Simulators, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayStack]:
    """One gateway for the whole sweep. Sharing it is honest: every test checks that the
    intruder changed nothing, and a change would fail the test that made it."""
    settings = settings_for(sweep_simulators, tmp_path_factory.mktemp("sweep") / "data")
    with running_gateway(settings, sweep_simulators.server_for(FRESH_VENDOR).url) as stack:
        yield stack


@pytest.fixture(scope="module")
def two_tenants(gateway: GatewayStack, sweep_simulators: Simulators) -> TwoTenants:
    owner = new_tenant(gateway, sweep_simulators, name="owner", all_vendors=True)
    intruder = new_tenant(gateway, sweep_simulators, name="intruder", all_vendors=True)
    admin = gateway.admin()
    return TwoTenants(
        owner=owner,
        intruder=intruder,
        path_values={
            "tenant_id": owner.id,
            "key_id": admin.get(f"/v1/admin/tenants/{owner.id}/keys").json()["data"][0]["id"],
            "vendor": "trustcaller",
            "budget": "default",
            **owner_objects(owner),
        },
    )


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def minimal_body(schema: dict[str, Any]) -> Any:
    """The smallest value valid against ``schema``: enough to get past body validation."""
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        if "properties" not in schema:
            return {"field": minimal_body(schema.get("additionalProperties", {"type": "string"}))}
        return {
            name: minimal_body(schema["properties"][name]) for name in schema.get("required", [])
        }
    if kind == "array":
        return [minimal_body(schema["items"])] * schema.get("minItems", 0)
    if kind == "string" and schema.get("format") == "date-time":
        return "2020-01-01T00:00:00Z"
    if kind == "string" or not schema:
        return "x" * max(1, schema.get("minLength", 1))
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    raise AssertionError(f"teach minimal_body about {schema}")


def _request_body(operation: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return minimal_body(content["application/json"]["schema"])


@pytest.mark.parametrize(
    ("method", "path", "operation"), ADDRESSED, ids=[op[2]["operationId"] for op in ADDRESSED]
)
def test_the_intruder_gets_404_on_the_owners_objects_and_changes_nothing(
    gateway: GatewayStack,
    two_tenants: TwoTenants,
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    names = re.findall(r"{(\w+)}", path)
    missing = [name for name in names if name not in two_tenants.path_values]
    assert not missing, f"give the sweep an owner's value for {missing}"
    url = path.format(**two_tenants.path_values)
    admin = gateway.admin()
    owner = two_tenants.owner
    before = (
        admin.get(f"/v1/admin/tenants/{owner.id}/keys").json()["data"],
        admin.get(f"/v1/admin/tenants/{owner.id}/credentials").json()["data"],
    )

    response = two_tenants.intruder.client.request(method, url, json=_request_body(operation))

    assert response.status_code in (403, 404), response.text
    assert owner.id not in response.text
    after = (
        admin.get(f"/v1/admin/tenants/{owner.id}/keys").json()["data"],
        admin.get(f"/v1/admin/tenants/{owner.id}/credentials").json()["data"],
    )
    assert after == before
    assert owner.client.get("/v1/numbers").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "operation"), LISTS, ids=[op[2]["operationId"] for op in LISTS]
)
def test_the_intruders_lists_never_include_the_owners_items(
    two_tenants: TwoTenants, method: str, path: str, operation: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    survey = (two_tenants.intruder.truecaller_account or {}).get("survey_id")
    params = {
        "/v1/calls/live": {"number": two_tenants.intruder.vendor_numbers[0]},
        "/v1/caller-id/callback-requests": {
            "start": (now - timedelta(days=1)).isoformat(),
            "end": now.isoformat(),
        },
        "/v1/caller-id/feedback": {"survey_id": survey, "start": now.isoformat()},
    }.get(path, {})

    response = two_tenants.intruder.client.request(method, path, params=params)

    assert response.status_code == 200, response.text
    for owner_id in two_tenants.owner_ids():
        assert owner_id not in response.text


def test_revoking_by_key_id_under_ones_own_tenant_cannot_reach_anothers_key(
    two_tenants: TwoTenants,
) -> None:
    owner_key_id = two_tenants.path_values["key_id"]
    response = two_tenants.intruder.client.delete(
        f"/v1/admin/tenants/{two_tenants.intruder.id}/keys/{owner_key_id}"
    )

    assert response.status_code == 404
    assert two_tenants.owner.client.get("/v1/numbers").status_code == 200


def test_the_sweep_covers_every_operation_that_names_an_object() -> None:
    assert {op[2]["operationId"] for op in ADDRESSED} >= {
        "getNumber",
        "getCall",
        "createKey",
        "listKeys",
        "revokeKey",
        "putCredential",
        "listCredentials",
        "deleteCredential",
        "rotateCredential",
        "putCredentialBudget",
        "deleteCredentialBudget",
    }


def test_the_operator_sees_every_tenant(gateway: GatewayStack, two_tenants: TwoTenants) -> None:
    listed = {t["id"] for t in gateway.admin().get("/v1/admin/tenants").json()["data"]}

    assert {two_tenants.owner.id, two_tenants.intruder.id} <= listed


def test_the_intruders_vendor_health_shows_its_own_credentials_only(
    gateway: GatewayStack, two_tenants: TwoTenants
) -> None:
    admin = gateway.admin()

    def stored(tenant: TenantHandle) -> dict[str, str]:
        listed = admin.get(f"/v1/admin/tenants/{tenant.id}/credentials").json()["data"]
        return {c["vendor"]: c["fingerprint"] for c in listed}

    response = two_tenants.intruder.client.get("/v1/vendors")
    shown = {
        v["vendor"]: v["credential"]["fingerprint"]
        for v in response.json()["data"]
        if v["credential"] is not None
    }

    assert ("GET", "/v1/vendors") in [(op[0], op[1]) for op in LISTS]
    assert shown == stored(two_tenants.intruder)
    assert not set(stored(two_tenants.owner).values()) & set(shown.values())
    for fingerprint in stored(two_tenants.owner).values():
        assert fingerprint not in response.text
