"""SMTPAccount additions and the TLS context: verification is on by default."""

from __future__ import annotations

import ssl

from email_api.account import SMTPAccount
from email_api.connection import tls_context

ENTRY = {
    "name": "mail",
    "host": "smtp.example.org",
    "port": 587,
    "from_address": "ops@example.org",
    "username": "ops",
    "password": "hunter2-secret",
}


def test_describe_and_repr_never_show_the_password() -> None:
    account = SMTPAccount.from_config(ENTRY)
    assert "hunter2-secret" not in repr(account)
    assert "hunter2-secret" not in str(account.describe())
    assert account.describe()["username"] == "ops"
    assert account.route == "smtp.example.org:587 (starttls)"


def test_templates_dir_comes_from_the_entry() -> None:
    account = SMTPAccount.from_config({**ENTRY, "templates_dir": "/srv/mail"})
    assert account.templates_dir == "/srv/mail"
    assert SMTPAccount.from_config(ENTRY).templates_dir is None


def test_tls_verifies_certificate_and_host_name_by_default() -> None:
    context = tls_context(SMTPAccount.from_config(ENTRY))
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_verify_false_turns_verification_off() -> None:
    context = tls_context(SMTPAccount.from_config({**ENTRY, "verify": False}))
    assert context.verify_mode is ssl.CERT_NONE
    assert context.check_hostname is False
