"""Facts of an answer made of several vendors' answers merge the same way in any order."""

from __future__ import annotations

import itertools

from gateway.outcome import CacheFacts, Facts, RateFacts, merge_facts

TIGHT = RateFacts(limit=60, remaining=3, period_seconds=60.0)
LOOSE = RateFacts(limit=100, remaining=90, period_seconds=1.0)
HALF = RateFacts(limit=10, remaining=5, period_seconds=60.0)


def test_the_most_restrictive_budget_wins_whatever_the_order() -> None:
    parts = [Facts(rate=LOOSE), Facts(rate=TIGHT), Facts(rate=HALF), Facts()]

    merged = {merge_facts(order).rate for order in itertools.permutations(parts)}

    assert merged == {TIGHT}


def test_a_merged_answer_is_a_hit_only_when_every_cached_part_was() -> None:
    hits = [Facts(cache=CacheFacts(True, 30)), Facts(cache=CacheFacts(True, 5))]
    mixed = [Facts(cache=CacheFacts(True, 30)), Facts(cache=CacheFacts(False))]

    assert merge_facts(hits).cache == CacheFacts(True, 30)
    assert merge_facts(mixed).cache == CacheFacts(False, 0)
    assert merge_facts([Facts(), Facts()]).cache is None


def test_headers_come_from_the_facts() -> None:
    headers = Facts(CacheFacts(True, 7), TIGHT).headers()

    assert headers == {
        "X-Cache": "HIT",
        "Age": "7",
        "RateLimit-Limit": "60",
        "RateLimit-Remaining": "3",
        "RateLimit-Reset": "0",
        "RateLimit-Policy": "60;w=60",
    }
