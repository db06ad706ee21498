"""The pack is valid for StackStorm, and the linter catches each kind of broken metadata.

Every file in ``tests/pack/broken/`` is one broken case: a header names the pack file it
replaces (``# target:``), the key the problem must name (``# key:``) and a substring of
the message (``# expect:``). Each case is dropped into a fresh copy of the pack, and the
copy is linted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.pack_lint import Problem, lint_pack

PACK_DIR = Path(__file__).resolve().parents[2]
BROKEN_DIR = Path(__file__).resolve().parent / "broken"
CLOUD_CHECK_YAML = "actions/cloud.check.yaml"
CLOUD_WORKFLOW = "lib/workflows/cloud.py"
_COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".devcloud",
    ".state",
    ".st2tier",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    "*.pyc",
    "tests",
    "tools",
)


@dataclass(frozen=True)
class BrokenCase:
    """One corpus file: what it replaces and the problem it must produce."""

    name: str
    target: str
    key: str
    expect: str
    text: str


def _load_case(path: Path) -> BrokenCase:
    """Parse the ``# target/key/expect:`` header of a corpus file."""
    text = path.read_text(encoding="utf-8")
    header = dict(re.findall(r"^# (target|key|expect): (.+)$", text, re.MULTILINE))
    missing = {"target", "key", "expect"} - set(header)
    assert not missing, f"{path.name}: header lacks {sorted(missing)}"
    return BrokenCase(
        path.stem,
        header["target"].strip(),
        header["key"].strip(),
        header["expect"].strip(),
        text,
    )


CASES = [_load_case(p) for p in sorted(BROKEN_DIR.glob("*.yaml"))]


def _describe(problems: list[Problem]) -> str:
    """Problems one per line, for assertion messages."""
    return "\n".join(str(p) for p in problems) or "(none)"


@pytest.fixture(scope="session")
def pristine_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the pack (metadata, actions, lib) made once per session."""
    target = tmp_path_factory.mktemp("pristine") / "openstack_ops"
    shutil.copytree(PACK_DIR, target, ignore=_COPY_IGNORE)
    return target


@pytest.fixture(scope="session")
def baseline(pristine_pack: Path) -> set[Problem]:
    """Problems of the unmodified copy (none once the pack is valid)."""
    return set(lint_pack(pristine_pack))


@pytest.fixture
def pack_copy(pristine_pack: Path, tmp_path: Path) -> Path:
    """A fresh copy of the pack a test may break."""
    target = tmp_path / "openstack_ops"
    shutil.copytree(pristine_pack, target)
    return target


def test_real_pack_lints_clean() -> None:
    """The pack as committed satisfies the whole contract, wiring included."""
    problems = lint_pack(PACK_DIR)
    assert problems == [], "pack lint found:\n" + _describe(problems)


def test_cli_reports_ok_for_the_pack() -> None:
    """``python -m tools.pack_lint`` exits 0 with the summary line."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.pack_lint", str(PACK_DIR)],
        cwd=PACK_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("pack OK: ")
    assert re.search(r"\b\d+ actions\b", result.stdout), result.stdout


def test_cli_prints_one_line_per_problem_and_exits_1(pack_copy: Path) -> None:
    """A broken pack: ``file: key: message`` lines on stdout and exit status 1."""
    case = next(c for c in CASES if c.name == "action_param_type_list")
    (pack_copy / case.target).write_text(case.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "tools.pack_lint", str(pack_copy)],
        cwd=PACK_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{case.target}: {case.key}: " in result.stdout
    assert all(
        re.match(r"^[^:]+: [^:]+: .+", line) for line in result.stdout.splitlines()
    )


