"""Presets: the filter operations ``where()`` accepts, their aliases, the kinds of
property each applies to, and how each is checked against a value.

A preset is validated against the property's kind and its arguments are checked and
normalised when ``where()`` is called, so a bad query fails before any API call.

Regexes are RE2 (google-re2): matching takes time linear in the text whatever the
pattern, so a pattern such as ``(a+)+$`` cannot run away on a long value. RE2 is
Python's syntax without backreferences and lookaround (https://github.com/google/re2/wiki/Syntax);
a pattern it does not support is a ``PresetError``.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import re2

from openstack_query.errors import PresetError
from openstack_query.kinds import PropKind
from openstack_query.timeutil import to_utc


class Preset(enum.Enum):
    """Every filter operation, by canonical name."""

    EQUAL_TO = "equal_to"
    NOT_EQUAL_TO = "not_equal_to"
    ANY_IN = "any_in"
    NOT_ANY_IN = "not_any_in"
    GREATER_THAN = "greater_than"
    GREATER_THAN_OR_EQUAL_TO = "greater_than_or_equal_to"
    LESS_THAN = "less_than"
    LESS_THAN_OR_EQUAL_TO = "less_than_or_equal_to"
    OLDER_THAN = "older_than"
    OLDER_THAN_OR_EQUAL_TO = "older_than_or_equal_to"
    YOUNGER_THAN = "younger_than"
    YOUNGER_THAN_OR_EQUAL_TO = "younger_than_or_equal_to"
    MATCHES_REGEX = "matches_regex"
    NOT_MATCHES_REGEX = "not_matches_regex"


_ALIASES: dict[str, Preset] = {
    "==": Preset.EQUAL_TO,
    "=": Preset.EQUAL_TO,
    "eq": Preset.EQUAL_TO,
    "equal": Preset.EQUAL_TO,
    "!=": Preset.NOT_EQUAL_TO,
    "ne": Preset.NOT_EQUAL_TO,
    "not_equal": Preset.NOT_EQUAL_TO,
    "in": Preset.ANY_IN,
    "one_of": Preset.ANY_IN,
    "not_in": Preset.NOT_ANY_IN,
    ">": Preset.GREATER_THAN,
    "gt": Preset.GREATER_THAN,
    ">=": Preset.GREATER_THAN_OR_EQUAL_TO,
    "gte": Preset.GREATER_THAN_OR_EQUAL_TO,
    "<": Preset.LESS_THAN,
    "lt": Preset.LESS_THAN,
    "<=": Preset.LESS_THAN_OR_EQUAL_TO,
    "lte": Preset.LESS_THAN_OR_EQUAL_TO,
    "older": Preset.OLDER_THAN,
    "older_or_equal": Preset.OLDER_THAN_OR_EQUAL_TO,
    "younger": Preset.YOUNGER_THAN,
    "younger_or_equal": Preset.YOUNGER_THAN_OR_EQUAL_TO,
    "regex": Preset.MATCHES_REGEX,
    "matches": Preset.MATCHES_REGEX,
    "~": Preset.MATCHES_REGEX,
    "not_regex": Preset.NOT_MATCHES_REGEX,
    "not_matches": Preset.NOT_MATCHES_REGEX,
    "!~": Preset.NOT_MATCHES_REGEX,
    # upstream openstackquery 1.3's aliases (see openstack_query.upstream)
    "greater": Preset.GREATER_THAN,
    "more_than": Preset.GREATER_THAN,
    "more": Preset.GREATER_THAN,
    "greater_or_equal": Preset.GREATER_THAN_OR_EQUAL_TO,
    "more_than_or_equal_to": Preset.GREATER_THAN_OR_EQUAL_TO,
    "more_or_equal": Preset.GREATER_THAN_OR_EQUAL_TO,
    "less": Preset.LESS_THAN,
    "less_or_equal": Preset.LESS_THAN_OR_EQUAL_TO,
    "newer_than": Preset.YOUNGER_THAN,
    "newer": Preset.YOUNGER_THAN,
    "newer_than_or_equal_to": Preset.YOUNGER_THAN_OR_EQUAL_TO,
    "newer_or_equal": Preset.YOUNGER_THAN_OR_EQUAL_TO,
    "match_regex": Preset.MATCHES_REGEX,
    "re": Preset.MATCHES_REGEX,
    "not_match_regex": Preset.NOT_MATCHES_REGEX,
    "notregex": Preset.NOT_MATCHES_REGEX,
    "nre": Preset.NOT_MATCHES_REGEX,
}

_EQUALITY = frozenset({PropKind.STRING, PropKind.NUMBER, PropKind.BOOLEAN})
_MEMBERSHIP = frozenset({PropKind.STRING, PropKind.NUMBER, PropKind.LIST})
_NUMERIC = frozenset({PropKind.NUMBER})
_DATES = frozenset({PropKind.DATETIME})
_TEXT = frozenset({PropKind.STRING})

#: The property kinds each preset accepts.
KINDS: dict[Preset, frozenset[PropKind]] = {
    Preset.EQUAL_TO: _EQUALITY,
    Preset.NOT_EQUAL_TO: _EQUALITY,
    Preset.ANY_IN: _MEMBERSHIP,
    Preset.NOT_ANY_IN: _MEMBERSHIP,
    Preset.GREATER_THAN: _NUMERIC,
    Preset.GREATER_THAN_OR_EQUAL_TO: _NUMERIC,
    Preset.LESS_THAN: _NUMERIC,
    Preset.LESS_THAN_OR_EQUAL_TO: _NUMERIC,
    Preset.OLDER_THAN: _DATES,
    Preset.OLDER_THAN_OR_EQUAL_TO: _DATES,
    Preset.YOUNGER_THAN: _DATES,
    Preset.YOUNGER_THAN_OR_EQUAL_TO: _DATES,
    Preset.MATCHES_REGEX: _TEXT,
    Preset.NOT_MATCHES_REGEX: _TEXT,
}

DATE_PRESETS = frozenset(
    {
        Preset.OLDER_THAN,
        Preset.OLDER_THAN_OR_EQUAL_TO,
        Preset.YOUNGER_THAN,
        Preset.YOUNGER_THAN_OR_EQUAL_TO,
    }
)
COMPARISON_PRESETS = frozenset(
    {
        Preset.GREATER_THAN,
        Preset.GREATER_THAN_OR_EQUAL_TO,
        Preset.LESS_THAN,
        Preset.LESS_THAN_OR_EQUAL_TO,
    }
)
_TIME_UNITS = ("days", "hours", "minutes", "seconds")


def resolve_preset(name: str | Preset) -> Preset:
    """The preset named by a canonical name, an alias or the enum member itself."""
    if isinstance(name, Preset):
        return name
    if not isinstance(name, str):
        raise PresetError(f"preset must be a string, got {type(name).__name__}")
    key = name.strip().lower()
    try:
        return Preset(key)
    except ValueError:
        pass
    if key in _ALIASES:
        return _ALIASES[key]
    known = ", ".join(p.value for p in Preset)
    raise PresetError(f"unknown preset {name!r} (known: {known})")


@dataclass(frozen=True)
class PresetArgs:
    """The normalised arguments of one preset use.

    ``value`` for equality and numeric comparisons, ``values`` for membership,
    ``span`` for date presets, ``pattern`` for regexes.
    """

    value: Any = None
    values: tuple[Any, ...] = ()
    span: timedelta | None = None
    #: A compiled RE2 pattern (``re2.compile``).
    pattern: Any = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: ``values`` as a set, so membership tests stay O(1) for long value lists
    #: (a chained query restricted to thousands of keys).
    value_set: frozenset[Any] = field(default_factory=frozenset)


def _coerce(value: Any, kind: PropKind, context: str) -> Any:
    """Coerce one preset argument to the property's kind, or raise ``PresetError``."""
    if kind is PropKind.NUMBER:
        if isinstance(value, bool):
            raise PresetError(f"{context}: expected a number, got {value!r}")
        if isinstance(value, int | float):
            return value
        try:
            return float(value) if "." in str(value) else int(str(value))
        except (TypeError, ValueError):
            raise PresetError(f"{context}: expected a number, got {value!r}") from None
    if kind is PropKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise PresetError(f"{context}: expected true or false, got {value!r}")
    if value is None:
        raise PresetError(f"{context}: a value is required")
    return value if kind is PropKind.LIST else str(value)


