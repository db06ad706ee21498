"""workflows.registry: resolving workflow references and the injection table."""

from __future__ import annotations

import sys
import types
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from pack_common import ConfigError
from workflows.registry import (
    INJECTIONS,
    InjectionContext,
    WorkflowResolutionError,
    expected_action_parameters,
    operator_parameters,
    resolve_workflow,
)


def test_resolves_cloud_check() -> None:
    func = resolve_workflow("cloud.check")
    assert func.__name__ == "check"
    assert func.__module__ == "workflows.cloud"


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [
        ("cloud", "not of the form"),
        ("Cloud.check", "not of the form"),
        ("cloud.check.extra", "not of the form"),
        ("nosuchmodule.run", "no module lib/workflows/nosuchmodule.py"),
        ("cloud.nosuch", "has no function 'nosuch'"),
        ("cloud.Failure", "not of the form"),
    ],
)
def test_bad_references_name_the_workflow_parameter(ref: str, fragment: str) -> None:
    with pytest.raises(WorkflowResolutionError) as err:
        resolve_workflow(ref)
    assert "parameter 'workflow'" in str(err.value)
    assert fragment in str(err.value)


def test_imported_names_are_not_workflows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A class or a private helper in a workflow module is not a workflow."""
    module = types.ModuleType("workflows.fakeunit")
    module.helper = len  # a builtin, not a Python function
    monkeypatch.setitem(sys.modules, "workflows.fakeunit", module)
    with pytest.raises(WorkflowResolutionError, match="has no function 'helper'"):
        resolve_workflow("fakeunit.helper")


def test_parameters_split_into_operator_and_injected() -> None:
    def sample(conn, smtp_account, store, name: str, dry_run: bool = True):
        return None

    assert operator_parameters(sample) == ["name", "dry_run"]
    assert expected_action_parameters(sample) == {
        "name",
        "dry_run",
        "cloud_account",
        "smtp_account",
    }


def test_every_injection_with_a_source_names_an_action_parameter() -> None:
    sources = {i.source for i in INJECTIONS.values()}
    assert sources == {
        "cloud_account",
        "smtp_account",
        "jupyter_env",
        "alertmanager_account",
        "icinga_account",
        None,
    }


def test_every_injection_is_built_by_its_table_entry() -> None:
    """The entry point has no builder of its own: each injected value comes from
    ``INJECTIONS[name].build``, which records what the run was given (one table)."""
    config = {
        "clouds": [
            {
                "name": "prod",
                "auth_url": "http://127.0.0.1:1/v3",
                "username": "ops",
                "password": "pw",
                "project_name": "admin",
            }
        ],
        "default_cloud_account": "prod",
        "nested": {"y": 1},
    }
    injected: dict[str, Any] = {}
    with ExitStack() as cleanup:
        ctx = InjectionContext(config, object(), cleanup, injected)
        copied = INJECTIONS["pack_config"].build(None, ctx)
        assert copied == config and copied["nested"] is not config["nested"]
        conn = INJECTIONS["conn"].build(None, ctx)  # lazy: nothing is sent
        assert injected == {"cloud_account": "prod", "conn": conn}
        assert INJECTIONS["store"].build(None, ctx) is not None
    source = Path(__file__).resolve().parents[2] / "actions/src/workflow_actions.py"
    assert "def _inject" not in source.read_text()


@pytest.mark.parametrize(
    ("injection", "key", "entry"),
    [
        ("alertmanager", "alertmanager", {"url": "http://127.0.0.1:1"}),
        (
            "icinga",
            "icinga",
            {"url": "https://127.0.0.1:1", "username": "u", "password": "p"},
        ),
    ],
)
def test_an_empty_monitoring_account_falls_back_to_the_configured_default(
    injection: str, key: str, entry: dict[str, Any]
) -> None:
    """Like clouds and SMTP accounts: an empty account parameter means the pack
    config's default_<service>_account; with no default it is an error naming both."""
    config = {
        f"{key}_accounts": [{"name": "main", **entry}, {"name": "other", **entry}],
        f"default_{key}_account": "other",
    }
    injected: dict[str, Any] = {}
    with ExitStack() as cleanup:
        ctx = InjectionContext(config, object(), cleanup, injected)
        INJECTIONS[injection].build(None, ctx)  # nothing is sent on build
        assert injected[f"{key}_account"] == "other"
        del config[f"default_{key}_account"]
        with pytest.raises(ConfigError) as err:
            INJECTIONS[injection].build("", ctx)
    assert f"parameter '{key}_account' is empty" in str(err.value)
    assert f"default_{key}_account" in str(err.value)
