"""A tenant's life as an operator runs it: disabled and enabled again, then erased for good.

Disabling stops a tenant's keys at once and keeps everything; erasing removes its keys,
credentials, records and idempotency entries from the system of record (checked in the embedded
database itself, opened read-only) while its audit entries stay, and leaves other tenants alone.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import GatewayStack, TenantHandle

PROBLEM = "application/problem+json"


@dataclass
class TenantData:
    """What a tenant made through the gateway, and how to read it again."""

    operation_id: str
    verification_id: str
    call_request: dict[str, object]
    call_key: str
    call_response: httpx.Response
    rotation_key: str
    rotation_response: httpx.Response
    batch_id: str


def _number() -> str:
    return "+9198" + "".join(secrets.choice("0123456789") for _ in range(8))


def make_data(tenant: TenantHandle) -> TenantData:
    """A tracked operation, a verification, a personalization batch and two idempotent POSTs."""
    client = tenant.client
    truecaller = tenant.truecaller_account or {}
    registration = client.post(
        "/v1/numbers",
        json={
            "vendor": "truecaller",
            "feature_set_id": "truecaller:" + truecaller["feature_sets"][0]["id"],
            "numbers": [_number()],
        },
    )
    assert registration.status_code == 202, registration.text
    verification = client.post("/v1/verifications", json={})
    assert verification.status_code in (200, 201), verification.text
    label = next(x for x in truecaller["labels"] if x["label_type"] == "dynamic")
    starts = datetime.now(UTC) + timedelta(minutes=5)
    batch = client.post(
        "/v1/caller-id/personalization-batches",
        json={
            "records": [
                {
                    "caller_number": _number(),
                    "receiver_number": _number(),
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=1)).isoformat(),
                    "label_id": "truecaller:" + label["id"],
                }
            ]
        },
    )
    assert batch.status_code in (200, 201, 202), batch.text
    call_request: dict[str, object] = {
        "to_number": "+14155551234",
        "task": f"Confirm the appointment of {tenant.id}",
    }
    call_key = f"call-{secrets.token_hex(8)}"
    call = client.post("/v1/calls", json=call_request, headers={"Idempotency-Key": call_key})
    assert call.status_code == 201, call.text
    rotation_key = f"rotate-{secrets.token_hex(8)}"
    rotation = client.post(
        f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate",
        headers={"Idempotency-Key": rotation_key},
    )
    assert rotation.status_code == 200, rotation.text
    return TenantData(
        operation_id=registration.json()["id"],
        verification_id=verification.json()["request_id"],
        call_request=call_request,
        call_key=call_key,
        call_response=call,
        rotation_key=rotation_key,
        rotation_response=rotation,
        batch_id=batch.json()["id"],
    )


def assert_data_intact(tenant: TenantHandle, data: TenantData) -> None:
    """Everything :func:`make_data` made reads back, and both idempotent POSTs replay."""
    client = tenant.client
    operation = client.get(f"/v1/operations/{data.operation_id}")
    assert operation.status_code == 200, operation.text
    verification = client.get(f"/v1/verifications/{data.verification_id}")
    assert verification.status_code == 200, verification.text
    batch = client.get(f"/v1/caller-id/personalization-batches/{data.batch_id}")
    assert batch.status_code == 200, batch.text
    call = client.post(
        "/v1/calls", json=data.call_request, headers={"Idempotency-Key": data.call_key}
    )
    assert call.status_code == 201 and call.headers["idempotent-replayed"] == "true", call.text
    assert call.json() == data.call_response.json()
    rotation = client.post(
        f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate",
        headers={"Idempotency-Key": data.rotation_key},
    )
    assert rotation.status_code == 200, rotation.text
    assert rotation.headers["idempotent-replayed"] == "true"
    assert rotation.json() == data.rotation_response.json()
    assert client.get("/v1/numbers?vendor=trustcaller").status_code == 200


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/unauthorized"


@pytest.fixture
def database(gateway: GatewayStack) -> Iterator[Callable[[str, object], list[tuple]]]:
    """Query the gateway's embedded database, read-only, while the gateway runs."""
    path = Path(gateway.data_dir) / "gateway.sqlite3"
    assert path.exists()
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:

        def query(sql: str, *params: object) -> list[tuple]:
            return db.execute(sql, params).fetchall()

        yield query


ROWS_OF_TENANT = {
    "api_keys": "SELECT count(*) FROM api_keys WHERE tenant_id = ?",
    "credentials": "SELECT count(*) FROM credentials WHERE tenant_id = ?",
    "records": "SELECT count(*) FROM records WHERE tenant_id = ?",
    "idempotency": "SELECT count(*) FROM idempotency WHERE tenant_id = ?",
    "tenants": "SELECT count(*) FROM tenants WHERE id = ?",
}
ROWS_NAMING_TENANT = {
    "records by key": "SELECT count(*) FROM records WHERE key LIKE '%' || ? || '%'",
    "idempotency by key": "SELECT count(*) FROM idempotency WHERE key LIKE '%' || ? || '%'",
}


