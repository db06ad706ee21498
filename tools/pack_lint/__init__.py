"""Offline StackStorm pack linter for openstack_ops.

Encodes ``../shared/docs/stackstorm-contract.md``: what StackStorm would reject when
registering the pack, plus the pack's own wiring rule (every workflow action's YAML
parameters equal its workflow function's). Run ``python -m tools.pack_lint [PACK_DIR]``
or call ``lint_pack(pack_dir)``.
"""

from tools.pack_lint.linter import LintReport, lint_pack, lint_pack_report
from tools.pack_lint.problems import Problem

__all__ = ["LintReport", "Problem", "lint_pack", "lint_pack_report"]
