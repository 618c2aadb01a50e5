"""A body made wholly of cached answers is encoded once and reused while they are unchanged."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest
from litestar.serialization import encode_json

from contract.schema import TestNumber, TestNumberList, VendorIssue
from contract.vendor_data import Include
from gateway.dispatch import Gathered
from gateway.metrics import GatewayMetrics
from gateway.outcome import CacheFacts, Facts, Outcome
from gateway.pipeline import decoder
from gateway.routes.answers import AnswerBodies
from gateway.routes.include import with_includes

HIT = Facts(CacheFacts(True, 7))
LISTS = [
    TestNumberList(
        data=[TestNumber(number="+8613800000000", prefix="86", vendor="a", vendor_data={"x": 1})]
    ),
    TestNumberList(data=[TestNumber(number="+4420000000", prefix="44", vendor="b")]),
]


def merged(
    lists: list[TestNumberList], errors: list[VendorIssue], prefix: str | None
) -> TestNumberList:
    return TestNumberList(
        data=[number for listed in lists for number in listed.data], prefix=prefix, errors=errors
    )


def from_cache(sources: tuple[bytes, ...], facts: Facts = HIT) -> Gathered[TestNumberList]:
    """What the dispatcher gathers when every vendor answered from the cache."""
    outcomes = [Outcome.from_cache(s, decoder(TestNumberList), facts) for s in sources]
    return Gathered(lambda: [o.value for o in outcomes], [], facts, sources)


def undecodable(sources: tuple[bytes, ...]) -> Gathered[TestNumberList]:
    """Gathered answers whose values must not be read."""

    def fail() -> list[TestNumberList]:
        raise AssertionError("a reused body decoded its sources")

    return Gathered(fail, [], HIT, sources)


def sources_of(lists: list[TestNumberList]) -> tuple[bytes, ...]:
    return tuple(msgspec.json.encode(listed) for listed in lists)


def reused(metrics: GatewayMetrics) -> float | None:
    return metrics.registry.get_sample_value("gateway_answer_bodies_total", {"result": "reused"})


@pytest.fixture
def metrics() -> GatewayMetrics:
    return GatewayMetrics()


def test_a_second_answer_from_equal_sources_is_the_first_body_without_decoding(
    metrics: GatewayMetrics,
) -> None:
    bodies = AnswerBodies(metrics)
    first = bodies.answer("t1", from_cache(sources_of(LISTS)), merged, "86", None)
    again = bodies.answer("t1", undecodable(sources_of(LISTS)), merged, "86", None)

    assert again.content is first.content
    assert reused(metrics) == 1
    assert again.headers["X-Cache"] == "HIT" and again.headers["Age"] == "7"


def test_the_body_is_what_litestar_encodes_for_the_rendered_value(
    metrics: GatewayMetrics,
) -> None:
    bodies = AnswerBodies(metrics)
    for include in (None, [Include.VENDOR_DATA]):
        response = bodies.answer("t1", from_cache(sources_of(LISTS)), merged, None, include)

        expected = encode_json(with_includes(merged(LISTS, [], None), include))
        assert response.content == expected
    assert b'"vendor_data":{"x":1}' in expected


@pytest.mark.parametrize(
    ("tenant", "variant", "include", "lists"),
    [
        ("t2", "86", None, LISTS),
        ("t1", "44", None, LISTS),
        ("t1", "86", [Include.VENDOR_DATA], LISTS),
        ("t1", "86", None, LISTS[:1]),
        ("t1", "86", None, LISTS[::-1]),
    ],
    ids=["another tenant", "another variant", "vendor data", "fewer sources", "another order"],
)
def test_anything_else_that_makes_the_body_makes_a_new_one(
    metrics: GatewayMetrics,
    tenant: str,
    variant: str,
    include: list[Include] | None,
    lists: list[TestNumberList],
) -> None:
    bodies = AnswerBodies(metrics)
    bodies.answer("t1", from_cache(sources_of(LISTS)), merged, "86", None)

    response = bodies.answer(tenant, from_cache(sources_of(lists)), merged, variant, include)

    assert reused(metrics) == 0
    assert response.content == encode_json(with_includes(merged(lists, [], variant), include))


def test_answers_not_all_from_the_cache_are_rendered_every_time(metrics: GatewayMetrics) -> None:
    bodies = AnswerBodies(metrics)
    for _ in range(2):
        gathered = Gathered(lambda: LISTS, [], Facts(CacheFacts(False)), None)
        response = bodies.answer("t1", gathered, merged, None, None)
        assert response.content == with_includes(merged(LISTS, [], None), None)

    assert reused(metrics) == 0
    assert (
        metrics.registry.get_sample_value("gateway_answer_bodies_total", {"result": "encoded"}) == 0
    )


def test_a_body_larger_than_its_share_of_the_bound_is_not_kept(metrics: GatewayMetrics) -> None:
    sources = sources_of(LISTS)
    bodies = AnswerBodies(metrics, max_bytes=sum(map(len, sources)))
    for _ in range(2):
        bodies.answer("t1", from_cache(sources), merged, None, None)

    assert reused(metrics) == 0


def test_the_bound_holds_bodies_and_their_sources(metrics: GatewayMetrics) -> None:
    size = sum(map(len, sources_of(LISTS))) + len(encode_json(merged(LISTS, [], "0")))
    bodies = AnswerBodies(metrics, max_bytes=size * 8)
    for prefix in range(20):
        bodies.answer("t1", from_cache(sources_of(LISTS)), merged, str(prefix), None)

    held = bodies._bodies
    assert 0 < len(held) < 20
    assert held.currsize <= held.maxsize


def test_a_render_that_closes_over_request_state_is_refused(metrics: GatewayMetrics) -> None:
    prefix = "86"

    def leaky(lists: list[TestNumberList], errors: list[VendorIssue], _: None) -> TestNumberList:
        return merged(lists, errors, prefix)

    render: Callable[[list[TestNumberList], list[VendorIssue], None], TestNumberList] = leaky
    with pytest.raises(TypeError, match="closes over state"):
        AnswerBodies(metrics).answer("t1", from_cache(sources_of(LISTS)), render, None, None)


def test_a_cached_outcome_is_decoded_once_and_only_when_read() -> None:
    calls: list[bytes] = []

    def decode(source: bytes) -> TestNumberList:
        calls.append(source)
        return decoder(TestNumberList)(source)

    source = msgspec.json.encode(LISTS[0])
    outcome = Outcome.from_cache(source, decode, HIT)

    assert calls == [] and outcome.source is source
    assert outcome.value == LISTS[0]
    assert outcome.value is outcome.value
    assert calls == [source]
