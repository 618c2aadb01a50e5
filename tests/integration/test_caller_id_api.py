"""Truecaller for Business and the profile flow through the unified API, over real HTTP.

The gateway runs in front of the Truecaller simulator (business API and profile host in one
server); every assertion about what reached the vendor reads the simulator's own counters.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from gateway.auth.keys import generate_api_key
from gateway.settings import PolicySettings, Settings, StoreSettings, VendorHttpSettings
from policies.vault import Keyring, generate_key_spec
from simulators.server import RunningServer, start_in_thread
from simulators.truecaller.app import SimulatorConfig, create_simulator_app
from tests.integration.conftest import GatewayStack, TenantHandle

FAST = SimulatorConfig(
    number_processing_seconds=0.6,
    batch_processing_seconds=0.6,
    callback_retry_delays_seconds=(0.05, 0.05, 0.05),
)
T = TypeVar("T")


def poll(fetch: Callable[[], T], until: Callable[[T], bool], timeout: float = 6.0) -> T:
    """Call ``fetch`` until ``until`` accepts its value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        assert time.monotonic() < deadline, f"condition not met in time; last: {value!r}"
        time.sleep(0.05)


@pytest.fixture
def truecaller_sim() -> Iterator[RunningServer]:
    server = start_in_thread(create_simulator_app(FAST))
    yield server
    server.stop()


@pytest.fixture
def tc_control(truecaller_sim: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=truecaller_sim.url + "/_sim", timeout=5) as client:
        yield client


@pytest.fixture
def gateway_settings(
    trustcaller_sim: RunningServer, truecaller_sim: RunningServer, tmp_path: Path
) -> Settings:
    """Both Truecaller vendors on the simulator, whose origin is the one allowed endpoint."""
    http = {"connect_timeout": 1.0, "read_timeout": 5.0}
    return Settings(
        stores=StoreSettings(
            data_dir=tmp_path / "data",
            admin_key=generate_api_key(),
            vault_keys=Keyring.from_spec(generate_key_spec()),
        ),
        policies=PolicySettings(shaping_max_wait=1.0),
        verification_endpoints=(truecaller_sim.url,),
        vendors={
            "trustcaller": VendorHttpSettings(base_url=trustcaller_sim.url + "/api/v1", **http),
            "truecaller": VendorHttpSettings(base_url=truecaller_sim.url, **http),
            "truecaller_profile": VendorHttpSettings(base_url=truecaller_sim.url, **http),
        },
    )


@dataclass
class CallerIdTenant:
    """A tenant with Truecaller credentials, and the simulator account behind them."""

    handle: TenantHandle
    account: dict[str, Any] = field(repr=False)

    @property
    def client(self) -> httpx.Client:
        return self.handle.client

    @property
    def account_id(self) -> str:
        return self.account["client_account_id"]

    @property
    def feature_set(self) -> str:
        return "truecaller:" + self.account["feature_sets"][0]["id"]

    @property
    def dynamic_label(self) -> str:
        label = next(x for x in self.account["labels"] if x["label_type"] == "dynamic")
        return "truecaller:" + label["id"]


@pytest.fixture
def make_caller_id_tenant(
    make_tenant: Callable[..., TenantHandle], gateway: GatewayStack, tc_control: httpx.Client
) -> Callable[..., CallerIdTenant]:
    def make(name: str = "acme") -> CallerIdTenant:
        handle = make_tenant(name)
        account = tc_control.post("/accounts", json={"name": name}).json()
        admin = gateway.admin()
        for vendor, secret in (
            (
                "truecaller",
                {
                    "client_account_id": account["client_account_id"],
                    "key_id": account["key_id"],
                    "api_key": account["api_key"],
                },
            ),
            ("truecaller_profile", {"partner_key": "pk-" + name, "partner_name": name}),
        ):
            # unverified: these tests count every token and request the vendor sees
            stored = admin.put(
                f"/v1/admin/tenants/{handle.id}/credentials/{vendor}",
                params={"verify": "false"},
                json={"secret": secret},
            )
            assert stored.status_code == 200, stored.text
        return CallerIdTenant(handle=handle, account=account)

    return make


