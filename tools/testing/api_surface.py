"""The public API of modules as plain data, to compare the stand-in with StackStorm.

``python -m tools.testing.api_surface [--stand-in] MODULE...`` prints, as JSON, what
each module offers: its public classes (signature and public members), functions
(signature) and data (type, and value when it is JSON). Run once with the stand-in
first on the path (``--stand-in``) and once with StackStorm's python; ``compare``
lists where the stand-in differs from StackStorm.

A module's names are those not starting with ``_`` that are not modules or
``__future__`` features; a signature is the parameters' names, kinds and whether they
have a default; a class's members are its public attributes plus ``__init__``. For
the stand-in, only what it defines counts: not names it imports from outside
StackStorm's packages (``typing.Any``), not members inherited from outside them
(``unittest.TestCase``'s), and a class another library builds (``jsonschema``'s
``create``) is compared by kind only.
"""

from __future__ import annotations
import __future__

import importlib
import inspect
import json
import sys
import types
from collections.abc import Iterable
from typing import Any

#: The packages whose API the stand-in reproduces.
STACKSTORM_PACKAGES = ("st2common", "st2reactor", "st2tests")

_MISSING = object()


def _top_package(obj: Any) -> str:
    """The top-level package an object was defined in (``""`` when unknown)."""
    return str(getattr(obj, "__module__", None) or "").split(".")[0]


def _signature(obj: Any) -> list[list[Any]] | None:
    """``[[name, kind, has_default], ...]`` of a callable, or ``None`` if unknown."""
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    return [
        [p.name, p.kind.name, p.default is not inspect.Parameter.empty]
        for p in parameters
    ]


def _data(obj: Any) -> dict[str, Any]:
    """A data attribute: its type and, when it is JSON, its value."""
    try:
        value = json.loads(json.dumps(obj))
    except (TypeError, ValueError):
        value = None
    return {"kind": "data", "type": type(obj).__name__, "value": value}


def _member(raw: Any) -> dict[str, Any]:
    """A class attribute as found in the body of the class that defines it."""
    if isinstance(raw, property):
        return {"kind": "property"}
    for wrapper, kind in ((staticmethod, "staticmethod"), (classmethod, "classmethod")):
        if isinstance(raw, wrapper):
            return {"kind": kind, "signature": _signature(raw.__func__)}
    if inspect.isfunction(raw):
        return {"kind": "function", "signature": _signature(raw)}
    if inspect.isclass(raw):
        return {"kind": "class"}
    return _data(raw)


def _members(cls: type, stand_in: bool) -> dict[str, dict[str, Any]]:
    """Public members (and ``__init__``) of a class; for the stand-in only those a
    class of StackStorm's packages defines (not ``object``'s or ``TestCase``'s)."""
    result: dict[str, dict[str, Any]] = {}
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None:
            continue
        if stand_in and _top_package(owner) not in STACKSTORM_PACKAGES:
            continue
        result[name] = _member(vars(owner)[name])
    return result


def _imported_from_elsewhere(name: str, obj: Any) -> bool:
    """Whether ``obj`` is ``name`` of a module outside StackStorm's packages."""
    origin = sys.modules.get(str(getattr(obj, "__module__", None) or ""))
    if origin is None or _top_package(obj) in STACKSTORM_PACKAGES:
        return False
    return getattr(origin, name, _MISSING) is obj


def describe_object(obj: Any, stand_in: bool) -> dict[str, Any]:
    """One public name of a module, as plain data (see the module docstring)."""
    if inspect.isclass(obj):
        if _top_package(obj) not in STACKSTORM_PACKAGES and stand_in:
            return {"kind": "class", "built_by": _top_package(obj)}
        return {
            "kind": "class",
            "signature": _signature(obj),
            "members": _members(obj, stand_in),
        }
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {"kind": "function", "signature": _signature(obj)}
    return _data(obj)


def describe_module(name: str, stand_in: bool) -> dict[str, Any]:
    """``{"file", "names"}`` of an importable module, ``{"error"}`` otherwise."""
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # any import failure means the module is not usable
        return {"error": f"{type(exc).__name__}: {exc}"}
    names: dict[str, Any] = {}
    for attr, obj in sorted(vars(module).items()):
        if (
            attr.startswith("_")
            or isinstance(obj, types.ModuleType | __future__._Feature)
            or (stand_in and _imported_from_elsewhere(attr, obj))
        ):
            continue
        names[attr] = describe_object(obj, stand_in)
    return {"file": getattr(module, "__file__", None), "names": names}


def describe(modules: Iterable[str], stand_in: bool) -> dict[str, Any]:
    """Descriptions of several modules, by name."""
    return {name: describe_module(name, stand_in) for name in modules}


def _compare_signature(where: str, stand_in: Any, real: Any) -> list[str]:
    """A difference of two signatures (``None``: not introspectable, not compared)."""
    if stand_in is None or real is None or stand_in == real:
        return []
    return [f"{where}: signature {_show(stand_in)} but StackStorm has {_show(real)}"]


def _show(signature: list[list[Any]]) -> str:
    """``(a, b=…, *args, **kwargs)`` from a described signature."""
    prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}
    parts = [
        prefix.get(kind, "") + name + ("=…" if has_default else "")
        for name, kind, has_default in signature
    ]
    return f"({', '.join(parts)})"


def compare_object(where: str, stand_in: dict[str, Any], real: Any) -> list[str]:
    """Where one stand-in name differs from StackStorm's (``real`` may be missing)."""
    if real is None:
        return [f"{where}: StackStorm has no such name (stand-in {stand_in['kind']})"]
    if stand_in["kind"] != real["kind"]:
        return [f"{where}: a {stand_in['kind']} in the stand-in, a {real['kind']}"]
    problems = _compare_signature(
        where, stand_in.get("signature"), real.get("signature")
    )
    if stand_in["kind"] == "data":
        if stand_in["type"] != real["type"]:
            problems.append(
                f"{where}: {stand_in['type']} but StackStorm's is {real['type']}"
            )
        elif None not in (stand_in["value"], real["value"]) and stand_in != real:
            problems.append(f"{where}: {stand_in['value']!r} != {real['value']!r}")
    for name, member in stand_in.get("members", {}).items():
        other = real.get("members", {}).get(name)
        problems += compare_object(f"{where}.{name}", member, other)
    return problems


def compare(stand_in: dict[str, Any], real: dict[str, Any]) -> list[str]:
    """Every difference between described stand-in modules and StackStorm's."""
    problems: list[str] = []
    for module, description in sorted(stand_in.items()):
        if "error" in description:
            problems.append(
                f"{module}: the stand-in does not import: {description['error']}"
            )
            continue
        other = real.get(module, {"error": "not described"})
        if "error" in other:
            problems.append(f"{module}: no such StackStorm module ({other['error']})")
            continue
        for name, obj in description["names"].items():
            problems += compare_object(
                f"{module}.{name}", obj, other["names"].get(name)
            )
    return problems


def main(argv: list[str]) -> int:
    """``[--stand-in] MODULE...``: print their descriptions as JSON."""
    stand_in = "--stand-in" in argv
    modules = [arg for arg in argv if not arg.startswith("--")]
    json.dump(describe(modules, stand_in=stand_in), sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
