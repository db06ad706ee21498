"""The pack's own rule: each workflow action's YAML matches its workflow function.

For every action whose entry point is ``src/workflow_actions.py``: an immutable string
parameter ``workflow`` with a default that ``workflows.registry.resolve_workflow``
resolves; the other YAML parameters (minus a ``timeout`` runner override) EQUAL
``expected_action_parameters(func)``; a function parameter without a default is
``required: true`` (or has a YAML default) in the YAML; YAML and function defaults agree.

The pack's ``lib/`` is imported in isolation (its modules are removed from and then
restored to ``sys.modules``), so linting a modified copy of the pack sees the copy.
"""

from __future__ import annotations

import contextlib
import enum
import importlib
import inspect
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from tools.pack_lint.context import PackContext
from tools.pack_lint.core import RUNNER_PARAMETERS
from tools.pack_lint.problems import Problem, key_path

WORKFLOW_ENTRY_POINT = "src/workflow_actions.py"
WORKFLOW_PARAMETER = "workflow"
REGISTRY_MODULE = "workflows.registry"


@contextlib.contextmanager
def isolated_lib(lib_dir: Path) -> Iterator[None]:
    """Import from ``lib_dir`` first, without leaking its modules to the caller.

    Modules named like a top-level package or module of ``lib_dir`` are set aside,
    ``lib_dir`` goes first on ``sys.path``; afterwards both are restored.
    """
    names = {p.stem if p.suffix == ".py" else p.name for p in lib_dir.iterdir()}
    names = {n for n in names if n.isidentifier()}

    def ours(module: str) -> bool:
        return module.split(".", 1)[0] in names

    saved_modules = {k: v for k, v in sys.modules.items() if ours(k)}
    saved_path = list(sys.path)
    for key in saved_modules:
        del sys.modules[key]
    sys.path.insert(0, str(lib_dir))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        for key in [k for k in sys.modules if ours(k)]:
            del sys.modules[key]
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path
        importlib.invalidate_caches()


def check_wiring(ctx: PackContext) -> list[Problem]:
    """Check every workflow action against its function (see the module docstring)."""
    stray = [
        Problem(
            meta.path,
            "entry_point",
            f"a python-script action must use {WORKFLOW_ENTRY_POINT} (DESIGN.md: no "
            "per-action Python; add a workflow function under lib/workflows instead)",
        )
        for meta in ctx.files.get("actions", [])
        if isinstance(meta.data, Mapping)
        and meta.data.get("runner_type") == "python-script"
        and isinstance(meta.data.get("entry_point"), str)
        and meta.data["entry_point"] != WORKFLOW_ENTRY_POINT
    ]
    actions = [
        (meta.path, meta.data)
        for meta in ctx.files.get("actions", [])
        if isinstance(meta.data, Mapping)
        and meta.data.get("entry_point") == WORKFLOW_ENTRY_POINT
    ]
    if not actions:
        return stray
    lib_dir = ctx.pack_dir / "lib"
    if not (lib_dir / "workflows" / "registry.py").is_file():
        return stray + [
            Problem(file, "entry_point", "lib/workflows/registry.py is missing")
            for file, _ in actions
        ]
    problems: list[Problem] = list(stray)
    with isolated_lib(lib_dir):
        try:
            registry = importlib.import_module(REGISTRY_MODULE)
        except Exception as exc:
            return stray + [
                Problem(
                    file,
                    "entry_point",
                    f"importing lib/workflows/registry.py failed: {exc!r}",
                )
                for file, _ in actions
            ]
        for file, data in actions:
            problems.extend(_check_action(registry, file, data))
    return problems


