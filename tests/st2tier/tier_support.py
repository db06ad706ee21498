"""Helpers shared by the real-StackStorm tier's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CHECKOUT = Path(__file__).resolve().parents[2]
PACK = "openstack_ops"

#: Secrets the test configs reference, stored encrypted like `st2 key set --encrypt`.
SECRETS = {
    "openstack_password": "example-openstack-password",
    "smtp_password": "example-smtp-password",
    "jupyter_training_token": "example-training-token",
    "jupyter_prod_token": "example-prod-token",
    "alertmanager_token": "example-alertmanager-token",
    "icinga_api_password": "example-icinga-password",
}


#: What went through StackStorm's code, by section, printed at the end of the run.
REPORT: dict[str, list[str]] = {}


def report(section: str, line: str) -> None:
    """Record one line for the tier's closing summary."""
    REPORT.setdefault(section, []).append(line)


def install_config(tier: Any, config: dict[str, Any]) -> dict[str, Any]:
    """Write /opt/stackstorm/configs/openstack_ops.yaml, register it with validation
    (as `st2ctl reload --register-configs`), and load it as actions get it."""
    import st2env
    from st2common.bootstrap import configsregistrar

    tier.pack_config.write_text(yaml.safe_dump(config, sort_keys=False))
    configsregistrar.register_configs(
        pack_dir=str(tier.pack_dir), fail_on_failure=True, validate_configs=True
    )
    return st2env.load_pack_config()


def example_config() -> dict[str, Any]:
    """The shipped example config."""
    return yaml.safe_load((CHECKOUT / "openstack_ops.yaml.example").read_text())


def pack_yaml(kind: str) -> list[tuple[Path, dict[str, Any]]]:
    """Every metadata file of one kind (actions, sensors, rules, aliases)."""
    return [
        (path, yaml.safe_load(path.read_text()))
        for path in sorted((CHECKOUT / kind).glob("*.yaml"))
    ]
