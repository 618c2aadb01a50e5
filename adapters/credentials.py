"""Decoding the secret a tenant stored for a vendor into that vendor's credential type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import msgspec

from contract.errors import ValidationFailed
from contract.messages import field_error

C = TypeVar("C", bound=msgspec.Struct)


def load_secret(secret: Mapping[str, str], credential_type: type[C], vendor: str) -> C:
    """``secret`` as ``credential_type``, every field present and not blank (422 otherwise).

    The message names the expected fields, never a value.
    """
    fields = msgspec.structs.fields(credential_type)
    shape = "{" + ", ".join(f'"{f.encode_name}": ...' for f in fields) + "}"
    try:
        credential = msgspec.convert(dict(secret), credential_type)
    except msgspec.ValidationError as exc:
        problem = field_error(exc, "secret")
        raise ValidationFailed(
            f"a {vendor} credential is {shape}: {problem.field} {problem.message}"
        ) from None
    blank = [f.name for f in fields if not str(getattr(credential, f.name)).strip()]
    if blank:
        raise ValidationFailed(f"the {vendor} credential's {', '.join(blank)} must not be empty")
    return credential
