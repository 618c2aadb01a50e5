"""The console in a real headless Chromium (the system's, driven by Playwright) against a real
gateway on PostgreSQL and Redis in front of the vendor simulators.

The tests walk one operator's session in order, as a person would: sign in, create a tenant,
mint a key and read it once, store a credential and see it verified, place a live call from the
sandbox panel, watch vendor health turn when the simulator fails, revoke the key, look at a
call's events (filter, redeliver, replay), sign out. Each saves a screenshot under
``test-artifacts/console/`` (``make screenshots`` copies them into ``docs/console/``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from simulators.server import start_in_thread
from tests.console.conftest import ARTIFACTS, ConsoleStack, console_stack
from tests.integration.conftest import FRESH_VENDOR, TenantHandle, new_tenant
from tests.integration.webhook_receiver import WebhookReceiver, poll
from tests.postgres_server import PostgresServer
from tests.redis_server import RedisServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDE = {"width": 1280, "height": 860}
NARROW = {"width": 390, "height": 844}
CALLS_VENDOR = "topcalls"
"""The vendor whose AI calls report events through signed webhooks (as in the events tests)."""
CALLS_SIGNING_SECRET = "topcalls-webhook-secret-for-console"
WAIT_MS = 20_000
"""How long an expectation may wait for the page to show what it must (not a timing assert)."""


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    redis_server: RedisServer,
) -> Iterator[ConsoleStack]:
    """One sandbox-mode gateway for the module."""
    with console_stack(
        tmp_path_factory.mktemp("console-browser"), postgres_server, redis_server, sandbox=True
    ) as running:
        yield running


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    """A consumer's webhook receiver for the module."""
    app = WebhookReceiver()
    server = start_in_thread(app)
    yield app, server.url
    server.stop()


