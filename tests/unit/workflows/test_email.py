"""email.test workflow: validation first, dry run by default, nothing sent in it.

Sending for real is tested against aiosmtpd in tests/integration/test_email_action.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_mock import MockerFixture

import workflows.email
from email_api.account import SMTPAccount
from pack_common import InputError
from workflows.email import test as email_test

ACCOUNT = SMTPAccount(
    name="mail",
    host="smtp.example.org",
    port=587,
    from_address="Cloud Ops <ops@example.org>",
    username="ops",
    password="pa55-never-shown",
)


@pytest.fixture(autouse=True)
def no_sending(mocker: MockerFixture) -> Iterator[None]:
    """Any attempt to send fails the test."""
    send = mocker.patch.object(
        workflows.email,
        "send_batch",
        autospec=True,
        side_effect=AssertionError("nothing may be sent here"),
    )
    yield
    send.assert_not_called()  # also when the workflow caught the AssertionError


def test_dry_run_is_the_default_and_returns_the_rendered_message() -> None:
    result = email_test(
        ACCOUNT,
        to=["o'brien@example.org"],
        cc=["c@example.org"],
        bcc=["b@example.org"],
        reply_to="help@example.org",
        note="checking <the> relay",
    )
    assert result["send_email"] is False
    assert result["summary"].startswith("dry run: 1 message to 3 recipient(s)")
    assert "nothing was sent" in result["summary"]
    message = result["message"]
    assert message["to"] == ["o'brien@example.org"]
    assert message["bcc"] == ["b@example.org"]
    assert message["reply_to"] == ["help@example.org"]
    assert message["subject"] == "Test message from the cloud operations mailer"
    assert "smtp.example.org:587 (starttls)" in message["text"]
    assert "checking <the> relay" in message["text"]
    assert "checking &lt;the&gt; relay" in message["html"]
    assert result["smtp_account"]["name"] == "mail"
    assert "pa55-never-shown" not in str(result)


def test_plaintext_only() -> None:
    result = email_test(ACCOUNT, to=["a@example.org"], as_html=False)
    assert result["message"]["html"] is None


def test_a_single_string_recipient_is_one_address() -> None:
    result = email_test(ACCOUNT, to="a@example.org")  # type: ignore[arg-type]
    assert result["message"]["to"] == ["a@example.org"]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"to": []}, "to"),
        ({"to": ["nope"]}, "to"),
        ({"to": ["a@example.org"], "cc": ["bad@"]}, "cc"),
        ({"to": ["a@example.org"], "bcc": ["x y@example.org"]}, "bcc"),
        ({"to": ["a@example.org"], "reply_to": "a@"}, "reply_to"),
    ],
)
def test_bad_recipients_fail_before_anything_else(
    kwargs: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(InputError) as err:
        email_test(ACCOUNT, send_email=True, **kwargs)
    assert err.value.parameter == parameter
