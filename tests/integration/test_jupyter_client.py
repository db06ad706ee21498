"""The JupyterHub client against a real hub (``jupyterhub_server``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import requests

from jupyter_api.client import JupyterHubClient, JupyterHubError
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import ServerState, StartResult
from jupyter_api.names import check_hub_name, check_name
from pack_common import InputError
from workflows import jupyter

if TYPE_CHECKING:
    from jupyterhub_server import RunningHub

pytest_plugins = ["jupyterhub_server"]


class RecordingSession(requests.Session):
    """A real session that records every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.sent.append(f"{method} {url}")
        return super().request(method, url, *args, **kwargs)


def env_for(hub: RunningHub, token: str | None = None) -> JupyterEnv:
    return JupyterEnv(name="itest", url=hub.url, token=token or hub.admin_token)


@pytest.fixture
def client(jupyterhub: RunningHub) -> Iterator[JupyterHubClient]:
    with JupyterHubClient(env_for(jupyterhub)) as hub_client:
        yield hub_client


@pytest.fixture
def prefix() -> str:
    """A name prefix no other test uses (the hub is shared by the session)."""
    return f"t{secrets.token_hex(3)}"


def test_bulk_create_reports_existing_users_unchanged(
    client: JupyterHubClient, prefix: str
) -> None:
    first = jupyter.create_users(client, user=prefix, first_index=1, last_index=2)
    second = jupyter.create_users(client, user=prefix, first_index=0, last_index=3)
    again = jupyter.create_users(client, user=prefix, first_index=0, last_index=3)

    assert [u["status"] for u in first["users"]] == ["created", "created"]
    assert {u["user"]: u["status"] for u in second["users"]} == {
        f"{prefix}-0": "created",
        f"{prefix}-1": "unchanged",
        f"{prefix}-2": "unchanged",
        f"{prefix}-3": "created",
    }
    assert {u["status"] for u in again["users"]} == {"unchanged"}
    assert again["summary"] == "4 users: 4 unchanged"


def test_invalid_names_are_rejected_before_any_request(jupyterhub: RunningHub) -> None:
    session = RecordingSession()
    with JupyterHubClient(env_for(jupyterhub), session=session) as hub_client:
        with pytest.raises(InputError, match=r"parameter 'users'.*'Bad/Name'"):
            jupyter.create_users(hub_client, users=["fine-1", "Bad/Name"])
        with pytest.raises(InputError, match="parameter 'last_index'"):
            jupyter.prepare_users(
                hub_client, user="course", first_index=3, last_index=1
            )
        assert session.sent == []
        assert hub_client.get_user("fine-1") is None


def test_list_follows_pagination_beyond_200_users(
    client: JupyterHubClient, prefix: str
) -> None:
    names = [f"{prefix}-p{i}" for i in range(205)]
    assert len(client.create_users(names)) == 205

    listed = [u.name for u in client.list_users() if u.name.startswith(prefix)]
    small_pages = [u.name for u in client.list_users(page_size=60)]

    assert sorted(listed) == sorted(names)
    assert set(names) <= set(small_pages)
    assert len(small_pages) == len(set(small_pages))


def test_set_admin_round_trip(client: JupyterHubClient, prefix: str) -> None:
    client.create_users([prefix])
    assert client.set_admin(prefix, True).admin is True
    assert client.get_user(prefix).admin is True
    assert client.set_admin(prefix, False).admin is False


def test_token_without_admin_scope_gets_a_clear_403(
    jupyterhub: RunningHub, prefix: str
) -> None:
    with JupyterHubClient(env_for(jupyterhub, jupyterhub.reader_token)) as reader:
        assert reader.list_users() is not None  # reading is allowed
        with pytest.raises(JupyterHubError) as caught:
            reader.create_users([prefix])
    message = str(caught.value)
    assert caught.value.status == 403
    assert "admin:users" in message
    assert "lacks a scope among [admin:users]" in message
    assert "admin role" in message


