"""The example config through StackStorm: registered with schema validation, then
rendered by ContentPackConfigLoader with its secrets stored encrypted."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from tier_support import CHECKOUT, SECRETS, example_config, install_config, report


def st2kv_names(config: Any) -> set[str]:
    """The datastore keys the example references."""
    text = yaml.safe_dump(config)
    return {name for name in SECRETS if f"st2kv.system.{name}" in text}


def test_example_config_renders_with_encrypted_secrets(layout: Any) -> None:
    example = example_config()
    assert st2kv_names(example), "the example references no datastore key"
    referenced = set(re.findall(r"st2kv\.system\.(\w+)", yaml.safe_dump(example)))
    assert referenced <= set(SECRETS), f"no tier secret for {referenced - set(SECRETS)}"
    try:
        loaded = install_config(layout, example)
    except Exception as error:
        pytest.fail(
            f"{(CHECKOUT / 'openstack_ops.yaml.example').name}: StackStorm's "
            f"configs registrar / ContentPackConfigLoader.get_config() failed: "
            f"{type(error).__name__}: {error}"
        )
    report(
        "example config (configs registrar + ContentPackConfigLoader)",
        f"example config rendered by ContentPackConfigLoader: {len(loaded)} keys, "
        f"secrets {sorted(st2kv_names(example))} decrypted from the datastore",
    )
    assert loaded["clouds"][0]["password"] == SECRETS["openstack_password"]
    assert loaded["smtp_accounts"][0]["password"] == SECRETS["smtp_password"]
    assert loaded["alertmanager_accounts"][0]["token"] == SECRETS["alertmanager_token"]
    assert loaded["icinga_accounts"][0]["password"] == SECRETS["icinga_api_password"]
    tokens = {env["name"]: env["token"] for env in loaded["jupyter_envs"]}
    assert tokens == {
        "training": SECRETS["jupyter_training_token"],
        "prod": SECRETS["jupyter_prod_token"],
    }
    # Defaults from the schema are filled in, as StackStorm does for nested objects.
    schema = yaml.safe_load((CHECKOUT / "config.schema.yaml").read_text())
    for key, spec in schema.items():
        if "default" in spec and key not in example:
            assert loaded[key] == spec["default"], key