@pytest.fixture
def tenant_tc(make_caller_id_tenant: Callable[..., CallerIdTenant]) -> CallerIdTenant:
    return make_caller_id_tenant()


def token_creations(control: httpx.Client, account_id: str) -> int:
    return control.get(f"/accounts/{account_id}").json()["token_creations"]


def vendor_requests(control: httpx.Client, endpoint: str) -> int:
    return control.get("/requests").json()["by_endpoint"].get(endpoint, 0)


def window(minutes: int = 30, start_in: int = 1) -> dict[str, str]:
    starts = datetime.now(UTC) + timedelta(minutes=start_in)
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=minutes)).isoformat(),
    }


# --- tokens ---------------------------------------------------------------------------------------


def test_concurrent_requests_after_token_expiry_make_one_token_call(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    first = tenant_tc.client.get("/v1/numbers", params={"vendor": "truecaller"})
    assert first.status_code == 200, first.text
    assert token_creations(tc_control, tenant_tc.account_id) == 1
    tc_control.post(f"/accounts/{tenant_tc.account_id}/tokens/expire")

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(
                lambda _: tenant_tc.client.get("/v1/numbers", params={"vendor": "truecaller"}),
                range(24),
            )
        )

    assert [a.status_code for a in answers] == [200] * 24
    assert token_creations(tc_control, tenant_tc.account_id) == 2


def test_the_token_creation_limit_is_never_exceeded(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    statuses = []
    for _ in range(13):
        tc_control.post(f"/accounts/{tenant_tc.account_id}/tokens/expire")
        answer = tenant_tc.client.get("/v1/numbers", params={"vendor": "truecaller"})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) > 0
            assert answer.json()["vendor"] == "truecaller"

    token_path = "POST /clients/{clientAccountId}/token"
    assert token_creations(tc_control, tenant_tc.account_id) == 10
    assert vendor_requests(tc_control, token_path) == 10, "the vendor never had to say 429"
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429] * 3


def test_a_wrong_key_pair_is_a_credential_problem_not_a_loop(
    gateway: GatewayStack, make_tenant: Callable[..., TenantHandle], tc_control: httpx.Client
) -> None:
    handle = make_tenant("wrongkey")
    account = tc_control.post("/accounts", json={"name": "wrongkey"}).json()
    gateway.admin().put(
        f"/v1/admin/tenants/{handle.id}/credentials/truecaller",
        params={"verify": "false"},
        json={
            "secret": {
                "client_account_id": account["client_account_id"],
                "key_id": account["key_id"],
                "api_key": "00000000-0000-0000-0000-000000000000",
            }
        },
    )

    answer = handle.client.get("/v1/caller-id/labels")

    assert answer.status_code == 502
    assert answer.json()["type"] == "/problems/vendor-credential-rejected"
    assert account["api_key"] not in answer.text
    assert vendor_requests(tc_control, "POST /clients/{clientAccountId}/token") == 1


def test_another_tenant_naming_this_account_spends_nothing_of_its_token_budget(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    tenant_tc: CallerIdTenant,
    tc_control: httpx.Client,
) -> None:
    intruder = make_tenant("intruder")
    stored = gateway.admin().put(
        f"/v1/admin/tenants/{intruder.id}/credentials/truecaller",
        params={"verify": "false"},
        json={
            "secret": {
                "client_account_id": tenant_tc.account_id,
                "key_id": tenant_tc.account["key_id"],
                "api_key": "00000000-0000-0000-0000-000000000000",
            }
        },
    )
    assert stored.status_code == 200, stored.text

    refused = [intruder.client.get("/v1/caller-id/labels").status_code for _ in range(12)]
    owner = tenant_tc.client.get("/v1/caller-id/labels")

    assert refused == [502] * 12, "each refusal is the vendor's, never a budget we spent"
    assert owner.status_code == 200, owner.text
    assert token_creations(tc_control, tenant_tc.account_id) == 1


# --- numbers --------------------------------------------------------------------------------------


def register(tenant: CallerIdTenant, numbers: list[str]) -> httpx.Response:
    return tenant.client.post(
        "/v1/numbers",
        json={"vendor": "truecaller", "feature_set_id": tenant.feature_set, "numbers": numbers},
    )