def _check_names(preset: Preset, args: Mapping[str, Any], allowed: set[str]) -> None:
    """Reject argument names the preset does not take."""
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise PresetError(
            f"preset '{preset.value}' does not take {', '.join(unknown)} "
            f"(it takes {', '.join(sorted(allowed))})"
        )


def build_args(
    preset: Preset, kind: PropKind, prop_name: str, args: Mapping[str, Any]
) -> PresetArgs:
    """Check and normalise ``args`` for ``preset`` on a property of ``kind``."""
    context = f"preset '{preset.value}' on property '{prop_name}'"
    if preset in (Preset.EQUAL_TO, Preset.NOT_EQUAL_TO) or (
        preset in COMPARISON_PRESETS
    ):
        _check_names(preset, args, {"value"})
        if "value" not in args:
            raise PresetError(f"{context} needs 'value'")
        return PresetArgs(value=_coerce(args["value"], kind, context), raw=args)
    if preset in (Preset.ANY_IN, Preset.NOT_ANY_IN):
        _check_names(preset, args, {"values"})
        values = args.get("values")
        if isinstance(values, str | bytes) or not isinstance(
            values, list | tuple | set | frozenset
        ):
            raise PresetError(f"{context} needs 'values', a non-empty list")
        if not values:
            raise PresetError(f"{context}: 'values' must not be empty")
        element_kind = PropKind.STRING if kind is PropKind.LIST else kind
        coerced = tuple(_coerce(v, element_kind, context) for v in values)
        unique = tuple(dict.fromkeys(coerced))
        return PresetArgs(values=unique, raw=args, value_set=frozenset(unique))
    if preset in DATE_PRESETS:
        _check_names(preset, args, set(_TIME_UNITS))
        if not args:
            raise PresetError(
                f"{context} needs at least one of {', '.join(_TIME_UNITS)}"
            )
        amounts: dict[str, float] = {}
        for unit, amount in args.items():
            number = _coerce(amount, PropKind.NUMBER, f"{context}, '{unit}'")
            if number < 0:
                raise PresetError(f"{context}: '{unit}' must not be negative")
            amounts[unit] = number
        return PresetArgs(span=timedelta(**amounts), raw=args)
    # regex presets; ``regex_string`` is the earlier library's spelling and
    # ``value`` upstream openstackquery 1.3's.
    _check_names(preset, args, {"regex", "regex_string", "value"})
    if len(set(args) & {"regex", "regex_string", "value"}) > 1:
        raise PresetError(f"{context}: give the pattern once, as 'regex'")
    pattern = args.get("regex", args.get("regex_string", args.get("value")))
    if not isinstance(pattern, str) or pattern == "":
        raise PresetError(f"{context} needs 'regex', a non-empty string")
    return PresetArgs(pattern=_compile_re2(pattern, context), raw=args)


