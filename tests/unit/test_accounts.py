"""Accounts built from pack config entries: clouds, SMTP, JupyterHub."""

from __future__ import annotations

from pathlib import Path

import pytest

from email_api.account import Security, SMTPAccount
from jupyter_api.environment import JupyterEnv
from openstack_api.connection import CloudAccount, connect
from pack_common import ConfigError

CLOUD = {
    "name": "prod",
    "auth_url": "https://keystone.example.org:5000/v3",
    "username": "ops",
    "password": "s3cret-pw",
    "project_name": "admin",
    "region_name": "RegionTwo",
    "interface": "internal",
    "verify": True,
    "cacert": "/etc/ssl/ca.pem",
}


def test_cloud_account_hides_password_and_connects_lazily() -> None:
    account = CloudAccount.from_config(CLOUD)
    assert "s3cret-pw" not in repr(account)
    conn = account.connect()  # nothing is sent before first use
    try:
        auth = conn.config.get_auth_args()
        assert auth["auth_url"] == CLOUD["auth_url"]
        assert auth["username"] == "ops"
        assert auth["user_domain_name"] == "Default"
        assert conn.config.get_region_name() == "RegionTwo"
        assert conn.config.get_interface() == "internal"
        # verify with the configured CA bundle
        assert conn.config.get_requests_verify_args()[0] == "/etc/ssl/ca.pem"
    finally:
        conn.close()


def test_cloud_account_verify_false_is_honoured() -> None:
    conn = CloudAccount.from_config(
        {**CLOUD, "verify": False, "cacert": None}
    ).connect()
    try:
        assert conn.config.get_requests_verify_args()[0] is False
    finally:
        conn.close()


def test_cloud_account_missing_fields_name_the_config_key() -> None:
    with pytest.raises(ConfigError) as err:
        CloudAccount.from_config({"name": "x", "auth_url": "http://k"})
    assert "'clouds' entry 'x'" in str(err.value)
    assert "'password'" in str(err.value)


def test_connect_unknown_cloud_names_parameter_and_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "none.yaml"))
    with pytest.raises(ConfigError) as err:
        connect({"clouds": [CLOUD]}, "nosuch")
    message = str(err.value)
    assert "parameter 'cloud_account'" in message
    assert "'clouds'" in message
    assert "configured: prod" in message
    assert "clouds.yaml" in message


def test_connect_empty_name_without_default() -> None:
    with pytest.raises(ConfigError, match="no 'default_cloud_account'"):
        connect({}, None)


def test_connect_uses_default_cloud_account() -> None:
    conn = connect({"clouds": [CLOUD], "default_cloud_account": "prod"}, "")
    try:
        assert conn.config.get_auth_args()["username"] == "ops"
    finally:
        conn.close()


def test_connect_falls_back_to_clouds_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clouds_yaml = tmp_path / "clouds.yaml"
    clouds_yaml.write_text(
        "clouds:\n"
        "  fromyaml:\n"
        "    auth:\n"
        "      auth_url: http://127.0.0.1:5000/v3\n"
        "      username: y\n"
        "      password: p\n"
        "      project_name: demo\n"
        "    region_name: RegionOne\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds_yaml))
    conn = connect({"clouds": [CLOUD]}, "fromyaml")
    try:
        assert conn.config.name == "fromyaml"
        assert conn.config.get_auth_args()["username"] == "y"
    finally:
        conn.close()


def test_smtp_account_defaults_and_secret() -> None:
    account = SMTPAccount.from_config(
        {"name": "m", "host": "smtp", "from_address": "a@b.c", "password": "pw-123"}
    )
    assert account.security is Security.STARTTLS
    assert account.verify is True
    assert account.port == 25
    assert "pw-123" not in repr(account)


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"name": "m", "host": "smtp"}, "'from_address'"),
        (
            {"name": "m", "host": "smtp", "from_address": "a@b", "security": "tls"},
            "'security'",
        ),
        ({"name": "m", "host": "smtp", "from_address": "a@b", "port": "25"}, "'port'"),
    ],
)
def test_smtp_account_bad_entries(entry: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        SMTPAccount.from_config(entry)
    assert "'smtp_accounts'" in str(err.value)
    assert fragment in str(err.value)


def test_jupyter_env() -> None:
    env = JupyterEnv.from_config(
        {"name": "dev", "url": "https://hub.example.org/", "token": "tok-9"}
    )
    assert env.api_url == "https://hub.example.org/hub/api"
    assert env.verify is True and env.protected is False
    assert "tok-9" not in repr(env)
    with pytest.raises(ConfigError, match="'token'"):
        JupyterEnv.from_config({"name": "dev", "url": "https://hub"})
