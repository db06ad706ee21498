"""``./run_action.sh ACTION --help`` and ``./run_action.sh --help``: what an operator
needs to run an action without opening its YAML.

An action's help shows its description, then its parameters in the action's designed
order (``position`` first, by position; the others in the YAML's order), each with its
type, whether it is required, its default, its enum values and its description.
Immutable parameters (the internal ``workflow``) are hidden, as the st2 Web UI hides
them. The runner's own parameters (``log_level``, ``timeout``, ...) follow, with what
each does in a local run.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from tools.pack_meta import ActionMeta, load_actions

#: Width the help text is wrapped to.
WIDTH = 88

#: What each python-script runner parameter does when run with ``run_action.sh``.
LOCAL_EFFECT = {
    "log_level": "sets the level of the action's log lines (stderr) for this run",
    "timeout": "accepted; no effect locally (StackStorm kills the action after it)",
    "env": "accepted; no effect locally (StackStorm sets these environment variables)",
    "debug": "accepted; no effect locally (StackStorm's debug mode)",
    "content_version": "accepted; no effect locally (a git revision of the pack)",
}


def operator_parameters(meta: ActionMeta) -> list[tuple[str, dict[str, Any]]]:
    """The action's parameters an operator may give, in the designed order:
    those with a ``position`` first (by position), then the rest in YAML order;
    immutable ones left out."""
    visible = [
        (index, name, spec)
        for index, (name, spec) in enumerate(meta.parameters.items())
        if not spec.get("immutable")
    ]
    visible.sort(
        key=lambda item: (
            (0, item[2]["position"], item[0])
            if isinstance(item[2].get("position"), int)
            else (1, 0, item[0])
        )
    )
    return [(name, spec) for _, name, spec in visible]


def _show(value: Any) -> str:
    """A default or enum value as it is written on the command line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value and value.strip() == value else json.dumps(value)
    return json.dumps(value)


def _type(spec: dict[str, Any]) -> str:
    """The parameter's type, with the item type of an array."""
    kind = str(spec.get("type", "string"))
    items = spec.get("items")
    if kind == "array" and isinstance(items, dict) and items.get("type"):
        return f"array of {items['type']}"
    return kind


def describe_parameter(name: str, spec: dict[str, Any], note: str = "") -> list[str]:
    """The help lines of one parameter."""
    facts = [_type(spec), "required" if spec.get("required") else "optional"]
    if spec.get("secret"):
        facts.append("secret")
    lines = [f"  {name} ({', '.join(facts)})"]
    body: list[str] = []
    if "default" in spec:
        body.append(f"default: {_show(spec['default'])}")
    if "enum" in spec:
        body.append("one of: " + ", ".join(_show(value) for value in spec["enum"]))
    for bound in ("minimum", "maximum", "minItems", "maxItems"):
        if bound in spec:
            body.append(f"{bound}: {spec[bound]}")
    description = " ".join(str(spec.get("description", "")).split())
    if description:
        body.append(description)
    if note:
        body.append(f"locally: {note}")
    for text in body:
        lines += textwrap.wrap(
            text, WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 6
        )
    return lines


def action_help(meta: ActionMeta, runner: dict[str, dict[str, Any]]) -> str:
    """The help text of one action (``runner``: its runner's parameters)."""
    lines = [f"{meta.name} (openstack_ops.{meta.name}, runner {meta.runner_type})"]
    lines += textwrap.wrap(
        meta.description, WIDTH, initial_indent="  ", subsequent_indent="  "
    )
    lines += ["", f"Usage: ./run_action.sh {meta.name} [key=value ...] [--config FILE]"]
    lines += ["", "Parameters (in the action's order):"]
    params = operator_parameters(meta)
    for name, spec in params:
        lines += describe_parameter(name, spec)
    if not params:
        lines.append("  none")
    shown = [
        (name, spec) for name, spec in runner.items() if name not in meta.parameters
    ]
    if shown:
        lines += ["", f"Runner parameters ({meta.runner_type}, as in st2 run):"]
        for name, spec in shown:
            lines += describe_parameter(name, spec, LOCAL_EFFECT.get(name, ""))
    lines += [
        "",
        "Values are read as `st2 run` reads them: booleans are true/false, arrays",
        "a,b or JSON, objects k=v,k2=v2 or JSON; @key=FILE sends a file's text.",
    ]
    return "\n".join(lines)


def general_help() -> str:
    """``./run_action.sh --help``: usage, options and the actions."""
    actions = load_actions()
    lines = [
        "Run an openstack_ops action locally, like `st2 run`.",
        "",
        "Usage:",
        "  ./run_action.sh ACTION [key=value ...] [--config FILE]",
        "  ./run_action.sh --devcloud ACTION [key=value ...]",
        "  ./run_action.sh ACTION --help     the action's parameters",
        "  ./run_action.sh --list            the actions, one a line",
        "",
        "Options:",
        "  --config FILE   pack config (YAML); else $OPENSTACK_OPS_CONFIG, else the",
        "                  local cloud's .devcloud/openstack_ops.yaml",
        "  --devcloud      bring up and seed the local cloud if it is not running",
        "                  (tools/devcloud/devcloud up + seed), then use its config",
        "  -h, --help      this text, or an action's parameters after ACTION",
        "",
        "Actions (full descriptions: --list; parameters: ACTION --help):",
    ]
    for meta in actions:
        first = meta.description.split(". ")[0].rstrip(".") + "."
        lines.append(f"  {meta.name}")
        lines += textwrap.wrap(
            first, WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 6
        )
    return "\n".join(lines)
