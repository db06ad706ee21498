"""Run every check over a pack directory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tools.pack_lint.actions import check_actions
from tools.pack_lint.aliases import check_aliases
from tools.pack_lint.config import check_config
from tools.pack_lint.context import PackContext
from tools.pack_lint.loader import METADATA_FOLDERS, load_folder
from tools.pack_lint.pack_file import check_pack_file
from tools.pack_lint.policies import check_policies
from tools.pack_lint.problems import Problem
from tools.pack_lint.rules import check_rules
from tools.pack_lint.sensors import check_sensors
from tools.pack_lint.wiring import check_wiring


@dataclass
class LintReport:
    """The problems found plus what was checked (for the summary line)."""

    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """``pack OK: 1 actions, 0 sensors, ...`` (or the number of problems)."""
        what = ", ".join(f"{n} {kind}" for kind, n in self.counts.items())
        if self.problems:
            return f"{len(self.problems)} problem(s) in pack ({what})"
        return f"pack OK: {what}"


def lint_pack_report(pack_dir: str | os.PathLike[str]) -> LintReport:
    """Lint the pack at ``pack_dir`` and report problems and counts."""
    root = Path(pack_dir).resolve()
    pack_ref, problems = check_pack_file(root)
    files = {}
    for folder in METADATA_FOLDERS:
        files[folder], errors = load_folder(root, folder)
        problems.extend(errors)
    ctx = PackContext(pack_dir=root, pack_ref=pack_ref, files=files)
    ctx.index()
    problems.extend(check_actions(ctx))
    problems.extend(check_sensors(ctx))
    problems.extend(check_rules(ctx))
    problems.extend(check_aliases(ctx))
    problems.extend(check_policies(ctx))
    config_keys, config_problems = check_config(ctx)
    problems.extend(config_problems)
    problems.extend(check_wiring(ctx))
    counts = {folder: len(files[folder]) for folder in METADATA_FOLDERS}
    counts["trigger types"] = sum(
        1 for t in ctx.triggers.values() if t.file is not None
    )
    counts["config keys"] = config_keys
    return LintReport(sorted(set(problems)), counts)


def lint_pack(pack_dir: str | os.PathLike[str]) -> list[Problem]:
    """Every problem in the pack at ``pack_dir`` (empty when it is valid)."""
    return lint_pack_report(pack_dir).problems
