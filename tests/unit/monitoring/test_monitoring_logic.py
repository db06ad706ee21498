"""Pure logic of the monitoring packages and workflows (issue 17): matchers, keys,
windows, and the idempotence of silences/downtimes made by key (fake clients)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alertmanager_api.account import AlertmanagerAccount
from alertmanager_api.silences import (
    Matcher,
    Silence,
    check_key,
    host_matcher,
    key_of,
    marked_comment,
    parse_matchers,
)
from icinga_api.account import IcingaAccount

from pack_common import ConfigError, InputError
from workflows import monitoring

NOW = datetime(2030, 2, 1, 8, 0, tzinfo=UTC)


def test_matchers_parse_every_operator() -> None:
    parsed = parse_matchers(
        ["alertname=HostDown", "severity!=info", 'instance=~"hv1(:[0-9]+)?"', "a!~b"]
    )
    assert [str(m) for m in parsed] == [
        "alertname=HostDown",
        "severity!=info",
        "instance=~hv1(:[0-9]+)?",
        "a!~b",
    ]
    assert parsed[2].to_api() == {
        "name": "instance",
        "value": "hv1(:[0-9]+)?",
        "isRegex": True,
        "isEqual": True,
    }


@pytest.mark.fault(1)
@pytest.mark.parametrize(
    "bad", [[], ["novalue="], ["=x"], ["a=~("], ["severity!=info"], "1abc=x"]
)
def test_bad_matchers_name_the_parameter(bad: Any) -> None:
    with pytest.raises(InputError, match="parameter 'matchers'"):
        parse_matchers(bad)


def test_host_matcher_escapes_the_host_for_regexes() -> None:
    assert str(host_matcher("instance=~{host}(:[0-9]+)?", "hv1.example")) == (
        r"instance=~hv1\.example(:[0-9]+)?"
    )
    assert str(host_matcher("host={host}", "hv1.example")) == "host=hv1.example"


@pytest.mark.fault(1)
@pytest.mark.parametrize("bad", ["", "a b", "-x", "x" * 129, "k]"])
def test_bad_keys_name_the_parameter(bad: str) -> None:
    with pytest.raises(InputError, match="parameter 'key'"):
        check_key(bad)


def test_marker_round_trip() -> None:
    comment = marked_comment("  planned\nwork ", "maintenance:hv1")
    assert comment == "planned work [openstack_ops key=maintenance:hv1]"
    assert key_of(comment) == "maintenance:hv1"
    assert key_of("someone else's silence") is None


@pytest.mark.fault(1)
@pytest.mark.parametrize(
    ("start", "end", "parameter"),
    [
        (None, None, "end"),
        (None, "2030-02-01T07:00:00Z", "end"),  # passed
        ("2030-02-02T00:00:00Z", "2030-02-01T12:00:00Z", "end"),  # before start
        (None, "2030-04-01T00:00:00Z", "end"),  # longer than 31 days
        ("tomorrow", "2030-02-02T00:00:00Z", "start"),
        (None, "2030-02-02T00:00:00", "end"),  # no timezone
    ],
)
def test_bad_windows_name_the_parameter(
    start: str | None, end: str | None, parameter: str
) -> None:
    with pytest.raises(InputError, match=f"parameter '{parameter}'"):
        monitoring.parse_window(start, end, now=lambda: NOW)


def test_window_defaults_to_now() -> None:
    window = monitoring.parse_window("", "2030-02-01T10:00:00+01:00", now=lambda: NOW)
    assert window.as_dict() == {
        "start": "2030-02-01T08:00:00Z",
        "end": "2030-02-01T09:00:00Z",
    }


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ({"name": "a", "url": "ftp://x"}, "url"),
        ({"name": "a", "url": "http://x", "timeout": 0}, "timeout"),
        ({"name": "a", "url": "http://x", "token": "t", "username": "u"}, "token"),
        ({"name": "a", "url": "http://x", "username": "u"}, "password"),
        (
            {"name": "a", "url": "http://x", "host_matcher": "instance=x"},
            "host_matcher",
        ),
        ({"name": "a"}, "url"),
    ],
)
def test_alertmanager_account_errors_name_the_key(
    entry: dict[str, Any], key: str
) -> None:
    with pytest.raises(ConfigError, match=f"'{key}'"):
        AlertmanagerAccount.from_config(entry)


def test_accounts_keep_secrets_out_of_repr_and_use_the_ca_file() -> None:
    am = AlertmanagerAccount.from_config(
        {"name": "a", "url": "https://am/", "token": "s3cret", "ca_file": "/ca.pem"}
    )
    assert "s3cret" not in repr(am) and am.url == "https://am"
    assert am.tls_verify == "/ca.pem"
    ic = IcingaAccount.from_config(
        {
            "name": "i",
            "url": "https://ic:5665/v1",
            "username": "u",
            "password": "pw-secret",
            "verify": False,
            "ca_file": "/ca.pem",
            "host_name_template": "{host}.example.org",
        }
    )
    assert "pw-secret" not in repr(ic) and ic.url == "https://ic:5665"
    assert ic.tls_verify is False and ic.host_name("hv1") == "hv1.example.org"
    with pytest.raises(ConfigError, match="'password'"):
        IcingaAccount.from_config({"name": "i", "url": "https://ic", "username": "u"})


class FakeAlertmanager:
    """Silences in memory, with Alertmanager's update-by-id and expire."""

    def __init__(self) -> None:
        self.account = AlertmanagerAccount(name="am", url="http://am")
        self.docs: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def list_silences(self) -> list[Silence]:
        return [Silence.from_api(d) for d in self.docs.values()]

    def create_silence(
        self,
        matchers: list[Matcher],
        starts_at: datetime,
        ends_at: datetime,
        comment: str,
        silence_id: str | None = None,
    ) -> str:
        self.calls.append(f"create {silence_id}")
        new_id = silence_id or f"s{len(self.docs) + 1}"
        self.docs[new_id] = {
            "id": new_id,
            "matchers": [m.to_api() for m in matchers],
            "startsAt": starts_at.isoformat(),
            "endsAt": ends_at.isoformat(),
            "createdBy": self.account.created_by,
            "comment": comment,
            "status": {"state": "active" if starts_at <= NOW else "pending"},
        }
        return new_id

    def expire_silence(self, silence_id: str) -> None:
        self.calls.append(f"expire {silence_id}")
        self.docs[silence_id]["status"] = {"state": "expired"}