def tenant_rows(query: Callable[..., list[tuple]], tenant_id: str) -> dict[str, int]:
    """How many rows of each table belong to the tenant (by column, and by key for records)."""
    statements = {**ROWS_OF_TENANT, **ROWS_NAMING_TENANT}
    return {name: query(sql, tenant_id)[0][0] for name, sql in statements.items()}


def credentials_of(admin: httpx.Client, tenant_id: str) -> list[dict]:
    response = admin.get(f"/v1/admin/tenants/{tenant_id}/credentials")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def keys_of(admin: httpx.Client, tenant_id: str) -> list[dict]:
    response = admin.get(f"/v1/admin/tenants/{tenant_id}/keys")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_disabling_stops_keys_at_once_and_enabling_brings_everything_back(
    gateway: GatewayStack, make_tenant: Callable[..., TenantHandle]
) -> None:
    admin = gateway.admin()
    tenant = make_tenant(name="paused", all_vendors=True)
    other = make_tenant(name="unaffected")
    data = make_data(tenant)
    credentials_before = credentials_of(admin, tenant.id)
    keys_before = keys_of(admin, tenant.id)
    assert tenant.client.get("/v1/numbers?vendor=trustcaller").status_code == 200  # key cached

    disabled = admin.patch(f"/v1/admin/tenants/{tenant.id}", json={"disabled": True})
    refused = [
        tenant.client.get("/v1/numbers?vendor=trustcaller"),
        tenant.client.get(f"/v1/verifications/{data.verification_id}"),
        tenant.client.get(f"/v1/admin/tenants/{tenant.id}/keys"),
        tenant.client.post(
            "/v1/calls", json=data.call_request, headers={"Idempotency-Key": data.call_key}
        ),
    ]
    listed = {t["id"]: t for t in admin.get("/v1/admin/tenants").json()["data"]}
    still_stored = credentials_of(admin, tenant.id)
    keys_while_disabled = keys_of(admin, tenant.id)
    other_works = other.client.get("/v1/numbers?vendor=trustcaller")

    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    for response in refused:
        assert_unauthorized(response)
    assert listed[tenant.id]["disabled_at"] == disabled.json()["disabled_at"]
    assert still_stored == credentials_before
    assert keys_while_disabled == keys_before
    assert all(k["revoked_at"] is None for k in keys_while_disabled)
    assert other_works.status_code == 200

    enabled = admin.patch(f"/v1/admin/tenants/{tenant.id}", json={"disabled": False})

    assert enabled.status_code == 200 and enabled.json()["disabled_at"] is None
    assert credentials_of(admin, tenant.id) == credentials_before
    assert keys_of(admin, tenant.id) == keys_before
    assert_data_intact(tenant, data)


def test_disabling_twice_keeps_the_first_time(
    gateway: GatewayStack, make_tenant: Callable[..., TenantHandle]
) -> None:
    admin = gateway.admin()
    tenant = make_tenant(name="twice")

    first = admin.patch(f"/v1/admin/tenants/{tenant.id}", json={"disabled": True})
    second = admin.patch(f"/v1/admin/tenants/{tenant.id}", json={"disabled": True})

    assert first.status_code == second.status_code == 200
    assert second.json()["disabled_at"] == first.json()["disabled_at"]
    assert_unauthorized(tenant.client.get("/v1/numbers"))


def test_a_tenant_admin_key_cannot_disable_or_erase_and_another_tenants_gets_404(
    gateway: GatewayStack, make_tenant: Callable[..., TenantHandle]
) -> None:
    admin = gateway.admin()
    tenant = make_tenant(name="self-service")
    neighbour = make_tenant(name="neighbour")

    own = [
        tenant.client.patch(f"/v1/admin/tenants/{tenant.id}", json={"disabled": True}),
        tenant.client.patch(f"/v1/admin/tenants/{tenant.id}", json={"disabled": False}),
        tenant.client.delete(f"/v1/admin/tenants/{tenant.id}"),
    ]
    foreign = [
        neighbour.client.patch(f"/v1/admin/tenants/{tenant.id}", json={"disabled": True}),
        neighbour.client.delete(f"/v1/admin/tenants/{tenant.id}"),
        neighbour.client.patch("/v1/admin/tenants/ten_doesnotexist", json={"disabled": True}),
        neighbour.client.delete("/v1/admin/tenants/ten_doesnotexist"),
    ]

    for response in own:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/forbidden"
    for response in foreign:
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/not-found"
    listed = {t["id"]: t for t in admin.get("/v1/admin/tenants").json()["data"]}
    assert listed[tenant.id]["disabled_at"] is None
    assert tenant.client.get("/v1/numbers?vendor=trustcaller").status_code == 200
    assert neighbour.client.get("/v1/numbers?vendor=trustcaller").status_code == 200


