"""A JupyterHub REST client bound to one environment.

Every call goes through ``request``, which turns any unexpected answer into a
``JupyterHubError`` naming the environment, the user, the call and the hub's own
message. Behaviour the methods rely on (JupyterHub 5/6): see
``../shared/docs/real-services.md``.

The client may be shared by the worker threads of a batch (``pace.for_each``): its
connection pool holds ``pace.MAX_WORKERS`` connections, and ``bounded_by(deadline)``
clips every request's timeout to the batch's deadline (``DeadlineReached`` once it is
spent), so no call outlives the action's time budget.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Self
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from jupyter_api.environment import CONFIG_KEY, JupyterEnv
from jupyter_api.models import HubUser, ServerState, StartResult
from jupyter_api.pace import MAX_WORKERS, Deadline
from pack_common import HTTPClient, HTTPServiceError, one_line

#: Without this Accept header ``GET /users`` is a plain list silently capped at 200.
PAGINATION_MEDIA_TYPE = "application/jupyterhub-pagination+json"
_SCOPES = re.compile(r"requires any of \[([^\]]*)\]")
#: What JupyterHub 5/6 answers (403) to a wrong, expired or revoked token.
_BAD_TOKEN = "invalid credentials"


class JupyterHubError(HTTPServiceError):
    """A hub request failed; the message names the hub (its ``jupyter_env``), the
    user, the call and the hub's answer. ``url`` is the request's URL; ``status``
    is None when no answer came (``failure()`` then says why: refused, timed out,
    reset ...)."""

    parameter = "jupyter_env"
    service = "jupyterhub"
    label = "JupyterHub"
    unauthorized = "the hub refused the token"

    def __init__(
        self,
        env: str,
        call: str,
        status: int | None,
        message: str,
        user: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(
            env, call, status, message, url, f"user {user!r}" if user else ""
        )
        self.user = user

    def forbidden(self) -> str:
        """A 403 with the hub's own words (the client adds what scope is lacking)."""
        return f"403 Forbidden from JupyterHub: {one_line(self.service_message, 300)}"

    def short(self) -> str:
        """One user's error in a line: ``user 'a': GET /users/a failed: timed out``."""
        who = f"user {self.user!r}: " if self.user else ""
        return f"{who}{self.call} failed: {self.cause()}"


class DeadlineReached(JupyterHubError):
    """The batch's deadline was spent before (or while) this call was made: the
    user is not done, not failed; a re-run finishes it."""

    def __init__(
        self, env: str, call: str, deadline: Deadline, user: str | None, url: str
    ) -> None:
        super().__init__(env, call, None, deadline.message, user, url)
        self.deadline = deadline

    def cause(self) -> str:
        """The deadline, not the socket: the call was cut short on purpose."""
        return self.deadline.message


