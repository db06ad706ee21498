"""Environments from the pack config."""

from __future__ import annotations

import pytest

from jupyter_api.environment import JupyterEnv
from pack_common import ConfigError


def test_defaults_and_token_hidden() -> None:
    env = JupyterEnv.from_config(
        {
            "name": "dev",
            "url": "https://hub.example.org/",
            "token": "s3cret",
            "extra": 1,
        }
    )
    assert env.api_url == "https://hub.example.org/hub/api"
    assert (env.verify, env.protected, env.timeout) == (True, False, 30)
    assert (env.inactive_days, env.max_unconfirmed_deletes) == (90, 10)
    assert "s3cret" not in repr(env)


def test_missing_token_names_the_config_key() -> None:
    with pytest.raises(ConfigError, match=r"jupyter_envs.*'token'"):
        JupyterEnv.from_config({"name": "dev", "url": "https://hub"})


@pytest.mark.parametrize("key", ["timeout", "inactive_days", "max_unconfirmed_deletes"])
@pytest.mark.parametrize("value", [0, -1, "3", True])
def test_bad_numbers_name_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"'{key}' must be a whole number >= 1"):
        JupyterEnv.from_config(
            {"name": "dev", "url": "https://hub", "token": "t", key: value}
        )


def test_a_url_without_scheme_names_the_key() -> None:
    with pytest.raises(ConfigError, match="entry 'dev': 'url' must start with https"):
        JupyterEnv.from_config({"name": "dev", "url": "hub.example.org", "token": "t"})
