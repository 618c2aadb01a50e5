"""The ``include`` query parameter: optional parts of an answer, attached only when asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

import msgspec
from litestar.params import Parameter

from contract.vendor_data import Include

IncludeQuery = Annotated[
    list[Include] | None,
    Parameter(
        description=(
            "Optional parts of the answer: `vendor_data` adds each object's own vendor object "
            "(fields the unified shape leaves out)."
        )
    ),
]


V = TypeVar("V", bound=msgspec.Struct)


def with_includes(value: V, include: Sequence[Include] | None) -> V:
    """``value`` with its vendor object when ``vendor_data`` was asked for, without otherwise."""
    if include and Include.VENDOR_DATA in include:
        return value
    return msgspec.structs.replace(value, vendor_data=None)


def all_with_includes(values: Sequence[V], include: Sequence[Include] | None) -> list[V]:
    """Each of ``values`` as :func:`with_includes` answers it."""
    return [with_includes(value, include) for value in values]
