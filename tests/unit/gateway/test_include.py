"""``with_includes`` drops every vendor object, at any depth, looking only where one can be."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec

from contract.vendor_data import Include
from gateway.routes.include import _fields_to_visit, with_includes


class Kind(StrEnum):
    A = "a"


class Leaf(msgspec.Struct):
    name: str
    vendor_data: dict[str, Any] | None = None


class Middle(msgspec.Struct):
    count: int
    kind: Kind
    leaf: Leaf | None
    leaves: list[Leaf]
    vendor_data: dict[str, Any] | None = None


class Top(msgspec.Struct):
    label: str
    middles: list[Middle]
    anything: Any = None


def _top() -> Top:
    leaf = Leaf("x", {"raw": 1})
    middle = Middle(1, Kind.A, leaf, [leaf, Leaf("y")], {"raw": 2})
    return Top("t", [middle], anything=Leaf("z", {"raw": 3}))


def test_every_vendor_object_is_dropped_at_any_depth_unless_asked_for() -> None:
    top = _top()

    stripped = with_includes(top, None)

    middle = stripped.middles[0]
    assert middle.vendor_data is None and middle.leaf is not None
    assert middle.leaf.vendor_data is None
    assert [leaf.vendor_data for leaf in middle.leaves] == [None, None]
    assert isinstance(stripped.anything, Leaf) and stripped.anything.vendor_data is None
    assert top.middles[0].vendor_data == {"raw": 2}, "the cached original is left alone"
    assert with_includes(top, [Include.VENDOR_DATA]) is top


def test_fields_that_cannot_hold_a_struct_or_a_list_are_not_visited() -> None:
    assert _fields_to_visit(Leaf) == (("vendor_data", True),)
    assert _fields_to_visit(Middle) == (
        ("leaf", False),
        ("leaves", False),
        ("vendor_data", True),
    )
    assert _fields_to_visit(Top) == (("middles", False), ("anything", False))


def test_an_answer_without_vendor_objects_is_returned_as_it_is() -> None:
    plain = Top("t", [Middle(1, Kind.A, None, [Leaf("y")])])

    assert with_includes(plain, None) is plain
