"""pack.yaml through StackStorm's pack checks, and the Python the pack needs."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml
from tier_support import CHECKOUT, report

#: The newest StackStorm release that cannot run on Python 3.11 (3.8 supports 3.6 and
#: 3.8 only); ``st2 pack install`` must refuse the pack there.
TOO_OLD_STACKSTORM = "3.8.1"


def pack_metadata() -> dict[str, Any]:
    return yaml.safe_load((CHECKOUT / "pack.yaml").read_text())


def test_pack_yaml_validates_and_installs_on_this_stackstorm(layout: Any) -> None:
    from st2common.models.api.pack import PackAPI
    from st2common.util import pack_management

    meta = pack_metadata()
    PackAPI(**meta).validate()
    assert pack_management.verify_pack_version(meta) is True
    report(
        "pack.yaml (PackAPI, verify_pack_version)",
        f"pack.yaml: PackAPI valid; verify_pack_version accepts StackStorm "
        f"{pack_management.CURRENT_STACKSTORM_VERSION} for {meta['stackstorm_version']!r}",
    )


def test_pack_yaml_refuses_stackstorm_without_python_3_11(
    layout: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from st2common.util import pack_management

    meta = pack_metadata()
    monkeypatch.setattr(
        pack_management, "CURRENT_STACKSTORM_VERSION", TOO_OLD_STACKSTORM
    )
    try:
        pack_management.verify_pack_version(meta)
    except ValueError:
        return
    pytest.fail(
        f"pack.yaml: stackstorm_version {meta['stackstorm_version']!r} lets "
        f"st2common.util.pack_management.verify_pack_version install the pack on "
        f"StackStorm {TOO_OLD_STACKSTORM}, which cannot run Python 3.11 (the pack needs it)"
    )


def test_pack_virtualenv_python_matches_stackstorm(layout: Any) -> None:
    """Sensors run the pack venv's python on StackStorm's site-packages: both must be
    the same Python, 3.11 or later."""
    pack_version = subprocess.run(
        [str(layout.pack_python), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert pack_version == str(sys.version_info[:2])
    assert sys.version_info >= (3, 11), f"StackStorm's python is {sys.version}"