def test_corpus_is_large_enough() -> None:
    """At least 20 kinds of broken metadata, each a distinct file and expectation."""
    assert len(CASES) >= 20
    assert len({(c.target, c.key, c.expect) for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_case_is_rejected(
    case: BrokenCase, pack_copy: Path, baseline: set[Problem]
) -> None:
    """The case's problem names its file and key; nothing else in the pack breaks."""
    path = pack_copy / case.target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(case.text, encoding="utf-8")
    problems = lint_pack(pack_copy)
    matching = [
        p
        for p in problems
        if p.file == case.target and p.key == case.key and case.expect in p.message
    ]
    assert matching, (
        f"expected a problem '{case.target}: {case.key}: ...{case.expect}...', got:\n"
        + _describe(problems)
    )
    assert case.target in str(matching[0]) and case.key in str(matching[0])
    elsewhere = [p for p in problems if p not in baseline and p.file != case.target]
    assert not elsewhere, "problems outside the target file:\n" + _describe(elsewhere)


def _edit(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of ``old`` in ``path`` (fail loudly otherwise)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _add_function_parameter(path: Path, func: str, addition: str) -> None:
    """Append ``addition`` to the parameter list of ``def func(...)`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(def {func}\()(.*?)(\)\s*(?:->[^:]*)?:)", re.DOTALL)
    match = pattern.search(text)
    assert match, f"def {func}(...) not found in {path}"
    params = match.group(2).rstrip().rstrip(",")
    new_params = f"{params}, {addition}" if params.strip() else addition
    path.write_text(
        text[: match.start(2)] + new_params + text[match.end(2) :], encoding="utf-8"
    )


def _wiring_problems(pack: Path) -> list[Problem]:
    """Problems of cloud.check's YAML."""
    return [p for p in lint_pack(pack) if p.file == CLOUD_CHECK_YAML]


def test_renamed_workflow_function_fails_naming_the_action(pack_copy: Path) -> None:
    """Renaming ``check`` in lib/workflows/cloud.py breaks action cloud.check."""
    _edit(pack_copy / CLOUD_WORKFLOW, "def check(", "def check_renamed(")
    problems = _wiring_problems(pack_copy)
    assert any(
        p.key == "parameters.workflow.default"
        and "action 'cloud.check'" in p.message
        and "check" in p.message
        for p in problems
    ), _describe(problems)


def test_parameter_added_to_function_only_fails_naming_the_action(
    pack_copy: Path,
) -> None:
    """A function parameter absent from the YAML is reported for cloud.check."""
    _add_function_parameter(
        pack_copy / CLOUD_WORKFLOW, "check", "extra_only_in_function: int = 1"
    )
    problems = _wiring_problems(pack_copy)
    assert any(
        p.key == "parameters"
        and "action 'cloud.check'" in p.message
        and "'extra_only_in_function' missing from the YAML" in p.message
        for p in problems
    ), _describe(problems)


def test_function_parameter_without_default_must_be_required(pack_copy: Path) -> None:
    """A function parameter with no default must be ``required: true`` in the YAML."""
    _add_function_parameter(pack_copy / CLOUD_WORKFLOW, "check", "*, probe: str")
    with (pack_copy / CLOUD_CHECK_YAML).open("a", encoding="utf-8") as handle:
        handle.write("  probe:\n    type: string\n    description: Probe.\n")
    problems = _wiring_problems(pack_copy)
    assert any(
        p.key == "parameters.probe.required" and "action 'cloud.check'" in p.message
        for p in problems
    ), _describe(problems)


def test_default_mismatch_between_yaml_and_function(pack_copy: Path) -> None:
    """YAML and function defaults must agree."""
    _add_function_parameter(pack_copy / CLOUD_WORKFLOW, "check", "*, attempts: int = 3")
    with (pack_copy / CLOUD_CHECK_YAML).open("a", encoding="utf-8") as handle:
        handle.write(
            "  attempts:\n    type: integer\n    description: Tries.\n    default: 5\n"
        )
    problems = _wiring_problems(pack_copy)
    assert any(
        p.key == "parameters.attempts.default" and "differs" in p.message
        for p in problems
    ), _describe(problems)


def test_linting_a_copy_does_not_leak_its_modules(pack_copy: Path) -> None:
    """After linting a broken copy, the real pack still lints clean (no stale imports)."""
    _edit(pack_copy / CLOUD_WORKFLOW, "def check(", "def check_renamed(")
    assert _wiring_problems(pack_copy)
    assert not any(
        str(pack_copy) in str(getattr(m, "__file__", "") or "")
        for m in list(sys.modules.values())
    )
    assert lint_pack(PACK_DIR) == []


def test_example_is_validated_raw_as_config_registration_does(pack_copy: Path) -> None:
    """StackStorm validates the config's RAW values when it registers them
    (``validate_config_against_schema``): ``{{ st2kv... }}`` passes a plain string
    property but not an enum, whatever the key would render to."""
    example = pack_copy / "openstack_ops.yaml.example"
    account = (
        "smtp_accounts:\n"
        "  - name: m\n"
        "    host: smtp.example.org\n"
        "    from_address: ops@example.org\n"
    )
    example.write_text(
        account + '    username: "{{ st2kv.system.smtp_user }}"\n', encoding="utf-8"
    )
    assert [p for p in lint_pack(pack_copy) if p.file == example.name] == []
    example.write_text(
        account + '    security: "{{ st2kv.system.smtp_security }}"\n',
        encoding="utf-8",
    )
    problems = [p for p in lint_pack(pack_copy) if p.file == example.name]
    assert any(
        p.key == "smtp_accounts[0].security" and "is not one of" in p.message
        for p in problems
    ), _describe(problems)


def test_entry_point_class_without_run_is_rejected(pack_copy: Path) -> None:
    """StackStorm's loader checks every class of the entry-point module against Action:
    a helper class there logs an IncompatiblePluginException traceback on every run."""
    entry = pack_copy / "actions" / "src" / "workflow_actions.py"
    entry.write_text(
        entry.read_text(encoding="utf-8") + "\n\nclass Helper:\n    pass\n",
        encoding="utf-8",
    )
    problems = [p for p in lint_pack(pack_copy) if p.key == "entry_point"]
    assert problems, "a class without run() in the entry point went unnoticed"
    assert "register_plugin" in str(problems[0]), _describe(problems)
