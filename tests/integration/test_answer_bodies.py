"""A repeated cache hit is sent as the body the first answer was encoded to, over real HTTP.

Whatever else shapes the body (the prefix it repeats, ``include=vendor_data``, the tenant) makes
its own; every answer is what the vendors' answers make, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import GatewayStack, TenantHandle


def answer_bodies(gateway: GatewayStack) -> dict[str, float]:
    """``gateway_answer_bodies_total`` by result, from ``/metrics``."""
    text = gateway.client(None).get("/metrics").text
    return {
        sample.labels["result"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "gateway_answer_bodies"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


def test_a_repeated_hit_is_the_first_body_and_its_variants_their_own(
    gateway: GatewayStack, tenant: TenantHandle
) -> None:
    first = tenant.client.get("/v1/test-numbers")
    assert first.status_code == 200, first.text
    assert answer_bodies(gateway) == {"encoded": 1, "reused": 0}

    again = tenant.client.get("/v1/test-numbers")
    prefixed = tenant.client.get("/v1/test-numbers", params={"prefix": "86"})
    with_vendor_data = tenant.client.get("/v1/test-numbers", params={"include": "vendor_data"})
    prefixed_again = tenant.client.get("/v1/test-numbers", params={"prefix": "86"})
    refreshed = tenant.client.get("/v1/test-numbers", headers={"Cache-Control": "no-cache"})

    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("MISS", "HIT")
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert prefixed.json()["prefix"] == "86" and first.json()["prefix"] is None
    numbers = [n["number"] for n in prefixed.json()["data"]]
    assert numbers and all(n.startswith("+86") for n in numbers)
    assert prefixed_again.content == prefixed.content
    assert first.json()["data"] and not any(n.get("vendor_data") for n in first.json()["data"])
    assert all(n["vendor_data"] for n in with_vendor_data.json()["data"])
    assert refreshed.headers["X-Cache"] == "MISS" and refreshed.content == first.content
    # The vendor's fresh answer is equal to the cached one, so its body is found too.
    assert answer_bodies(gateway) == {"encoded": 3, "reused": 3}


def test_another_tenant_never_gets_a_body_made_for_the_first(
    gateway: GatewayStack, make_tenant: Callable[..., TenantHandle]
) -> None:
    one, other = make_tenant(name="one"), make_tenant(name="other")
    answers = [tenant.client.get("/v1/test-numbers") for tenant in (one, one, other, other)]

    assert [a.status_code for a in answers] == [200] * 4
    assert answers[0].content == answers[2].content  # the simulator's test numbers are public
    assert answer_bodies(gateway) == {"encoded": 2, "reused": 2}
