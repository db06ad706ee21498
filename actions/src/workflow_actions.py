"""The pack's only action class: runs the workflow function an action names.

Every python action's metadata points here and names its function through the
immutable ``workflow`` parameter (``"<module>.<function>"`` under ``lib/workflows``).
This class resolves the function, builds what it needs from the pack config by the
names of the function's parameters (see ``workflows.registry.INJECTIONS``), calls it,
and turns its outcome into what StackStorm expects. It knows nothing about any
particular action.

The failure contract (what every action returns when it fails): ``(False, result)``
with ``result`` a JSON-serialisable dict holding at least ``error``, one readable line.

- An input or config error: ``error`` names the parameter or config key. A scope the
  cloud does not know (``from_projects``/``from_domain``, the Query library's
  ``ScopeError``) is such an input error too, decided by its type.
- A failed call to a cloud, SMTP server or JupyterHub, whatever workflow made it:
  ``error`` plus ``account`` (the cloud_account / smtp_account / jupyter_env name),
  ``account_parameter``, ``endpoint`` (URL or host:port), ``cause`` ("connection
  refused", "401 Unauthorized: bad credentials", "403 Forbidden ...", "500 ... from
  compute (nova): ...", "timed out", "connection reset"), and where known ``service``,
  ``status`` and ``detail`` (the library's own message). Each API package describes
  its own errors (``openstack_api.errors``, ``JupyterHubError.failure``,
  ``SMTPAccount.failure``).
- A failure the workflow reports itself (``Failure``, e.g. "3 of 40 failed"): its
  result, given an ``error`` (its summary) when it has none.
- Anything else is a bug in the pack: the execution still fails with a result
  (``error`` "internal error ...", ``workflow``, ``exception``) rather than a bare
  traceback, and the traceback is logged at ERROR, so it lands in the execution's
  stderr for the bug report. StackStorm shows the result either way; an escaped
  exception would leave the result empty.

Secrets of the pack config (passwords, tokens) and URL passwords are masked in every
failed result and in every log line of the run; URL passwords also in successful
results.
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

# StackStorm adds <pack>/lib only with [packs] enable_common_libs; do it ourselves.
_LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)
_LIB = os.path.normpath(os.path.join(_LIB, "lib"))
if _LIB not in sys.path:
    sys.path.insert(0, _LIB)

from st2common.runners.base_action import Action  # noqa: E402

from action_logging import ForwardLibraryLogs, MaskSecretsInLogs  # noqa: E402
from pack_common import (  # noqa: E402
    PROGRAMMING_ERRORS,
    ConfigError,
    Failure,
    InputError,
    ServiceFailure,
    exception_chain,
    one_line,
    redact,
    secret_values,
)
from workflows.registry import (  # noqa: E402
    INJECTIONS,
    InjectionContext,
    WorkflowResolutionError,
    resolve_workflow,
)


class WorkflowActions(Action):  # type: ignore[misc]  # StackStorm's Action is untyped
    """Run ``lib/workflows/<module>.<function>`` with injected connections."""

    def run(self, workflow: str, **kwargs: Any) -> Any:
        """Resolve ``workflow``, inject, call, and map the outcome.

        Returns the workflow's result, or ``(False, result)`` for any failure, as the
        module docstring describes: nothing raised by a workflow escapes.
        """
        injected: dict[str, Any] = {}
        try:
            func = resolve_workflow(workflow)
            self.logger.info("workflow %s: starting", workflow)
            with ExitStack() as cleanup:
                cleanup.enter_context(
                    MaskSecretsInLogs(self.logger, secret_values(self.config or {}))
                )
                cleanup.enter_context(ForwardLibraryLogs(self.logger))
                call_args = self._build_arguments(func, kwargs, cleanup, injected)
                outcome = func(**call_args)
        except (ConfigError, InputError, WorkflowResolutionError) as exc:
            return self._failed({"error": str(exc)})
        except Exception as exc:
            return self._failed(self._describe(workflow, exc, injected))
        if isinstance(outcome, Failure):
            self.logger.info("workflow %s: reported failure", workflow)
            return self._failed(_completed(outcome.result), log=False)
        self.logger.info("workflow %s: done", workflow)
        return _urls_masked(outcome)

    def _failed(self, result: Any, log: bool = True) -> tuple[bool, Any]:
        """A failed execution carrying ``result``, secrets masked; its ``error`` is
        logged at ERROR unless ``log`` is false."""
        result = redact(result, secret_values(self.config or {}))
        if log and isinstance(result, dict):
            self.logger.error(result.get("error"))
        return (False, result)

    def _describe(
        self, workflow: str, exc: Exception, injected: dict[str, Any]
    ) -> dict[str, Any]:
        """The failed result for an exception a workflow raised (see the module
        docstring); a bug also gets its traceback logged."""
        if not isinstance(exc, PROGRAMMING_ERRORS):
            parameter_error = _scope_input_error(exc, injected)
            if parameter_error is not None:
                return {"error": str(parameter_error)}
            failure = _service_failure(exc, injected)
            if failure is not None:
                return failure.as_result()
        trace = "".join(traceback.format_exception(exc))
        secrets = secret_values(self.config or {})
        self.logger.error(
            "workflow %s: unexpected error (a bug in the pack):\n%s",
            workflow,
            redact(trace, secrets),
        )
        return {
            "error": f"internal error in workflow {workflow} (a bug in the pack; "
            f"the traceback is in the log): {type(exc).__name__}: {one_line(exc)}",
            "workflow": workflow,
            "exception": type(exc).__name__,
        }

    def _build_arguments(
        self,
        func: Callable[..., Any],
        kwargs: dict[str, Any],
        cleanup: ExitStack,
        injected: dict[str, Any],
    ) -> dict[str, Any]:
        """The call arguments: operator values for ordinary parameters, built objects
        for injected ones (also recorded in ``injected`` by parameter name, with the
        account names, to describe a failure). Account-name parameters that only feed
        an injection are consumed here. Unknown parameters are an error naming them."""
        params = inspect.signature(func).parameters
        context = InjectionContext(
            self.config or {}, self.action_service, cleanup, injected
        )
        remaining = dict(kwargs)
        call_args: dict[str, Any] = {}
        for name in params:
            injection = INJECTIONS.get(name)
            if injection is None:
                continue
            source_value = (
                remaining.pop(injection.source, None) if injection.source else None
            )
            try:
                call_args[name] = injection.build(source_value, context)
            except ConfigError:
                # An injection the workflow declares optional (default None) is
                # None when its account is neither named nor configured.
                if source_value or params[name].default is not None:
                    raise
                call_args[name] = None
        for name, value in remaining.items():
            if name not in params:
                raise InputError(name, "is not a parameter of this workflow")
            call_args[name] = value
        return call_args


def _scope_input_error(exc: Exception, injected: dict[str, Any]) -> InputError | None:
    """An unknown project or domain in a Query scope (``ScopeError``, by type) as the
    input error naming the action parameter; None for anything else."""
    if "cloud_account" not in injected:
        return None  # no cloud, no Query run
    from openstack_query import ScopeError

    if isinstance(exc, ScopeError):
        return InputError(exc.argument, exc.reason)
    return None


def _service_failure(exc: Exception, injected: dict[str, Any]) -> ServiceFailure | None:
    """``exc`` as a failed call to one of the services this run was given, naming
    its account; None when it is none of theirs. Only the packages of injected
    services are asked (a workflow without ``conn`` makes no cloud call)."""
    failure: ServiceFailure | None = None
    if "jupyter_env" in injected:
        from jupyter_api.client import JupyterHubError

        hub_error = next(
            (e for e in exception_chain(exc) if isinstance(e, JupyterHubError)), None
        )
        if hub_error is not None:
            failure = hub_error.failure()
    if failure is None and "smtp_account" in injected:
        import smtplib

        from email_api.sender import cause_of, describe_error

        if any(isinstance(e, smtplib.SMTPException) for e in exception_chain(exc)):
            account = injected["smtp_account"]
            failure = account.failure(cause_of(exc), describe_error(exc))
    if failure is None and "cloud_account" in injected:
        from openstack_api import errors

        failure = errors.describe(exc, injected.get("conn"))
        if failure is not None:
            failure.account = failure.account or injected["cloud_account"]
    return failure


def _urls_masked(outcome: Any) -> Any:
    """A successful outcome with URL passwords masked (an ``auth_url`` such as
    ``http://user:password@host/v3`` is shown as ``http://user:***@host/v3``). Only
    URL passwords: the config's secrets are plain words that may also be data."""
    if isinstance(outcome, tuple) and len(outcome) == 2:
        return (outcome[0], redact(outcome[1]))
    return redact(outcome)


def _completed(result: Any) -> Any:
    """A workflow's reported failure with an ``error`` (its summary when it has
    none), as the failure contract wants."""
    if not isinstance(result, dict) or result.get("error"):
        return result
    summary = result.get("summary") or "the workflow reported a failure"
    return {**result, "error": str(summary)}