class JupyterHubClient(HTTPClient):
    """REST client for one hub; close it (or use ``with``) to release connections."""

    def __init__(
        self, env: JupyterEnv, session: requests.Session | None = None
    ) -> None:
        if session is None:
            session = requests.Session()
            # One connection per worker thread of a batch (requests' default is 10).
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=MAX_WORKERS)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        super().__init__(session, env.verify, {"Authorization": f"token {env.token}"})
        self.env = env
        #: The deadline every request is clipped to (``bounded_by``), if any.
        self.deadline: Deadline | None = None

    @contextmanager
    def bounded_by(self, deadline: Deadline) -> Iterator[Self]:
        """Within the block, no request waits past ``deadline``: each one's timeout
        is clipped to the time left, and none is sent once it is spent
        (``DeadlineReached``)."""
        before, self.deadline = self.deadline, deadline
        try:
            yield self
        finally:
            self.deadline = before

    def request(
        self,
        method: str,
        path: str,
        expected: tuple[int, ...] = (200,),
        user: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send ``method path`` to the hub API; raise ``JupyterHubError`` (naming
        ``user`` when given) unless the status is one of ``expected``. A 403 explains
        the token's missing scope. Under a deadline (``bounded_by``) the timeout is
        clipped to the time left, and ``DeadlineReached`` is raised when it is spent
        before the call or while waiting for the answer."""
        call = f"{method} {path}"
        url = f"{self.env.api_url}{path}"
        timeout = float(self.env.timeout)
        deadline = self.deadline
        if deadline is not None:
            left = deadline.remaining()
            if left <= 0:
                raise DeadlineReached(self.env.name, call, deadline, user, url)
            timeout = min(timeout, left)

        def no_answer(exc: requests.RequestException) -> JupyterHubError:
            if (
                deadline is not None
                and isinstance(exc, requests.Timeout)
                and timeout < self.env.timeout
            ):  # cut short by the deadline, not by the environment's timeout
                return DeadlineReached(self.env.name, call, deadline, user, url)
            error = JupyterHubError(self.env.name, call, None, str(exc), user, url)
            if isinstance(exc, requests.Timeout):
                error.timeout = timeout
            return error

        response = self.send(
            method,
            url,
            timeout=timeout,
            # never retried: a batch's re-run finishes what is left, and a retry
            # would spend the batch's deadline on one user
            idempotent=False,
            no_answer=no_answer,
            **kwargs,
        )
        if response.status_code not in expected:
            message = hub_message(response)
            if response.status_code == 403:
                message += _scope_hint(self.env.name, message)
            raise JupyterHubError(
                self.env.name, call, response.status_code, message, user, url
            )
        return response

    # users -------------------------------------------------------------------

    def list_users(self, page_size: int | None = None) -> list[HubUser]:
        """Every user, page by page (following ``_pagination.next``)."""
        users: list[HubUser] = []
        params: dict[str, int] = {"offset": 0}
        if page_size:
            params["limit"] = page_size
        while True:
            body = self.request(
                "GET",
                "/users",
                params=params,
                headers={"Accept": PAGINATION_MEDIA_TYPE},
            ).json()
            if isinstance(body, list):  # a hub too old to paginate returns everything
                return [HubUser.from_model(m) for m in body]
            users.extend(HubUser.from_model(m) for m in body.get("items", []))
            following = (body.get("_pagination") or {}).get("next")
            if not following or int(following["offset"]) <= params["offset"]:
                return users
            params = {"offset": int(following["offset"])}
            if following.get("limit"):
                params["limit"] = int(following["limit"])

    def get_user(self, name: str) -> HubUser | None:
        """One user, or None when the hub has no such user."""
        response = self.request("GET", _user_path(name), (200, 404), user=name)
        return (
            None if response.status_code == 404 else HubUser.from_model(response.json())
        )

    def create_users(self, names: Iterable[str], admin: bool = False) -> list[str]:
        """Create the users that do not exist yet, in one request; return the names
        created (the others already existed). A 400 (an invalid name) creates none."""
        wanted = list(names)
        body: dict[str, Any] = {"usernames": wanted}
        if admin:
            body["admin"] = True
        response = self.request("POST", "/users", (201, 409), json=body)
        if response.status_code == 409:  # all of them exist
            return []
        return [str(model["name"]) for model in response.json()]

    def delete_user(self, name: str) -> bool:
        """Delete a user (the hub stops a running server first); False when absent."""
        response = self.request("DELETE", _user_path(name), (204, 404), user=name)
        return response.status_code == 204

    def set_admin(self, name: str, admin: bool) -> HubUser:
        """Grant or revoke the admin flag; the token needs the admin role for this."""
        response = self.request(
            "PATCH", _user_path(name), json={"admin": admin}, user=name
        )
        return HubUser.from_model(response.json())

    def set_activity(self, name: str, last_activity: str) -> None:
        """Record activity (the hub only moves ``last_activity`` forward)."""
        self.request(
            "POST",
            f"{_user_path(name)}/activity",
            (200,),
            json={"last_activity": last_activity},
            user=name,
        )

    # servers -----------------------------------------------------------------

    def start_server(self, name: str) -> StartResult:
        """Ask the hub to start the user's default server: STARTED (201), PENDING
        (202, the spawn goes on; wait with ``wait_for_servers``) or ALREADY_RUNNING."""
        response = self.request(
            "POST", f"{_user_path(name)}/server", (201, 202, 400), user=name
        )
        if response.status_code == 201:
            return StartResult.STARTED
        if response.status_code == 202:
            return StartResult.PENDING
        # The hub refuses (400) a server that runs or is still spawning; its reply
        # is prose, so ask the hub for the user's server state instead of reading it.
        user = self.get_user(name)
        state = user.server if user else None
        if state is ServerState.RUNNING:
            return StartResult.ALREADY_RUNNING
        if state is ServerState.STARTING:
            return StartResult.PENDING
        path = f"{_user_path(name)}/server"
        raise JupyterHubError(
            self.env.name,
            f"POST {path}",
            400,
            hub_message(response),
            name,
            self.env.api_url + path,
        )

    def stop_server(self, name: str) -> ServerState:
        """Stop the user's default server: STOPPED (204, also when it was not
        running) or STOPPING (202, the hub is still stopping it)."""
        response = self.request(
            "DELETE", f"{_user_path(name)}/server", (202, 204), user=name
        )
        return (
            ServerState.STOPPING if response.status_code == 202 else ServerState.STOPPED
        )

    def wait_for_servers(
        self,
        names: Iterable[str],
        timeout: float,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, ServerState | None]:
        """Poll ``GET /users/{u}`` until each server is ready or no longer starting.

        Returns each user's last seen state: RUNNING (ready), STOPPED (the spawn failed),
        STARTING (still pending after ``timeout``, or when the batch's deadline, see
        ``bounded_by``, was reached) or None (the user vanished).
        """
        deadline = clock() + timeout
        states: dict[str, ServerState | None] = {n: ServerState.STARTING for n in names}
        while True:
            for name, state in states.items():
                if state is ServerState.STARTING:
                    try:
                        user = self.get_user(name)
                    except DeadlineReached:
                        return states
                    states[name] = user.server if user else None
            waiting = [n for n, s in states.items() if s is ServerState.STARTING]
            if not waiting or clock() >= deadline:
                return states
            sleep(max(0.0, min(interval, deadline - clock())))


def _user_path(name: str) -> str:
    """``/users/{name}`` with the name URL-quoted: every reserved character, ``/``,
    ``+``, ``@`` and ``%`` included (the hub unquotes path arguments without turning
    ``+`` into a space), UTF-8 for non-ASCII names."""
    return f"/users/{quote(name, safe='')}"


def hub_message(response: requests.Response) -> str:
    """The hub's error message from a JSON error body, else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(body)[:200]


def _scope_hint(env: str, message: str) -> str:
    """What a 403 means for the operator: a token the hub does not accept, or the
    scope the token lacks, and the fix."""
    if _BAD_TOKEN in message.lower():
        return (
            f" (the hub does not accept the token of jupyter_env {env!r}: it is wrong, "
            f"expired or revoked; set a valid API token in pack config '{CONFIG_KEY}')"
        )
    match = _SCOPES.search(message)
    needed = f"a scope among [{match.group(1)}]" if match else "the scope for this call"
    return (
        f" (the token of jupyter_env {env!r} lacks {needed}, or is invalid: give the "
        f"token's service or user the admin role, see pack config '{CONFIG_KEY}')"
    )
