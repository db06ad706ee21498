"""Mail the operators send: the SMTP test message.

(The user-notification campaigns build on the same Email API; see
``email_api``.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from email_api.account import SMTPAccount
from email_api.addresses import parse_address_list
from email_api.message import OutgoingMessage
from email_api.sender import send_batch
from email_api.templates import get_registry
from pack_common import Failure, InputError

TEST_TEMPLATE = "test"


def test(
    smtp_account: SMTPAccount,
    to: list[str],
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    reply_to: str | None = None,
    note: str = "",
    as_html: bool = True,
    send_email: bool = False,
) -> dict[str, Any] | Failure:
    """Send (or, by default, only plan) a test message through ``smtp_account``.

    The message uses the ``test`` template and names the account and route it went
    through, so the recipient can confirm which configuration works. All addresses
    are validated before anything is rendered or sent. With ``send_email`` false
    nothing is sent: the result is the rendered message. With ``send_email`` true the
    result reports the per-message outcome; the execution fails if it was not sent.
    """
    message = build_test_message(smtp_account, to, cc, bcc, reply_to, note, as_html)
    result: dict[str, Any] = {
        "send_email": send_email,
        "smtp_account": smtp_account.describe(),
        "template": TEST_TEMPLATE,
        "message": message.plan(),
    }
    recipients = len(message.envelope_recipients())
    if not send_email:
        result["summary"] = (
            f"dry run: 1 message to {recipients} recipient(s) via "
            f"{smtp_account.route} would be sent; nothing was sent"
        )
        return result
    batch = send_batch(smtp_account, [message])
    result["outcome"] = batch.outcomes[0].as_dict()
    result["connections_opened"] = batch.connections_opened
    if not batch.ok:
        outcome = batch.outcomes[0]
        result["summary"] = f"not sent: {outcome.error}"
        failure = smtp_account.failure(outcome.cause or "not sent", outcome.error)
        return Failure({**failure.as_result(), **result})
    result["summary"] = (
        f"sent 1 message to {recipients} recipient(s) via {smtp_account.route}"
    )
    return result


def build_test_message(
    smtp_account: SMTPAccount,
    to: object,
    cc: object = None,
    bcc: object = None,
    reply_to: object = None,
    note: str = "",
    as_html: bool = True,
) -> OutgoingMessage:
    """Validate the recipients, then render the ``test`` template into a message."""
    recipients = {
        name: tuple(parse_address_list(value, name))
        for name, value in (
            ("to", to),
            ("cc", cc),
            ("bcc", bcc),
            ("reply_to", reply_to),
        )
    }
    if not recipients["to"]:
        raise InputError("to", "needs at least one email address")
    rendered = get_registry(smtp_account.templates_dir).render(
        TEST_TEMPLATE,
        {
            "account_name": smtp_account.name,
            "route": smtp_account.route,
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "note": note or "",
        },
        as_html=as_html,
    )
    return OutgoingMessage(
        to=recipients["to"],
        cc=recipients["cc"],
        bcc=recipients["bcc"],
        reply_to=recipients["reply_to"],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        key="test",
    )
