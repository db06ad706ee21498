"""Recipient address parsing and validation.

Addresses come from action parameters (a comma-separated string or a list), from the
pack config and from OpenStack user records. They are validated before anything is
rendered or sent, and every error names the parameter it came from. A single address
given as a string is treated as one value, never iterated character by character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr

from pack_common import InputError

# RFC 5322 dot-atom local part (apostrophes, plus signs etc. are valid) and a
# domain of at least two DNS labels. ASCII only: SMTPUTF8 support varies by server.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")
_NAME_AND_ADDRESS = re.compile(r"^(?P<name>.*?)\s*<(?P<address>[^<>]*)>$", re.DOTALL)
_MAX_LENGTH = 254


@dataclass(frozen=True)
class Address:
    """One mailbox: the bare ``email`` (the envelope address) and an optional
    display ``name`` for headers."""

    email: str
    name: str = ""

    def __str__(self) -> str:
        """The header form, ``Name <email>`` or just ``email``."""
        return formataddr((self.name, self.email)) if self.name else self.email


def is_valid_email(value: str) -> bool:
    """Whether ``value`` is a bare address this pack will send to."""
    return len(value) <= _MAX_LENGTH and bool(_ADDRESS.match(value))


def parse_address(value: object, parameter: str) -> Address:
    """Exactly one address from ``value`` (``a@b.org`` or ``Name <a@b.org>``).

    Raises ``InputError`` naming ``parameter`` when ``value`` is not a string, is
    empty, holds several addresses or an invalid one.
    """
    addresses = parse_address_list(value, parameter)
    if len(addresses) != 1:
        raise InputError(
            parameter, f"expected one email address, got {len(addresses)}: {value!r}"
        )
    return addresses[0]


def parse_address_list(value: object, parameter: str) -> list[Address]:
    """Every address in ``value``: ``None``, a string holding addresses separated by
    commas or semicolons, or a list of such strings. Duplicates (compared without
    case) are dropped, order is kept. Raises ``InputError`` naming ``parameter``."""
    if value is None:
        return []
    if isinstance(value, str):
        pieces = _split(value)
    elif isinstance(value, list | tuple):
        pieces = []
        for position, item in enumerate(value):
            if not isinstance(item, str):
                raise InputError(
                    parameter,
                    f"item {position} must be a string address, not {item!r}",
                )
            pieces.extend(_split(item))
    else:
        raise InputError(
            parameter,
            f"must be an address string or a list of them, not {type(value).__name__}",
        )
    return dedupe(_parse_one(piece, parameter) for piece in pieces)


def dedupe(addresses: Iterable[Address]) -> list[Address]:
    """``addresses`` without repeats of the same mailbox (case-insensitive)."""
    seen: set[str] = set()
    unique: list[Address] = []
    for address in addresses:
        key = address.email.lower()
        if key not in seen:
            seen.add(key)
            unique.append(address)
    return unique


def _split(text: str) -> list[str]:
    """Split on commas/semicolons outside double quotes and angle brackets; drop
    empty pieces."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    bracketed = False
    for char in text:
        if char == '"' and not bracketed:
            quoted = not quoted
        elif char == "<" and not quoted:
            bracketed = True
        elif char == ">" and not quoted:
            bracketed = False
        if char in ",;" and not quoted and not bracketed:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [p.strip() for p in pieces if p.strip()]


def _parse_one(piece: str, parameter: str) -> Address:
    """One ``addr`` or ``Name <addr>`` piece, validated."""
    if any(c in piece for c in "\r\n\0"):
        raise InputError(parameter, f"{piece!r} contains a line break")
    name = ""
    address = piece
    match = _NAME_AND_ADDRESS.match(piece)
    if match:
        name = match.group("name").strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"')
        address = match.group("address").strip()
    if not is_valid_email(address):
        raise InputError(parameter, f"{piece!r} is not a valid email address")
    return Address(email=address, name=name)
