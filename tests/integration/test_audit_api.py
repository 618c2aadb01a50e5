"""The audit log as an administrator reads it: ``GET /v1/admin/audit``.

Every administrative route is driven over HTTP, once with the operator key and once with a tenant
admin key where that key may use it; the log is then read back page by page. Each entry must name
the action, the tenant, the target, who did it (key id, never the key), the request that did it
and how it ended, and no secret sent to the gateway may ever come back in it.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.integration.conftest import ALL_SCOPES, GatewayStack, create_sim_account

PROBLEM = "application/problem+json"
AUDIT = "/v1/admin/audit"
CHOSEN_REQUEST_ID = "ops-ticket-4711"


@dataclass
class Expected:
    """What one administrative request must leave in the audit log."""

    action: str
    tenant_id: str
    target: str | None
    actor_kind: str
    actor_key_id: str
    request_id: str
    outcome: str = "ok"
    problem: str | None = None
    response: httpx.Response | None = field(default=None, repr=False)


@dataclass
class Scenario:
    """Two tenants (A and B) administered through every route, and what that must have logged."""

    gateway: GatewayStack
    operator: httpx.Client
    a: str
    b: str
    a_admin: httpx.Client
    a_admin_key_id: str
    b_admin: httpx.Client
    b_admin_key_id: str
    b_reader: httpx.Client
    canary: str
    secrets: list[str] = field(repr=False)
    expected: list[Expected] = field(default_factory=list)
    replayed_request_ids: list[str] = field(default_factory=list)

    def erase_a(self) -> Expected:
        """The operator erases tenant A (its entries must stay)."""
        return act(
            self,
            self.operator,
            "DELETE",
            f"/v1/admin/tenants/{self.a}",
            status=204,
            action="tenant.erased",
            tenant=self.a,
            target=self.a,
        )

    def for_tenant(self, tenant_id: str) -> list[Expected]:
        return [e for e in self.expected if e.tenant_id == tenant_id]


def act(
    scenario: Scenario,
    client: httpx.Client,
    method: str,
    path: str,
    *,
    status: int,
    action: str,
    tenant: str,
    target: str | None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    problem: str | None = None,
) -> Expected:
    """Send one administrative request and note the audit entry it must leave."""
    response = client.request(method, path, json=json, headers=headers)
    assert response.status_code == status, response.text
    is_operator = client.headers["authorization"] == f"Bearer {scenario.gateway.admin_key}"
    if is_operator:
        actor_kind, actor_key_id = "operator", "operator"
    elif client is scenario.a_admin:
        actor_kind, actor_key_id = "tenant", scenario.a_admin_key_id
    else:
        assert client is scenario.b_admin
        actor_kind, actor_key_id = "tenant", scenario.b_admin_key_id
    expected = Expected(
        action=action,
        tenant_id=tenant,
        target=target,
        actor_kind=actor_kind,
        actor_key_id=actor_key_id,
        request_id=response.headers["x-request-id"],
        outcome="ok" if problem is None else "failed",
        problem=problem,
        response=response,
    )
    if problem is not None:
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == f"/problems/{problem}"
    scenario.expected.append(expected)
    return expected


def mint(
    scenario: Scenario,
    client: httpx.Client,
    tenant: str,
    name: str,
    scopes: tuple[str, ...] | list[str],
) -> tuple[str, str]:
    """Mint a key through the API; its id and the key itself."""
    entry = act(
        scenario,
        client,
        "POST",
        f"/v1/admin/tenants/{tenant}/keys",
        json={"name": name, "scopes": list(scopes)},
        status=201,
        action="key.minted",
        tenant=tenant,
        target=None,
    )
    assert entry.response is not None
    body = entry.response.json()
    entry.target = body["id"]
    scenario.secrets.append(body["key"])
    return body["id"], body["key"]


@pytest.fixture
def scenario(gateway: GatewayStack, sim_control: httpx.Client) -> Scenario:
    """Every administrative route, by the operator and by a tenant admin where allowed."""
    canary = "canary" + uuid.uuid4().hex
    operator = gateway.admin()
    account_a = create_sim_account(sim_control)
    account_b = create_sim_account(sim_control)
    scenario = Scenario(
        gateway=gateway,
        operator=operator,
        a="",
        b="",
        a_admin=operator,
        a_admin_key_id="",
        b_admin=operator,
        b_admin_key_id="",
        b_reader=operator,
        canary=canary,
        secrets=[gateway.admin_key, str(account_a["token"]), str(account_b["token"])],
    )
    tenants = "/v1/admin/tenants"

    # the operator: tenants, keys, credentials, disable and enable, rotation
    for name in ("audited-a", "audited-b"):
        created = operator.post(tenants, json={"name": name})
        assert created.status_code == 201, created.text
        tenant_id = created.json()["id"]
        scenario.expected.append(
            Expected(
                action="tenant.created",
                tenant_id=tenant_id,
                target=tenant_id,
                actor_kind="operator",
                actor_key_id="operator",
                request_id=created.headers["x-request-id"],
                response=created,
            )
        )
        if name == "audited-a":
            scenario.a = tenant_id
        else:
            scenario.b = tenant_id
    a, b = scenario.a, scenario.b

    a_admin_id, a_admin_key = mint(scenario, operator, a, "a-admin", ALL_SCOPES)
    b_admin_id, b_admin_key = mint(scenario, operator, b, "b-admin", ALL_SCOPES)
    scenario.a_admin, scenario.a_admin_key_id = gateway.client(a_admin_key), a_admin_id
    scenario.b_admin, scenario.b_admin_key_id = gateway.client(b_admin_key), b_admin_id

    for tenant_id, account in ((a, account_a), (b, account_b)):
        act(
            scenario,
            operator,
            "PUT",
            f"{tenants}/{tenant_id}/credentials/trustcaller",
            json={"secret": {"token": str(account["token"])}},
            status=200,
            action="credential.verified",
            tenant=tenant_id,
            target="trustcaller",
        )
    for disabled, action in ((True, "tenant.disabled"), (False, "tenant.enabled")):
        act(
            scenario,
            operator,
            "PATCH",
            f"{tenants}/{a}",
            json={"disabled": disabled},
            status=200,
            action=action,
            tenant=a,
            target=a,
        )
    minted_id, _ = mint(scenario, operator, a, "operator-minted", ["numbers:read"])
    act(
        scenario,
        operator,
        "DELETE",
        f"{tenants}/{a}/keys/{minted_id}",
        status=204,
        action="key.revoked",
        tenant=a,
        target=minted_id,
    )
    topcalls_secret = f"tc_live_{canary}"
    scenario.secrets.append(topcalls_secret)
    act(
        scenario,
        operator,
        "PUT",
        f"{tenants}/{a}/credentials/topcalls?verify=false",
        json={"secret": {"api_key": topcalls_secret}},
        status=200,
        action="credential.stored",
        tenant=a,
        target="topcalls",
    )
    act(
        scenario,
        operator,
        "DELETE",
        f"{tenants}/{a}/credentials/topcalls",
        status=204,
        action="credential.deleted",
        tenant=a,
        target="topcalls",
    )
    idempotency = {"Idempotency-Key": f"rotate-{canary}"}
    act(
        scenario,
        operator,
        "POST",
        f"{tenants}/{a}/credentials/trustcaller/rotate",
        headers=idempotency,
        status=200,
        action="credential.rotated",
        tenant=a,
        target="trustcaller",
    )
    replay = operator.post(f"{tenants}/{a}/credentials/trustcaller/rotate", headers=idempotency)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    scenario.replayed_request_ids.append(replay.headers["x-request-id"])
    act(
        scenario,
        operator,
        "DELETE",
        f"{tenants}/{a}/keys/key_unknown_to_the_operator",
        status=404,
        action="key.revoked",
        tenant=a,
        target="key_unknown_to_the_operator",
        problem="not-found",
    )

    # tenant A's admin key: everything it may do on its own tenant
    ta = scenario.a_admin
    backend_id, _ = mint(scenario, ta, a, "a-backend", ["numbers:read", "calls:read"])
    act(
        scenario,
        ta,
        "DELETE",
        f"{tenants}/{a}/keys/{backend_id}",
        status=204,
        action="key.revoked",
        tenant=a,
        target=backend_id,
    )
    tenant_topcalls_secret = f"tc_live_{canary}_by_tenant"
    scenario.secrets.append(tenant_topcalls_secret)
    act(
        scenario,
        ta,
        "PUT",
        f"{tenants}/{a}/credentials/topcalls?verify=false",
        json={"secret": {"api_key": tenant_topcalls_secret}},
        status=200,
        action="credential.stored",
        tenant=a,
        target="topcalls",
    )
    act(
        scenario,
        ta,
        "DELETE",
        f"{tenants}/{a}/credentials/topcalls",
        status=204,
        action="credential.deleted",
        tenant=a,
        target="topcalls",
    )
    act(
        scenario,
        ta,
        "POST",
        f"{tenants}/{a}/credentials/trustcaller/rotate",
        status=200,
        action="credential.rotated",
        tenant=a,
        target="trustcaller",
    )
    act(
        scenario,
        ta,
        "DELETE",
        f"{tenants}/{a}/keys/key_doesnotexist",
        status=404,
        action="key.revoked",
        tenant=a,
        target="key_doesnotexist",
        problem="not-found",
    )
    wrong_shape = {"api_key": f"{canary}_in_the_wrong_shape"}
    scenario.secrets.append(wrong_shape["api_key"])
    act(
        scenario,
        ta,
        "PUT",
        f"{tenants}/{a}/credentials/trustcaller",
        json={"secret": wrong_shape},
        status=422,
        action="credential.stored",
        tenant=a,
        target="trustcaller",
        problem="validation-failed",
    )

    # tenant B's admin key: a little of its own
    _, reader_key = mint(scenario, scenario.b_admin, b, "b-reader", ["numbers:read"])
    scenario.b_reader = gateway.client(reader_key)
    act(
        scenario,
        scenario.b_admin,
        "DELETE",
        f"{tenants}/{b}/credentials/trustcaller",
        headers={"X-Request-ID": CHOSEN_REQUEST_ID},
        status=204,
        action="credential.deleted",
        tenant=b,
        target="trustcaller",
    )
    return scenario


def read_all(client: httpx.Client, limit: int = 4, **params: str) -> tuple[list[dict], str]:
    """Every page of the audit log (following ``next_cursor``): the entries and the raw text."""
    entries: list[dict] = []
    raw: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        query: dict[str, Any] = {**params, "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        response = client.get(AUDIT, params=query)
        assert response.status_code == 200, response.text
        raw.append(response.text)
        page = response.json()
        assert len(page["data"]) <= limit
        entries.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    else:
        pytest.fail("the audit log never stopped paging")
    ids = [int(e["id"]) for e in entries]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids), "newest first, no repeat"
    return entries, "\n".join(raw)


def assert_entries_match(entries: list[dict], expected: list[Expected]) -> None:
    """One entry per request, each field as the request that made it says."""
    by_request: dict[str, list[dict]] = {}
    for entry in entries:
        by_request.setdefault(entry["request_id"], []).append(entry)
    assert sorted(by_request) == sorted(e.request_id for e in expected)
    for want in expected:
        [entry] = by_request[want.request_id]
        got = {k: entry[k] for k in ("action", "tenant_id", "actor_kind", "outcome")}
        assert got == {
            "action": want.action,
            "tenant_id": want.tenant_id,
            "actor_kind": want.actor_kind,
            "outcome": want.outcome,
        }, (want, entry)
        if want.action != "key.minted":  # its target: test_a_minted_key_is_the_target_...
            assert entry["target"] == want.target, (want, entry)
        assert entry["actor_key_id"] == want.actor_key_id, (want, entry)
        if want.problem is not None:
            assert entry["detail"].get("problem") == want.problem, entry
        else:
            assert "problem" not in entry["detail"], entry
        at = datetime.fromisoformat(entry["at"])
        assert at.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - at) < timedelta(minutes=5)


def test_every_administrative_action_is_recorded_once_with_actor_target_and_request_id(
    scenario: Scenario,
) -> None:
    erased = scenario.erase_a()

    entries, _ = read_all(scenario.operator)

    assert len(entries) == len(scenario.expected)
    assert_entries_match(entries, scenario.expected)
    assert not set(scenario.replayed_request_ids) & {e["request_id"] for e in entries}
    assert {e.action for e in scenario.expected} == {
        "tenant.created",
        "tenant.disabled",
        "tenant.enabled",
        "tenant.erased",
        "key.minted",
        "key.revoked",
        "credential.stored",
        "credential.verified",
        "credential.deleted",
        "credential.rotated",
    }
    for actor in ("operator", "tenant"):
        done = {e.action for e in scenario.expected if e.actor_kind == actor and e.outcome == "ok"}
        assert {
            "key.minted",
            "key.revoked",
            "credential.stored",
            "credential.deleted",
            "credential.rotated",
        } <= done, actor
    by_request = {e["request_id"]: e for e in entries}
    chosen = by_request[CHOSEN_REQUEST_ID]  # the caller's own X-Request-ID is the one recorded
    assert chosen["action"] == "credential.deleted" and chosen["tenant_id"] == scenario.b
    erase_entry = by_request[erased.request_id]
    assert erase_entry["outcome"] == "ok" and erase_entry["tenant_id"] == scenario.a
    for want in scenario.expected:
        assert want.response is not None
        detail = by_request[want.request_id]["detail"]
        if want.action == "key.minted":
            body = want.response.json()
            assert by_request[want.request_id]["target"] == body["id"]
            assert detail["name"] == body["name"]
            assert set(detail["scopes"].split(",")) == set(body["scopes"])
        if want.action in ("credential.stored", "credential.verified") and want.outcome == "ok":
            assert detail["fingerprint"] == want.response.json()["fingerprint"]
        if want.action == "credential.rotated":
            rotated = want.response.json()
            assert detail["fingerprint"] == rotated["credential"]["fingerprint"]
            assert detail["previous_revoked"] == str(rotated["previous_revoked"]).lower()


def test_a_minted_key_is_the_target_of_its_entry_like_a_revoked_one(scenario: Scenario) -> None:
    entries, _ = read_all(scenario.operator, limit=100)
    by_request = {e["request_id"]: e for e in entries}

    minted = [e for e in scenario.expected if e.action == "key.minted"]
    revoked = [e for e in scenario.expected if e.action == "key.revoked" and e.outcome == "ok"]

    assert len(minted) == 5 and len(revoked) == 2
    for want in revoked:
        assert by_request[want.request_id]["target"] == want.target
    targets = {w.request_id: by_request[w.request_id]["target"] for w in minted}
    assert targets == {w.request_id: w.target for w in minted}, (
        "key.minted entries should name the new key's id as target (key.revoked does); "
        f"got {targets}"
    )


def test_a_refused_action_is_recorded_as_failed_with_its_problem_type(
    scenario: Scenario,
) -> None:
    entries, _ = read_all(scenario.operator, limit=50)

    failed = [e for e in entries if e["outcome"] == "failed"]
    assert sorted((e["action"], e["detail"]["problem"]) for e in failed) == [
        ("credential.stored", "validation-failed"),
        ("key.revoked", "not-found"),
        ("key.revoked", "not-found"),
    ]
    refused = next(e for e in failed if e["target"] == "key_doesnotexist")
    assert refused["actor_kind"] == "tenant"
    assert refused["actor_key_id"] == scenario.a_admin_key_id
    assert refused["tenant_id"] == scenario.a
    want = next(e for e in scenario.expected if e.target == "key_doesnotexist")
    assert refused["request_id"] == want.request_id
    assert want.response is not None and want.response.json()["request_id"] == want.request_id


def test_attempts_a_tenant_admin_is_forbidden_are_recorded_as_failed(
    scenario: Scenario,
) -> None:
    a, ta = scenario.a, scenario.a_admin
    narrow_admin_id, narrow_admin_key = mint(
        scenario, scenario.operator, a, "narrow-admin", ["admin", "numbers:read"]
    )
    narrow = scenario.gateway.client(narrow_admin_key)
    attempts = [
        ("tenant.disabled", ta.patch(f"/v1/admin/tenants/{a}", json={"disabled": True})),
        ("tenant.erased", ta.delete(f"/v1/admin/tenants/{a}")),
        (
            "key.minted",
            narrow.post(
                f"/v1/admin/tenants/{a}/keys", json={"name": "beyond", "scopes": ["calls:write"]}
            ),
        ),
    ]
    for _, response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/forbidden"

    entries, _ = read_all(scenario.operator, limit=100, tenant_id=a)

    by_request = {e["request_id"]: e for e in entries}
    missing = [
        action
        for action, response in attempts
        if response.headers["x-request-id"] not in by_request
    ]
    assert not missing, f"refused attempts that left no audit entry: {missing}"
    for action, response in attempts:
        entry = by_request[response.headers["x-request-id"]]
        assert entry["action"] == action
        assert entry["outcome"] == "failed"
        assert entry["detail"]["problem"] == "forbidden"
        assert entry["actor_kind"] == "tenant"
    assert by_request[attempts[2][1].headers["x-request-id"]]["actor_key_id"] == narrow_admin_id


def test_the_audit_never_shows_a_secret_or_a_gateway_key(scenario: Scenario) -> None:
    scenario.erase_a()
    texts = [
        read_all(scenario.operator)[1],
        read_all(scenario.operator, tenant_id=scenario.a)[1],
        read_all(scenario.operator, tenant_id=scenario.b)[1],
        read_all(scenario.operator, action="credential.stored")[1],
        read_all(scenario.operator, action="credential.rotated")[1],
        read_all(scenario.operator, action="key.minted")[1],
        read_all(scenario.b_admin)[1],
    ]
    texts += [
        scenario.operator.get(AUDIT, params={"limit": 1000}).text,
        scenario.b_admin.get(AUDIT, params={"limit": 1000}).text,
    ]
    whole = "\n".join(texts)

    assert scenario.canary not in whole
    assert "tc_live_" not in whole
    assert len(scenario.secrets) >= 9
    for secret in scenario.secrets:
        assert secret not in whole
    assert scenario.gateway.admin_key.removeprefix("gw_") not in whole


def test_a_tenant_admin_reads_only_its_own_tenants_entries(scenario: Scenario) -> None:
    a, b = scenario.a, scenario.b

    own_a, _ = read_all(scenario.a_admin)
    own_b, _ = read_all(scenario.b_admin)
    a_named, _ = read_all(scenario.a_admin, tenant_id=a)
    other = scenario.a_admin.get(AUDIT, params={"tenant_id": b})
    other_b = scenario.b_admin.get(AUDIT, params={"tenant_id": a})
    reader = scenario.b_reader.get(AUDIT)

    assert {e["tenant_id"] for e in own_a} == {a}
    assert {e["tenant_id"] for e in own_b} == {b}
    assert_entries_match(own_a, scenario.for_tenant(a))
    assert_entries_match(own_b, scenario.for_tenant(b))
    assert a_named == own_a
    for refused in (other, other_b):
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["type"] == "/problems/not-found"
    assert reader.status_code == 403, reader.text
    assert reader.json()["type"] == "/problems/forbidden"
    everything, _ = read_all(scenario.operator)
    assert len(everything) == len(own_a) + len(own_b)


def test_entries_of_an_erased_tenant_stay_readable_by_the_operator(scenario: Scenario) -> None:
    before, _ = read_all(scenario.operator, tenant_id=scenario.a)
    erased = scenario.erase_a()

    after, _ = read_all(scenario.operator, tenant_id=scenario.a)

    assert [e["request_id"] for e in after] == [erased.request_id] + [
        e["request_id"] for e in before
    ]
    assert after[1:] == before
    assert after[0]["action"] == "tenant.erased" and after[0]["outcome"] == "ok"
    assert_entries_match(after, scenario.for_tenant(scenario.a))
    assert scenario.a_admin.get(AUDIT).status_code == 401
    assert scenario.operator.get(f"/v1/admin/tenants/{scenario.a}").status_code in (404, 405)


def _moment(entry: dict) -> datetime:
    return datetime.fromisoformat(entry["at"])


def test_filters_by_action_since_and_until(scenario: Scenario) -> None:
    everything, _ = read_all(scenario.operator, limit=1000)
    ordered = sorted(everything, key=_moment)
    pivot = _moment(ordered[len(ordered) // 2])
    later = _moment(ordered[-3])
    ids = [e["id"] for e in everything]

    def ids_of(**params: Any) -> list[str]:
        return [e["id"] for e in read_all(scenario.operator, **params)[0]]

    revoked = ids_of(action="key.revoked")
    assert revoked == [e["id"] for e in everything if e["action"] == "key.revoked"]
    assert len(revoked) == len([e for e in scenario.expected if e.action == "key.revoked"]) == 4
    assert ids_of(action="credential.rotated", tenant_id=scenario.a) == [
        e["id"] for e in everything if e["action"] == "credential.rotated"
    ]
    assert ids_of(action="tenant.erased") == []

    at_or_after = [e["id"] for e in everything if _moment(e) >= pivot]
    before = [e["id"] for e in everything if _moment(e) < pivot]
    window = [e["id"] for e in everything if pivot <= _moment(e) < later]
    assert at_or_after and before and window
    utc = pivot.isoformat().replace("+00:00", "Z")
    assert ids_of(since=utc) == at_or_after
    assert ids_of(until=utc) == before
    assert ids_of(since=utc, until=later.isoformat()) == window
    assert ids_of(since=pivot.isoformat()) == at_or_after
    assert ids_of(since=utc, action="key.revoked") == [i for i in at_or_after if i in set(revoked)]
    assert ids_of(until=(pivot - timedelta(hours=1)).isoformat()) == []
    assert ids_of(since=(pivot + timedelta(hours=1)).isoformat()) == []
    assert sorted(ids_of(since=(pivot - timedelta(hours=1)).isoformat())) == sorted(ids)


@pytest.mark.parametrize("offset_hours", [5.5, -8])
def test_since_and_until_honour_the_offset_they_are_given_in(
    scenario: Scenario, offset_hours: float
) -> None:
    everything, _ = read_all(scenario.operator, limit=1000)
    ordered = sorted(everything, key=_moment)
    pivot = _moment(ordered[len(ordered) // 2])
    elsewhere = pivot.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()
    assert datetime.fromisoformat(elsewhere) == pivot

    since = [e["id"] for e in read_all(scenario.operator, since=elsewhere)[0]]
    until = [e["id"] for e in read_all(scenario.operator, until=elsewhere)[0]]

    assert since == [e["id"] for e in everything if _moment(e) >= pivot], elsewhere
    assert until == [e["id"] for e in everything if _moment(e) < pivot], elsewhere


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "field_name"),
    [
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"cursor": _cursor("audit:twelve")}, "query.cursor"),
        ({"cursor": _cursor("numbers:12")}, "query.cursor"),
        ({"cursor": "$$$"}, "cursor"),
        ({"since": "2026-11-30T08:00:00"}, "since"),
        ({"until": "2026-11-30T08:00:00.123456"}, "until"),
        ({"since": "2026-11-30 08:00"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"since": "2026-13-45T08:00:00Z"}, "query.since"),
    ],
)
def test_a_bad_cursor_or_a_time_without_offset_is_a_422_problem(
    gateway: GatewayStack, params: dict[str, str], field_name: str
) -> None:
    response = gateway.admin().get(AUDIT, params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422 and body["type"] == "/problems/validation-failed"
    assert body["request_id"] == response.headers["x-request-id"]
    assert any(field_name in error["field"] for error in body.get("errors", [])), body
    assert "Traceback" not in response.text


def test_no_route_changes_or_deletes_an_entry(scenario: Scenario) -> None:
    before, _ = read_all(scenario.operator, limit=1000)
    some_id = before[0]["id"]

    answers = [
        scenario.operator.put(AUDIT, json={"data": []}),
        scenario.operator.patch(AUDIT, json={"outcome": "ok"}),
        scenario.operator.delete(AUDIT),
        scenario.operator.post(AUDIT, json={"action": "tenant.created"}),
        scenario.a_admin.delete(AUDIT),
        scenario.a_admin.put(AUDIT, json={}),
    ]
    by_id = [
        scenario.operator.delete(f"{AUDIT}/{some_id}"),
        scenario.operator.patch(f"{AUDIT}/{some_id}", json={"outcome": "ok"}),
        scenario.operator.put(f"{AUDIT}/{some_id}", json={}),
    ]

    for response in answers:
        assert response.status_code == 405, (response.request.method, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/method-not-allowed"
        assert "GET" in response.headers["allow"]
    for response in by_id:
        assert response.status_code in (404, 405), response.text
    after, _ = read_all(scenario.operator, limit=1000)
    assert after == before
