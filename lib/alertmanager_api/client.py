"""An Alertmanager API v2 client bound to one account.

Every call goes through ``request``: a timeout on each request, the account's TLS
verification and credentials, one retry for idempotent requests (GET, DELETE) whose
connection failed before an answer (never after a timeout, and never for a POST: a
create whose reply was lost is found again by its key, see ``silences``). Anything
unexpected becomes an ``AlertmanagerError`` that describes itself to the operator
(``failure()``: account, endpoint, cause).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from alertmanager_api.account import AlertmanagerAccount
from alertmanager_api.silences import Matcher, Silence
from pack_common import IDEMPOTENT_METHODS, HTTPClient, HTTPServiceError, one_line

PARAMETER = "alertmanager_account"


class AlertmanagerError(HTTPServiceError):
    """A request to Alertmanager failed. ``status`` is None when no answer came
    (``failure()`` then says why: refused, timed out, reset, TLS ...)."""

    parameter = PARAMETER
    service = "alertmanager"
    label = "Alertmanager"
    unauthorized = "Alertmanager refused the credentials"


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC as Alertmanager writes times (``2030-02-01T08:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AlertmanagerClient(HTTPClient):
    """REST client for one Alertmanager; close it (or use ``with``)."""

    def __init__(
        self, account: AlertmanagerAccount, session: requests.Session | None = None
    ) -> None:
        headers = {"Accept": "application/json"}
        if account.token:
            headers["Authorization"] = f"Bearer {account.token}"
        basic = None
        if not account.token and account.username:
            basic = (account.username, account.password or "")
        super().__init__(
            session or requests.Session(), account.tls_verify, headers, basic
        )
        self.account = account

    def request(
        self, method: str, path: str, expected: tuple[int, ...] = (200,), **kw: Any
    ) -> requests.Response:
        """Send ``method /api/v2<path>``; ``AlertmanagerError`` unless the status is
        one of ``expected``."""
        call = f"{method} /api/v2{path}"
        url = f"{self.account.url}/api/v2{path}"
        response = self.send(
            method,
            url,
            timeout=self.account.timeout,
            idempotent=method in IDEMPOTENT_METHODS,
            no_answer=lambda exc: AlertmanagerError(
                self.account.name, call, None, str(exc), url
            ),
            **kw,
        )
        if response.status_code not in expected:
            raise AlertmanagerError(
                self.account.name,
                call,
                response.status_code,
                _message(response),
                url,
            )
        return response

    def status(self) -> dict[str, Any]:
        """``GET /status``: version and cluster (also the reachability check)."""
        return dict(self.request("GET", "/status").json())

    def list_silences(self) -> list[Silence]:
        """Every silence Alertmanager keeps, expired ones included."""
        body = self.request("GET", "/silences").json()
        if not isinstance(body, list):
            raise AlertmanagerError(
                self.account.name,
                "GET /api/v2/silences",
                200,
                "the answer is not a list of silences",
                f"{self.account.url}/api/v2/silences",
            )
        return [Silence.from_api(doc) for doc in body]

    def create_silence(
        self,
        matchers: list[Matcher],
        starts_at: datetime,
        ends_at: datetime,
        comment: str,
        silence_id: str | None = None,
    ) -> str:
        """Create a silence (or, with ``silence_id``, update that one) created by the
        account's ``created_by``; returns its id."""
        body: dict[str, Any] = {
            "matchers": [m.to_api() for m in matchers],
            "startsAt": rfc3339(starts_at),
            "endsAt": rfc3339(ends_at),
            "createdBy": self.account.created_by,
            "comment": comment,
        }
        if silence_id:
            body["id"] = silence_id
        answer = self.request("POST", "/silences", (200,), json=body).json()
        return str(answer.get("silenceID") or silence_id or "")

    def expire_silence(self, silence_id: str) -> None:
        """Expire a silence now (``DELETE /silence/{id}``)."""
        self.request("DELETE", f"/silence/{quote(silence_id, safe='')}")


def _message(response: requests.Response) -> str:
    """Alertmanager's error text: a JSON string, ``{"message": ...}``, or plain."""
    try:
        body = response.json()
    except ValueError:
        return one_line(response.text or response.reason or "", 300)
    if isinstance(body, dict):
        text = next(
            (
                body[k]
                for k in ("message", "status", "error")
                if isinstance(body.get(k), str)
            ),
            body,
        )
        return one_line(text, 300)
    return one_line(body, 300)
