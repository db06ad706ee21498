"""Outgoing messages: recipients, bodies and attachments, and their MIME form.

An ``OutgoingMessage`` is plain data: a dry run reports it with ``plan()`` and the real
run turns the very same object into MIME with ``to_mime()``. Bcc recipients are only
in the envelope (``envelope_recipients()``); they never become a header.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from email_api.addresses import Address, dedupe, parse_address_list
from pack_common import InputError


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"

    def __post_init__(self) -> None:
        if not self.filename or any(c in self.filename for c in "\r\n/\\"):
            raise InputError("attachments", f"bad file name {self.filename!r}")
        if self.mime_type.count("/") != 1:
            raise InputError(
                "attachments", f"{self.filename}: bad MIME type {self.mime_type!r}"
            )

    @classmethod
    def from_path(cls, path: str | Path, mime_type: str | None = None) -> Attachment:
        """Read ``path``; the MIME type is guessed from its name unless given."""
        path = Path(path)
        guessed = mime_type or mimetypes.guess_type(path.name)[0]
        return cls(path.name, path.read_bytes(), guessed or "application/octet-stream")

    @classmethod
    def text(
        cls, filename: str, text: str, mime_type: str = "text/plain"
    ) -> Attachment:
        """A text attachment (e.g. a CSV of the recipient's resources), UTF-8."""
        return cls(filename, text.encode("utf-8"), mime_type)


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send. ``key`` is the caller's name for it (e.g. the
    recipient's user id) and comes back in its send outcome."""

    to: tuple[Address, ...]
    subject: str
    text: str
    html: str | None = None
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    key: str = ""

    def __post_init__(self) -> None:
        if not (self.to or self.cc or self.bcc):
            raise InputError("to", "a message needs at least one recipient")
        if any(c in self.subject for c in "\r\n"):
            raise InputError("subject", "must be a single line")

    @classmethod
    def build(
        cls,
        *,
        to: object,
        subject: str,
        text: str,
        html: str | None = None,
        cc: object = None,
        bcc: object = None,
        reply_to: object = None,
        attachments: list[Attachment] | tuple[Attachment, ...] = (),
        key: str = "",
    ) -> OutgoingMessage:
        """Validate raw recipient values (strings or lists; errors name ``to``,
        ``cc``, ``bcc`` or ``reply_to``) and build the message."""
        return cls(
            to=tuple(parse_address_list(to, "to")),
            cc=tuple(parse_address_list(cc, "cc")),
            bcc=tuple(parse_address_list(bcc, "bcc")),
            reply_to=tuple(parse_address_list(reply_to, "reply_to")),
            subject=" ".join(subject.split()),
            text=text,
            html=html,
            attachments=tuple(attachments),
            key=key,
        )

    def envelope_recipients(self) -> list[str]:
        """Every address the server must deliver to: To, Cc and Bcc, once each."""
        return [a.email for a in dedupe((*self.to, *self.cc, *self.bcc))]

    def to_mime(self, sender: Address) -> EmailMessage:
        """The MIME message: ``text/plain``, or ``multipart/alternative`` with the
        HTML, inside ``multipart/mixed`` when there are attachments. Bodies are
        quoted-printable, so the message is 7-bit clean for any server."""
        msg = EmailMessage()
        msg["From"] = str(sender)
        if self.to:
            msg["To"] = ", ".join(str(a) for a in self.to)
        if self.cc:
            msg["Cc"] = ", ".join(str(a) for a in self.cc)
        if self.reply_to:
            msg["Reply-To"] = ", ".join(str(a) for a in self.reply_to)
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2])
        # RFC 3834: tells auto-responders not to answer notifications.
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(self.text, cte="quoted-printable")
        if self.html is not None:
            msg.add_alternative(self.html, subtype="html", cte="quoted-printable")
        for attachment in self.attachments:
            maintype, subtype = attachment.mime_type.split("/")
            msg.add_attachment(
                attachment.content,
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
            )
        return msg

    def plan(self, include_bodies: bool = True) -> dict[str, Any]:
        """JSON description for dry runs and results: recipients (Bcc included,
        it is the operator's own view), subject, bodies and attachment names."""
        plan: dict[str, Any] = {
            "key": self.key,
            "to": [str(a) for a in self.to],
            "cc": [str(a) for a in self.cc],
            "bcc": [str(a) for a in self.bcc],
            "reply_to": [str(a) for a in self.reply_to],
            "subject": self.subject,
            "attachments": [
                {
                    "filename": a.filename,
                    "mime_type": a.mime_type,
                    "size": len(a.content),
                }
                for a in self.attachments
            ],
        }
        if include_bodies:
            plan["text"] = self.text
            plan["html"] = self.html
        return plan
