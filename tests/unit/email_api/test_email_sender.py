"""send_batch over a scripted connection: drops, refusals, rate limit, callbacks.

The real-server behaviour (aiosmtpd) is in tests/integration/test_email_smtp.py;
here the faults are injected precisely, one per case.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

from email_api.account import SMTPAccount
from email_api.message import OutgoingMessage
from email_api.sender import MessageOutcome, Status, send_batch
from pack_common import ConfigError, InputError

ACCOUNT = SMTPAccount(
    name="mail",
    host="smtp.example.org",
    from_address="Ops <ops@example.org>",
    username="ops",
    password="pa55-never-logged",
)

# What a scripted connection does for one send_message call.
Step = Callable[[], dict[str, tuple[int, bytes]]]


def ok() -> dict[str, tuple[int, bytes]]:
    return {}


def drop() -> dict[str, tuple[int, bytes]]:
    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def raises(exc: Exception) -> Step:
    def step() -> dict[str, tuple[int, bytes]]:
        raise exc

    return step


class ScriptedServer:
    """Hands out connections that play ``steps`` in order, across reconnects."""

    def __init__(self, *steps: Step, refuse_connect: Exception | None = None) -> None:
        self.steps = list(steps)
        self.refuse_connect = refuse_connect
        self.connections: list[ScriptedConnection] = []
        self.delivered: list[tuple[str, list[str], EmailMessage]] = []

    def connect(self, account: SMTPAccount) -> Any:
        if self.refuse_connect is not None:
            raise self.refuse_connect
        conn = ScriptedConnection(self)
        self.connections.append(conn)
        return conn


class ScriptedConnection:
    def __init__(self, server: ScriptedServer) -> None:
        self.server = server
        self.quit_called = False
        self.closed = False

    def send_message(
        self, msg: EmailMessage, from_addr: str, to_addrs: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        assert not self.closed
        refused = self.server.steps.pop(0)()
        self.server.delivered.append((from_addr, to_addrs, msg))
        return refused

    def quit(self) -> None:
        self.quit_called = True

    def close(self) -> None:
        self.closed = True


def messages(count: int) -> list[OutgoingMessage]:
    return [
        OutgoingMessage.build(
            to=f"user{i}@example.org", subject=f"m{i}", text="t", key=f"k{i}"
        )
        for i in range(count)
    ]


def statuses(outcomes: list[MessageOutcome]) -> list[str]:
    return [o.status.value for o in outcomes]


def test_one_connection_for_the_whole_batch() -> None:
    server = ScriptedServer(ok, ok, ok)
    result = send_batch(ACCOUNT, messages(3), connector=server.connect)
    assert result.ok and result.connections_opened == 1 and result.reconnects == 0
    assert [o.key for o in result.outcomes] == ["k0", "k1", "k2"]
    assert [d[1] for d in server.delivered] == [
        ["user0@example.org"],
        ["user1@example.org"],
        ["user2@example.org"],
    ]
    assert {d[0] for d in server.delivered} == {"ops@example.org"}
    assert server.connections[0].quit_called and server.connections[0].closed
    assert result.summary() == "3 of 3 sent"


def test_a_drop_is_survived_once_by_reconnecting_and_retrying() -> None:
    server = ScriptedServer(ok, drop, ok, ok)
    result = send_batch(ACCOUNT, messages(3), connector=server.connect)
    assert statuses(result.outcomes) == ["sent", "sent", "sent"]
    assert [o.attempts for o in result.outcomes] == [1, 2, 1]
    assert result.connections_opened == 2 and result.reconnects == 1
    assert server.connections[0].closed


def test_a_second_drop_ends_the_batch_and_the_rest_are_not_attempted() -> None:
    server = ScriptedServer(ok, drop, ok, drop)
    result = send_batch(ACCOUNT, messages(5), connector=server.connect)
    assert statuses(result.outcomes) == ["sent", "sent", "failed", "failed", "failed"]
    assert result.outcomes[2].attempts == 1
    assert result.outcomes[2].error is not None
    assert result.outcomes[2].error.startswith("connection lost: ")
    assert result.outcomes[3].error is not None
    assert result.outcomes[3].error.startswith("not attempted: connection lost")
    assert result.outcomes[3].attempts == 0
    assert result.summary().startswith("2 of 5 sent, 3 failed: connection lost")
    assert not server.steps  # nothing more was tried


def test_reconnects_zero_gives_up_at_the_first_drop() -> None:
    server = ScriptedServer(drop)
    result = send_batch(ACCOUNT, messages(2), reconnects=0, connector=server.connect)
    assert statuses(result.outcomes) == ["failed", "failed"]
    assert result.connections_opened == 1


def test_a_421_reply_counts_as_a_drop() -> None:
    server = ScriptedServer(raises(smtplib.SMTPDataError(421, b"shutting down")), ok)
    result = send_batch(ACCOUNT, messages(1), connector=server.connect)
    assert result.ok and result.reconnects == 1


def test_a_refused_message_fails_alone_on_the_same_connection() -> None:
    refused = smtplib.SMTPRecipientsRefused(
        {"user1@example.org": (550, b"no such user")}
    )
    server = ScriptedServer(
        ok, raises(refused), raises(smtplib.SMTPDataError(554, b"spam")), ok
    )
    result = send_batch(ACCOUNT, messages(4), connector=server.connect)
    assert statuses(result.outcomes) == ["sent", "failed", "failed", "sent"]
    assert result.outcomes[1].error == (
        "all recipients refused: user1@example.org: 550 no such user"
    )
    assert result.outcomes[2].error == "SMTPDataError: 554 spam"
    assert result.connections_opened == 1


def test_partly_refused_recipients_are_reported_on_a_sent_message() -> None:
    def some_refused() -> dict[str, tuple[int, bytes]]:
        return {"user0@example.org": (550, b"mailbox full")}

    result = send_batch(
        ACCOUNT, messages(1), connector=ScriptedServer(some_refused).connect
    )
    assert result.outcomes[0].status is Status.SENT
    assert result.outcomes[0].refused == {"user0@example.org": "550 mailbox full"}


def test_connection_failure_fails_every_message_with_the_reason() -> None:
    server = ScriptedServer(
        refuse_connect=smtplib.SMTPAuthenticationError(535, b"bad credentials")
    )
    result = send_batch(ACCOUNT, messages(2), connector=server.connect)
    assert statuses(result.outcomes) == ["failed", "failed"]
    assert result.connections_opened == 0
    assert result.outcomes[0].error == (
        "cannot connect to smtp.example.org:25 (starttls): "
        "SMTPAuthenticationError: 535 bad credentials"
    )
    assert result.outcomes[1].error is not None
    assert result.outcomes[1].error.startswith("not attempted: cannot connect")


def test_outcomes_are_reported_as_they_happen_and_a_failing_recorder_stops() -> None:
    seen: list[tuple[str, int]] = []
    server = ScriptedServer(ok, ok, ok)

    def record(outcome: MessageOutcome) -> None:
        seen.append((outcome.key, len(server.delivered)))
        if outcome.key == "k1":
            raise RuntimeError("datastore down")

    with pytest.raises(RuntimeError):
        send_batch(ACCOUNT, messages(3), on_outcome=record, connector=server.connect)
    assert seen == [("k0", 1), ("k1", 2)]  # recorded before the next send
    assert len(server.delivered) == 2
    assert server.connections[0].closed


def test_rate_limit_spaces_the_messages() -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    result = send_batch(
        ACCOUNT,
        messages(3),
        max_per_second=2,
        connector=ScriptedServer(ok, ok, ok).connect,
        clock=lambda: now[0],
        sleep=sleep,
    )
    assert result.ok
    assert sleeps == [0.5, 0.5]


def test_rate_limit_must_be_positive() -> None:
    with pytest.raises(InputError, match="max_per_second"):
        send_batch(
            ACCOUNT, messages(1), max_per_second=0, connector=ScriptedServer().connect
        )


def test_bad_from_address_is_a_config_error() -> None:
    account = SMTPAccount(name="x", host="h", from_address="not-an-address")
    with pytest.raises(ConfigError, match="'smtp_accounts' entry 'x'"):
        send_batch(account, messages(1), connector=ScriptedServer(ok).connect)


def test_the_password_is_never_logged_or_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = ScriptedServer(ok, drop, drop)
    result = send_batch(ACCOUNT, messages(3), connector=server.connect)
    assert caplog.records  # it does log
    assert "pa55-never-logged" not in caplog.text
    assert "pa55-never-logged" not in str(result.as_dict())


def test_as_dict_is_plain_json() -> None:
    import json

    result = send_batch(ACCOUNT, messages(1), connector=ScriptedServer(ok).connect)
    data = json.loads(json.dumps(result.as_dict()))
    assert data["sent"] == 1 and data["failed"] == 0
    assert data["outcomes"][0]["status"] == "sent"
    assert data["outcomes"][0]["message_id"].endswith("@example.org>")