def settled(tenant: CallerIdTenant, operation_id: str) -> dict[str, Any]:
    return poll(
        lambda: tenant.client.get(f"/v1/operations/{operation_id}").json(),
        lambda op: op["status"] != "pending",
    )


def test_list_then_delist_then_relist_while_the_delisting_is_pending(
    tenant_tc: CallerIdTenant,
) -> None:
    listing = register(tenant_tc, ["+919812345601", "919812345602"])
    assert listing.status_code == 202, listing.text
    operation = listing.json()
    assert operation["status"] == "pending"
    assert [(i["number"], i["outcome"], i["progress"]) for i in operation["items"]] == [
        ("+919812345601", "queued", "pending"),
        ("+919812345602", "queued", "pending"),
    ]
    assert settled(tenant_tc, operation["id"])["status"] == "succeeded"
    listed = tenant_tc.client.get("/v1/numbers/truecaller:919812345601").json()
    assert (listed["number"], listed["status"]) == ("+919812345601", "active")

    delisting = tenant_tc.client.delete("/v1/numbers/truecaller:919812345601")
    assert delisting.status_code == 202, delisting.text
    assert all(item["vendor_data"] is None for item in delisting.json()["items"]), (
        "an answer to a write carries no vendor object unasked"
    )
    relist = register(tenant_tc, ["+919812345601"])

    assert relist.status_code == 202
    ignored = relist.json()
    assert ignored["status"] == "failed"
    assert ignored["items"][0]["outcome"] == "operation_in_progress"
    assert ignored["items"][0]["progress"] == "failed"
    assert "send it again" in ignored["items"][0]["detail"].lower()
    assert settled(tenant_tc, delisting.json()["id"])["status"] == "succeeded"
    gone = tenant_tc.client.get("/v1/numbers/truecaller:919812345601")
    assert gone.status_code == 404
    again = register(tenant_tc, ["+919812345601"]).json()
    assert settled(tenant_tc, again["id"])["status"] == "succeeded"


def test_registration_reports_the_vendors_classification_per_number(
    tenant_tc: CallerIdTenant,
) -> None:
    first = register(tenant_tc, ["+919812345611"]).json()
    settled(tenant_tc, first["id"])

    second = register(tenant_tc, ["+919812345611", "+919812345612"]).json()

    outcomes = {i["number"]: (i["outcome"], i["progress"]) for i in second["items"]}
    assert outcomes == {
        "+919812345611": ("already_done", "done"),
        "+919812345612": ("queued", "pending"),
    }


