"""StackStorm rule evaluation, for the pack's rule tests.

A test-only re-implementation of what StackStorm's rules engine does with a trigger
instance (``st2reactor.rules.filter`` and ``st2common.operators``) and of how it
renders the rule's action parameters (``st2common.util.jinja.render_values``), so
rules can be checked without StackStorm:

- Each criteria key is ``trigger.<path>`` (a ``#suffix`` allows several criteria on
  one field); the payload value at that path is ``None`` when absent. A rule with
  criteria never matches an empty payload; every criterion must hold.
- Operators keep StackStorm's semantics, including its quirks: a ``None`` pattern
  never matches (except nequals/exists/nexists); ``inside`` is ``value in pattern``;
  ``regex`` searches, ``matchregex`` matches at the start; ``lessthan`` compares
  with Python's ``<``.
- Action parameters: strings are rendered as Jinja with ``trigger`` (undefined names
  are errors); lists and dicts are rendered through their JSON text and parsed
  back; a value without a template keeps its type. The results are cast to the
  action's parameter types like StackStorm's casts.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import jinja2

Operator = Callable[[Any, Any], bool]


def _guard(check: Callable[[Any, Any], bool]) -> Operator:
    """StackStorm's operators fail on a ``None`` pattern."""

    def run(value: Any, pattern: Any) -> bool:
        if pattern is None:
            return False
        return bool(check(value, pattern))

    return run


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


OPERATORS: dict[str, Operator] = {
    "equals": _guard(lambda v, p: v == p),
    "nequals": lambda v, p: v != p,
    "iequals": _guard(lambda v, p: _lower(v) == _lower(p)),
    "contains": _guard(lambda v, p: p in v),
    "icontains": _guard(lambda v, p: _lower(p) in _lower(v)),
    "ncontains": _guard(lambda v, p: p not in v),
    "incontains": _guard(lambda v, p: _lower(p) not in _lower(v)),
    "startswith": _guard(lambda v, p: v.startswith(p)),
    "istartswith": _guard(lambda v, p: v.lower().startswith(p.lower())),
    "endswith": _guard(lambda v, p: v.endswith(p)),
    "iendswith": _guard(lambda v, p: v.lower().endswith(p.lower())),
    "lessthan": _guard(lambda v, p: v < p),
    "greaterthan": _guard(lambda v, p: v > p),
    "matchwildcard": _guard(lambda v, p: fnmatch.fnmatch(v, p)),
    "matchregex": _guard(lambda v, p: re.compile(p, re.DOTALL).match(v) is not None),
    "regex": _guard(lambda v, p: re.compile(p).search(v) is not None),
    "iregex": _guard(lambda v, p: re.compile(p, re.IGNORECASE).search(v) is not None),
    "exists": lambda v, p: v is not None,
    "nexists": lambda v, p: v is None,
    "inside": _guard(lambda v, p: v in p),
    "ninside": _guard(lambda v, p: v not in p),
}
_ALIASES = {
    "eq": "equals",
    "neq": "nequals",
    "ieq": "iequals",
    "lt": "lessthan",
    "gt": "greaterthan",
    "in": "inside",
    "nin": "ninside",
}


class UnsupportedOperator(ValueError):
    """An operator this evaluator does not implement (timediff_*, search)."""


def operator(name: str) -> Operator:
    """The implementation of operator ``name`` (case-insensitive, short forms too)."""
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in OPERATORS:
        raise UnsupportedOperator(f"operator {name!r} is not implemented here")
    return OPERATORS[key]


def payload_value(payload: Mapping[str, Any], key: str) -> Any:
    """The value at criteria key ``trigger.<path>[#suffix]``, None when absent."""
    path = key.split("#", 1)[0].split(".")
    if path[0] != "trigger":
        raise ValueError(f"criteria key {key!r} does not start with 'trigger.'")
    value: Any = payload
    for part in path[1:]:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def criterion_holds(key: str, criterion: Mapping[str, Any], payload: Any) -> bool:
    """Whether one criterion holds for ``payload``; an operator error is False."""
    op = operator(str(criterion["type"]))
    value = payload_value(payload, key)
    try:
        return op(value, criterion.get("pattern"))
    except Exception:  # StackStorm logs it and the rule does not match
        return False


def rule_matches(rule: Mapping[str, Any], payload: Mapping[str, Any] | None) -> bool:
    """Whether ``rule`` (parsed YAML) fires for a trigger instance with ``payload``."""
    criteria = rule.get("criteria") or {}
    if criteria and not payload:
        return False
    return all(criterion_holds(k, c, payload) for k, c in criteria.items())


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined)


class KeyValueLookup:
    """``st2kv.system`` as StackStorm's rule renderer gives it (st2common
    services/keyvalues.py KeyValueLookup): ``.name`` and ``['name']`` look up a key,
    chained lookups join with dots, and a key that is not stored renders as ""."""

    def __init__(self, values: Mapping[str, str], key: str = "") -> None:
        self._values = values
        self._key = key

    def _get(self, name: str) -> KeyValueLookup:
        key = f"{self._key}.{name}" if self._key else name
        return KeyValueLookup(self._values, key)

    def __getattr__(self, name: str) -> KeyValueLookup:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._get(name)

    def __getitem__(self, name: str) -> KeyValueLookup:
        return self._get(name)

    def __str__(self) -> str:
        return str(self._values.get(self._key, ""))


def render_parameters(
    parameters: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Render a rule's action parameters with ``context`` (``{"trigger": payload}``)."""
    rendered: dict[str, Any] = {}
    for name, value in parameters.items():
        structured = isinstance(value, dict | list)
        text = json.dumps(value) if structured else str(value)
        out = _ENV.from_string(text).render(dict(context))
        if out == text:
            rendered[name] = value
        else:
            rendered[name] = json.loads(out) if structured else out
    return rendered


def cast_value(value: Any, type_name: str | None) -> Any:
    """Cast one string to a parameter type as StackStorm does (JSON, then a Python
    literal, for arrays and objects). Non-strings and unknown types pass through."""
    if not isinstance(value, str):
        return value
    if type_name in ("array", "object"):
        try:
            return json.loads(value)
        except ValueError:
            return ast.literal_eval(value)
    if type_name == "boolean":
        return ast.literal_eval(value.capitalize())
    if type_name == "integer":
        return int(value)
    if type_name == "number":
        return float(value)
    return value


def cast_parameters(
    values: Mapping[str, Any],
    action_parameters: Mapping[str, Mapping[str, Any]],
    cast: Callable[[Any, str | None], Any] = cast_value,
) -> dict[str, Any]:
    """Cast rendered values to the action's parameter types (StackStorm's casts);
    ``cast`` converts one value given its declared type."""
    return {
        name: cast(value, (action_parameters.get(name) or {}).get("type"))
        for name, value in values.items()
    }
