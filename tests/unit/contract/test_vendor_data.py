"""The vendor object a consumer may ask for never carries a secret, at any depth."""

from __future__ import annotations

import msgspec

from contract.vendor_data import vendor_object


class Inner(msgspec.Struct):
    sip_password: str
    host: str


class Payload(msgspec.Struct):
    id: int
    ivr_id: int | None
    token: str
    accessToken: str
    api_key: str
    partner_key: str
    client_secret: str
    trunks: list[Inner]


def test_fields_that_carry_a_secret_are_dropped_and_the_rest_kept() -> None:
    payload = Payload(
        id=7,
        ivr_id=None,
        token="7|s3cr3t",
        accessToken="at",
        api_key="tc_live_x",
        partner_key="pk",
        client_secret="cs",
        trunks=[Inner(sip_password="pw", host="sip.example")],
    )

    assert vendor_object(payload) == {"id": 7, "ivr_id": None, "trunks": [{"host": "sip.example"}]}
