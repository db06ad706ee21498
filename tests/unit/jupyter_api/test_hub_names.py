"""Two naming rules (issue 12 item 10): the hub's own rule for users that already
exist, the pack's strict rule for users it creates; control characters never.

JupyterHub 6 (``Authenticator.validate_username``) refuses only an empty name, one
with ``/``, one made of dots (also once URL-unquoted) and one starting or ending with
whitespace; it stores ``a+tag@example.org`` or ``-dash`` happily, so the pack must be
able to find, stop and delete such users. The real-hub round trip is in
``tests/integration/test_jupyter_actions.py``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from jupyter_api.client import JupyterHubClient, _user_path
from jupyter_api.environment import JupyterEnv
from jupyter_api.names import check_hub_name, check_name, target_names
from pack_common import Failure, InputError
from workflows import jupyter

pytestmark = pytest.mark.fault(10)

#: Names a JupyterHub accepts and stores that the pack's creation rule refuses.
HUB_ONLY = [
    "a+tag@example.org",
    "-dash",
    "_underscore",
    "Upper.Case",  # a custom authenticator need not lower-case
    "with space",
    "%41",  # stored literally: the hub unquotes only to look for dot names
    "ünïcödé",
    "a?b#c&d=e",
    ".hidden",
]
#: Names neither rule accepts, with a word of the reason.
NEVER = [
    ("", "non-empty"),
    ("a/b", "'/'"),
    (".", "only of dots"),
    ("..", "only of dots"),
    ("%2e%2E", "only of dots"),
    (" lead", "whitespace"),
    ("trail\t", "control character U+0009"),
    ("a\x00b", "control character U+0000"),
    ("a\nb", "control character U+000A"),
    ("a\x7fb", "control character U+007F"),
    ("a\x9bb", "control character U+009B"),
    ("a\u2028b", "control character U+2028"),
    ("x" * 256, "longer than 255"),
]


@pytest.mark.parametrize("name", HUB_ONLY)
def test_hub_rule_accepts_what_the_hub_stores(name: str) -> None:
    assert check_hub_name(name, "users") == name
    with pytest.raises(InputError) as caught:
        check_name(name, "users")
    assert caught.value.parameter == "users"
    assert "for a user the pack creates" in str(caught.value)


@pytest.mark.parametrize(("name", "reason"), NEVER)
def test_neither_rule_accepts_what_the_hub_refuses(name: str, reason: str) -> None:
    for check in (check_hub_name, check_name):
        with pytest.raises(InputError) as caught:
            check(name, "user")
        assert caught.value.parameter == "user"
    with pytest.raises(InputError, match=re.escape(reason)):
        check_hub_name(name, "user")


def test_pack_names_pass_both_rules() -> None:
    for name in ("alice", "course-1", "a.b_c@d-e", "0"):
        assert check_name(name, "user") == check_hub_name(name, "user") == name


def test_target_names_picks_the_rule() -> None:
    assert target_names(users=["a+tag@example.org"], existing=True) == [
        "a+tag@example.org"
    ]
    assert target_names(user="-dash", first_index=1, last_index=2, existing=True) == [
        "-dash-1",
        "-dash-2",
    ]
    with pytest.raises(InputError, match="parameter 'user'"):
        target_names(user="-dash", first_index=1, last_index=2)
    with pytest.raises(InputError, match=r"parameter 'users'.*U\+000A"):
        target_names(users=["ok", "bad\nname"], existing=True)
    with pytest.raises(InputError, match=r"parameter 'users'.*not one string"):
        target_names(users="alice", existing=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("a+tag@example.org", "/users/a%2Btag%40example.org"),
        ("-dash", "/users/-dash"),
        ("with space", "/users/with%20space"),
        ("%41", "/users/%2541"),
        ("a?b#c&d=e", "/users/a%3Fb%23c%26d%3De"),
        ("ünï", "/users/%C3%BCn%C3%AF"),
    ],
)
def test_names_are_quoted_in_the_path(name: str, path: str) -> None:
    assert _user_path(name) == path


class Recorder(requests.Session):
    """Answers every request with 404 and records its URL (the hub has nobody)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.urls.append(f"{method} {url}")
        response = requests.Response()
        response.status_code = 404
        response._content = b'{"status": 404, "message": "Not Found"}'
        return response


ENV = JupyterEnv(name="lab", url="http://127.0.0.1:9", token="t")


def test_actions_on_existing_users_send_hub_names_quoted() -> None:
    session = Recorder()
    with JupyterHubClient(ENV, session=session) as hub:
        plan = jupyter.delete_users(hub, users=["a+tag@example.org"])
        stop = jupyter.stop_servers(hub, user="-dash")
        listed = jupyter.list_users(hub, users=["Upper.Case"])
    assert session.urls == [
        "GET http://127.0.0.1:9/hub/api/users/a%2Btag%40example.org",
        "GET http://127.0.0.1:9/hub/api/users/-dash",
        "GET http://127.0.0.1:9/hub/api/users/Upper.Case",
    ]
    assert not isinstance(plan, Failure)
    assert plan["users"] == [{"user": "a+tag@example.org", "status": "unchanged"}]
    assert isinstance(stop, Failure)
    assert stop.result["users"][0]["error"] == "jupyter_env 'lab' has no user '-dash'"
    assert listed["not_found"] == ["Upper.Case"]
    assert "not on the hub: 'Upper.Case'" in listed["summary"]


def test_creating_actions_keep_the_strict_rule_and_send_nothing() -> None:
    session = Recorder()
    with JupyterHubClient(ENV, session=session) as hub:
        with pytest.raises(InputError, match="parameter 'users'"):
            jupyter.create_users(hub, users=["a+tag@example.org"])
        with pytest.raises(InputError, match="parameter 'user'"):
            jupyter.prepare_users(hub, user="-dash")
        with pytest.raises(InputError, match=r"parameter 'users'.*U\+0000"):
            jupyter.delete_users(hub, users=["a\x00b"], apply=True)
        with pytest.raises(InputError, match=r"parameter 'users'.*'/'"):
            jupyter.list_users(hub, users=["a/b"])
        with pytest.raises(InputError, match=r"parameter 'users'.*empty"):
            jupyter.list_users(hub, users=[])
    assert session.urls == []


def test_a_missing_upper_case_name_hints_at_lower_case() -> None:
    with JupyterHubClient(ENV, session=Recorder()) as hub:
        outcome = jupyter.stop_servers(hub, users=["Alice"])
    assert isinstance(outcome, Failure)
    assert outcome.result["users"][0]["error"] == (
        "jupyter_env 'lab' has no user 'Alice' "
        "(hub names are usually lower case: 'alice'?)"
    )