def _check_action(
    registry: ModuleType, file: str, data: Mapping[str, Any]
) -> list[Problem]:
    """Wiring problems of one workflow action."""
    name = data.get("name", Path(file).stem)
    label = f"action {name!r}"
    params = data.get("parameters")
    params = params if isinstance(params, Mapping) else {}
    spec = params.get(WORKFLOW_PARAMETER)
    key = key_path("parameters", WORKFLOW_PARAMETER)
    if not isinstance(spec, Mapping):
        return [
            Problem(
                file, key, f"{label}: a workflow action needs a 'workflow' parameter"
            )
        ]
    problems: list[Problem] = []
    if spec.get("type") != "string":
        problems.append(
            Problem(file, key_path(key, "type"), f"{label}: must be 'string'")
        )
    if spec.get("immutable") is not True:
        problems.append(
            Problem(
                file,
                key_path(key, "immutable"),
                f"{label}: 'workflow' must be immutable",
            )
        )
    ref = spec.get("default")
    if not isinstance(ref, str) or not ref:
        problems.append(
            Problem(
                file,
                key_path(key, "default"),
                f"{label}: needs a '<module>.<function>' default",
            )
        )
        return problems
    try:
        func = registry.resolve_workflow(ref)
    except registry.WorkflowResolutionError as exc:
        problems.append(Problem(file, key_path(key, "default"), f"{label}: {exc}"))
        return problems
    except Exception as exc:
        problems.append(
            Problem(
                file,
                key_path(key, "default"),
                f"{label}: importing {ref!r} failed: {exc!r}",
            )
        )
        return problems
    problems.extend(
        _compare(registry, file, label, func, params, data.get("runner_type"))
    )
    return problems


def _compare(
    registry: ModuleType,
    file: str,
    label: str,
    func: Any,
    params: Mapping[str, Any],
    runner: Any,
) -> list[Problem]:
    """YAML parameters versus the function's, both ways, plus required/defaults."""
    qualname = f"{func.__module__}.{func.__name__}"
    runner_params = (
        set(RUNNER_PARAMETERS.get(runner, {})) if isinstance(runner, str) else set()
    )
    signature = inspect.signature(func)
    injections: Mapping[str, Any] = registry.INJECTIONS
    problems: list[Problem] = []

    def report(key: str, message: str) -> None:
        problems.append(Problem(file, key, f"{label}: {message}"))

    for pname, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            report(
                "parameters",
                f"function {qualname} takes *{pname}; an action cannot feed it",
            )
        elif pname in runner_params:
            report(
                "parameters",
                f"function {qualname} has parameter {pname!r}, a runner parameter name "
                "that StackStorm never passes to run(); rename it",
            )
    yaml_names = set(params) - {WORKFLOW_PARAMETER} - runner_params
    expected = set(registry.expected_action_parameters(func)) - runner_params
    feeds = {
        inj.source: name
        for name, inj in injections.items()
        if inj.source is not None and name in signature.parameters
    }
    for missing in sorted(expected - yaml_names):
        why = f" (it feeds the injected {feeds[missing]!r})" if missing in feeds else ""
        report(
            "parameters",
            f"function {qualname} has parameter {missing!r} missing from the YAML{why}",
        )
    for extra in sorted(yaml_names - expected):
        report(
            key_path("parameters", str(extra)),
            f"parameter {extra!r} is not a parameter of function {qualname}",
        )
    for pname, parameter in signature.parameters.items():
        spec = params.get(pname)
        if pname in injections or not isinstance(spec, Mapping):
            continue
        if parameter.default is inspect.Parameter.empty:
            if spec.get("required") is not True and "default" not in spec:
                report(
                    key_path("parameters", pname, "required"),
                    f"function {qualname} has no default for {pname!r}, so the YAML "
                    "must say 'required: true' (or give a default)",
                )
        elif "default" in spec:
            func_default = _plain(parameter.default)
            if spec["default"] != func_default:
                report(
                    key_path("parameters", pname, "default"),
                    f"YAML default {spec['default']!r} differs from the default "
                    f"{func_default!r} of function {qualname}",
                )
    return problems


def _plain(value: Any) -> Any:
    """A function default as YAML would spell it (enums by value, tuples as lists)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value
