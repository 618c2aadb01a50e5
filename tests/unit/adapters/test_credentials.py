"""Stored secrets decoded into vendor credentials: shape and blanks refused, values never echoed."""

from __future__ import annotations

import pytest

from adapters.credentials import load_secret
from adapters.truecaller.payloads import TruecallerCredential
from contract.errors import ValidationFailed

SECRET = {"client_account_id": "acct-1", "key_id": "key-1", "api_key": "s3cr3t-api-key"}


def test_a_complete_secret_becomes_the_credential() -> None:
    credential = load_secret(SECRET, TruecallerCredential, "Truecaller")

    assert (credential.client_account_id, credential.key_id) == ("acct-1", "key-1")


@pytest.mark.parametrize(
    "secret",
    [
        {"client_account_id": "acct-1", "key_id": "key-1"},
        {**SECRET, "extra": "s3cr3t-api-key"},
    ],
    ids=["missing-field", "unknown-field"],
)
def test_a_secret_of_another_shape_names_the_fields_expected(secret: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_secret(secret, TruecallerCredential, "Truecaller")

    assert '"client_account_id": ..., "key_id": ..., "api_key": ...' in refused.value.detail
    assert "s3cr3t" not in refused.value.detail


def test_blank_fields_are_named() -> None:
    with pytest.raises(ValidationFailed, match="key_id, api_key must not be empty"):
        load_secret({**SECRET, "key_id": " ", "api_key": ""}, TruecallerCredential, "Truecaller")
