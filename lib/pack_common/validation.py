"""Workflow parameter validation: the one place that says what a whole number, a
finite number, a list of names or a new resource's name is, and what range each kind
of number may take.

Every numeric action parameter goes through ``whole_number`` or ``finite_number``,
and every list-of-names parameter through ``name_list``, so bad input gets one kind
of message naming the parameter (``parameter 'days': must be a whole number from 0
to 36500 (100 years), got 1000000000000``) before anything is asked of the cloud.
The number rules:

- ``bool`` is never a number (Python's ``True`` is an ``int``; an operator's
  ``true`` for ``days`` is a mistake, not 1);
- NaN and ±infinity are refused (``float("nan")`` compares false with everything,
  so a filter on it silently matches nothing or everything);
- a whole number may be given as an integral float (``30.0``), returned as ``int``;
- the bounds are those of the API or of Python: time spans stay within 100 years
  so ``datetime.now() - timedelta(...)`` cannot overflow (``timedelta`` stops at
  999,999,999 days and ``datetime`` at year 1), and quota limits within the
  ``-1 .. 2**31-1`` Nova, Neutron and Cinder accept (their databases' ``INT``).

The actions' YAML schemas carry the same ``minimum``/``maximum`` (and array item
types) for the Web UI and ``st2 run``; these checks stay the source of truth for
direct calls.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from pack_common.errors import ConfigError, InputError

#: The largest value of a 32-bit signed integer column (Nova's, Neutron's and
#: Cinder's ``MAX_INT``: the largest quota limit they accept).
INT32_MAX = 2**31 - 1

#: The largest magnitude a compared value may have: a 64-bit signed integer, the
#: widest column any searched property lives in (Glance's image ``size``); past it
#: a comparison can only be always true or always false.
INT64_MAX = 2**63 - 1

#: The longest time span a search or campaign accepts: 100 years.
MAX_SPAN_YEARS = 100
#: That span in each unit a parameter may use (365-day years).
MAX_SPAN = {
    "days": MAX_SPAN_YEARS * 365,
    "hours": MAX_SPAN_YEARS * 365 * 24,
    "minutes": MAX_SPAN_YEARS * 365 * 24 * 60,
    "seconds": MAX_SPAN_YEARS * 365 * 24 * 60 * 60,
}


def _range_text(minimum: float | None, maximum: float | None, note: str) -> str:
    """``from 0 to 36500 (100 years)``, ``>= 1`` or ``<= 10``."""
    if minimum is not None and maximum is not None:
        text = f"from {minimum} to {maximum}"
    elif minimum is not None:
        text = f">= {minimum}"
    elif maximum is not None:
        text = f"<= {maximum}"
    else:
        text = ""
    return f"{text} ({note})" if note else text


def _fail(name: str, kind: str, value: Any, limits: str, context: str) -> InputError:
    """The ``InputError`` for ``value``: what it must be and what it was."""
    prefix = f"{context}: " if context else ""
    must = f"{kind} {limits}" if limits else kind
    return InputError(name, f"{prefix}must be {must}, got {value!r}")


def _whole(value: Any, minimum: int | None, maximum: int | None) -> int | None:
    """``value`` as an ``int`` when it is a whole number within the bounds (an
    integral float counts; bools, NaN and infinities do not), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        return None
    return value


def whole_number(
    name: str,
    value: Any,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    note: str = "",
    context: str = "",
) -> int:
    """``value`` as an ``int`` within ``minimum``..``maximum`` (inclusive; None is
    unbounded), else ``InputError`` naming parameter ``name`` and the range.

    ``note`` explains the range (``"100 years"``, ``"-1 means unlimited"``);
    ``context`` names the part of a structured parameter (``compute.cores``).
    Bools, NaN, infinities, fractions and non-numbers are refused.
    """
    number = _whole(value, minimum, maximum)
    if number is None:
        limits = _range_text(minimum, maximum, note)
        raise _fail(name, "a whole number", value, limits, context)
    return number


def config_whole_number(
    where: str,
    value: Any,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    note: str = "",
) -> int:
    """``whole_number`` for a pack config value: the same rule, but a
    ``ConfigError`` saying ``where`` the value is (``pack config
    'icinga_accounts' entry 'main': 'timeout'``)."""
    number = _whole(value, minimum, maximum)
    if number is None:
        limits = _range_text(minimum, maximum, note)
        must = f"a whole number {limits}" if limits else "a whole number"
        raise ConfigError(f"{where} must be {must}, got {value!r}")
    return number


