"""Every pattern the API validates input with matches whole texts, and is said in words.

The patterns come from the app's own OpenAPI document (query, path and header parameters and
every schema property), so a field added later is covered without editing this file. msgspec
checks them with ``re.search``, so that is what these tests use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract.messages import explain
from contract.patterns import describe
from gateway.app import create_app
from gateway.settings import Settings


def _patterns(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


DOCUMENT = create_app(Settings()).openapi_schema.to_schema()
PATTERNS = sorted(set(_patterns(DOCUMENT)))


def test_the_document_has_patterns_to_check() -> None:
    assert len(PATTERNS) >= 10


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_trailing_newline_never_matches(pattern: str, data: st.DataObject) -> None:
    valid = data.draw(st.from_regex(pattern, fullmatch=True))

    assert re.search(pattern, valid)
    assert not re.search(pattern, valid + "\n")
    assert not re.search(pattern, "\n" + valid)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_mismatch_is_explained_in_words_not_as_a_regex(pattern: str) -> None:
    assert describe(pattern), f"{pattern!r} has no words for people: declare it with whole()"

    _, message = explain(f"Expected `str` matching regex {pattern!r}")

    assert "regex" not in message
    assert message.startswith("must be ")