def _compile_re2(pattern: str, context: str) -> Any:
    """``pattern`` compiled by RE2; ``PresetError`` saying why when RE2 refuses it
    (bad syntax, or a construct RE2 lacks such as a backreference)."""
    options = re2.Options()
    options.log_errors = False  # RE2 would also print the error to stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PresetError(
            f"{context}: invalid regex {pattern!r} for RE2 (Python's syntax without "
            f"backreferences or lookaround): {reason}"
        ) from None


def check_kind(preset: Preset, kind: PropKind, prop_name: str) -> None:
    """Raise ``PresetError`` naming both when ``preset`` does not apply to ``kind``."""
    if kind not in KINDS[preset]:
        allowed = ", ".join(sorted(k.value for k in KINDS[preset]))
        raise PresetError(
            f"preset '{preset.value}' cannot be used on property '{prop_name}' "
            f"(a {kind.value} property; '{preset.value}' applies to {allowed})"
        )


def _as_number(value: Any) -> float | None:
    """A property value as a number, or None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def evaluate(
    preset: Preset, kind: PropKind, args: PresetArgs, value: Any, now: datetime
) -> bool:
    """Whether a property ``value`` satisfies ``preset`` with ``args``.

    ``now`` anchors the date presets so one run uses one instant throughout.
    Missing values never satisfy a positive preset; negative presets are their exact
    complement.
    """
    if preset is Preset.EQUAL_TO:
        return _equal(value, args.value, kind)
    if preset is Preset.NOT_EQUAL_TO:
        return not _equal(value, args.value, kind)
    if preset is Preset.ANY_IN:
        return _member(value, args.value_set, kind)
    if preset is Preset.NOT_ANY_IN:
        return not _member(value, args.value_set, kind)
    if preset in COMPARISON_PRESETS:
        number = _as_number(value)
        if number is None:
            return False
        bound: float = args.value  # a number (build_args)
        if preset is Preset.GREATER_THAN:
            return number > bound
        if preset is Preset.GREATER_THAN_OR_EQUAL_TO:
            return number >= bound
        if preset is Preset.LESS_THAN:
            return number < bound
        return number <= bound
    if preset in DATE_PRESETS:
        moment = to_utc(value)
        if moment is None or args.span is None:
            return False
        limit = now - args.span
        if preset is Preset.OLDER_THAN:
            return moment < limit
        if preset is Preset.OLDER_THAN_OR_EQUAL_TO:
            return moment <= limit
        if preset is Preset.YOUNGER_THAN:
            return moment > limit
        return moment >= limit
    assert args.pattern is not None
    text = "" if value is None else str(value)
    found = args.pattern.search(text) is not None
    return found if preset is Preset.MATCHES_REGEX else not found


def value_test(
    preset: Preset, kind: PropKind, args: PresetArgs, now: datetime
) -> Callable[[Any], bool]:
    """``evaluate`` with everything but the value bound: a predicate on property
    values, specialised for the presets a listing checks on every item."""
    if kind is PropKind.STRING and preset in (Preset.ANY_IN, Preset.NOT_ANY_IN):
        values = args.value_set
        if preset is Preset.ANY_IN:
            return lambda value: value is not None and str(value) in values
        return lambda value: value is None or str(value) not in values
    if kind is PropKind.STRING and preset in (Preset.EQUAL_TO, Preset.NOT_EQUAL_TO):
        expected = args.value
        if preset is Preset.EQUAL_TO:
            return lambda value: value is not None and str(value) == expected
        return lambda value: value is None or str(value) != expected
    if preset in DATE_PRESETS and args.span is not None:
        limit = now - args.span
        compare = _DATE_COMPARISONS[preset]

        def test(value: Any) -> bool:
            moment = to_utc(value)
            return moment is not None and compare(moment, limit)

        return test
    return lambda value: evaluate(preset, kind, args, value, now)


_DATE_COMPARISONS: dict[Preset, Callable[[datetime, datetime], bool]] = {
    Preset.OLDER_THAN: operator.lt,
    Preset.OLDER_THAN_OR_EQUAL_TO: operator.le,
    Preset.YOUNGER_THAN: operator.gt,
    Preset.YOUNGER_THAN_OR_EQUAL_TO: operator.ge,
}


def _equal(value: Any, expected: object, kind: PropKind) -> bool:
    """Equality by kind: numbers numerically, booleans strictly, strings exactly."""
    if value is None:
        return False
    if kind is PropKind.NUMBER:
        number = _as_number(value)
        return number is not None and number == expected
    if kind is PropKind.BOOLEAN:
        return isinstance(value, bool) and value is expected
    return str(value) == expected


def _member(value: Any, values: frozenset[Any], kind: PropKind) -> bool:
    """Membership by kind; a list property matches when any element is in ``values``."""
    if value is None:
        return False
    if kind is PropKind.LIST:
        return any(str(v) in values for v in value)
    if kind is PropKind.NUMBER:
        number = _as_number(value)
        return number is not None and number in values
    return str(value) in values
