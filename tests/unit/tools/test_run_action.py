"""The local action runner: parameter parsing like `st2 run`, config, end to end."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_mock import MockerFixture

from tools.pack_meta import PACK_DIR, ActionMeta, find_action
from tools.run_action.__main__ import main
from tools.run_action.config import fill_defaults, load_schema
from tools.run_action.params import ParameterError, check, parse_arguments, resolve

META = ActionMeta(
    name="demo",
    description="",
    runner_type="python-script",
    entry_point="src/workflow_actions.py",
    enabled=True,
    path=Path("demo.yaml"),
    parameters={
        "workflow": {"type": "string", "default": "demo.run", "immutable": True},
        "names": {"type": "array", "items": {"type": "string"}},
        "counts": {"type": "array", "items": {"type": "integer"}},
        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "dry_run": {"type": "boolean", "default": True},
        "target": {"type": "string", "required": True},
        "extra": {"type": "object"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 10},
        "ratio": {"type": "number"},
        "timeout": {"type": "integer", "default": 900},
    },
)


def parse(*words: str) -> dict:
    """``words`` parsed as st2 run parses them for META."""
    return parse_arguments(META, list(words))


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("limit=42", {"limit": 42}),
        ("ratio=2", {"ratio": 2.0}),
        ("dry_run=True", {"dry_run": True}),
        ("dry_run=FALSE", {"dry_run": False}),
        ("dry_run=1", {"dry_run": 1}),  # an integer: StackStorm then refuses it
        ("dry_run=none", {"dry_run": None}),  # None: StackStorm uses the default
        ("names=a, b,c", {"names": ["a", "b", "c"]}),
        ("names=51", {"names": [51]}),
        ("names=1,2", {"names": ["1", "2"]}),
        ("names=", {"names": [""]}),
        ('names=["x,y", "z"]', {"names": ["x,y", "z"]}),
        ('names="x"', {"names": "x"}),  # JSON string: StackStorm then refuses it
        ('extra={"a": {"b": 1}}', {"extra": {"a": {"b": 1}}}),
        ("extra=a=1,b=x=y,c", {"extra": {"a": "1", "b": "x=y"}}),
        ("extra=[1]", {"extra": {}}),
        ("target=a=b,c", {"target": "a=b,c"}),
        ("timeout=30", {"timeout": 30}),
        ("bogus=1", {"bogus": "1"}),
    ],
)
def test_parse_like_st2_run(word: str, expected: dict) -> None:
    assert repr(parse(word)) == repr(expected)  # repr: 1 != True, 2 != 2.0


def test_parse_repeated_array_appends_and_other_repeats_replace() -> None:
    assert parse("names=a", "names=b,c", "target=x", "target=y") == {
        "names": ["a", "b", "c"],
        "target": "y",
    }


def test_parse_word_without_equals_becomes_cmd() -> None:
    assert parse("target=t", "hello", "limit=2") == {
        "target": "t",
        "cmd": "hello limit=2",
    }


def test_parse_at_file_sends_the_text(tmp_path: Path) -> None:
    (tmp_path / "names.json").write_text('["a", "b"]\n')
    given = parse_arguments(META, ["@names=names.json"], tmp_path)
    assert given == {"names": '["a", "b"]\n'}
    assert check(META, {**given, "target": "t"})["names"] == ["a", "b"]
    with pytest.raises(ParameterError, match="parameter 'names': cannot read"):
        parse_arguments(META, ["@names=absent.json"], tmp_path)


@pytest.mark.parametrize(
    "word",
    [
        "limit=4x",
        "limit=",
        "ratio=",
        "dry_run=yes",
        "dry_run=on",
        "dry_run=maybe",
        "dry_run=",
        "names=1.5",
        "names=true",
        "names=null",
        "extra={bad",
    ],
)
def test_parse_errors_name_the_parameter(word: str) -> None:
    name = word.partition("=")[0]
    with pytest.raises(
        ParameterError, match=f"parameter '{name}': st2 run cannot read"
    ):
        parse(word)


def test_resolve_fills_defaults_and_leaves_runner_parameters_out() -> None:
    action, runner = resolve(
        META, ["target=t", "names=x,y", "timeout=30", "log_level=INFO", "debug=true"]
    )
    assert action == {
        "workflow": "demo.run",
        "names": ["x", "y"],
        "counts": None,
        "mode": "a",
        "dry_run": True,
        "target": "t",
        "extra": None,
        "limit": None,
        "ratio": None,
    }
    assert runner == {"timeout": 30, "log_level": "INFO", "debug": True}


def test_none_takes_the_default_as_in_stackstorm() -> None:
    action, _ = resolve(META, ["target=t", "dry_run=none"])
    assert action["dry_run"] is True


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        (["target=t", "bogus=1"], "unknown parameter(s) 'bogus'"),
        (["target=t", "oops"], "unknown parameter(s) 'cmd'"),
        ([], "parameter 'target': 'target' is a required property"),
        (["target=t", "mode=c"], "parameter 'mode': 'c' is not one of ['a', 'b']"),
        (["target=t", "dry_run=1"], "parameter 'dry_run': 1 is not of type 'boolean'"),
        (["target=t", "dry_run=0"], "parameter 'dry_run': 0 is not of type 'boolean'"),
        (["target=t", "names=51"], "parameter 'names'[0]: 51 is not of type 'string'"),
        (
            ["target=t", 'names="x"'],
            "parameter 'names': StackStorm cannot cast 'x' to array",
        ),
        (["target=t", "counts=1,2"], "parameter 'counts'[0]: '1' is not of type"),
        (["target=t", "limit=0"], "parameter 'limit': 0 is less than the minimum of 1"),
        (["target=t", "limit=11"], "parameter 'limit': 11 is greater than the maximum"),
        (["target=t", "timeout=1.5"], "parameter 'timeout': st2 run cannot read"),
        (["target=t", "env=[1]", "debug=2"], "parameter 'debug': 2 is not of type"),
        (["target=t", "workflow=other.fn"], "parameter 'workflow' is immutable"),
        (["target=t", "workflow=demo.run"], "parameter 'workflow' is immutable"),
        (["target={{ st2kv.system.t }}"], "parameter 'target': '{{ st2kv.system.t }}'"),
    ],
)
def test_resolve_rejects(words: list[str], fragment: str) -> None:
    with pytest.raises(ParameterError) as err:
        resolve(META, words)
    assert fragment in str(err.value)


def test_every_problem_is_reported() -> None:
    with pytest.raises(ParameterError) as err:
        resolve(META, ["limit=0", "mode=c", "workflow=demo.run"])
    lines = str(err.value).splitlines()
    assert [line.split(":")[0].split(" is ")[0] for line in lines] == [
        "parameter 'limit'",
        "parameter 'mode'",
        "parameter 'target'",
        "parameter 'workflow'",
    ]


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


CAMPAIGN = "email.ops.down.disabled.hypervisors"


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        (["bogus=1"], "unknown parameter(s) 'bogus'"),
        (["send_email=yes"], "parameter 'send_email': st2 run cannot read 'yes'"),
        (["send_email=on"], "parameter 'send_email': st2 run cannot read 'on'"),
        (["send_email=1"], "parameter 'send_email': 1 is not of type 'boolean'"),
        (["send_email=0"], "parameter 'send_email': 0 is not of type 'boolean'"),
        (["to_addresses=51"], "parameter 'to_addresses'[0]: 51 is not of type"),
        (
            ["max_recipients=0"],
            "parameter 'max_recipients': 0 is less than the minimum",
        ),
        (["workflow=nope.nope"], "parameter 'workflow' is immutable"),
        (
            ["workflow=email_campaigns.ops_down_disabled_hypervisors"],
            "parameter 'workflow' is immutable",
        ),
        (["log_level=INFO", "timeout=x"], "parameter 'timeout': st2 run cannot read"),
    ],
)
def test_main_refuses_bad_input_and_runs_nothing(
    words: list[str],
    fragment: str,
    capsys: pytest.CaptureFixture,
    mocker: MockerFixture,
) -> None:
    import tools.run_action.__main__ as runner

    load = mocker.patch.object(
        runner,
        "load_action_class",
        autospec=True,
        side_effect=AssertionError("the action was loaded"),
    )
    assert main([CAMPAIGN, *words]) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err
    assert captured.out == ""
    load.assert_not_called()


def test_main_required_parameter_missing(capsys: pytest.CaptureFixture) -> None:
    assert main(["email.test"]) == 2
    assert "parameter 'to': 'to' is a required property" in capsys.readouterr().err


def test_main_runner_parameters_are_accepted_and_not_passed(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    mocker: MockerFixture,
) -> None:
    """timeout, log_level, env, debug and content_version are valid inputs (as in
    st2 run) of an action that does not fix them; like StackStorm, the runner keeps
    them: run() never sees them. (The pack's actions fix them: see the next test.)"""
    import tools.run_action.__main__ as runner

    seen: dict = {}

    class RecordingAction:
        def __init__(self, config: dict, action_service: object) -> None:
            pass

        def run(self, **params: object) -> tuple[bool, object]:
            seen.update(params)
            return True, {}

    monkeypatch.setenv("OPENSTACK_OPS_STATE_DIR", str(tmp_path / "state"))
    load = mocker.patch.object(
        runner, "load_action_class", autospec=True, return_value=RecordingAction
    )
    unfixed = unfixed_runner_parameters(find_action(CAMPAIGN))
    found = mocker.patch.object(
        runner, "find_action", autospec=True, return_value=unfixed
    )
    words = [
        "timeout=30",
        "log_level=INFO",
        "env=A=1,B=2",
        "debug=true",
        "content_version=v1",
        "to_addresses=",
        "send_email=false",
    ]
    assert main([CAMPAIGN, *words]) == 0
    assert set(seen) == set(unfixed.parameters)
    assert not set(seen) & {"timeout", "log_level", "env", "debug", "content_version"}
    assert seen["workflow"] == "email_campaigns.ops_down_disabled_hypervisors"
    assert seen["to_addresses"] == [""]  # as st2 run sends it
    assert seen["send_email"] is False
    err = capsys.readouterr().err
    assert "runner parameters (not applied locally): timeout=30" in err
    found.assert_called_once_with(CAMPAIGN)
    load.assert_called_once_with(unfixed)


def unfixed_runner_parameters(meta: ActionMeta | None) -> ActionMeta:
    """``meta`` without its overrides of the runner's parameters."""
    assert meta is not None
    return dataclasses.replace(meta, parameters=meta.inputs)


@pytest.mark.parametrize(
    "word", ["timeout=30", "debug=false", "env={}", "content_version=x"]
)
def test_main_refuses_the_runner_parameters_every_action_fixes(
    word: str, capsys: pytest.CaptureFixture
) -> None:
    """The pack's actions fix the runner's parameters but log_level (immutable, off
    the form): any value is refused before anything runs, as StackStorm refuses it."""
    assert main([CAMPAIGN, word]) == 2
    assert word.split("=")[0] in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [CAMPAIGN, "@to_addresses=to.json", "--config", "config.yaml"],
        [CAMPAIGN, "--config", "config.yaml", "@to_addresses=to.json"],
        ["--config", "config.yaml", CAMPAIGN, "@to_addresses=to.json"],
    ],
    ids=["config-last", "config-between", "config-first"],
)
def test_main_reads_at_files_and_config_from_the_caller_directory(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    mocker: MockerFixture,
) -> None:
    import tools.run_action.__main__ as runner

    seen: dict = {}

    class RecordingAction:
        def __init__(self, config: dict, action_service: object) -> None:
            seen["config"] = config

        def run(self, **params: object) -> tuple[bool, object]:
            seen.update(params)
            return True, {}

    (tmp_path / "to.json").write_text('["a@example.org", "b@example.org"]')
    (tmp_path / "config.yaml").write_text("ops_email: [ops@example.org]\n")
    monkeypatch.setenv("OPENSTACK_OPS_CALLER_DIR", str(tmp_path))
    monkeypatch.setenv("OPENSTACK_OPS_STATE_DIR", str(tmp_path / "state"))
    mocker.patch.object(
        runner, "load_action_class", autospec=True, return_value=RecordingAction
    )
    assert main(argv) == 0
    assert seen["to_addresses"] == ["a@example.org", "b@example.org"]
    assert seen["config"]["ops_email"] == ["ops@example.org"]


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
    mocker: MockerFixture,
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
    mocker.patch.object(
        runner, "load_action_class", autospec=True, return_value=FixedResultAction
    )
    assert runner.run(find_action("cloud.check"), {}, {}) is True
    assert capsys.readouterr().out == expected


def test_non_finite_numbers_become_null_as_stackstorm_stores_them() -> None:
    """``value=nan`` reaches StackStorm's create_request as None (parameters are stored
    as JSON), so a required number refuses it; found by the real-StackStorm tier."""
    from tools.pack_meta import load_actions
    from tools.run_action.params import ParameterError, resolve

    meta = next(m for m in load_actions() if m.name == "flavor.search.by.expression")
    for raw in ("nan", "inf", "-inf"):
        words = ["property_to_search_by=vcpus", "operator=greater_than", f"value={raw}"]
        try:
            resolve(meta, words)
        except ParameterError as error:
            assert "parameter 'value'" in str(error)
        else:
            raise AssertionError(f"value={raw} was accepted")
