"""Resolve workflow references and describe what the entry point injects.

This module is the single source of truth shared by the action entry point
(``actions/src/workflow_actions.py``), the offline pack linter and the local runner:
how ``"<module>.<function>"`` maps to a function, which function parameters are
injected rather than supplied by the operator, and which action parameter feeds each
injected value.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WORKFLOW_PACKAGE = "workflows"
_REF_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Injection:
    """A workflow parameter filled by the entry point instead of the operator.

    ``source`` is the action parameter (an account or environment *name*) the value is
    built from, or ``None`` when the value needs no operator input.
    """

    parameter: str
    source: str | None
    description: str


INJECTIONS: dict[str, Injection] = {
    "conn": Injection(
        "conn",
        "cloud_account",
        "openstacksdk connection for the cloud named by `cloud_account`",
    ),
    "smtp_account": Injection(
        "smtp_account",
        "smtp_account",
        "SMTPAccount built from the pack config entry named by `smtp_account`",
    ),
    "jupyter_hub": Injection(
        "jupyter_hub",
        "jupyter_env",
        "JupyterHub client for the pack config environment named by `jupyter_env`",
    ),
    "store": Injection(
        "store",
        None,
        "key-value store backed by the StackStorm datastore",
    ),
    "pack_config": Injection(
        "pack_config",
        None,
        "the pack config (StackStorm fills schema defaults), read-only by convention",
    ),
}

#: Action parameters that exist only to feed an injected value.
SOURCE_PARAMETERS: frozenset[str] = frozenset(
    i.source for i in INJECTIONS.values() if i.source is not None
)


class WorkflowResolutionError(LookupError):
    """A ``workflow`` reference does not name a function under ``lib/workflows``."""


def resolve_workflow(ref: str) -> Callable[..., Any]:
    """Return the function named by ``ref`` (``"<module>.<function>"``).

    Raises ``WorkflowResolutionError`` with a message naming the ``workflow`` parameter
    when the reference is malformed, the module does not exist or the function is missing.
    """
    if not isinstance(ref, str) or not _REF_PATTERN.match(ref):
        raise WorkflowResolutionError(
            f"parameter 'workflow': {ref!r} is not of the form '<module>.<function>'"
        )
    module_name, func_name = ref.split(".")
    qualified = f"{WORKFLOW_PACKAGE}.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            raise WorkflowResolutionError(
                f"parameter 'workflow': no module lib/workflows/{module_name}.py "
                f"for {ref!r}"
            ) from exc
        raise
    func = getattr(module, func_name, None)
    if func is None or not inspect.isfunction(func) or func_name.startswith("_"):
        raise WorkflowResolutionError(
            f"parameter 'workflow': lib/workflows/{module_name}.py has no function "
            f"{func_name!r} (from {ref!r})"
        )
    return func


def operator_parameters(func: Callable[..., Any]) -> list[str]:
    """Names of ``func``'s parameters the operator supplies (injected ones removed)."""
    return [
        name for name in inspect.signature(func).parameters if name not in INJECTIONS
    ]


def expected_action_parameters(func: Callable[..., Any]) -> set[str]:
    """The action parameters an action running ``func`` must declare, besides
    ``workflow``: the operator parameters plus the account-name parameters that feed
    the injected ones."""
    params = inspect.signature(func).parameters
    expected = set(operator_parameters(func))
    for name in params:
        injection = INJECTIONS.get(name)
        if injection is not None and injection.source is not None:
            expected.add(injection.source)
    return expected
