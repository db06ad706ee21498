"""Resolve workflow references and describe what the entry point injects.

This module is the single source of truth shared by the action entry point
(``actions/src/workflow_actions.py``), the offline pack linter and the local runner:
how ``"<module>.<function>"`` maps to a function, which function parameters are
injected rather than supplied by the operator, which action parameter feeds each
injected value, and how each is built.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from pack_common import ActionServiceStore, require_named_entry

WORKFLOW_PACKAGE = "workflows"
_REF_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass
class InjectionContext:
    """What a builder may use to build an injected value for one run.

    ``injected`` records, by name, what the run was given (the built objects and the
    account names), so a failure can name the account it happened on; ``cleanup``
    closes what the run opened.
    """

    config: Mapping[str, Any]
    action_service: Any
    cleanup: ExitStack
    injected: dict[str, Any]


@dataclass(frozen=True)
class Injection:
    """A workflow parameter filled by the entry point instead of the operator.

    ``source`` is the action parameter (an account or environment *name*) the value is
    built from, or ``None`` when the value needs no operator input; ``build`` makes
    the value from that name (or None) for one run.
    """

    parameter: str
    source: str | None
    description: str
    build: Callable[[Any, InjectionContext], Any] = field(repr=False)


def _build_conn(name: str | None, ctx: InjectionContext) -> Any:
    """An openstacksdk connection for ``cloud_account``, closed after the run."""
    from openstack_api.connection import connect

    ctx.injected["cloud_account"] = name or ctx.config.get("default_cloud_account")
    conn = connect(ctx.config, name)
    ctx.cleanup.callback(conn.close)
    ctx.injected["conn"] = conn
    return conn


def _build_smtp_account(name: str | None, ctx: InjectionContext) -> Any:
    """The ``SMTPAccount`` of the pack config entry ``smtp_account`` names."""
    from email_api.account import CONFIG_KEY, SMTPAccount

    entry = require_named_entry(
        ctx.config, CONFIG_KEY, name, "smtp_account", "default_smtp_account"
    )
    ctx.injected["smtp_account"] = SMTPAccount.from_config(entry)
    return ctx.injected["smtp_account"]


def _build_jupyter_hub(name: str | None, ctx: InjectionContext) -> Any:
    """A JupyterHub client for the environment ``jupyter_env`` names, closed after
    the run."""
    from jupyter_api.client import JupyterHubClient
    from jupyter_api.environment import CONFIG_KEY, JupyterEnv

    entry = require_named_entry(ctx.config, CONFIG_KEY, name, "jupyter_env")
    ctx.injected["jupyter_env"] = entry.get("name")
    return ctx.cleanup.enter_context(JupyterHubClient(JupyterEnv.from_config(entry)))


def _build_alertmanager(name: str | None, ctx: InjectionContext) -> Any:
    """An Alertmanager client for ``alertmanager_account``, closed after the run."""
    from alertmanager_api.account import CONFIG_KEY, AlertmanagerAccount
    from alertmanager_api.client import AlertmanagerClient

    entry = require_named_entry(
        ctx.config,
        CONFIG_KEY,
        name,
        "alertmanager_account",
        "default_alertmanager_account",
    )
    ctx.injected["alertmanager_account"] = entry.get("name")
    account = AlertmanagerAccount.from_config(entry)
    return ctx.cleanup.enter_context(AlertmanagerClient(account))


def _build_icinga(name: str | None, ctx: InjectionContext) -> Any:
    """An Icinga 2 API client for ``icinga_account``, closed after the run."""
    from icinga_api.account import CONFIG_KEY, IcingaAccount
    from icinga_api.client import IcingaClient

    entry = require_named_entry(
        ctx.config, CONFIG_KEY, name, "icinga_account", "default_icinga_account"
    )
    ctx.injected["icinga_account"] = entry.get("name")
    return ctx.cleanup.enter_context(IcingaClient(IcingaAccount.from_config(entry)))


def _build_store(_: None, ctx: InjectionContext) -> Any:
    """The StackStorm datastore behind the action service, as a key-value store."""
    return ActionServiceStore(ctx.action_service)


def _build_pack_config(_: None, ctx: InjectionContext) -> Any:
    """A copy of the pack config (the workflow cannot change the run's)."""
    return copy.deepcopy(dict(ctx.config))


INJECTIONS: dict[str, Injection] = {
    i.parameter: i
    for i in (
        Injection(
            "conn",
            "cloud_account",
            "openstacksdk connection for the cloud named by `cloud_account`",
            _build_conn,
        ),
        Injection(
            "smtp_account",
            "smtp_account",
            "SMTPAccount built from the pack config entry named by `smtp_account`",
            _build_smtp_account,
        ),
        Injection(
            "jupyter_hub",
            "jupyter_env",
            "JupyterHub client for the pack config environment named by "
            "`jupyter_env`",
            _build_jupyter_hub,
        ),
        Injection(
            "alertmanager",
            "alertmanager_account",
            "Alertmanager API v2 client for the pack config entry named by "
            "`alertmanager_account`",
            _build_alertmanager,
        ),
        Injection(
            "icinga",
            "icinga_account",
            "Icinga 2 API client for the pack config entry named by `icinga_account`",
            _build_icinga,
        ),
        Injection(
            "store",
            None,
            "key-value store backed by the StackStorm datastore",
            _build_store,
        ),
        Injection(
            "pack_config",
            None,
            "the pack config (StackStorm fills schema defaults), read-only by "
            "convention",
            _build_pack_config,
        ),
    )
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
