"""``./run_action.sh [--devcloud] ACTION [key=value ...] [--config FILE]``, ``ACTION
--help``, ``--help`` and ``--list``.

Runs one pack action the way StackStorm would, without StackStorm: parameters parsed
as ``st2 run`` parses them and validated as StackStorm validates them (``params``),
the pack config loaded with schema defaults, the action's entry point loaded by file
path and its single action class run with a file-backed datastore (so campaign state
survives between runs). Prints the result (JSON, or a text result such as a table as
is, like the st2 CLI) and a ``status:`` line; exits 2 on bad input (nothing run) and 1
when the execution failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from tools.pack_meta import PACK_DIR, ActionMeta, find_action, load_actions
from tools.run_action.config import load_config, searched
from tools.run_action.devcloud import DevcloudError, ensure_devcloud
from tools.run_action.help import action_help, general_help
from tools.run_action.params import ParameterError, resolve, runner_parameters

PACK_REF = "openstack_ops"
STUB_DIR = PACK_DIR / "tools" / "st2stub"


def state_dir() -> Path:
    """Where the local datastore file lives."""
    return Path(os.environ.get("OPENSTACK_OPS_STATE_DIR", PACK_DIR / ".state"))


def caller_directory() -> Path:
    """The directory ``./run_action.sh`` was started from (it changes to the pack
    directory): ``@key=path`` files and ``--config`` are found relative to it."""
    return Path(os.environ.get("OPENSTACK_OPS_CALLER_DIR") or os.getcwd())


def ensure_stackstorm_importable() -> None:
    """Put the test-only StackStorm stand-in on the path unless StackStorm is there."""
    try:
        import st2common  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(STUB_DIR))


def load_action_class(meta: ActionMeta) -> type:
    """The action class of ``meta``'s entry point, loaded by file path like
    StackStorm: the first (alphabetical) class defined there with a ``run`` method."""
    path = PACK_DIR / "actions" / meta.entry_point
    sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(f"{PACK_REF}_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load entry point {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = sorted(
        (
            obj
            for name, obj in inspect.getmembers(module, inspect.isclass)
            if obj.__module__ == module.__name__ and callable(getattr(obj, "run", None))
        ),
        key=lambda cls: cls.__name__,
    )
    if not classes:
        raise ImportError(f"{path}: no class with a run() method")
    return classes[0]


def run(
    meta: ActionMeta,
    params: dict[str, Any],
    config: dict[str, Any],
    log_level: str | None = None,
) -> bool:
    """Run the action, print its result and status; True when it succeeded.
    ``log_level`` (the runner parameter) sets the action logger's level, as
    StackStorm's python runner does through its action wrapper."""
    ensure_stackstorm_importable()
    from tools.testing.datastore import DatastoreService
    from tools.testing.services import PackActionService

    action_cls = load_action_class(meta)
    datastore = DatastoreService(
        pack_name=PACK_REF,
        class_name=action_cls.__name__,
        path=state_dir() / "datastore.json",
    )
    service = PackActionService(action_cls.__name__, datastore, pack=PACK_REF)
    if log_level:
        # StackStorm's Action.__init__ reads the wrapper's _log_level.
        service._action_wrapper._log_level = log_level.lower()
    action = action_cls(config=config, action_service=service)
    if log_level and isinstance(getattr(action, "logger", None), logging.Logger):
        level = logging.getLevelName(log_level.upper())
        if isinstance(level, int):  # AUDIT is StackStorm's own level
            action.logger.setLevel(level)
            for handler in action.logger.handlers:
                handler.setLevel(level)
    try:
        outcome = action.run(**params)
    except Exception:  # the runner reports any failure, as StackStorm would
        traceback.print_exc()
        print("status: failed")
        return False
    succeeded, result = (
        outcome if isinstance(outcome, tuple) and len(outcome) == 2 else (True, outcome)
    )
    if isinstance(result, str):
        # As the st2 CLI does: a text result (a table, CSV, HTML) is printed as is.
        print(result.rstrip("\n"))
    else:
        print(json.dumps(result, indent=2, sort_keys=False, default=str))
    print(f"status: {'succeeded' if succeeded else 'failed'}")
    return bool(succeeded)


