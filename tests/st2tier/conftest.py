"""The real-StackStorm tier: the pack through StackStorm's own code.

Run by ``./run_tests.sh --st2 DIR`` with the python of the StackStorm virtualenv that
tools/st2tier/build.sh made from DIR (ST2TIER_OUT names the tier's directory). The
session fixture configures StackStorm from a generated st2.conf, connects it to an
in-memory MongoDB and registers the pack with StackStorm's registrars; the tests then
drive actions, sensors, the config, aliases and rules through StackStorm's functions.
Outside that run (no ST2TIER_OUT) nothing here is collected, and the header says so.
"""

from __future__ import annotations

# StackStorm's services monkey-patch before anything else; so does this tier.
import os

if os.environ.get("ST2TIER_OUT"):
    from st2common.util.monkey_patch import monkey_patch

    monkey_patch()

import sys
from pathlib import Path
from typing import Any

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(CHECKOUT / "tools" / "st2tier"))

if not os.environ.get("ST2TIER_OUT"):
    collect_ignore_glob = ["test_*.py"]


def pytest_report_header(config: pytest.Config) -> str:
    if not os.environ.get("ST2TIER_OUT"):
        return "real-StackStorm tier: NOT RUN (needs ./run_tests.sh --st2 DIR)"
    import st2common

    return (
        f"real-StackStorm tier: st2common {st2common.__version__} from "
        f"{Path(st2common.__file__).parent}, tier dir {os.environ['ST2TIER_OUT']}"
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What went through StackStorm's own code, section by section."""
    from tier_support import REPORT

    for section, lines in REPORT.items():
        terminalreporter.section(f"through StackStorm: {section} ({len(lines)})")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def layout() -> Any:
    """StackStorm configured, on mongomock, with the pack registered."""
    import st2env
    from tier_support import SECRETS, report

    tier = st2env.layout_from_env()
    st2env.write_st2_conf(tier)
    st2env.ensure_key(tier)
    if tier.pack_config.exists():
        tier.pack_config.unlink()
    st2env.setup_st2(tier)
    st2env.silence_message_bus()
    counts = st2env.register_pack(tier)
    report("registrars", f"register_* (fail_on_failure=True): {counts}")
    for name, value in SECRETS.items():
        st2env.store_secret(name, value)
    return tier