def test_erasing_removes_every_row_of_the_tenant_but_its_audit_entries(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    database: Callable[..., list[tuple]],
) -> None:
    admin = gateway.admin()
    victim = make_tenant(name="leaving", all_vendors=True)
    bystander = make_tenant(name="staying", all_vendors=True)
    second_key = admin.post(
        f"/v1/admin/tenants/{victim.id}/keys", json={"name": "second", "scopes": ["calls:read"]}
    ).json()["key"]
    victim_data = make_data(victim)
    bystander_data = make_data(bystander)
    before = tenant_rows(database, victim.id)
    bystander_before = tenant_rows(database, bystander.id)
    assert before["api_keys"] == 2 and before["credentials"] == 4 and before["tenants"] == 1
    assert before["records"] >= 3 and before["idempotency"] >= 2, before
    audit_before = database("SELECT count(*) FROM audit_log WHERE tenant_id = ?", victim.id)[0][0]

    erased = admin.delete(f"/v1/admin/tenants/{victim.id}")

    assert erased.status_code == 204, erased.text
    assert erased.content == b""
    assert_unauthorized(victim.client.get("/v1/numbers?vendor=trustcaller"))
    assert_unauthorized(gateway.client(second_key).get("/v1/calls"))
    assert_unauthorized(victim.client.get(f"/v1/operations/{victim_data.operation_id}"))
    assert victim.id not in {t["id"] for t in admin.get("/v1/admin/tenants").json()["data"]}
    for path in ("", "/keys", "/credentials", "/credentials/trustcaller"):
        gone = admin.get(f"/v1/admin/tenants/{victim.id}{path}")
        assert gone.status_code in (404, 405), (path, gone.text)
    assert admin.get(f"/v1/admin/tenants/{victim.id}/credentials").status_code == 404
    assert admin.delete(f"/v1/admin/tenants/{victim.id}").status_code == 404
    assert (
        admin.patch(f"/v1/admin/tenants/{victim.id}", json={"disabled": False}).status_code == 404
    )
    assert_unauthorized(victim.client.get("/v1/numbers?vendor=trustcaller"))

    after = tenant_rows(database, victim.id)
    assert after == dict.fromkeys(after, 0), after
    audit = database(
        "SELECT action, outcome, detail FROM audit_log WHERE tenant_id = ? ORDER BY id",
        victim.id,
    )
    assert len(audit) == audit_before + 1
    assert audit[-1][:2] == ("tenant.erased", "ok")
    assert '"credentials":"4"' in audit[-1][2]
    assert {row[0] for row in audit} >= {
        "tenant.created",
        "key.minted",
        "credential.stored",
        "credential.rotated",
        "tenant.erased",
    }
    read_back = admin.get("/v1/admin/audit", params={"tenant_id": victim.id, "limit": 1000})
    assert read_back.status_code == 200 and len(read_back.json()["data"]) == len(audit)

    assert tenant_rows(database, bystander.id) == bystander_before
    assert len(credentials_of(admin, bystander.id)) == 4
    assert_data_intact(bystander, bystander_data)
    assert bystander.client.get("/v1/calls?limit=2").status_code == 200


def test_a_tenants_idempotency_key_is_forgotten_with_it_and_not_replayed_to_anyone(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    database: Callable[..., list[tuple]],
) -> None:
    admin = gateway.admin()
    victim = make_tenant(name="gone", all_vendors=True)
    bystander = make_tenant(name="same-key", all_vendors=True)
    shared_key = "order-42-reminder"
    request = {"to_number": "+14155551234", "task": "Confirm the appointment tomorrow at 3 PM"}
    placed = victim.client.post("/v1/calls", json=request, headers={"Idempotency-Key": shared_key})
    assert placed.status_code == 201, placed.text
    assert database("SELECT count(*) FROM idempotency WHERE tenant_id = ?", victim.id)[0][0] == 1

    assert admin.delete(f"/v1/admin/tenants/{victim.id}").status_code == 204
    fresh = bystander.client.post(
        "/v1/calls", json=request, headers={"Idempotency-Key": shared_key}
    )

    assert database("SELECT count(*) FROM idempotency WHERE tenant_id = ?", victim.id) == [(0,)]
    assert fresh.status_code == 201, fresh.text
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.json()["id"] != placed.json()["id"]
