"""``./run_action.sh`` parses ``key=value`` exactly as the real ``st2 run`` does.

The same words go to st2client 3.9.0's own parser (``ActionRunCommandMixin.
_get_action_parameters_from_args``, the code ``st2 run`` calls before the API) and to
``tools.run_action.params.parse_arguments``, for every parameter of every pack action
(the runner's parameters included) and a list of tricky values; the parsed values must
be identical (compared by ``repr``, so ``1`` is not ``True`` nor ``1.0``) and a value
st2client refuses must be refused by ours.

st2client pins old dependencies (jsonschema 3.2, ...), so it lives in its own small
virtualenv, ``.venv/st2client-3.9.0`` (built from PyPI on first use, then reused), and
runs there as a subprocess; the pack's ``.venv`` is untouched.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.pack_meta import PACK_DIR, ActionMeta, load_actions
from tools.run_action.params import ParameterError, parse_arguments, runner_parameters

ST2CLIENT = "st2client==3.9.0"
VENV = Path(
    os.environ.get(
        "OPENSTACK_OPS_ST2CLIENT_VENV", PACK_DIR / ".venv" / "st2client-3.9.0"
    )
)

#: Run in the st2client venv: parse each case with st2client, print the outcomes.
DRIVER = """
import json, os, sys
from types import SimpleNamespace
from st2client.commands.action import ActionRunCommandMixin

request = json.load(sys.stdin)
outcomes = []
for action_name, words in request["cases"]:
    os.chdir(request["cwd"])
    action = SimpleNamespace(
        ref="openstack_ops." + action_name,
        parameters=request["actions"][action_name]["parameters"],
    )
    runner = SimpleNamespace(
        runner_parameters=request["actions"][action_name]["runner"]
    )
    args = SimpleNamespace(parameters=words, inherit_env=False, auto_dict=False)
    try:
        value = ActionRunCommandMixin._get_action_parameters_from_args(
            None, action, runner, args
        )
    except Exception as exc:
        outcomes.append("error: %s: %s" % (type(exc).__name__, exc))
    else:
        outcomes.append(repr(value))
