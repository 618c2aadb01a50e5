"""The same gateway on either vendor transport (aiohttp's pool, the default, and httpx's own):
answers, errors, traces and what the vendor sees stay the same."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable

import httpx
import pytest

from adapters.http import TRANSPORTS
from gateway.settings import Settings
from tests.integration.conftest import VENDOR_READ_TIMEOUT, TenantHandle


@pytest.fixture(params=TRANSPORTS)
def gateway_settings(gateway_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The usual gateway, with its vendor clients on each transport, making one attempt."""
    vendors = {
        name: dataclasses.replace(http, transport=request.param)
        for name, http in gateway_settings.vendors.items()
    }
    return gateway_settings.replace(vendors=vendors).with_policies(retry_max_attempts=1)


def test_reads_work_on_each_transport(tenant: TenantHandle, sim_control: httpx.Client) -> None:
    numbers = tenant.client.get("/v1/numbers")
    live = tenant.client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0]})

    assert numbers.status_code == live.status_code == 200
    assert len(numbers.json()["data"]) == 5
    assert sim_control.get("/requests").json()["last_traceparent"].startswith("00-")


@pytest.mark.parametrize("flags", ["01", "00"])
def test_a_callers_trace_reaches_the_vendor_without_an_exporter(
    tenant: TenantHandle, sim_control: httpx.Client, flags: str
) -> None:
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)

    tenant.client.get("/v1/numbers", headers={"traceparent": f"00-{trace_id}-{parent}-{flags}"})

    _, sent_trace, sent_parent, sent_flags = (
        sim_control.get("/requests").json()["last_traceparent"].split("-")
    )
    assert (sent_trace, sent_flags) == (trace_id, flags), "the caller's trace and its sampling"
    assert sent_parent != parent, "the gateway's own span is the vendor's parent"


@pytest.mark.parametrize(
    ("fault", "status", "slug"),
    [
        ({"latency_ms": int(VENDOR_READ_TIMEOUT * 1000) + 500, "count": 1}, 504, "vendor-timeout"),
        # a dropped connection is unreachable (502), and is not resent behind the pipeline's
        # back (aiohttp would resend it by itself; this gateway makes one attempt)
        ({"drop": True, "count": 1}, 502, "vendor-unreachable"),
        ({"status": 503, "count": 1}, 502, "vendor-error"),
    ],
)
def test_vendor_failures_are_the_same_problems_on_each_transport(
    tenant: TenantHandle,
    inject: Callable[..., None],
    sim_control: httpx.Client,
    fault: dict[str, object],
    status: int,
    slug: str,
) -> None:
    assert tenant.client.get("/v1/numbers").status_code == 200  # a pooled connection to reuse
    inject(path_prefix="/calls/check", **fault)

    response = tenant.client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0]})

    assert response.status_code == status, response.text
    assert response.json()["type"] == f"/problems/{slug}"
    assert sim_control.get("/requests").json()["by_endpoint"]["GET /calls/check"] == 1