def test_registration_input_is_checked_before_the_vendor_is_asked(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    missing = tenant_tc.client.post(
        "/v1/numbers", json={"vendor": "truecaller", "numbers": ["+919812345601"]}
    )
    foreign = tenant_tc.client.post(
        "/v1/numbers",
        json={
            "vendor": "truecaller",
            "feature_set_id": "topcalls:x",
            "numbers": ["+919812345601"],
        },
    )

    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["body.feature_set_id"]
    assert foreign.status_code == 422
    assert vendor_requests(tc_control, "POST /clients/{clientAccountId}/token") == 0


def test_verified_numbers_are_listed_normalized(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    feature_set = tenant_tc.account["feature_sets"][0]
    tc_control.post(
        f"/accounts/{tenant_tc.account_id}/numbers",
        json={"feature_set_id": feature_set["id"], "phone_numbers": ["919812345621"]},
    )

    page = tenant_tc.client.get("/v1/numbers", params={"vendor": "truecaller"}).json()

    (number,) = page["data"]
    assert number["id"] == "truecaller:919812345621"
    assert number["number"] == "+919812345621"
    assert number["status"] == "active"
    assert number["feature_set"] == feature_set["name"]
    assert number["created_at"].endswith("Z") or "+00:00" in number["created_at"]


# --- caller ID ------------------------------------------------------------------------------------


def test_labels_and_feature_sets_are_served_and_cached(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    labels = tenant_tc.client.get("/v1/caller-id/labels")
    again = tenant_tc.client.get("/v1/caller-id/labels")
    feature_sets = tenant_tc.client.get("/v1/caller-id/feature-sets")

    assert labels.status_code == 200
    assert tenant_tc.dynamic_label in [x["id"] for x in labels.json()["data"]]
    assert (labels.headers["X-Cache"], again.headers["X-Cache"]) == ("MISS", "HIT")
    assert vendor_requests(tc_control, "GET /clients/{clientAccountId}/labels") == 1
    assert tenant_tc.feature_set in [x["id"] for x in feature_sets.json()["data"]]


def personalization(tenant: CallerIdTenant, **overrides: Any) -> dict[str, Any]:
    return {
        "caller_number": "+919800000001",
        "receiver_number": "919800000002",
        "label_id": tenant.dynamic_label,
        "label_name": "Acme Deliveries",
        "call_reason": "Your parcel is on its way",
        **window(),
        **overrides,
    }


def test_a_real_time_personalization_is_delivered(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    answer = tenant_tc.client.post(
        "/v1/caller-id/personalizations", json=personalization(tenant_tc)
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["caller_number"], body["receiver_number"]) == ("+919800000001", "+919800000002")
    records = tc_control.get(f"/accounts/{tenant_tc.account_id}/call-records").json()["data"]
    assert len(records) == 1


def test_a_label_made_after_the_labels_were_cached_is_accepted(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    assert tenant_tc.client.get("/v1/caller-id/labels").status_code == 200
    made = tc_control.post(
        f"/accounts/{tenant_tc.account_id}/labels",
        json={"name": "Brand new label", "label_type": "dynamic"},
    )
    assert made.status_code == 201, made.text

    answer = tenant_tc.client.post(
        "/v1/caller-id/personalizations",
        json=personalization(tenant_tc, label_id="truecaller:" + made.json()["id"]),
    )

    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("failure", "status", "field"),
    [("Not a Truecaller user", 422, "body.receiver_number"), ("Failed to push", 502, None)],
)
def test_an_error_inside_a_200_is_a_problem(
    tenant_tc: CallerIdTenant,
    tc_control: httpx.Client,
    failure: str,
    status: int,
    field: str | None,
) -> None:
    tc_control.put("/receivers/919800000002", json={"failure": failure})

    answer = tenant_tc.client.post(
        "/v1/caller-id/personalizations", json=personalization(tenant_tc)
    )

    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert failure in problem["detail"]
    assert problem["vendor"] == "truecaller"
    if field:
        assert [e["field"] for e in problem["errors"]] == [field]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (window(minutes=10, start_in=-60), "body.ends_at"),
        (window(minutes=25 * 60), "body.ends_at"),
        ({"label_id": "truecaller:00000000-0000-0000-0000-000000000000"}, "body.label_id"),
        ({"call_reason": "Parcel <script> now"}, "body.call_reason"),
        ({"receiver_number": "+0012"}, "body.receiver_number"),
    ],
    ids=["past-window", "longer-than-24h", "foreign-label", "special-characters", "bad-number"],
)
def test_personalizations_are_checked_before_anything_is_sent(
    tenant_tc: CallerIdTenant,
    tc_control: httpx.Client,
    overrides: dict[str, Any],
    field: str,
) -> None:
    answer = tenant_tc.client.post(
        "/v1/caller-id/personalizations", json=personalization(tenant_tc, **overrides)
    )

    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert (
        vendor_requests(tc_control, "POST /v2/clients/{clientAccountId}/dynamic_call_record") == 0
    )


def test_a_1200_record_batch_is_split_and_merged_in_order(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    failing = {7: "+919700000007", 650: "+919700000650", 1199: "+919700001199"}
    for number in failing.values():
        tc_control.put(f"/receivers/{number}", json={"failure": "OS not supported"})
    records = [
        personalization(tenant_tc, receiver_number=f"+9197{i:08d}", call_reason="Parcel update")
        for i in range(1200)
    ]
    for record in records:
        record.pop("label_name")

    created = tenant_tc.client.post(
        "/v1/caller-id/personalization-batches", json={"records": records}
    )

    assert created.status_code == 202, created.text
    batch = created.json()
    assert (batch["total"], batch["vendor_batches"], batch["status"]) == (1200, 3, "pending")
    done = poll(
        lambda: tenant_tc.client.get(f"/v1/caller-id/personalization-batches/{batch['id']}").json(),
        lambda b: b["status"] != "pending",
    )
    assert done["status"] == "partially_failed"
    assert done["counts"] == {"pending": 0, "succeeded": 1197, "failed": 3}
    assert [r["index"] for r in done["records"]] == list(range(1200))
    failed = {r["index"]: r["message"] for r in done["records"] if r["status"] == "failed"}
    assert set(failed) == set(failing)
    assert all("OS not supported" in message for message in failed.values())
    created_batches = "POST /v2/clients/{clientAccountId}/dynamic_call_records"
    assert vendor_requests(tc_control, created_batches) == 3


def test_the_deprecated_logs_are_served_as_links(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client
) -> None:
    event = {"business_number": "919812345641", "feature_set": "Deliveries"}
    assert tc_control.post(f"/accounts/{tenant_tc.account_id}/cmb", json=event).status_code == 201
    now = datetime.now(UTC)
    span = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }

    callbacks = tenant_tc.client.get("/v1/caller-id/callback-requests", params=span)
    feedback = tenant_tc.client.get(
        "/v1/caller-id/feedback",
        params={"survey_id": tenant_tc.account["survey_id"], "start": span["start"]},
    )

    assert callbacks.status_code == 200, callbacks.text
    assert callbacks.json()["url"].startswith("http")
    assert feedback.status_code == 200, feedback.text
    assert feedback.json()["url"] is None and feedback.json()["message"]


# --- verifications ------------------------------------------------------------------------------


def start_verification(tenant: CallerIdTenant) -> dict[str, Any]:
    started = tenant.client.post("/v1/verifications", json={"language": "en"})
    assert started.status_code == 201, started.text
    return started.json()


def play_user(
    control: httpx.Client, gateway: GatewayStack, request_id: str, outcome: str, **extra: Any
) -> dict[str, Any]:
    answer = control.post(
        "/verifications",
        json={
            "callback_url": f"{gateway.url}/v1/verifications/truecaller_profile/callback",
            "request_id": request_id,
            "outcome": outcome,
            **extra,
        },
    )
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_an_approved_verification_returns_the_normalized_profile(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client, gateway: GatewayStack
) -> None:
    user = tc_control.post(
        "/profiles",
        json={
            "first_name": "Rajat",
            "last_name": "Kapoor",
            "phone_numbers": ["919999999999"],
            "email": "rajat@example.com",
            "city": "Pune",
            "country": "in",
            "badges": ["verified"],
            "company": "ABC",
            "job_title": "CEO",
        },
    ).json()
    started = start_verification(tenant_tc)
    assert started["status"] == "pending"
    assert started["deep_link"].startswith("truecallersdk://truesdk/web_verify?")
    assert started["deep_link_parameters"]["requestNonce"] == started["request_id"]

    play_user(tc_control, gateway, started["request_id"], "approve", user_id=user["user_id"])

    verified = poll(
        lambda: tenant_tc.client.get(f"/v1/verifications/{started['request_id']}").json(),
        lambda v: v["status"] != "pending",
    )
    assert verified["status"] == "verified"
    assert verified["profile"] == {
        "first_name": "Rajat",
        "last_name": "Kapoor",
        "numbers": ["+919999999999"],
        "email": "rajat@example.com",
        "city": "Pune",
        "country": "IN",
        "badges": ["verified"],
        "company": "ABC",
        "job_title": "CEO",
        "avatar_url": verified["profile"].get("avatar_url"),
        "gender": verified["profile"].get("gender"),
        "vendor_user_id": user["user_id"],
        "vendor_data": None,
    }


def test_a_rejected_verification_is_reported(
    tenant_tc: CallerIdTenant, tc_control: httpx.Client, gateway: GatewayStack
) -> None:
    started = start_verification(tenant_tc)

    play_user(tc_control, gateway, started["request_id"], "reject")

    rejected = poll(
        lambda: tenant_tc.client.get(f"/v1/verifications/{started['request_id']}").json(),
        lambda v: v["status"] != "pending",
    )
    assert rejected["status"] == "rejected"
    assert rejected["profile"] is None
    profile_fetches = vendor_requests(tc_control, "GET /profile/v1/default")
    assert profile_fetches == 0


class Canary:
    """A server that records whether anything reached it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        with self.lock:
            self.hits.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


@pytest.mark.parametrize(
    "endpoint",
    [
        "{canary}/v1/default",
        "http://169.254.169.254/latest/meta-data",
        "{sim}@{canary_host}/v1/default",
        "https://evil.example/v1/default",
        "file:///etc/passwd",
    ],
    ids=["other-port", "metadata-ip", "userinfo-trick", "other-host", "file-scheme"],
)
def test_an_endpoint_off_the_allow_list_is_refused_and_nothing_is_fetched(
    tenant_tc: CallerIdTenant,
    gateway: GatewayStack,
    truecaller_sim: RunningServer,
    endpoint: str,
) -> None:
    canary = Canary()
    server = start_in_thread(canary)
    try:
        target = endpoint.format(
            canary=server.url, sim=truecaller_sim.url, canary_host=server.url.split("//")[1]
        )
        started = start_verification(tenant_tc)
        answer = httpx.post(
            f"{gateway.url}/v1/verifications/truecaller_profile/callback",
            json={
                "requestId": started["request_id"],
                "accessToken": "forged-token",
                "endpoint": target,
            },
        )

        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["body.endpoint"]
        assert canary.hits == []
        status = tenant_tc.client.get(f"/v1/verifications/{started['request_id']}").json()
        assert status["status"] == "failed"
    finally:
        server.stop()


PROFILE_PATH = "/profile/v1/default"


@pytest.mark.parametrize(
    ("field", "endpoint_suffix", "token"),
    [
        ("body.endpoint", PROFILE_PATH + "\t", "token-1"),
        ("body.endpoint", PROFILE_PATH + "\x7f", "token-1"),
        ("body.endpoint", PROFILE_PATH + "\n", "token-1"),
        ("body.endpoint", PROFILE_PATH + "?" + "a" * 70_000, "token-1"),
        ("body.accessToken", PROFILE_PATH, "t\u00f6ken-\u20ac"),
        ("body.accessToken", PROFILE_PATH, "token\r\nX-Injected: 1"),
        ("body.accessToken", PROFILE_PATH, "two words"),
    ],
    ids=["tab", "del", "newline", "70000-chars", "not-latin-1", "crlf", "space"],
)
def test_a_callback_the_fetch_could_not_send_is_a_422_and_nothing_is_fetched(
    tenant_tc: CallerIdTenant,
    gateway: GatewayStack,
    truecaller_sim: RunningServer,
    tc_control: httpx.Client,
    field: str,
    endpoint_suffix: str,
    token: str,
) -> None:
    started = start_verification(tenant_tc)

    answer = httpx.post(
        f"{gateway.url}/v1/verifications/truecaller_profile/callback",
        json={
            "requestId": started["request_id"],
            "accessToken": token,
            "endpoint": truecaller_sim.url + endpoint_suffix,
        },
    )

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert token not in answer.text
    assert vendor_requests(tc_control, "GET " + PROFILE_PATH) == 0
    status = tenant_tc.client.get(f"/v1/verifications/{started['request_id']}").json()
    assert status["status"] == "failed"


def test_a_callback_for_an_unknown_request_is_404(gateway: GatewayStack) -> None:
    answer = httpx.post(
        f"{gateway.url}/v1/verifications/truecaller_profile/callback",
        json={"requestId": "never-issued-123", "status": "user_rejected"},
    )

    assert answer.status_code == 404


def test_another_tenant_cannot_see_operations_batches_or_verifications(
    make_caller_id_tenant: Callable[..., CallerIdTenant],
) -> None:
    owner = make_caller_id_tenant("owner")
    other = make_caller_id_tenant("other")
    operation = register(owner, ["+919812345631"]).json()
    verification = start_verification(owner)
    batch = owner.client.post(
        "/v1/caller-id/personalization-batches",
        json={"records": [personalization(owner)]},
    ).json()

    for path in (
        f"/v1/operations/{operation['id']}",
        f"/v1/verifications/{verification['request_id']}",
        f"/v1/caller-id/personalization-batches/{batch['id']}",
    ):
        assert other.client.get(path).status_code == 404, path
        assert owner.client.get(path).status_code == 200, path
