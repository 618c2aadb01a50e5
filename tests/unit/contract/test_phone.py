"""Phone numbers at the edge: consumer input to E.164, vendor digits to E.164, masking."""

from __future__ import annotations

import pytest

from contract.phone import (
    InvalidNumber,
    is_masked,
    parse_digit_prefix,
    parse_e164,
    vendor_digits_to_e164,
)


def test_parse_e164_refuses_separators_the_documented_pattern_does_not_allow() -> None:
    for raw in (" +86 139 1234 5678 ", "+86-139-1234-5678", "+86 (139) 1234.5678"):
        with pytest.raises(InvalidNumber):
            parse_e164(raw)


@pytest.mark.parametrize(
    "raw",
    ["+8613912345678", "8613912345678"],
)
def test_parse_e164_accepts_international_forms(raw: str) -> None:
    assert parse_e164(raw) == "+8613912345678"


def test_parse_e164_keeps_a_15_digit_number() -> None:
    assert parse_e164("120000486562997") == "+120000486562997"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "+",
        "08613912345678",
        "+08613912345678",
        "1234567",
        "1234567890123456",
        "+86139abc5678",
        "++8613912345678",
        "+86 139 1234 5678 ext 9",
    ],
)
def test_parse_e164_refuses_what_is_not_international(raw: str) -> None:
    with pytest.raises(InvalidNumber, match="8 to 15 digits"):
        parse_e164(raw)


@pytest.mark.parametrize("raw", ["+2812345678", "+99912345678"])
def test_parse_e164_refuses_an_unassigned_country_code(raw: str) -> None:
    with pytest.raises(InvalidNumber, match="country calling code"):
        parse_e164(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "8\u0666\u0661\u0663912345678",  # Arabic-Indic digits after an ASCII first digit
        "+86\uff11\uff13\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width
    ],
    ids=["arabic-indic", "full-width"],
)
def test_parse_e164_refuses_non_ascii_digits(raw: str) -> None:
    with pytest.raises(InvalidNumber):
        parse_e164(raw)


@pytest.mark.parametrize(("raw", "digits"), [("86", "86"), ("+8613", "8613"), ("1", "1")])
def test_parse_digit_prefix_returns_digits(raw: str, digits: str) -> None:
    assert parse_digit_prefix(raw) == digits


@pytest.mark.parametrize("raw", ["", "+", "8a", "86 13", " 1 ", "1234567890123456", "\u0668\u0666"])
def test_parse_digit_prefix_refuses_non_digits_and_overlong(raw: str) -> None:
    with pytest.raises(InvalidNumber, match="1 to 15 digits"):
        parse_digit_prefix(raw)


@pytest.mark.parametrize(
    ("digits", "e164"),
    [
        ("120000486562997", "+120000486562997"),
        ("+120000486562997", "+120000486562997"),
        (" 8823412XXX ", "+8823412XXX"),
    ],
)
def test_vendor_digits_become_e164_and_masks_survive(digits: str, e164: str) -> None:
    assert vendor_digits_to_e164(digits) == e164


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("8823412XXX", True),
        ("+8823412XXX", True),
        ("8823412xxx", True),
        ("8823412***", True),
        ("8823412345", False),
        ("+8823412345", False),
        ("88234X1234", False),
        ("", False),
    ],
)
def test_is_masked_detects_trailing_mask_characters(number: str, masked: bool) -> None:
    assert is_masked(number) is masked


@pytest.mark.parametrize(
    "raw",
    ["+4915112345678\n", "4915112345678\n", "+4915112345678\r\n", "\n+4915112345678"],
    ids=["plus-newline", "digits-newline", "crlf", "leading-newline"],
)
def test_parse_e164_refuses_a_number_with_a_line_break(raw: str) -> None:
    with pytest.raises(InvalidNumber):
        parse_e164(raw)


def test_is_masked_refuses_a_trailing_newline() -> None:
    assert not is_masked("+8823412XXX\n")
