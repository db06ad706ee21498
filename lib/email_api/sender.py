"""Send a batch of messages over one SMTP connection, one outcome per message.

``send_batch`` opens a single connection for the whole batch. When the connection
drops (the server hangs up, answers 421, or the socket fails) it reconnects once and
retries the message that was in flight; a second drop ends the batch and the messages
left are reported failed without being attempted. A message refused by the server
(bad recipient, rejected data) fails on its own and the batch goes on.

Each outcome is handed to ``on_outcome`` as soon as it is known, so a caller (the
campaign engine) can record what was sent before the next message goes out; an
exception from ``on_outcome`` stops the batch.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from email_api.account import SMTPAccount
from email_api.addresses import Address, parse_address
from email_api.connection import open_connection
from email_api.message import OutgoingMessage
from pack_common import ConfigError, InputError, network_cause

log = logging.getLogger(__name__)

Connector = Callable[[SMTPAccount], smtplib.SMTP]


class Status(StrEnum):
    """What happened to one message."""

    SENT = "sent"
    FAILED = "failed"


@dataclass
class MessageOutcome:
    """The fate of message ``index`` of the batch (``key`` is the caller's)."""

    index: int
    key: str
    status: Status
    recipients: list[str]
    message_id: str | None = None
    error: str | None = None
    #: Why it failed in a few words ("connection refused", "535 ..."), see ``cause_of``.
    cause: str | None = None
    #: Recipients the server refused while accepting the message for the others.
    refused: dict[str, str] = field(default_factory=dict)
    attempts: int = 0

    @property
    def sent(self) -> bool:
        """Whether the server accepted the message."""
        return self.status is Status.SENT

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        data = asdict(self)
        data["status"] = self.status.value
        return data


@dataclass
class BatchResult:
    """Outcomes of a batch, in message order, and what the connection went through."""

    outcomes: list[MessageOutcome]
    connections_opened: int
    reconnects: int

    @property
    def sent(self) -> list[MessageOutcome]:
        """Outcomes of the messages the server accepted."""
        return [o for o in self.outcomes if o.sent]

    @property
    def failed(self) -> list[MessageOutcome]:
        """Outcomes of the messages not sent."""
        return [o for o in self.outcomes if not o.sent]

    @property
    def ok(self) -> bool:
        """Every message was sent."""
        return not self.failed

    def summary(self) -> str:
        """One line: ``3 of 5 sent, 2 failed: <first reason>``."""
        total = len(self.outcomes)
        text = f"{len(self.sent)} of {total} sent"
        if self.failed:
            text += f", {len(self.failed)} failed: {self.failed[0].error}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "sent": len(self.sent),
            "failed": len(self.failed),
            "connections_opened": self.connections_opened,
            "reconnects": self.reconnects,
            "summary": self.summary(),
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


class _RateLimiter:
    """Spaces message starts at least ``1 / per_second`` apart."""

    def __init__(
        self,
        per_second: float | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        if per_second is not None and per_second <= 0:
            raise InputError("max_per_second", "must be a positive number")
        self._interval = 1.0 / per_second if per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        """Sleep until the next message may start."""
        if self._interval and self._last is not None:
            delay = self._last + self._interval - self._clock()
            if delay > 0:
                self._sleep(delay)
        self._last = self._clock()


def _is_connection_loss(exc: BaseException) -> bool:
    """Whether ``exc`` means the connection is gone (rather than the message being
    refused on a connection that still works)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):  # (a subclass of OSError)
        return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421
    return isinstance(exc, OSError)  # socket errors and timeouts


def describe_error(exc: BaseException) -> str:
    """A one-line reason for an outcome (SMTP code and text when there are some)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "all recipients refused: " + "; ".join(
            f"{rcpt}: {_reply(code, text)}"
            for rcpt, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {_reply(exc.smtp_code, exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def cause_of(exc: BaseException) -> str:
    """The cause of an SMTP failure in a few words: the socket-level reason
    ("connection refused", "timed out") or the server's reply."""
    return network_cause(exc) or describe_error(exc)


def _reply(code: int, text: bytes | str) -> str:
    """``550 text`` from an SMTP reply."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


class _Link:
    """The batch's SMTP connection: opened on first use, reopened after a drop at
    most ``reconnects`` times. Once it gives up, ``lost`` says why."""

    def __init__(
        self, account: SMTPAccount, connector: Connector, reconnects: int
    ) -> None:
        self._account = account
        self._connector = connector
        self._reconnects_left = reconnects
        self._conn: smtplib.SMTP | None = None
        self.opened = 0
        self.reconnects = 0
        self.lost: str | None = None
        self.lost_cause: str | None = None

    def get(self) -> smtplib.SMTP | None:
        """The live connection, opened if needed; None (and ``lost`` set) when it
        cannot be opened."""
        if self._conn is None and self.lost is None:
            try:
                self._conn = self._connector(self._account)
            except (OSError, smtplib.SMTPException) as exc:
                self.lost = f"cannot connect to {self._account.route}: " + (
                    describe_error(exc)
                )
                self.lost_cause = cause_of(exc)
                log.error("smtp: %s", self.lost)
                return None
            self.opened += 1
        return self._conn

    def dropped(self, exc: BaseException, index: int) -> bool:
        """Forget the dead connection; True when the message may be retried on a
        new one, False (and ``lost`` set) when the reconnect is used up."""
        if self._conn is not None:
            self._close(polite=False)
        log.warning(
            "smtp: connection to %s lost at message %d: %s",
            self._account.route,
            index,
            describe_error(exc),
        )
        if self._reconnects_left > 0:
            self._reconnects_left -= 1
            self.reconnects += 1
            return True
        self.lost = "connection lost: " + describe_error(exc)
        self.lost_cause = cause_of(exc)
        return False

    def close(self) -> None:
        """Say QUIT and close, if a connection is open."""
        if self._conn is not None:
            self._close(polite=True)

    def _close(self, polite: bool) -> None:
        """Close the connection (QUIT first when ``polite``); never raises."""
        conn, self._conn = self._conn, None
        assert conn is not None
        try:
            if polite:
                conn.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            conn.close()


def _deliver(
    link: _Link, sender: Address, message: OutgoingMessage, outcome: MessageOutcome
) -> None:
    """Send one message, filling in ``outcome``; retries once per allowed
    reconnect when the connection drops under it."""
    if link.lost is not None:
        outcome.error = f"not attempted: {link.lost}"
        outcome.cause = link.lost_cause
        return
    try:
        mime = message.to_mime(sender)
    except (ValueError, TypeError) as exc:
        outcome.error = f"could not build the message: {exc}"
        return
    outcome.message_id = mime["Message-ID"]
    while (conn := link.get()) is not None:
        outcome.attempts += 1
        try:
            refused = conn.send_message(
                mime, from_addr=sender.email, to_addrs=outcome.recipients
            )
        except (OSError, smtplib.SMTPException) as exc:
            if not _is_connection_loss(exc):
                outcome.error = describe_error(exc)
                outcome.cause = cause_of(exc)
                return
            if link.dropped(exc, outcome.index):
                continue
            break
        outcome.status = Status.SENT
        outcome.refused = {r: _reply(c, t) for r, (c, t) in refused.items()}
        return
    outcome.error = link.lost
    outcome.cause = link.lost_cause


def send_batch(
    account: SMTPAccount,
    messages: Sequence[OutgoingMessage],
    *,
    max_per_second: float | None = None,
    reconnects: int = 1,
    on_outcome: Callable[[MessageOutcome], None] | None = None,
    connector: Connector = open_connection,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchResult:
    """Send ``messages`` in order over one connection from ``account``.

    ``max_per_second`` caps the sending rate (None: as fast as the server takes
    them). ``reconnects`` is how many dropped connections the batch survives.
    ``connector``, ``clock`` and ``sleep`` exist for tests. Connection and login
    failures do not raise: every message then fails with the reason.
    """
    try:
        sender = parse_address(account.from_address, "from_address")
    except InputError as exc:
        raise ConfigError(
            f"pack config 'smtp_accounts' entry {account.name!r}: {exc}"
        ) from None
    limiter = _RateLimiter(max_per_second, clock, sleep)
    log.info(
        "smtp: sending %d message(s) via %s (account %r)",
        len(messages),
        account.route,
        account.name,
    )
    link = _Link(account, connector, reconnects)
    outcomes: list[MessageOutcome] = []
    try:
        for index, message in enumerate(messages):
            outcome = MessageOutcome(
                index=index,
                key=message.key,
                status=Status.FAILED,
                recipients=message.envelope_recipients(),
            )
            if link.lost is None:
                limiter.wait()
            _deliver(link, sender, message, outcome)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    finally:
        link.close()
    result = BatchResult(outcomes, link.opened, link.reconnects)
    log.info("smtp: %s", result.summary())
    return result