def optional_whole_number(
    name: str,
    value: Any,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    note: str = "",
) -> int | None:
    """``whole_number`` for a parameter that may be left out (None stays None)."""
    if value is None:
        return None
    return whole_number(name, value, minimum, maximum, note=note)


def finite_number(
    name: str,
    value: Any,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    note: str = "",
) -> int | float:
    """``value`` (an ``int`` or a finite ``float``) within the bounds, else
    ``InputError`` naming ``name``: bools, NaN, ±infinity and non-numbers refused.
    An ``int`` stays an ``int`` (exact comparisons with integer properties)."""
    kind = "a finite number"
    limits = _range_text(minimum, maximum, note)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(name, kind, value, limits, "")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(name, kind, value, limits, "")
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise _fail(name, kind, value, limits, "")
    return value


def comparison_value(name: str, value: Any) -> int | float:
    """A finite number within ±(2**63-1) to compare a numeric property with."""
    return finite_number(
        name, value, -INT64_MAX, INT64_MAX, note="a 64-bit integer's range"
    )


def time_span(name: str, value: Any) -> int:
    """A whole number of ``name`` units (days, hours, minutes, seconds) from 0 up to
    100 years, so subtracting it from now can never overflow."""
    return whole_number(name, value, 0, MAX_SPAN[name], note=f"{MAX_SPAN_YEARS} years")


def days(name: str, value: Any) -> int:
    """A whole number of days from 0 to 100 years, for any parameter name."""
    return whole_number(
        name, value, 0, MAX_SPAN["days"], note=f"{MAX_SPAN_YEARS} years"
    )


def name_list(
    name: str,
    values: Any,
    *,
    required: bool = True,
    what: str = "name or id",
) -> list[str]:
    """The names (or ids, or search values) listed in parameter ``name``: each
    stripped of surrounding whitespace, repeats dropped, the order kept.

    One rule for every list-of-names parameter (``users``, ``flavor_names``,
    ``hypervisor_names``, a search's ``values``, ``admins``/``members``...):

    - a lone string is one name (``"alice"`` is ``["alice"]``); it is not split on
      commas: StackStorm and ``run_action.sh`` already turn ``a,b`` into a list, and
      a name may contain a comma;
    - None is no names; any other value that is not a list or tuple is refused;
    - every item must be a string with more than whitespace in it: ``""``, ``" "``,
      None and numbers are refused, naming the item (a blank is a slip, never a
      wildcard, and is not silently dropped);
    - no names at all is refused when ``required`` (the default), else ``[]``.

    ``what`` is the noun the messages use for one item (after "a"): "name or id",
    "name", "value", "user name or id". Every error is an ``InputError`` naming
    ``name``: ``parameter 'users': give at least one name or id``,
    ``parameter 'admins': '' is not a user name or id``.
    """
    if values is None:
        values = []
    elif isinstance(values, str):
        values = [values]
    elif not isinstance(values, list | tuple):
        raise InputError(name, f"must be a list of {what}s, got {values!r}")
    cleaned: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise InputError(name, f"{value!r} is not a {what}")
        cleaned[value.strip()] = None
    if required and not cleaned:
        raise InputError(name, f"give at least one {what}")
    return list(cleaned)


#: Unicode categories refused in a new resource's name: controls (C0, DEL, C1:
#: newline, tab, escape...), line and paragraph separators. Keystone, Nova and
#: Neutron store them, but they break logs, CSV, shells and terminals that later
#: show the name.
_BAD_NAME_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
#: Bidirectional overrides and isolates, which make a name display as another.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def new_name(parameter: str, value: Any, what: str, max_length: int) -> str:
    """The name of a ``what`` to create, stripped of surrounding spaces: 1 to
    ``max_length`` characters with no control character (checked before stripping,
    so a trailing newline is refused too)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(parameter, f"a {what} name is required")
    for char in value:
        if unicodedata.category(char) in _BAD_NAME_CATEGORIES or char in _BIDI_CONTROLS:
            raise InputError(
                parameter,
                f"{value!r} contains the control character U+{ord(char):04X}: names "
                "may not contain control characters (newline, tab, escape, DEL...)",
            )
    name = value.strip()
    if len(name) > max_length:
        raise InputError(
            parameter,
            f"{len(name)} characters: a {what} name may have at most {max_length}",
        )
    return name
