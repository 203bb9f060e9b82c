"""Addresses, masks and classes, checked against netaddr and Python's ipaddress."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbook.errors import AddressError, MaskError, WorkbookError
from workbook.net.addresses import (
    address_class,
    bits,
    classful_prefixlen,
    format_address,
    mask_to_prefixlen,
    parse_address,
    parse_mask,
    parse_prefix,
)


def test_seed_host_is_class_b_not_class_c():
    """Erratum 1: 172.16.112.123 starts with bits 10, so it is class B (the text says C)."""
    assert bits("172.16.112.123").startswith("10101100")
    assert address_class("172.16.112.123") == "B"
    assert classful_prefixlen("172.16.112.123") == 16
    assert ipaddress.ip_address("172.16.112.123").is_private  # inside RFC 1918's 172.16.0.0/12


@given(st.integers(0, 2**32 - 1))
def test_parse_and_format_agree_with_ipaddress(value):
    text = str(ipaddress.IPv4Address(value))
    assert parse_address(text) == value
    assert format_address(value) == text


@given(st.integers(0, 2**32 - 1))
def test_class_follows_leading_bits(value):
    leading = format(value, "032b")
    expected = "A" if leading[0] == "0" else "B" if leading[:2] == "10" else "C" if leading[:3] == "110" else (
        "D" if leading[:4] == "1110" else "E")
    assert address_class(value) == expected


@given(st.integers(0, 32))
def test_every_contiguous_mask_has_its_prefix_length(prefixlen):
    mask = str(ipaddress.IPv4Network(f"0.0.0.0/{prefixlen}").netmask)
    assert mask_to_prefixlen(mask) == prefixlen
    assert parse_mask(f"/{prefixlen}") == prefixlen


@given(st.integers(0, 2**32 - 1))
def test_a_mask_is_accepted_exactly_when_contiguous(value):
    text = format(value, "032b")
    contiguous = "01" not in text
    try:
        mask_to_prefixlen(format_address(value))
    except MaskError as error:
        assert not contiguous
        assert format_address(value) in str(error) and "not contiguous" in str(error)
    else:
        assert contiguous


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("10.1.2", "expected 4 octets, found 3"),
        ("127.0.0.", "octet '' is not a decimal number"),
        ("300.1.1.1", "octet '300' is larger than 255"),
        ("010.1.1.1", "leading zero"),
        ("", "it is empty"),
        ("ten.0.0.1", "octet 'ten'"),
    ],
)
def test_bad_addresses_are_named_with_a_reason_and_an_example(text, fragment):
    with pytest.raises(AddressError) as caught:
        parse_address(text, what="gateway", example="172.16.112.1")
    message = str(caught.value)
    assert repr(text) in message and fragment in message and "e.g. 172.16.112.1" in message
    assert isinstance(caught.value, ValueError)


def test_prefix_with_host_bits_set_is_refused_with_the_right_network():
    with pytest.raises(WorkbookError, match=r"10\.1\.0\.0 has bits set outside its mask .* e\.g\. 10\.0\.0\.0/8"):
        parse_prefix("10.1.0.0/8")


@given(st.text(max_size=20))
def test_parse_address_gives_a_value_or_a_workbook_error(text):
    try:
        value = parse_address(text)
    except WorkbookError:
        return
    assert ipaddress.IPv4Address(value) == ipaddress.IPv4Address(text)