json.dump(outcomes, sys.stdout)
"""

#: Values tried for every parameter: booleans, numbers, arrays, objects, strings.
VALUES = [
    *("true", "True", "TRUE", "false", "False", "yes", "on", "no", "off", "y"),
    *("1", "0", "", "none", "None", "null", " true", "'x'", "[1]", "1.5"),
    *("51", " 51 ", "-3", "1_000", "1e3", "2", "nan", "inf", "0x10"),
    *("1,2", "a, b", "a,,b", " a ", '["a"]', '["a", 1]', "[]", '"x"', "[1"),
    *('{"a": 1}', '{"a": {"b": [1, 2]}}', "{bad", "{}", "a=1,b=2", "a=1,b", "k=v=w"),
    *("with, commas", "x=y", "ünïcode", "{{ st2kv.system.x }}", "line\nbreak"),
]


def _run(command: list[str]) -> None:
    """Run a build step; fail the test with its output when it fails."""
    proc = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=900
    )
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="module")
def st2client_python() -> Path:
    """The python of a virtualenv holding the real st2client (built once, locked so
    parallel test runs do not build it twice)."""
    python = VENV / "bin" / "python"
    marker = VENV / ".openstack_ops-installed"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / f"{VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (marker.is_file() and marker.read_text() == ST2CLIENT):
            shutil.rmtree(VENV, ignore_errors=True)
            _run([sys.executable, "-m", "venv", str(VENV)])
            pip = [str(python), "-m", "pip", "install", "-q"]
            _run([*pip, "--disable-pip-version-check", ST2CLIENT])
            marker.write_text(ST2CLIENT)
    return python


def st2client_parse(
    python: Path,
    actions: list[ActionMeta],
    cases: list[tuple[str, list[str]]],
    cwd: Path,
) -> list[str]:
    """What st2client makes of each case: ``repr`` of the parameters, or ``error:``."""
    request = {
        "cwd": str(cwd),
        "actions": {
            meta.name: {
                "parameters": meta.parameters,
                "runner": runner_parameters(meta),
            }
            for meta in actions
        },
        "cases": cases,
    }
    proc = subprocess.run(
        [str(python), "-c", DRIVER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def our_parse(meta: ActionMeta, words: list[str], cwd: Path) -> str:
    """What ``./run_action.sh`` makes of ``words``, in the same form."""
    try:
        return repr(parse_arguments(meta, words, cwd))
    except ParameterError as exc:
        return f"error: {exc}"


def compare(
    python: Path,
    actions: list[ActionMeta],
    cases: list[tuple[str, list[str]]],
    cwd: Path,
) -> dict[tuple[str, tuple[str, ...]], str]:
    """Parse every case both ways; fail listing the differences. Returns st2client's
    outcome per case."""
    by_name = {meta.name: meta for meta in actions}
    theirs = st2client_parse(python, actions, cases, cwd)
    differences = []
    for (name, words), their in zip(cases, theirs, strict=True):
        our = our_parse(by_name[name], words, cwd)
        same = (
            our.startswith("error: ") and their.startswith("error: ")
        ) or our == their
        if not same:
            differences.append(
                f"{name} {words!r}:\n  st2client: {their}\n  ours: {our}"
            )
    assert (
        not differences
    ), f"{len(differences)} of {len(cases)} cases differ, e.g.:\n" + "\n".join(
        differences[:15]
    )
    return {
        (name, tuple(words)): their
        for (name, words), their in zip(cases, theirs, strict=True)
    }


def test_every_parameter_of_every_action_parses_as_st2client_does(
    st2client_python: Path, tmp_path: Path
) -> None:
    actions = load_actions()
    cases = [
        (meta.name, [f"{param}={value}"])
        for meta in actions
        for param in {**runner_parameters(meta), **meta.parameters}
        for value in VALUES
    ]
    theirs = compare(st2client_python, actions, cases, tmp_path)
    # The harness really ran st2client: the documented facts hold in its results.
    campaign = "email.ops.down.disabled.hypervisors"
    facts = {
        "send_email=true": "{'send_email': True}",
        "send_email=1": "{'send_email': 1}",
        "to_addresses=51": "{'to_addresses': [51]}",
        "to_addresses=": "{'to_addresses': ['']}",
        "to_addresses=1,2": "{'to_addresses': ['1', '2']}",
        "max_recipients=0": "{'max_recipients': 0}",
        "timeout=51": "{'timeout': 51}",
    }
    for word, expected in facts.items():
        assert theirs[(campaign, (word,))] == expected
    assert theirs[(campaign, ("send_email=yes",))].startswith("error: ")


def test_multi_word_cases_parse_as_st2client_does(
    st2client_python: Path, tmp_path: Path
) -> None:
    """Repeated parameters, words without ``=``, ``@file`` values, odd keys."""
    (tmp_path / "to.txt").write_text("a@example.org, b@example.org\n")
    (tmp_path / "quotas.json").write_text('{"compute": {"cores": 8}}')
    (tmp_path / "bad.bin").write_bytes(b"\xff\xfe")
    actions = load_actions()
    campaign = "email.ops.down.disabled.hypervisors"
    quota = "quota.set"
    assert {campaign, quota} <= {meta.name for meta in actions}
    cases = [
        (campaign, ["to_addresses=a", "to_addresses=b,c", "cc=x"]),
        (campaign, ["to_addresses=51", "to_addresses=[1]", "to_addresses="]),
        (campaign, ["to_addresses=a", 'to_addresses="xy"']),
        (campaign, ['to_addresses="xy"', "to_addresses=a"]),
        (campaign, ["campaign_id=a", "campaign_id=b"]),
        (campaign, ["send_email=true", "dry", "run=1"]),
        (campaign, ["dry"]),
        (campaign, ["=x"]),
        (campaign, ["bogus=1", "bogus=2"]),
        (campaign, ["env=A=1", "env=B=2", "timeout=5"]),
        (campaign, ["@to_addresses=to.txt", "@campaign_id=to.txt"]),
        (campaign, ["@max_recipients=to.txt"]),
        (campaign, [f"@cc={tmp_path / 'to.txt'}"]),
        (campaign, ["@cc=absent.txt"]),
        (campaign, ["@cc=."]),
        (campaign, ["@cc=bad.bin"]),
        (quota, ["@quotas=quotas.json"]),
        (quota, ["quotas=compute=1,network=2", "quotas=x=y"]),
    ]
    compare(st2client_python, actions, cases, tmp_path)
