"""The ``include`` query parameter: optional parts of an answer, attached only when asked.

Translation always keeps each unified object's vendor object (so a cached answer holds it too);
a route passes its answer through :func:`with_includes`, which drops every ``vendor_data`` in
it, at any depth, unless the consumer asked for ``include=vendor_data``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Annotated, TypeVar, cast

import msgspec
import msgspec.inspect
from litestar.params import Parameter

from contract.vendor_data import VENDOR_DATA_FIELD, Include

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
    """``value`` with its vendor objects when ``vendor_data`` was asked for, without otherwise
    (nested ones too: a batch's records, an operation's items, a verification's profile)."""
    if include and Include.VENDOR_DATA in include:
        return value
    return cast(V, _without_vendor_data(value))


def all_with_includes(values: Sequence[V], include: Sequence[Include] | None) -> list[V]:
    """Each of ``values`` as :func:`with_includes` answers it."""
    return [with_includes(value, include) for value in values]


def _without_vendor_data(value: object) -> object:
    """``value`` with every ``vendor_data`` set to ``None`` (unchanged parts stay the same)."""
    if isinstance(value, msgspec.Struct):
        changes: dict[str, object] = {}
        for name, is_vendor_data in _fields_to_visit(type(value)):
            item = getattr(value, name)
            if is_vendor_data:
                if item is not None:
                    changes[name] = None
                continue
            stripped = _without_vendor_data(item)
            if stripped is not item:
                changes[name] = stripped
        return msgspec.structs.replace(value, **changes) if changes else value
    if isinstance(value, list):
        items = [_without_vendor_data(item) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


@functools.cache
def _fields_to_visit(struct: type[msgspec.Struct]) -> tuple[tuple[str, bool], ...]:
    """The fields of ``struct`` to look at, each with whether it is a ``vendor_data``: that
    field, and those whose declared type may hold a struct or a list (a string, a number or an
    enum never holds a vendor object, and an answer's many items are not walked field by
    field for nothing)."""
    info = msgspec.inspect.type_info(struct)
    if not isinstance(info, msgspec.inspect.StructType):
        return tuple((name, name == VENDOR_DATA_FIELD) for name in struct.__struct_fields__)
    return tuple(
        (field.name, field.name == VENDOR_DATA_FIELD)
        for field in info.fields
        if field.name == VENDOR_DATA_FIELD or _may_hold_structs(field.type)
    )


_SCALARS = (
    msgspec.inspect.NoneType,
    msgspec.inspect.BoolType,
    msgspec.inspect.IntType,
    msgspec.inspect.FloatType,
    msgspec.inspect.StrType,
    msgspec.inspect.BytesType,
    msgspec.inspect.DateTimeType,
    msgspec.inspect.DateType,
    msgspec.inspect.TimeType,
    msgspec.inspect.TimeDeltaType,
    msgspec.inspect.UUIDType,
    msgspec.inspect.DecimalType,
    msgspec.inspect.EnumType,
    msgspec.inspect.LiteralType,
)


def _may_hold_structs(declared: msgspec.inspect.Type) -> bool:
    """Whether a field of this declared type can hold a struct or a list (anything this module
    does not know is assumed to)."""
    if isinstance(declared, msgspec.inspect.UnionType):
        return any(_may_hold_structs(member) for member in declared.types)
    if isinstance(declared, msgspec.inspect.Metadata):
        return _may_hold_structs(declared.type)
    return not isinstance(declared, _SCALARS)