def list_actions() -> None:
    """Print every action with its description."""
    for meta in load_actions():
        print(f"{meta.name:40} {meta.description}")


def no_config_notice(action: str, explicit: str | None) -> str:
    """What stderr says when no pack config was found: where the runner looked and
    how to get the local cloud's config."""
    looked = searched(explicit)
    width = max(len(place) for place, _ in looked)
    lines = ["config: no pack config found; looked at:"]
    lines += [f"  {place:{width}}  {found}" for place, found in looked]
    lines += [
        "Actions that need a cloud or SMTP account will fail naming the missing key.",
        "To run against the local cloud (brought up and seeded first if it is not):",
        f"  ./run_action.sh --devcloud {action}",
        "For your own cloud: --config FILE or OPENSTACK_OPS_CONFIG=FILE "
        "(see openstack_ops.yaml.example).",
    ]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    """The command line (help is ours: ``ACTION --help`` shows the action's)."""
    parser = argparse.ArgumentParser(
        prog="run_action.sh",
        description="Run an openstack_ops action locally, like `st2 run`.",
        add_help=False,
        allow_abbrev=False,
    )
    parser.add_argument("action", nargs="?", help="action name, e.g. cloud.check")
    parser.add_argument("params", nargs="*", help="parameters as key=value")
    parser.add_argument("--config", help="pack config file (YAML)")
    parser.add_argument("--list", action="store_true", help="list the actions")
    parser.add_argument(
        "--devcloud",
        action="store_true",
        help="bring up and seed the local cloud if needed, then use its config",
    )
    parser.add_argument("-h", "--help", action="store_true", help="show help")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    arg_parser = parser()
    # options may come anywhere, after key=value parameters too (as st2 run allows)
    args = arg_parser.parse_intermixed_args(argv)
    if args.list:
        list_actions()
        return 0
    if args.help and not args.action:
        print(general_help())
        return 0
    if not args.action:
        arg_parser.error("name an action (see --help, or --list)")
    meta = find_action(args.action)
    if meta is None:
        print(f"error: no action named {args.action!r} (see --list)", file=sys.stderr)
        return 2
    if args.help:
        print(action_help(meta, runner_parameters(meta)))
        return 0
    if not meta.enabled:
        print(
            f"error: action {meta.name!r} is disabled (st2 refuses it)", file=sys.stderr
        )
        return 2
    if args.devcloud and args.config:
        print(
            "error: --devcloud uses the local cloud's config: drop --config",
            file=sys.stderr,
        )
        return 2
    caller_dir = caller_directory()
    try:
        params, runner_params = resolve(meta, args.params, caller_dir)
    except ParameterError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    explicit = str(caller_dir / args.config) if args.config else None
    if args.devcloud:
        try:
            explicit = str(ensure_devcloud())
        except DevcloudError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    try:
        config, config_path = load_config(explicit)
    except (FileNotFoundError, ValueError) as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    if config_path is None:
        notice = no_config_notice(meta.name, explicit)
        print(notice, file=sys.stderr)
    else:
        print(f"config: {config_path}", file=sys.stderr)
    log_level = runner_params.get("log_level")
    ignored = {k: v for k, v in runner_params.items() if k != "log_level"}
    if log_level:
        print(f"log_level: {log_level} (applied to this run)", file=sys.stderr)
    if ignored:
        given = ", ".join(f"{k}={v!r}" for k, v in ignored.items())
        print(f"runner parameters (not applied locally): {given}", file=sys.stderr)
    succeeded = run(meta, params, config, log_level)
    if not succeeded and config_path is None:
        # Repeated after the result, where the operator is looking.
        print(
            "note: no pack config was found (see above); try "
            f"./run_action.sh --devcloud {meta.name}",
            file=sys.stderr,
        )
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