def test_silence_is_made_once_and_expired_exactly() -> None:
    client = FakeAlertmanager()
    client.docs["other"] = {
        "id": "other",
        "matchers": [{"name": "instance", "value": "hv1"}],
        "createdBy": "someone",
        "comment": "not ours",
        "status": {"state": "active"},
    }
    matchers = parse_matchers(["instance=hv1"])
    window = monitoring.Window(NOW, NOW + timedelta(hours=2))
    plan = monitoring.ensure_silence(client, "k", matchers, window, "why", True)
    assert plan["outcome"] == "planned" and client.calls == []
    made = monitoring.ensure_silence(client, "k", matchers, window, "why", False)
    again = monitoring.ensure_silence(client, "k", matchers, window, "why", False)
    assert (made["outcome"], again["outcome"]) == ("created", "unchanged")
    longer = monitoring.Window(NOW, NOW + timedelta(hours=3))
    moved = monitoring.ensure_silence(client, "k", matchers, longer, "why", False)
    assert moved["outcome"] == "updated" and client.calls[-1] == f"create {made['id']}"
    gone = monitoring.expire_silences(client, "k", False)
    assert gone["outcome"] == "removed" and gone["expired"] == [made["id"]]
    assert client.docs["other"]["status"]["state"] == "active"
    assert monitoring.expire_silences(client, "k", False)["outcome"] == "unchanged"
