"""The Email API against a real SMTP server (aiosmtpd on 127.0.0.1).

Needs no OpenStack: the servers come from ``smtp_server.py`` in this directory and
no fixture of ``conftest.py`` is requested.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from smtp_server import SMTPTestServer

from email_api.account import SMTPAccount
from email_api.message import Attachment, OutgoingMessage
from email_api.sender import BatchResult, send_batch
from email_api.templates import get_registry

USER, PASSWORD = "mailer", "s3cret-smtp-pw"

pytestmark = pytest.mark.filterwarnings(
    # aiosmtpd warns about AUTH without TLS for its implicit-TLS mode, which it
    # cannot tell apart; the connection is TLS from the first byte.
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)


@pytest.fixture
def plain_server() -> Iterator[SMTPTestServer]:
    with SMTPTestServer("plain") as server:
        yield server


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[SMTPTestServer]:
    with SMTPTestServer(
        request.param, cert_dir=tmp_path, users={USER: PASSWORD}
    ) as server:
        yield server


def account(server: SMTPTestServer, **overrides: Any) -> SMTPAccount:
    return SMTPAccount.from_config(server.account_config(**overrides))


def login(server: SMTPTestServer, **overrides: Any) -> SMTPAccount:
    return account(server, username=USER, password=PASSWORD, **overrides)


def one_message(**kwargs: Any) -> OutgoingMessage:
    values: dict[str, Any] = {"to": "a@example.org", "subject": "Hi", "text": "body\n"}
    return OutgoingMessage.build(**(values | kwargs))


def single_error(result: BatchResult) -> str:
    assert len(result.outcomes) == 1 and not result.ok
    error = result.outcomes[0].error
    assert error is not None
    return error


def test_plain_delivery_envelope_and_headers(plain_server: SMTPTestServer) -> None:
    message = one_message(
        to=["To Person <to@example.org>", "o'brien@example.org"],
        cc="cc@example.org",
        bcc=["hidden@example.org"],
        reply_to="help@example.org",
        html="<p>rich</p>",
    )
    result = send_batch(account(plain_server), [message])
    assert result.ok, result.summary()
    [got] = plain_server.messages
    assert got.mail_from == "ops@example.org"
    assert got.rcpt_tos == [
        "to@example.org",
        "o'brien@example.org",
        "cc@example.org",
        "hidden@example.org",
    ]
    assert b"hidden@example.org" not in got.data
    mime = got.message
    assert mime["Bcc"] is None
    assert mime["To"] == "To Person <to@example.org>, o'brien@example.org"
    assert mime["Cc"] == "cc@example.org"
    assert mime["Reply-To"] == "help@example.org"
    assert mime["From"] == "Cloud Ops <ops@example.org>"
    assert mime["Message-ID"] == result.outcomes[0].message_id
    assert mime.get_content_type() == "multipart/alternative"
    assert mime.get_body(("plain",)).get_content() == "body\n"
    assert mime.get_body(("html",)).get_content().strip() == "<p>rich</p>"


def test_rendered_template_with_attachment_arrives_whole(
    plain_server: SMTPTestServer,
) -> None:
    evil = "<script>alert(1)</script>"
    rendered = get_registry().render(
        "shutoff_vms",
        {
            "items": [
                {
                    "name": evil,
                    "id": "5f0c",
                    "project": "physics",
                    "since": "2024-01-02",
                }
            ],
            "days_threshold": 90,
        },
    )
    csv = "name,id\n" + evil + ",5f0c\n"
    message = one_message(
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=[
            Attachment.text("servers.csv", csv, "text/csv"),
            Attachment("raw.bin", bytes(range(256))),
        ],
    )
    assert send_batch(account(plain_server), [message]).ok
    mime = plain_server.messages[0].message
    assert mime.get_content_type() == "multipart/mixed"
    alternative = next(mime.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    html = mime.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert evil in mime.get_body(("plain",)).get_content()
    assert mime["Subject"] == rendered.subject
    files = {a.get_filename(): a for a in mime.iter_attachments()}
    assert files["servers.csv"].get_content() == csv
    assert files["raw.bin"].get_content() == bytes(range(256))


def test_tls_with_login_and_cacert(tls_server: SMTPTestServer) -> None:
    result = send_batch(login(tls_server), [one_message(), one_message()])
    assert result.ok, result.summary()
    assert result.connections_opened == 1 and tls_server.connections == 1
    assert [m.login for m in tls_server.messages] == [USER, USER]


def test_self_signed_certificate_is_refused_without_cacert(
    tls_server: SMTPTestServer,
) -> None:
    result = send_batch(login(tls_server, cacert=None), [one_message()])
    assert "CERTIFICATE_VERIFY_FAILED" in single_error(result)
    assert tls_server.messages == []


def test_verify_false_accepts_the_self_signed_certificate(
    tls_server: SMTPTestServer,
) -> None:
    result = send_batch(login(tls_server, cacert=None, verify=False), [one_message()])
    assert result.ok, result.summary()


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_host_name_is_checked(mode: str, tmp_path: Path) -> None:
    # A trusted certificate for another name is refused ...
    with SMTPTestServer(
        mode,
        cert_dir=tmp_path,
        users={USER: PASSWORD},
        cert_names=("mail.example.org",),
    ) as server:
        result = send_batch(login(server), [one_message()])
        assert "mismatch" in single_error(result)
        assert server.messages == []
        # ... unless verification is off.
        assert send_batch(login(server, verify=False), [one_message()]).ok


def test_a_dns_name_in_the_certificate_is_accepted(tls_server: SMTPTestServer) -> None:
    assert send_batch(login(tls_server, host="localhost"), [one_message()]).ok


def test_wrong_password_is_refused_and_not_reported(
    tls_server: SMTPTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-pw-value"
    result = send_batch(
        account(tls_server, username=USER, password=wrong), [one_message()]
    )
    assert "535" in single_error(result)
    assert tls_server.failed_logins >= 1 and tls_server.messages == []
    assert wrong not in str(result.as_dict()) and wrong not in caplog.text


def test_login_is_required_by_the_server(tls_server: SMTPTestServer) -> None:
    result = send_batch(account(tls_server), [one_message()])
    assert "530" in single_error(result)
    assert tls_server.messages == []


def test_starttls_is_never_silently_skipped(plain_server: SMTPTestServer) -> None:
    result = send_batch(account(plain_server, security="starttls"), [one_message()])
    assert "does not offer STARTTLS" in single_error(result)
    assert plain_server.messages == []


def _batch(count: int) -> list[OutgoingMessage]:
    return [
        one_message(to=f"user{i}@example.org", subject=f"m{i}", key=f"user{i}")
        for i in range(count)
    ]


def test_one_connection_for_a_batch(plain_server: SMTPTestServer) -> None:
    result = send_batch(account(plain_server), _batch(20))
    assert result.ok
    assert plain_server.connections == 1 == result.connections_opened
    assert [m.rcpt_tos for m in plain_server.messages] == [
        [f"user{i}@example.org"] for i in range(20)
    ]


def test_dropped_connection_is_reconnected_once(tmp_path: Path) -> None:
    with SMTPTestServer("plain", drop_after=3, drops=1) as server:
        result = send_batch(account(server), _batch(6))
    assert result.ok, result.summary()
    assert [o.attempts for o in result.outcomes] == [1, 1, 1, 2, 1, 1]
    assert server.connections == 2 == result.connections_opened
    assert result.reconnects == 1
    assert [m.message["Subject"] for m in server.messages] == [
        f"m{i}" for i in range(6)
    ]  # each exactly once


@pytest.mark.parametrize(("k", "total"), [(0, 3), (3, 7), (6, 7)])
def test_connection_dropped_at_message_k_sends_k(k: int, total: int) -> None:
    recorded: list[tuple[str, str]] = []
    with SMTPTestServer("plain", drop_after=k, drops=None) as server:
        result = send_batch(
            account(server),
            _batch(total),
            on_outcome=lambda o: recorded.append((o.key, o.status.value)),
        )
    sent_keys = [o.key for o in result.sent]
    assert sent_keys == [f"user{i}" for i in range(k)]
    assert [m.rcpt_tos[0] for m in server.messages] == [
        f"user{i}@example.org" for i in range(k)
    ]
    assert len(result.failed) == total - k
    assert result.outcomes[k].attempts == 2  # retried once on the new connection
    assert all(o.attempts == 0 for o in result.outcomes[k + 1 :])
    assert server.connections == 2 and server.dropped == 2
    assert recorded == [
        (f"user{i}", "sent" if i < k else "failed") for i in range(total)
    ]
    # What a caller would re-send is exactly what was not delivered.
    again = [
        m for m, o in zip(_batch(total), result.outcomes, strict=True) if not o.sent
    ]
    with SMTPTestServer("plain") as healthy:
        rerun = send_batch(account(healthy), again)
    assert rerun.ok
    assert [m.rcpt_tos[0] for m in healthy.messages] == [
        f"user{i}@example.org" for i in range(k, total)
    ]
