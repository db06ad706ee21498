"""``python -m tools.pack_lint [PACK_DIR]``: lint a pack, exit 1 on problems."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.pack_lint.linter import lint_pack_report

DEFAULT_PACK_DIR = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Print one line per problem (or the OK summary); return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.pack_lint",
        description="Check a StackStorm pack against the pack contract, offline.",
    )
    parser.add_argument(
        "pack_dir",
        nargs="?",
        default=str(DEFAULT_PACK_DIR),
        help="pack directory (default: this repository)",
    )
    args = parser.parse_args(argv)
    pack_dir = Path(args.pack_dir)
    if not pack_dir.is_dir():
        print(f"{pack_dir}: not a directory", file=sys.stderr)
        return 2
    report = lint_pack_report(pack_dir)
    for problem in report.problems:
        print(problem)
    print(report.summary(), file=sys.stderr if report.problems else sys.stdout)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
