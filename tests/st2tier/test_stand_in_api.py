"""The stand-in (tools/st2stub) has StackStorm's API and nothing StackStorm lacks.

Without StackStorm the pack's tests run against the stand-in; under
``st2-run-pack-tests`` against StackStorm itself. Both must offer the same API: every
module of the stand-in exists in StackStorm, and every public class, function and
constant it defines exists there too, with the same signature (parameter names, kinds
and defaults), the same class members and the same constant values. The stand-in is
described by the pack virtualenv's python with only the stand-in on the path,
StackStorm by its own python, each in a fresh process
(``tools/testing/api_surface.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tier_support import CHECKOUT, report

STUB_DIR = CHECKOUT / "tools" / "st2stub"
SECTION = "stand-in API (tools/st2stub against StackStorm's modules)"


def stand_in_modules() -> list[str]:
    """Every module of the stand-in, as a dotted name."""
    names = []
    for path in sorted(STUB_DIR.rglob("*.py")):
        parts = path.relative_to(STUB_DIR).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def describe(
    python: Path | str, first_on_path: list[Path], modules: list[str], *flags: str
) -> Any:
    """Run tools.testing.api_surface with ``python``; its JSON output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, first_on_path))}
    proc = subprocess.run(
        [str(python), "-m", "tools.testing.api_surface", *flags, *modules],
        cwd=CHECKOUT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def surfaces(layout: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stand-in's and StackStorm's descriptions of the stand-in's modules."""
    modules = stand_in_modules()
    stand_in = describe(layout.pack_python, [STUB_DIR, CHECKOUT], modules, "--stand-in")
    for module, description in stand_in.items():
        where = Path(description.get("file") or "")
        assert (
            STUB_DIR in where.parents
        ), f"{module} came from {where}, not the stand-in"
    real = describe(sys.executable, [CHECKOUT], modules)
    return stand_in, real


@pytest.mark.parametrize("module", stand_in_modules())
def test_stand_in_module_has_stackstorms_api(
    surfaces: tuple[dict[str, Any], dict[str, Any]], module: str
) -> None:
    from tools.testing.api_surface import compare

    stand_in, real = surfaces
    problems = compare({module: stand_in[module]}, real)
    names = sorted(stand_in[module].get("names", {}))
    report(
        SECTION,
        f"{module}: {', '.join(names) or '(package)'}"
        + (f" — {len(problems)} difference(s)" if problems else " — as StackStorm"),
    )
    assert not problems, "\n".join(problems)