def test_errors_name_the_user_and_the_hub_message(
    client: JupyterHubClient, prefix: str
) -> None:
    with pytest.raises(JupyterHubError) as caught:
        client.set_admin(f"{prefix}-absent", True)
    assert caught.value.status == 404
    assert f"user '{prefix}-absent'" in str(caught.value)
    assert "jupyter_env 'itest'" in str(caught.value)


def test_start_stop_and_delete_with_a_running_server(
    client: JupyterHubClient, prefix: str
) -> None:
    client.create_users([prefix])
    outcome = client.start_server(prefix)
    if outcome is StartResult.PENDING:
        assert client.wait_for_servers([prefix], timeout=60) == {
            prefix: ServerState.RUNNING
        }
    assert client.start_server(prefix) is StartResult.ALREADY_RUNNING
    assert client.get_user(prefix).server is ServerState.RUNNING

    assert client.stop_server(prefix) in (ServerState.STOPPED, ServerState.STOPPING)
    assert client.stop_server(prefix) in (ServerState.STOPPED, ServerState.STOPPING)

    client.start_server(prefix)
    client.wait_for_servers([prefix], timeout=60)
    assert client.delete_user(prefix) is True
    assert client.get_user(prefix) is None
    assert client.delete_user(prefix) is False


def test_starting_a_server_still_spawning_is_pending_not_an_error(
    client: JupyterHubClient, jupyterhub: RunningHub, prefix: str
) -> None:
    """A second start while the first spawn is pending is PENDING too (the hub
    answers 202 again), never an error; a start once it runs is ALREADY_RUNNING
    (the hub's 400, classified from the user's server state)."""
    name = f"{jupyterhub.slow_prefix}{prefix}"
    client.create_users([name])
    try:
        assert client.start_server(name) is StartResult.PENDING
        assert client.start_server(name) is StartResult.PENDING
    finally:
        jupyterhub.release(name)
    assert client.wait_for_servers([name], timeout=60) == {name: ServerState.RUNNING}
    assert client.start_server(name) is StartResult.ALREADY_RUNNING
    client.stop_server(name)
    client.delete_user(name)


def test_last_activity_null_and_set_through_the_api(
    client: JupyterHubClient, prefix: str
) -> None:
    client.create_users([prefix])
    assert client.get_user(prefix).last_activity is None
    client.set_activity(prefix, "2020-01-02T03:04:05.000000Z")
    user = client.get_user(prefix)
    assert user.last_activity is not None
    assert user.last_activity.isoformat() == "2020-01-02T03:04:05+00:00"


@pytest.mark.fault(10)
def test_names_the_hub_stores_round_trip_through_the_quoted_path(
    client: JupyterHubClient, prefix: str
) -> None:
    """Names with characters that mean something in a URL (``+ @ % ? # space``,
    non-ASCII) are found, changed and deleted by exact name: the client quotes them
    and the hub (behind its proxy) unquotes them back. The hub accepts every one
    (``names.check_hub_name`` agrees); the pack would not create any of them."""
    names = [
        f"{prefix}+tag@example.org",
        f"-{prefix}",
        f"{prefix} space",
        f"{prefix}%41",
        f"{prefix}?q=1#f&x",
        f"ü{prefix}",
    ]
    for name in names:
        assert check_hub_name(name, "users") == name
        with pytest.raises(InputError):
            check_name(name, "users")
    assert sorted(client.create_users(names)) == sorted(names)

    found = {n: client.get_user(n) for n in names}
    made_admin = client.set_admin(names[0], True)
    deleted = {n: client.delete_user(n) for n in names}

    assert {n: u.name if u else None for n, u in found.items()} == {n: n for n in names}
    assert made_admin.name == names[0] and made_admin.admin is True
    assert deleted == dict.fromkeys(names, True)
    assert [n for n in names if client.get_user(n) is not None] == []
