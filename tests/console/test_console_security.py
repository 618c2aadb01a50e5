"""What the console must never do, over plain HTTP against a real gateway (PostgreSQL, Redis,
simulators), outside sandbox mode: leak a secret into a page or the audit log, take a
state-changing request without its CSRF token, set a weak cookie, show a tenant admin another
tenant, accept its session as an API credential, or let a client guess keys without limit."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from policies.sql import Database, database_url
from policies.sql.schema import console_sessions
from tests.console.conftest import (
    SESSION_COOKIE,
    ConsoleStack,
    console_stack,
    sign_in,
    signed_in,
)
from tests.integration.conftest import FRESH_VENDOR, TenantHandle, new_tenant
from tests.postgres_server import PostgresServer
from tests.redis_server import RedisServer

FAILED_SIGN_INS_ALLOWED = 3
TENANT_SECTIONS = ("keys", "credentials", "vendors", "vendors/live", "events", "audit")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    redis_server: RedisServer,
) -> Iterator[ConsoleStack]:
    """One gateway for the module, not in sandbox mode (cookies are ``Secure``)."""
    with console_stack(
        tmp_path_factory.mktemp("console-security"),
        postgres_server,
        redis_server,
        sandbox=False,
        sign_in_per_minute=FAILED_SIGN_INS_ALLOWED,
    ) as running:
        yield running


@dataclass
class TwoTenants:
    """Two tenants, each with a key that may administer it through the console."""

    mine: TenantHandle
    theirs: TenantHandle
    my_admin_key: str


@pytest.fixture(scope="module")
def tenants(stack: ConsoleStack) -> TwoTenants:
    mine = new_tenant(stack.gateway, stack.simulators, name="mine")
    theirs = new_tenant(stack.gateway, stack.simulators, name="theirs")
    minted = stack.gateway.admin().post(
        f"/v1/admin/tenants/{mine.id}/keys",
        json={"name": "console", "scopes": ["admin", "events:read", "events:write"]},
    )
    assert minted.status_code == 201, minted.text
    return TwoTenants(mine=mine, theirs=theirs, my_admin_key=minted.json()["key"])


def test_the_session_cookie_is_httponly_strict_secure_and_kept_to_the_console(
    stack: ConsoleStack,
) -> None:
    with httpx.Client(base_url=stack.url, timeout=10) as client:
        form = client.get("/console/sign-in")
    answer = sign_in(stack.url, stack.gateway.admin_key)

    assert answer.status_code == 303
    (session,) = [
        c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "=")
    ]
    attributes = {part.strip().split("=")[0].lower() for part in session.split(";")[1:]}
    assert {"httponly", "secure", "samesite", "path", "max-age"} <= attributes
    assert "samesite=strict" in session.lower()
    assert "path=/console" in session.lower()
    assert "Secure" in form.headers["set-cookie"] and "HttpOnly" in form.headers["set-cookie"]


def test_a_post_without_the_csrf_token_is_refused(stack: ConsoleStack) -> None:
    client, _token, csrf = signed_in(stack.url, stack.gateway.admin_key)
    with closing(client):
        missing = client.post("/console/tenants", data={"name": "forged"})
        wrong = client.post("/console/tenants", data={"name": "forged", "csrf_token": "x" * 43})
        by_header = client.post(
            "/console/tenants", data={"name": "by htmx"}, headers={"X-CSRF-Token": csrf}
        )
        sign_in = client.post("/console/sign-in", data={"key": stack.gateway.admin_key})

    assert (missing.status_code, wrong.status_code, sign_in.status_code) == (403, 403, 403)
    assert "CSRF" in missing.text
    assert by_header.status_code == 201
    names = [t["name"] for t in stack.gateway.admin().get("/v1/admin/tenants").json()["data"]]
    assert "by htmx" in names
    assert "forged" not in names


def test_a_session_is_never_an_api_credential(stack: ConsoleStack) -> None:
    client, token, _ = signed_in(stack.url, stack.gateway.admin_key)
    with closing(client), httpx.Client(base_url=stack.url, timeout=10) as api:
        as_bearer = api.get("/v1/admin/tenants", headers={"Authorization": f"Bearer {token}"})
        as_cookie = api.get("/v1/admin/tenants", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
        still_signed_in = client.get("/console/tenants")

    assert (as_bearer.status_code, as_cookie.status_code) == (401, 401)
    assert still_signed_in.status_code == 200


def test_the_session_is_stored_only_as_a_hash(stack: ConsoleStack) -> None:
    client, token, _ = signed_in(stack.url, stack.gateway.admin_key)
    client.close()

    async def rows() -> list[dict[str, object]]:
        stores = stack.settings.stores
        database = Database(database_url(stores.database_url, stores.data_dir))
        try:
            async with database.begin() as connection:
                result = await connection.execute(select(console_sessions))
                return [dict(row) for row in result.mappings()]
        finally:
            await database.close()

    stored = asyncio.run(rows())
    assert hashlib.sha256(token.encode()).hexdigest() in {r["token_hash"] for r in stored}
    assert not any(token in str(value) for row in stored for value in row.values())


def test_a_tenant_admin_reaches_only_its_own_tenant(
    stack: ConsoleStack, tenants: TwoTenants
) -> None:
    client, _token, csrf = signed_in(stack.url, tenants.my_admin_key)
    theirs = tenants.theirs
    their_key_id = (
        stack.gateway.admin().get(f"/v1/admin/tenants/{theirs.id}/keys").json()["data"][0]["id"]
    )
    with closing(client):
        landing = client.get("/console/tenants")
        own = [client.get(f"/console/tenants/{tenants.mine.id}/{s}") for s in TENANT_SECTIONS]
        other = [client.get(f"/console/tenants/{theirs.id}/{s}") for s in TENANT_SECTIONS]
        forged_posts = [
            client.post(f"/console/tenants/{theirs.id}/{action}", data={"csrf_token": csrf, **form})
            for action, form in (
                ("keys", {"name": "intruder", "scopes": "admin"}),
                (f"keys/{their_key_id}/revoke", {}),
                (f"credentials/{FRESH_VENDOR}/delete", {}),
                (f"credentials/{FRESH_VENDOR}/verify", {}),
                ("disable", {}),
                ("erase", {"confirm": "yes"}),
            )
        ]
        every_tenant = client.get("/console/audit")

    assert landing.status_code == 303
    assert landing.headers["location"] == f"/console/tenants/{tenants.mine.id}/keys"
    assert [r.status_code for r in own] == [200] * len(TENANT_SECTIONS)
    assert [r.status_code for r in other] == [404] * len(TENANT_SECTIONS)
    assert [r.status_code for r in forged_posts][:4] == [404] * 4
    assert all(r.status_code in (403, 404) for r in forged_posts)
    assert every_tenant.status_code == 403
    for answer in other + forged_posts + [every_tenant]:
        assert theirs.id not in answer.text.replace(f"/console/tenants/{theirs.id}", "")
        assert "theirs" not in answer.text
    assert theirs.client.get("/v1/numbers", params={"vendor": FRESH_VENDOR}).status_code == 200
    listed = stack.gateway.admin().get(f"/v1/admin/tenants/{theirs.id}/keys").json()["data"]
    assert [k["name"] for k in listed] == ["tests"]
    assert listed[0]["revoked_at"] is None


def test_no_secret_reaches_a_page_or_the_audit_log(
    stack: ConsoleStack, tenants: TwoTenants
) -> None:
    mine = tenants.mine
    accounts = stack.simulators.new_accounts("secrets", FRESH_VENDOR, FRESH_VENDOR)
    ((field, vendor_secret),) = [
        item for account in accounts.values() for item in account.secrets[FRESH_VENDOR].items()
    ]
    client, session_token, csrf = signed_in(stack.url, stack.gateway.admin_key)
    with closing(client):
        stored = client.post(
            f"/console/tenants/{mine.id}/credentials/{FRESH_VENDOR}",
            data={"csrf_token": csrf, f"secret.{field}": vendor_secret, "verify": "yes"},
        )
        minted = client.post(
            f"/console/tenants/{mine.id}/keys",
            data={"csrf_token": csrf, "name": "shown once", "scopes": "numbers:read"},
        )
        new_key = minted.text.split('id="new-key" type="text" readonly value="')[1].split('"')[0]
        pages = [
            client.get(path)
            for path in (
                "/console/tenants",
                "/console/audit",
                *(f"/console/tenants/{mine.id}/{s}" for s in TENANT_SECTIONS),
            )
        ]
    audit = stack.gateway.admin().get("/v1/admin/audit", params={"limit": 200})

    assert stored.status_code == 200 and "verified" in stored.text
    assert new_key.startswith("gw_")
    assert all(page.status_code == 200 for page in pages)
    secrets = {
        "vendor secret": vendor_secret,
        "minted key": new_key,
        "operator key": stack.gateway.admin_key,
        "tenant key": mine.key,
        "tenant admin key": tenants.my_admin_key,
        "session token": session_token,
    }
    for answer in [stored, *pages, audit]:
        leaked = [name for name, secret in secrets.items() if secret in answer.text]
        assert leaked == [], f"{answer.request.url.path} shows the {leaked}"
    assert new_key not in stored.text
    assert session_token not in minted.text


def test_a_revoked_key_ends_its_console_sessions(stack: ConsoleStack) -> None:
    tenant = new_tenant(stack.gateway, stack.simulators, name="short-lived")
    minted = stack.gateway.admin().post(
        f"/v1/admin/tenants/{tenant.id}/keys", json={"name": "console", "scopes": ["admin"]}
    )
    client, _token, _ = signed_in(stack.url, minted.json()["key"])
    with closing(client):
        before = client.get(f"/console/tenants/{tenant.id}/keys")
        stack.gateway.admin().delete(f"/v1/admin/tenants/{tenant.id}/keys/{minted.json()['id']}")
        after = client.get(f"/console/tenants/{tenant.id}/keys")

    assert before.status_code == 200
    assert (after.status_code, after.headers["location"]) == (303, "/console/sign-in")
    audit = stack.gateway.admin().get(
        "/v1/admin/audit", params={"tenant_id": tenant.id, "action": "console.signed_in"}
    )
    (entry,) = audit.json()["data"]
    assert (entry["actor_key_id"], entry["detail"]["client"]) == (minted.json()["id"], "127.0.0.1")


def test_sign_out_ends_the_session_even_for_a_replayed_cookie(stack: ConsoleStack) -> None:
    client, token, csrf = signed_in(stack.url, stack.gateway.admin_key)
    with closing(client):
        out = client.post("/console/sign-out", data={"csrf_token": csrf})
    with httpx.Client(base_url=stack.url, timeout=10) as replay:
        again = replay.get("/console/tenants", headers={"Cookie": f"{SESSION_COOKIE}={token}"})

    assert out.status_code == 303
    assert (
        'gateway_console="";' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )
    assert (again.status_code, again.headers["location"]) == (303, "/console/sign-in")
    audit = stack.gateway.admin().get("/v1/admin/audit", params={"action": "console.signed_out"})
    assert [e["actor_key_id"] for e in audit.json()["data"]] == ["operator"]


def test_failed_sign_ins_are_limited_per_client_address(stack: ConsoleStack) -> None:
    elsewhere = httpx.HTTPTransport(local_address="127.0.0.2")
    guesses = [
        sign_in(stack.url, f"gw_wrong{n:040d}", elsewhere)
        for n in range(FAILED_SIGN_INS_ALLOWED + 1)
    ]
    with_the_right_key = sign_in(stack.url, stack.gateway.admin_key, elsewhere)
    from_another_address = sign_in(stack.url, stack.gateway.admin_key)

    statuses = [g.status_code for g in guesses]
    assert statuses == [401] * FAILED_SIGN_INS_ALLOWED + [429]
    assert with_the_right_key.status_code == 429
    assert int(with_the_right_key.headers["retry-after"]) > 0
    assert "too many failed sign-ins" in with_the_right_key.text
    assert SESSION_COOKIE not in with_the_right_key.cookies
    assert from_another_address.status_code == 303


def test_a_refused_secret_is_a_page_that_does_not_echo_it(
    stack: ConsoleStack, tenants: TwoTenants
) -> None:
    client, _token, csrf = signed_in(stack.url, stack.gateway.admin_key)
    wrong = "not-a-token-" + "x" * 20
    with closing(client):
        malformed = client.post(
            f"/console/tenants/{tenants.mine.id}/credentials/{FRESH_VENDOR}",
            data={"csrf_token": csrf, "secret.token": "has spaces and \n a newline"},
        )
        refused = client.post(
            f"/console/tenants/{tenants.mine.id}/credentials/{FRESH_VENDOR}",
            data={"csrf_token": csrf, "secret.token": wrong, "verify": "yes"},
        )

    assert malformed.status_code == 422
    assert malformed.headers["content-type"].startswith("text/html")
    assert "has spaces" not in malformed.text
    assert refused.status_code == 422
    assert "refused" in refused.text
    assert wrong not in refused.text
    assert "Traceback" not in malformed.text + refused.text
