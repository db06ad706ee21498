"""OutgoingMessage: validation, MIME structure, Bcc only in the envelope, plans."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from email_api.addresses import Address
from email_api.message import Attachment, OutgoingMessage
from pack_common import InputError

SENDER = Address("ops@example.org", "Cloud Ops")


def _roundtrip(msg: EmailMessage) -> EmailMessage:
    """Serialise and parse again, as a receiving server would."""
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_text_only_is_a_single_plain_part() -> None:
    msg = OutgoingMessage.build(to="a@example.org", subject="S", text="héllo\n")
    mime = _roundtrip(msg.to_mime(SENDER))
    assert mime.get_content_type() == "text/plain"
    assert mime.get_content() == "héllo\n"
    assert mime["From"] == "Cloud Ops <ops@example.org>"
    assert mime["Auto-Submitted"] == "auto-generated"
    assert mime["Message-ID"].endswith("@example.org>")
    assert mime["Date"]


def test_html_makes_multipart_alternative_plain_first() -> None:
    msg = OutgoingMessage.build(
        to="a@example.org", subject="S", text="plain", html="<p>rich</p>"
    )
    mime = _roundtrip(msg.to_mime(SENDER))
    assert mime.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in mime.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert mime.get_body(("plain",)).get_content().strip() == "plain"
    assert mime.get_body(("html",)).get_content().strip() == "<p>rich</p>"


def test_attachments_make_multipart_mixed(tmp_path: Path) -> None:
    (tmp_path / "servers.csv").write_text("name,id\nweb-1,5f0c\n")
    msg = OutgoingMessage.build(
        to="a@example.org",
        subject="S",
        text="plain",
        html="<p>rich</p>",
        attachments=[
            Attachment.from_path(tmp_path / "servers.csv"),
            Attachment("blob.bin", b"\x00\x01\xff"),
        ],
    )
    mime = _roundtrip(msg.to_mime(SENDER))
    assert mime.get_content_type() == "multipart/mixed"
    assert mime.get_body(("plain",)).get_content().strip() == "plain"
    files = {a.get_filename(): a for a in mime.iter_attachments()}
    assert set(files) == {"servers.csv", "blob.bin"}
    assert files["servers.csv"].get_content_type() == "text/csv"
    assert files["blob.bin"].get_content() == b"\x00\x01\xff"


def test_bcc_is_in_the_envelope_only() -> None:
    msg = OutgoingMessage.build(
        to="a@example.org",
        cc=["c@example.org", "A@example.org"],
        bcc="hidden@example.org",
        reply_to="Help Desk <help@example.org>",
        subject="S",
        text="t",
    )
    assert msg.envelope_recipients() == [
        "a@example.org",
        "c@example.org",
        "hidden@example.org",
    ]
    raw = msg.to_mime(SENDER).as_bytes()
    assert b"hidden@example.org" not in raw
    mime = _roundtrip(msg.to_mime(SENDER))
    assert mime["Bcc"] is None
    assert mime["To"] == "a@example.org"
    assert mime["Cc"] == "c@example.org, A@example.org"
    assert mime["Reply-To"] == "Help Desk <help@example.org>"


def test_apostrophe_address_survives_the_headers() -> None:
    msg = OutgoingMessage.build(to="o'brien@example.org", subject="S", text="t")
    assert _roundtrip(msg.to_mime(SENDER))["To"] == "o'brien@example.org"


def test_recipient_errors_name_the_parameter() -> None:
    with pytest.raises(InputError) as err:
        OutgoingMessage.build(to="a@example.org", cc="nope", subject="S", text="t")
    assert err.value.parameter == "cc"
    with pytest.raises(InputError) as err:
        OutgoingMessage.build(to=[], subject="S", text="t")
    assert err.value.parameter == "to"


def test_subject_is_one_line() -> None:
    msg = OutgoingMessage.build(to="a@example.org", subject=" a\n b ", text="t")
    assert msg.subject == "a b"
    with pytest.raises(InputError, match="single line"):
        OutgoingMessage(to=(Address("a@example.org"),), subject="a\r\nBcc: x", text="")


def test_bad_attachment_names_and_types() -> None:
    with pytest.raises(InputError, match="bad file name"):
        Attachment("../etc/passwd", b"")
    with pytest.raises(InputError, match="bad MIME type"):
        Attachment("a.txt", b"", "text")


def test_plan_lists_everything_an_operator_checks() -> None:
    msg = OutgoingMessage.build(
        to="a@example.org",
        bcc="b@example.org",
        subject="S",
        text="t",
        html="<p>h</p>",
        attachments=[Attachment.text("x.csv", "a,b\n", "text/csv")],
        key="user-1",
    )
    plan = msg.plan()
    assert plan == {
        "key": "user-1",
        "to": ["a@example.org"],
        "cc": [],
        "bcc": ["b@example.org"],
        "reply_to": [],
        "subject": "S",
        "attachments": [{"filename": "x.csv", "mime_type": "text/csv", "size": 4}],
        "text": "t",
        "html": "<p>h</p>",
    }
    assert "text" not in msg.plan(include_bodies=False)
