"""Recipient address parsing: strings are never iterated, errors name the parameter."""

from __future__ import annotations

import pytest

from email_api.addresses import Address, parse_address, parse_address_list
from pack_common import InputError


def test_a_single_string_is_one_address_not_characters() -> None:
    assert parse_address_list("user@example.org", "to") == [Address("user@example.org")]


def test_apostrophes_and_plus_signs_are_valid() -> None:
    got = parse_address_list(["o'brien@example.org", "a.b+tag@mail.example.org"], "to")
    assert [a.email for a in got] == ["o'brien@example.org", "a.b+tag@mail.example.org"]


def test_comma_and_semicolon_separated_strings() -> None:
    got = parse_address_list("a@example.org, b@example.org; c@example.org", "cc")
    assert [a.email for a in got] == ["a@example.org", "b@example.org", "c@example.org"]


def test_display_names_with_commas_in_quotes() -> None:
    got = parse_address_list('"Doe, Jane" <jane@example.org>, bob@example.org', "to")
    assert got == [Address("jane@example.org", "Doe, Jane"), Address("bob@example.org")]
    assert str(got[0]) == '"Doe, Jane" <jane@example.org>'


def test_duplicates_are_dropped_case_insensitively_keeping_order() -> None:
    got = parse_address_list(["B@example.org", "a@example.org", "b@EXAMPLE.org"], "to")
    assert [a.email for a in got] == ["B@example.org", "a@example.org"]


def test_none_and_empty_give_no_addresses() -> None:
    assert parse_address_list(None, "cc") == []
    assert parse_address_list("", "cc") == []
    assert parse_address_list([], "cc") == []


@pytest.mark.parametrize(
    "bad",
    [
        "not an address",
        "user@",
        "@example.org",
        "user@localhost",
        "user@@example.org",
        "us er@example.org",
        "user@example..org",
        "user@-example.org",
        ".user@example.org",
        "usér@example.org",
        "a@example.org b@example.org",
    ],
)
def test_invalid_addresses_are_rejected_naming_the_parameter(bad: str) -> None:
    with pytest.raises(InputError) as err:
        parse_address_list(["ok@example.org", bad], "bcc")
    assert err.value.parameter == "bcc"
    assert repr(bad.strip()) in str(err.value) or "a@example.org" in str(err.value)


def test_header_injection_is_rejected() -> None:
    with pytest.raises(InputError) as err:
        parse_address_list("a@example.org\r\nBcc: evil@example.org", "to")
    assert "line break" in str(err.value)


def test_non_string_items_are_rejected_naming_their_position() -> None:
    with pytest.raises(InputError) as err:
        parse_address_list(["a@example.org", 42], "to")
    assert str(err.value) == "parameter 'to': item 1 must be a string address, not 42"


def test_other_types_are_rejected() -> None:
    with pytest.raises(InputError) as err:
        parse_address_list({"a@example.org": 1}, "to")
    assert "parameter 'to'" in str(err.value)


def test_parse_address_wants_exactly_one() -> None:
    assert parse_address("Ops <ops@example.org>", "from_address") == Address(
        "ops@example.org", "Ops"
    )
    with pytest.raises(InputError, match="expected one email address, got 2"):
        parse_address("a@example.org, b@example.org", "reply_to")
    with pytest.raises(InputError, match="got 0"):
        parse_address("", "reply_to")