@pytest.fixture(scope="module")
def browser(stack: ConsoleStack) -> Iterator[Browser]:
    """One headless Chromium for the module (the system's; nothing is downloaded), started
    after the gateway (Playwright's sync API keeps an event loop running from then on)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser: Browser, stack: ConsoleStack) -> Iterator[Page]:
    """One browser tab for the whole walk, at desktop width."""
    context = browser.new_context(base_url=stack.url, viewport=WIDE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    yield tab
    context.close()


class Walk:
    """What the earlier steps made, for the later ones."""

    tenant_id: str = ""
    key: str = ""
    key_id: str = ""
    numbers: tuple[str, ...] = ()
    calling_tenant: TenantHandle | None = None


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/console/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_sign_in_with_the_operator_key_using_the_keyboard(page: Page, stack: ConsoleStack) -> None:
    page.goto("/console/")
    expect(page).to_have_url(f"{stack.url}/console/sign-in")
    expect(page.get_by_label("Gateway key")).to_be_focused()
    page.keyboard.type(stack.gateway.admin_key)
    shot(page, "01-sign-in")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{stack.url}/console/tenants")
    expect(page.get_by_role("heading", name="Tenants")).to_be_visible()
    expect(page.locator("header .who")).to_have_text("operator")
    assert stack.gateway.admin_key not in page.content()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["gateway_console"]["httpOnly"] is True
    assert cookies["gateway_console"]["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""


def test_create_a_tenant(page: Page) -> None:
    page.get_by_label("Name").fill("Acme Telecom")
    page.get_by_role("button", name="Create tenant").click()

    expect(page.get_by_role("status")).to_contain_text("Tenant Acme Telecom created")
    link = page.get_by_role("link", name="Acme Telecom")
    expect(link).to_be_visible()
    Walk.tenant_id = (link.get_attribute("href") or "").split("/")[3]
    assert Walk.tenant_id.startswith("ten_")
    shot(page, "02-tenants")


def test_mint_a_key_and_read_it_once(page: Page, stack: ConsoleStack) -> None:
    page.get_by_role("link", name="Acme Telecom").click()
    expect(page.get_by_role("heading", name="Gateway keys")).to_be_visible()
    page.get_by_label("Name").fill("billing service")
    page.get_by_role("button", name="Mint key").click()

    shown = page.locator("#new-key")
    expect(shown).to_have_value(re.compile(r"^gw_"))
    expect(shown).to_be_focused()
    Walk.key = shown.input_value()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == Walk.key
    shot(page, "03-key-shown-once")
    row = page.locator("tr", has_text="billing service")
    Walk.key_id = (row.get_attribute("id") or "").removeprefix("key-")

    page.reload()
    expect(page.locator("tr", has_text="billing service")).to_be_visible()
    expect(page.locator("#new-key")).to_have_count(0)
    expect(page.locator(f"#key-{Walk.key_id} .last-used")).to_have_text("never")
    assert Walk.key not in page.content()
    with httpx.Client(base_url=stack.url, timeout=10) as api:
        answer = api.get("/v1/vendors", headers={"Authorization": f"Bearer {Walk.key}"})
    assert answer.status_code == 200, answer.text


def test_store_a_credential_and_see_it_verified(page: Page, stack: ConsoleStack) -> None:
    account = stack.simulators.new_accounts("acme", FRESH_VENDOR, FRESH_VENDOR)
    ((secret,),) = [list(a.secrets[FRESH_VENDOR].values()) for a in account.values()]
    (details,) = [a.details for a in account.values()]
    Walk.numbers = tuple("+" + n for n in details["numbers"])
    page.get_by_role("link", name="Credentials").click()
    card = page.locator(f"#vendor-{FRESH_VENDOR}")
    card.locator("input[type=password]").fill(secret)
    card.get_by_role("button", name="Store").click()

    card = page.locator(f"#vendor-{FRESH_VENDOR}")
    expect(card.locator(".verdict")).to_contain_text("verified")
    expect(card.locator("dl.facts")).to_contain_text("Fingerprint")
    expect(card.locator("input[type=password]")).to_have_value("")
    assert secret not in page.content()
    card.get_by_role("button", name="Verify").click()
    expect(page.locator(f"#vendor-{FRESH_VENDOR} .verdict")).to_contain_text("accepted")
    shot(page, "04-credential-verified")


def test_rotate_the_credential(page: Page) -> None:
    card = page.locator(f"#vendor-{FRESH_VENDOR}")
    before = card.locator("dl.facts dd").first.inner_text()
    card.get_by_role("button", name="Rotate").click()

    expect(page.get_by_role("status")).to_contain_text("credential rotated: new fingerprint")
    card = page.locator(f"#vendor-{FRESH_VENDOR}")
    expect(card.locator("dl.facts dd").first).not_to_have_text(before)
    expect(card.locator("dl.facts")).not_to_contain_text("never")


def test_a_live_call_placed_from_the_sandbox_panel_reaches_the_gateway(
    page: Page, stack: ConsoleStack
) -> None:
    number = Walk.numbers[0]
    before = live_call(stack, number)
    page.get_by_role("link", name="Sandbox").click()
    panel = page.locator(f"#sim-{FRESH_VENDOR}-live-call")
    panel.get_by_label("number").fill(number.removeprefix("+"))
    panel.get_by_role("button", name="Place a live call").click()

    expect(page.locator(".sim-status")).to_have_text("HTTP 201")
    assert (before["live_call"], live_call(stack, number)["live_call"]) == (False, True)
    shot(page, "05-sandbox-live-call")


def test_vendor_health_turns_when_the_simulator_is_made_to_fail(
    page: Page, stack: ConsoleStack
) -> None:
    page.goto(f"/console/tenants/{Walk.tenant_id}/vendors")
    card = page.locator(f"#health-{FRESH_VENDOR}")
    expect(card.locator(".breaker")).to_have_text("breaker closed")
    expect(card.locator(".verification")).to_have_text("verified")
    expect(card.locator(".last-error")).to_have_text("none")
    page.goto("/console/sandbox")
    page.get_by_role("button", name="Make TrustCaller fail").click()
    expect(page.locator(".sim-status")).to_have_text("HTTP 201")
    try:
        answers = [numbers_of(stack).status_code for _ in range(2)]
    finally:
        page.get_by_role("button", name="Let TrustCaller recover").click()
        expect(page.locator(".sim-status")).to_have_text("HTTP 204")

    assert all(status >= 500 for status in answers)
    page.goto(f"/console/tenants/{Walk.tenant_id}/vendors")
    card = page.locator(f"#health-{FRESH_VENDOR}")
    expect(card.locator(".breaker")).to_contain_text("breaker open")
    expect(card.locator(".last-error")).to_contain_text("numbers")
    shot(page, "06-vendor-health-failing")


def live_call(stack: ConsoleStack, number: str) -> dict[str, object]:
    """The gateway's live-call check of ``number``, with the walk's key."""
    answer = httpx.get(
        stack.url + "/v1/calls/live",
        params={"number": number},
        headers={"Authorization": f"Bearer {Walk.key}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    return result


def numbers_of(stack: ConsoleStack) -> httpx.Response:
    """The walk's tenant's numbers at the fresh vendor, through the gateway."""
    return httpx.get(
        stack.url + "/v1/numbers",
        params={"vendor": FRESH_VENDOR},
        headers={"Authorization": f"Bearer {Walk.key}"},
        timeout=10,
    )


def test_pages_fit_a_phone_screen(page: Page) -> None:
    page.set_viewport_size(NARROW)
    try:
        for section in ("keys", "credentials", "vendors", "events", "audit"):
            page.goto(f"/console/tenants/{Walk.tenant_id}/{section}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= NARROW["width"], f"{section} is {width} px wide"
        shot(page, "07-narrow-audit")
    finally:
        page.set_viewport_size(WIDE)


def test_revoke_the_key(page: Page, stack: ConsoleStack) -> None:
    page.goto(f"/console/tenants/{Walk.tenant_id}/keys")
    expect(page.locator(f"#key-{Walk.key_id} .last-used")).not_to_have_text("never")
    page.get_by_role("button", name="Revoke key billing service").click()

    expect(page.get_by_role("status")).to_contain_text(f"Key {Walk.key_id} revoked")
    expect(page.locator(f"#key-{Walk.key_id}")).to_contain_text("revoked")
    with httpx.Client(base_url=stack.url, timeout=10) as api:
        answer = api.get("/v1/vendors", headers={"Authorization": f"Bearer {Walk.key}"})
    assert answer.status_code == 401
    shot(page, "08-key-revoked")


def test_events_filtered_redelivered_and_replayed(
    page: Page, stack: ConsoleStack, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, receiver_url = receiver
    tenant, call_id = tenant_with_a_call(stack)
    Walk.calling_tenant = tenant
    subscription = tenant.client.post(
        "/v1/subscriptions", json={"url": receiver_url + "/hooks", "types": ["call.*"]}
    )
    assert subscription.status_code == 201, subscription.text
    page.goto(f"/console/tenants/{tenant.id}/events")
    page.get_by_label("Type or prefix").fill("call.completed")
    page.get_by_label("Subject").fill(call_id)
    page.get_by_role("button", name="Filter").click()

    rows = page.locator("#event-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td.event-type")).to_have_text("call.completed")
    event_id = rows.locator("summary code").inner_text()
    rows.get_by_role("button", name=f"Redeliver event {event_id}").click()
    expect(page.get_by_role("status")).to_contain_text("queued for 1 delivery")
    poll(lambda: app.at("/hooks"), lambda got: any(r.json["id"] == event_id for r in got))
    shot(page, "10-events")

    page.get_by_role("link", name="Attempts and replay").click()
    expect(page.locator("tbody tr", has_text=event_id).first).to_be_visible()
    page.get_by_label("Send again every matching event recorded since (UTC)").fill(
        "2000-01-01T00:00"
    )
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_contain_text("3 event(s) since 2000-01-01 00:00 UTC")


def test_a_verification_played_from_the_sandbox_panel_completes(page: Page) -> None:
    tenant = Walk.calling_tenant
    assert tenant is not None
    started = tenant.client.post("/v1/verifications", json={"language": "en"})
    assert started.status_code == 201, started.text
    request_id = started.json()["request_id"]
    page.goto("/console/sandbox")
    panel = page.locator("[id$='-play-verification']")
    panel.get_by_label("request_id").fill(request_id)
    panel.get_by_role("button", name="Play a verification").click()

    expect(page.locator(".sim-status")).to_have_text("HTTP 202")
    verified = poll(
        lambda: tenant.client.get(f"/v1/verifications/{request_id}").json(),
        lambda v: v["status"] != "pending",
    )
    assert verified["status"] == "verified"


def tenant_with_a_call(stack: ConsoleStack) -> tuple[TenantHandle, str]:
    """A tenant of every vendor whose AI call (placed through the gateway) has completed and
    reported its events."""
    tenant = new_tenant(stack.gateway, stack.simulators, name="Globex", all_vendors=True)
    admin = stack.gateway.admin()
    configured = admin.put(
        f"/v1/admin/tenants/{tenant.id}/webhook-endpoints/{CALLS_VENDOR}",
        json={"signing_secret": CALLS_SIGNING_SECRET},
    )
    assert configured.status_code == 200, configured.text
    account = (tenant.topcalls_account or {})["account_id"]
    control = stack.simulators.server_for(CALLS_VENDOR).url + f"/_sim/accounts/{account}"
    signing = httpx.put(control + "/webhook-secret", json={"webhook_secret": CALLS_SIGNING_SECRET})
    assert signing.status_code == 200, signing.text
    placed = tenant.client.post(
        "/v1/calls",
        json={"vendor": CALLS_VENDOR, "to_number": "+14155550123", "task": "Confirm the visit"},
    )
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["id"]
    poll(
        lambda: tenant.client.get("/v1/events", params={"subject": call_id}).json()["data"],
        lambda found: len(found) >= 3,
    )
    return tenant, call_id


def test_disable_enable_and_erase_a_tenant(page: Page, stack: ConsoleStack) -> None:
    tenant = new_tenant(stack.gateway, stack.simulators, name="Initech")
    page.goto("/console/tenants")

    page.get_by_role("button", name="Disable Initech").click()
    expect(page.get_by_role("status")).to_have_text("Tenant Initech disabled.")
    disabled = tenant.client.get("/v1/vendors").status_code
    page.get_by_role("button", name="Enable Initech").click()
    expect(page.get_by_role("status")).to_have_text("Tenant Initech enabled.")
    enabled = tenant.client.get("/v1/vendors").status_code
    page.get_by_role("button", name="Erase Initech").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box")
    row = page.locator("tr", has_text="Initech")
    row.get_by_label("erase for good").check()
    row.get_by_role("button", name="Erase Initech").click()

    expect(page.get_by_role("status")).to_have_text(f"Tenant {tenant.id} erased.")
    expect(page.locator("tr", has_text="Initech")).to_have_count(0)
    assert (disabled, enabled) == (401, 200)
    assert tenant.client.get("/v1/vendors").status_code == 401


def test_delete_the_credential(page: Page) -> None:
    page.goto(f"/console/tenants/{Walk.tenant_id}/credentials")
    card = page.locator(f"#vendor-{FRESH_VENDOR}")
    card.get_by_role("button", name="Delete").click()

    expect(page.get_by_role("status")).to_contain_text("credential deleted")
    expect(page.locator(f"#vendor-{FRESH_VENDOR}")).to_contain_text("No credential stored.")


def test_the_audit_log_filters_by_action(page: Page) -> None:
    page.goto("/console/audit")
    page.get_by_label("Action").select_option("tenant.erased")
    page.get_by_role("button", name="Filter").click()

    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("tenant.erased")
    expect(page).to_have_url(re.compile(r"action=tenant\.erased"))
    shot(page, "11-audit")


def test_sign_out(page: Page, stack: ConsoleStack) -> None:
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{stack.url}/console/sign-in?signed_out=1")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert "gateway_console" not in {c["name"] for c in page.context.cookies()}
    shot(page, "09-signed-out")
    page.goto(f"/console/tenants/{Walk.tenant_id}/keys")
    expect(page).to_have_url(f"{stack.url}/console/sign-in")
