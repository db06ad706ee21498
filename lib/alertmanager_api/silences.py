"""Silences and matchers as the pack handles them, and the marker that tells the
pack's own silences from everyone else's.

A silence the pack creates carries ``createdBy`` = the account's ``created_by`` and a
comment ending in ``[openstack_ops key=<key>]``: the key is stable (an operator's
name for the silence, or ``maintenance:<hypervisor>``), so a re-run finds the silence
it made instead of adding another, and expire removes exactly that one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pack_common import InputError

#: The silence states Alertmanager reports; expired silences are history.
LIVE_STATES = ("active", "pending")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$")
_MARKER = re.compile(r"\[openstack_ops key=([^\]\s]+)\]")
_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


def check_key(key: object, parameter: str = "key") -> str:
    """A silence/downtime key: 1-128 letters, digits and ``._:@/-``."""
    text = str(key or "").strip()
    if not KEY_PATTERN.match(text):
        raise InputError(
            parameter,
            f"{key!r} is not a key (1-128 letters, digits, '._:@/-', starting with "
            "a letter or digit)",
        )
    return text


def marker(key: str) -> str:
    """The text that marks the pack's silence/downtime of ``key``."""
    return f"[openstack_ops key={key}]"


def key_of(comment: str | None) -> str | None:
    """The key marked in ``comment``, or None for a silence the pack did not make."""
    found = _MARKER.search(comment or "")
    return found.group(1) if found else None


def marked_comment(comment: str | None, key: str) -> str:
    """``comment`` with the key's marker at the end."""
    text = " ".join(str(comment or "").split())
    return f"{text} {marker(key)}".strip()


@dataclass(frozen=True)
class Matcher:
    """One label matcher: ``name`` ``=``/``!=``/``=~``/``!~`` ``value``."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    @classmethod
    def parse(cls, text: str, parameter: str = "matchers") -> Matcher:
        """``alertname=HostDown``, ``instance=~hv1(:[0-9]+)?``, ``severity!=info``.
        Quotes around the value are dropped; a bad regex is an error naming
        ``parameter``."""
        found = _MATCHER.match(str(text))
        if not found or not found.group(3):
            raise InputError(
                parameter,
                f"{text!r} is not a matcher 'label=value' (operators = != =~ !~)",
            )
        name, op, value = found.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        is_regex = op in ("=~", "!~")
        if is_regex:
            try:
                re.compile(value)
            except re.error as exc:
                raise InputError(parameter, f"{text!r}: bad regex: {exc}") from None
        return cls(name, value, is_regex, op in ("=", "=~"))

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Matcher:
        """From Alertmanager's JSON (``isEqual`` absent on old versions = true)."""
        return cls(
            str(doc["name"]),
            str(doc["value"]),
            bool(doc.get("isRegex", False)),
            bool(doc.get("isEqual", True)),
        )

    def to_api(self) -> dict[str, Any]:
        """Alertmanager's JSON."""
        return {
            "name": self.name,
            "value": self.value,
            "isRegex": self.is_regex,
            "isEqual": self.is_equal,
        }

    def __str__(self) -> str:
        op = {(False, True): "=", (False, False): "!=", (True, True): "=~"}.get(
            (self.is_regex, self.is_equal), "!~"
        )
        return f"{self.name}{op}{self.value}"


def host_matcher(template: str, host: str) -> Matcher:
    """The matcher of one host's alerts from an account's ``host_matcher``."""
    probe = Matcher.parse(template.replace("{host}", "x"), "host_matcher")
    value = re.escape(host) if probe.is_regex else host
    return Matcher.parse(template.replace("{host}", value), "host_matcher")


def parse_matchers(values: object, parameter: str = "matchers") -> list[Matcher]:
    """A non-empty list of matchers (strings), each parsed; repeats dropped."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple) or not values:
        raise InputError(parameter, "needs at least one matcher 'label=value'")
    matchers = [Matcher.parse(str(v), parameter) for v in values]
    if not any(m.is_equal and m.value for m in matchers):
        raise InputError(
            parameter, "needs at least one = or =~ matcher (a silence of everything)"
        )
    return list(dict.fromkeys(matchers))


@dataclass(frozen=True)
class Silence:
    """A silence as Alertmanager reports it."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: str
    ends_at: str
    created_by: str
    comment: str
    state: str

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Silence:
        """From ``GET /api/v2/silences``' items."""
        return cls(
            id=str(doc["id"]),
            matchers=tuple(Matcher.from_api(m) for m in doc.get("matchers") or []),
            starts_at=str(doc.get("startsAt", "")),
            ends_at=str(doc.get("endsAt", "")),
            created_by=str(doc.get("createdBy", "")),
            comment=str(doc.get("comment", "")),
            state=str((doc.get("status") or {}).get("state", "")),
        )

    @property
    def key(self) -> str | None:
        """The pack's key of this silence, or None when the pack did not make it."""
        return key_of(self.comment)

    @property
    def live(self) -> bool:
        """Active or pending (not expired)."""
        return self.state in LIVE_STATES

    def same_window(self, start: datetime, end: datetime) -> bool:
        """Whether the silence runs from ``start`` to ``end`` (to the second; a
        silence whose start has passed is active from then on, so only its end
        is compared)."""
        ends = _parse_time(self.ends_at)
        if ends is None or int(ends.timestamp()) != int(end.timestamp()):
            return False
        if self.state == "active":
            return True
        starts = _parse_time(self.starts_at)
        return starts is not None and int(starts.timestamp()) == int(start.timestamp())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for results."""
        return {
            "id": self.id,
            "state": self.state,
            "matchers": [str(m) for m in self.matchers],
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "created_by": self.created_by,
            "comment": self.comment,
            "key": self.key,
        }


def _parse_time(text: str) -> datetime | None:
    """Alertmanager's RFC 3339 time (nanoseconds cut to microseconds)."""
    if not text:
        return None
    value = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
