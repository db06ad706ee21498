"""The local runner tried as a new operator would (issue 12 item 9): ``--help``,
runner parameters, the unknown-parameter error, a fresh clone with no pack config,
and ``--devcloud``."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_mock import MockerFixture

import tools.run_action.__main__ as runner
import tools.run_action.devcloud as devcloud
from tools.pack_meta import PACK_DIR, ActionMeta, find_action, load_actions
from tools.run_action.__main__ import main
from tools.run_action.help import action_help, operator_parameters
from tools.run_action.params import ParameterError, resolve, runner_parameters

pytestmark = pytest.mark.fault(9)

META = ActionMeta(
    name="demo",
    description="Demonstrate the help.",
    runner_type="python-script",
    entry_point="src/workflow_actions.py",
    enabled=True,
    path=Path("demo.yaml"),
    parameters={
        "workflow": {"type": "string", "default": "demo.run", "immutable": True},
        "zeta": {"type": "string", "description": "Last in YAML, first by position."},
        "mode": {
            "type": "string",
            "enum": ["a", "b"],
            "default": "a",
            "description": "The mode.",
            "position": 1,
        },
        "names": {"type": "array", "items": {"type": "string"}},
        "dry_run": {"type": "boolean", "default": True, "description": "Plan only."},
        "target": {"type": "string", "required": True, "position": 0},
    },
)


def _param_lines(text: str) -> list[str]:
    """The parameter names of a help text, in the order shown."""
    body = text.split("Parameters (in the action's order):\n", 1)[1]
    body = body.split("\n\n", 1)[0]
    return [
        line.split(" (")[0].strip()
        for line in body.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]


def test_help_order_is_position_then_yaml_and_hides_workflow() -> None:
    text = action_help(META, runner_parameters(META))
    assert _param_lines(text) == ["target", "mode", "zeta", "names", "dry_run"]
    assert "workflow" not in text


def test_help_shows_type_default_enum_required_and_description() -> None:
    text = action_help(META, runner_parameters(META))
    assert "  target (string, required)" in text
    assert "  mode (string, optional)\n      default: a\n      one of: a, b" in text
    assert (
        "  dry_run (boolean, optional)\n      default: true\n      Plan only." in text
    )
    assert "  names (array of string, optional)" in text
    assert "Demonstrate the help." in text


def test_help_lists_runner_parameters_and_their_local_effect() -> None:
    text = action_help(META, runner_parameters(META))
    runner_part = text.split("Runner parameters (python-script", 1)[1]
    for name in ("log_level", "timeout", "env", "debug", "content_version"):
        assert f"\n  {name} (" in runner_part
    assert "sets the level of the action's log lines" in runner_part
    assert "no effect locally" in runner_part


def test_every_action_has_help_in_yaml_order_without_immutables() -> None:
    for meta in load_actions():
        shown = [name for name, _ in operator_parameters(meta)]
        visible = [n for n, s in meta.parameters.items() if not s.get("immutable")]
        assert sorted(shown) == sorted(visible), meta.name
        if not any("position" in s for s in meta.parameters.values()):
            assert shown == visible, meta.name


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_action_help_through_the_shell_wrapper(flag: str) -> None:
    """As an operator types it: apply's default and the enum values are shown, and
    the internal workflow parameter and the fixed runner parameters are not."""
    proc = subprocess.run(
        [str(PACK_DIR / "run_action.sh"), "project.create", flag],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("project.create (openstack_ops.project.create")
    assert "  apply (boolean, optional)\n      default: false" in proc.stdout
    assert "workflow" not in proc.stdout and "timeout" not in proc.stdout
    meta = find_action("project.create")
    lines = _param_lines(proc.stdout)
    assert lines == [n for n, _ in operator_parameters(meta)]
    assert lines[-2:] == ["apply", "log_level"]  # the runner's one field comes last
    assert "one of: DEBUG, INFO, AUDIT, WARNING, ERROR, CRITICAL" in proc.stdout


def test_help_after_parameters_and_general_help(
    capsys: pytest.CaptureFixture,
) -> None:
    assert main(["server.create", "name=x", "--help"]) == 0
    assert "  name (string, required)" in capsys.readouterr().out
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "./run_action.sh --devcloud ACTION" in out
    for meta in load_actions():
        assert f"\n  {meta.name}\n" in out
    assert main(["no.such.action", "--help"]) == 2
    assert "no action named 'no.such.action'" in capsys.readouterr().err


def test_unknown_parameter_does_not_list_workflow_as_known() -> None:
    with pytest.raises(ParameterError) as err:
        resolve(META, ["target=t", "bogus=1"])
    message = str(err.value)
    assert "unknown parameter(s) 'bogus'" in message
    assert "workflow" not in message
    assert "known: zeta, mode, names, dry_run, target" in message
    assert "runner parameters: timeout, env, debug, log_level, content_version" in (
        message
    )
    assert "./run_action.sh demo --help" in message


def test_lower_case_log_level_names_the_parameter_and_the_spelling() -> None:
    """StackStorm's python runner refuses log_level=debug (its enum is upper case);
    the message says how to write it."""
    with pytest.raises(ParameterError) as err:
        resolve(META, ["target=t", "log_level=debug"])
    assert "parameter 'log_level'" in str(err.value)
    assert "write log_level=DEBUG" in str(err.value)


@pytest.mark.parametrize(
    ("level", "shown", "hidden"),
    [("ERROR", "boom", "chatter"), ("INFO", "chatter", "detail")],
)
def test_log_level_sets_the_level_of_the_run(
    level: str,
    shown: str,
    hidden: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    mocker: MockerFixture,
) -> None:
    runner.ensure_stackstorm_importable()
    from st2common.runners.base_action import Action

    class LoggingAction(Action):
        def run(self, **params: object) -> tuple[bool, object]:
            self.logger.debug("detail")
            self.logger.info("chatter")
            self.logger.error("boom")
            return True, {}

    LoggingAction.__name__ = f"LoggingAction{level}"  # a logger of its own
    monkeypatch.setenv("OPENSTACK_OPS_STATE_DIR", str(tmp_path / "state"))
    mocker.patch.object(
        runner, "load_action_class", autospec=True, return_value=LoggingAction
    )
    assert main(["cloud.check", f"log_level={level}"]) == 0
    err = capfd.readouterr().err
    assert f"log_level: {level} (applied to this run)" in err
    assert shown in err
    assert hidden not in err
    assert "not applied locally" not in err


def _fresh_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh clone: no pack config anywhere."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "OPENSTACK_OPS_DEVCLOUD_DIR": str(tmp_path / "nodevcloud"),
        "OPENSTACK_OPS_STATE_DIR": str(tmp_path / "state"),
        "OS_CLIENT_CONFIG_FILE": str(tmp_path / "absent-clouds.yaml"),
        "PYTHON": sys.executable,
    }


def test_fresh_clone_says_where_it_looked_and_how_to_get_the_local_cloud(
    tmp_path: Path,
) -> None:
    proc = subprocess.run(
        [str(PACK_DIR / "run_action.sh"), "cloud.check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=_fresh_env(tmp_path),
    )
    assert proc.returncode == 1
    assert "status: failed" in proc.stdout
    assert "default_cloud_account" in proc.stdout
    err = proc.stderr
    assert "config: no pack config found; looked at:" in err
    assert "--config FILE" in err and "not given" in err
    assert "$OPENSTACK_OPS_CONFIG" in err and "not set" in err
    assert f"{tmp_path / 'nodevcloud' / 'openstack_ops.yaml'}  no such file" in err
    assert "./run_action.sh --devcloud cloud.check" in err
    assert "Traceback" not in err + proc.stdout


def _fake_devcloud(tmp_path: Path, running: bool, seeded: bool) -> Path:
    """A stand-in for tools/devcloud/devcloud: records its calls; ``status`` exits
    0 when running; ``up`` writes the pack config; ``seed`` writes seed.json."""
    state = tmp_path / "devcloud"
    state.mkdir()
    if running:
        (state / "openstack_ops.yaml").write_text("default_cloud_account: dev\n")
        (state / "up").touch()
    if seeded:
        (state / "seed.json").write_text("{}\n")
    tool = tmp_path / "devcloud-tool"
    tool.write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> "{tmp_path}/calls"\n'
        'case "$1" in\n'
        f'  status) test -e "{state}/up" ;;\n'
        f'  up) echo "devcloud is up"; touch "{state}/up"; '
        f'echo "default_cloud_account: dev" > "{state}/openstack_ops.yaml" ;;\n'
        f'  seed) echo "seeded"; echo "{{}}" > "{state}/seed.json" ;;\n'
        "esac\n"
    )
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return tool


@pytest.mark.parametrize(
    ("running", "seeded", "calls"),
    [
        (False, False, ["status", "up", "seed"]),
        (True, False, ["status", "seed"]),
        (True, True, ["status"]),
    ],
)
def test_devcloud_flag_brings_up_and_seeds_only_what_is_missing(
    running: bool,
    seeded: bool,
    calls: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    mocker: MockerFixture,
) -> None:
    seen: dict = {}

    class RecordingAction:
        def __init__(self, config: dict, action_service: object) -> None:
            seen["config"] = config

        def run(self, **params: object) -> tuple[bool, object]:
            return True, {}

    tool = _fake_devcloud(tmp_path, running, seeded)
    monkeypatch.setattr(devcloud, "DEVCLOUD_TOOL", tool)
    monkeypatch.setattr(devcloud, "PACK_DIR", tmp_path)
    monkeypatch.setenv("OPENSTACK_OPS_DEVCLOUD_DIR", str(tmp_path / "devcloud"))
    monkeypatch.setenv("OPENSTACK_OPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("OPENSTACK_OPS_CONFIG", raising=False)
    mocker.patch.object(
        runner, "load_action_class", autospec=True, return_value=RecordingAction
    )
    assert main(["--devcloud", "cloud.check"]) == 0
    assert (tmp_path / "calls").read_text().split() == calls
    assert seen["config"]["default_cloud_account"] == "dev"
    err = capsys.readouterr().err
    assert f"config: {tmp_path / 'devcloud' / 'openstack_ops.yaml'}" in err
    if not running:
        assert "devcloud: not running; starting it" in err
        assert "  devcloud is up" in err


def test_devcloud_flag_reports_a_failed_up_and_runs_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    mocker: MockerFixture,
) -> None:
    tool = tmp_path / "devcloud-tool"
    tool.write_text('#!/bin/sh\necho "mariadb exited" >&2\nexit 1\n')
    tool.chmod(0o755)
    monkeypatch.setattr(devcloud, "DEVCLOUD_TOOL", tool)
    monkeypatch.setattr(devcloud, "PACK_DIR", tmp_path)
    monkeypatch.setenv("OPENSTACK_OPS_DEVCLOUD_DIR", str(tmp_path / "devcloud"))
    load = mocker.patch.object(
        runner,
        "load_action_class",
        autospec=True,
        side_effect=AssertionError("the action was loaded"),
    )
    assert main(["--devcloud", "cloud.check"]) == 1
    err = capsys.readouterr().err
    assert "  mariadb exited" in err
    assert "error: ./devcloud-tool up failed" in err
    load.assert_not_called()


def test_devcloud_and_config_exclude_each_other(capsys: pytest.CaptureFixture) -> None:
    assert main(["--devcloud", "cloud.check", "--config", "x.yaml"]) == 2
    assert "--devcloud uses the local cloud's config" in capsys.readouterr().err
