"""The local action runner: parameter parsing like `st2 run`, config, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.pack_meta import PACK_DIR, ActionMeta, find_action
from tools.run_action.__main__ import main
from tools.run_action.config import fill_defaults, load_schema
from tools.run_action.params import ParameterError, cast, resolve, split_assignments

META = ActionMeta(
    name="demo",
    description="",
    runner_type="python-script",
    entry_point="src/workflow_actions.py",
    enabled=True,
    path=Path("demo.yaml"),
    parameters={
        "workflow": {"type": "string", "default": "demo.run", "immutable": True},
        "names": {"type": "array", "items": {"type": "integer"}},
        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "dry_run": {"type": "boolean", "default": True},
        "target": {"type": "string", "required": True},
        "extra": {"type": "object"},
        "timeout": {"type": "integer", "default": 900},
    },
)


@pytest.mark.parametrize(
    ("schema", "raw", "expected"),
    [
        ({"type": "integer"}, "42", 42),
        ({"type": "number"}, "1.5", 1.5),
        ({"type": "number"}, "2", 2),
        ({"type": "boolean"}, "True", True),
        ({"type": "boolean"}, "no", False),
        ({"type": "array"}, "a, b,c", ["a", "b", "c"]),
        ({"type": "array", "items": {"type": "integer"}}, "1,2", [1, 2]),
        ({"type": "array"}, '["x,y", "z"]', ["x,y", "z"]),
        ({"type": "array"}, "", []),
        ({"type": "object"}, '{"a": {"b": 1}}', {"a": {"b": 1}}),
        ({"type": "string"}, "a=b,c", "a=b,c"),
    ],
)
def test_cast_like_st2_run(schema: dict, raw: str, expected: object) -> None:
    assert cast("p", schema, raw) == expected


@pytest.mark.parametrize(
    ("schema", "raw"),
    [
        ({"type": "integer"}, "4x"),
        ({"type": "boolean"}, "maybe"),
        ({"type": "object"}, "[1]"),
        ({"type": "object"}, "{bad"),
        ({"type": "array", "items": {"type": "integer"}}, "1,x"),
    ],
)
def test_cast_errors_name_the_parameter(schema: dict, raw: str) -> None:
    with pytest.raises(ParameterError, match="parameter 'p'"):
        cast("p", schema, raw)


def test_split_assignments_keeps_equals_in_values() -> None:
    assert split_assignments(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(ParameterError, match="key=value"):
        split_assignments(["novalue"])


def test_resolve_fills_defaults_and_drops_runner_parameters() -> None:
    values = resolve(META, {"target": "t", "names": "1,2"})
    assert values == {
        "workflow": "demo.run",
        "names": [1, 2],
        "mode": "a",
        "dry_run": True,
        "target": "t",
        "extra": None,
    }


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({"target": "t", "bogus": "1"}, "unknown parameter(s) bogus"),
        ({}, "parameter 'target' is required"),
        ({"target": "t", "mode": "c"}, "parameter 'mode': 'c' is not one of a, b"),
        ({"target": "t", "workflow": "other.fn"}, "parameter 'workflow' is immutable"),
    ],
)
def test_resolve_rejects(given: dict, fragment: str) -> None:
    with pytest.raises(ParameterError) as err:
        resolve(META, given)
    assert fragment in str(err.value)


def test_config_defaults_fill_nested_entries() -> None:
    schema = load_schema()
    config = fill_defaults(
        schema,
        {"smtp_accounts": [{"name": "m", "host": "h", "from_address": "a@b"}]},
    )
    assert config["smtp_accounts"][0]["security"] == "starttls"
    assert config["smtp_accounts"][0]["verify"] is True
    assert config["clouds"] == []
    assert config["protected_projects"] == ["admin", "service"]


def test_find_action_accepts_the_pack_prefix() -> None:
    assert find_action("openstack_ops.cloud.check").name == "cloud.check"
    assert find_action("no.such") is None


def test_main_unknown_parameter_is_rejected(capsys: pytest.CaptureFixture) -> None:
    assert main(["cloud.check", "bogus=1"]) == 2
    assert "unknown parameter(s) bogus" in capsys.readouterr().err


def test_main_unknown_cloud_account_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("clouds: []\n")
    monkeypatch.setenv("OPENSTACK_OPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "absent.yaml"))
    code = main(["cloud.check", "cloud_account=nosuch", "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.rstrip().endswith("status: failed")
    result = json.loads(out[: out.rindex("status:")])
    assert "parameter 'cloud_account'" in result["error"]
    assert "pack config 'clouds'" in result["error"]


def test_run_action_sh_lists_actions() -> None:
    """The shell wrapper itself, as an operator runs it."""
    proc = subprocess.run(
        [str(PACK_DIR / "run_action.sh"), "--list"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "cloud.check" in proc.stdout


def test_run_action_sh_missing_config_names_the_key(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "OPENSTACK_OPS_DEVCLOUD_DIR": str(tmp_path / "nodevcloud"),
        "OPENSTACK_OPS_STATE_DIR": str(tmp_path / "state"),
    }
    proc = subprocess.run(
        [str(PACK_DIR / "run_action.sh"), "cloud.check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**env, "PYTHON": sys.executable},
    )
    assert proc.returncode == 1
    assert "default_cloud_account" in proc.stdout
    assert "status: failed" in proc.stdout


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ("+---+\n| a |\n+---+\n", "+---+\n| a |\n+---+\nstatus: succeeded\n"),
        ({"rows": 1}, '{\n  "rows": 1\n}\nstatus: succeeded\n'),
    ],
)
def test_text_result_is_printed_as_is(
    result: object,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table result reads as a table (as the st2 CLI shows it), not as one JSON
    string full of \\n; structured results stay JSON."""
    import tools.run_action.__main__ as runner

    class FixedResultAction:
        def __init__(self, config: dict, action_service: object) -> None:
            self.config = config

        def run(self, **params: object) -> tuple[bool, object]:
            return True, result

    monkeypatch.setenv("OPENSTACK_OPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(runner, "load_action_class", lambda meta: FixedResultAction)
    assert runner.run(find_action("cloud.check"), {}, {}) is True
    assert capsys.readouterr().out == expected
