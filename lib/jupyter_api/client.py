"""A JupyterHub REST client bound to one environment.

This first version holds the session and the request plumbing used by every call;
the user and server operations build on ``request``.
"""

from __future__ import annotations

from typing import Any, Self

import requests

from jupyter_api.environment import JupyterEnv


class JupyterHubError(RuntimeError):
    """A hub request failed; the message names the hub, the call and its answer."""

    def __init__(self, env: str, call: str, status: int | None, message: str) -> None:
        super().__init__(f"jupyter_env {env!r}: {call} failed ({status}): {message}")
        self.status = status


class JupyterHubClient:
    """REST client for one hub; close it (or use ``with``) to release connections."""

    def __init__(self, env: JupyterEnv, session: requests.Session | None = None):
        self.env = env
        self._session = session or requests.Session()
        self._session.headers["Authorization"] = f"token {env.token}"
        self._session.verify = env.verify

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections."""
        self._session.close()

    def request(
        self, method: str, path: str, expected: tuple[int, ...] = (200,), **kwargs: Any
    ) -> requests.Response:
        """Send ``method path`` to the hub API; raise ``JupyterHubError`` unless the
        status is one of ``expected``. A 403 explains the token's missing scope."""
        call = f"{method} {path}"
        try:
            response = self._session.request(
                method, f"{self.env.api_url}{path}", timeout=self.env.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise JupyterHubError(self.env.name, call, None, str(exc)) from exc
        if response.status_code not in expected:
            message = _hub_message(response)
            if response.status_code == 403:
                message += (
                    " (the token lacks the scope for this call: give its service "
                    "the admin role)"
                )
            raise JupyterHubError(self.env.name, call, response.status_code, message)
        return response

    def whoami(self) -> dict[str, Any]:
        """The token's owner and scopes (``GET /user``)."""
        return self.request("GET", "/user").json()


def _hub_message(response: requests.Response) -> str:
    """The hub's error message from a JSON error body, else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(body)[:200]
