"""An Icinga 2 REST API client bound to one account.

Every call goes through ``request``: a timeout on each request, the account's TLS
verification (its CA file) and ApiUser, one retry for queries whose connection
failed before an answer (never after a timeout, never for an action: a schedule
whose reply was lost is found again by its key, see ``downtimes``). Filters pass
values through ``filter_vars``, never by pasting them into the filter. Anything
unexpected becomes an ``IcingaError`` that describes itself (``failure()``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from icinga_api.account import IcingaAccount
from icinga_api.downtimes import Downtime
from pack_common import HTTPClient, HTTPServiceError, one_line

PARAMETER = "icinga_account"


class IcingaError(HTTPServiceError):
    """A request to the Icinga 2 API failed. ``status`` is None when no answer came
    (``failure()`` then says why: refused, timed out, reset, TLS ...)."""

    parameter = PARAMETER
    service = "icinga2"
    label = "Icinga"
    unauthorized = "Icinga refused the API user's credentials"

    def forbidden(self) -> str:
        """A 403 names the missing permission Icinga reported."""
        return (
            "403 Forbidden: the API user lacks the permission "
            f"({one_line(self.service_message, 200)})"
        )


class IcingaClient(HTTPClient):
    """REST client for one Icinga 2 API; close it (or use ``with``)."""

    def __init__(
        self, account: IcingaAccount, session: requests.Session | None = None
    ) -> None:
        super().__init__(
            session or requests.Session(),
            account.tls_verify,
            {"Accept": "application/json"},
            (account.username, account.password),
        )
        self.account = account

    def request(
        self,
        method: str,
        path: str,
        expected: tuple[int, ...] = (200,),
        query: bool = False,
        **kw: Any,
    ) -> requests.Response:
        """Send ``method /v1<path>``; ``IcingaError`` unless the status is one of
        ``expected``. ``query`` marks a read (retried once after a failed
        connection) sent as POST with ``X-HTTP-Method-Override: GET``."""
        call = f"{method} /v1{path}"
        url = f"{self.account.url}/v1{path}"
        response = self.send(
            "POST" if query else method,
            url,
            timeout=self.account.timeout,
            # only reads: Icinga's PUT creates (a second one fails), actions are POSTs
            idempotent=query or method == "GET",
            no_answer=lambda exc: IcingaError(
                self.account.name, call, None, str(exc), url
            ),
            headers={"X-HTTP-Method-Override": "GET"} if query else {},
            **kw,
        )
        if response.status_code not in expected:
            raise IcingaError(
                self.account.name, call, response.status_code, _message(response), url
            )
        return response

    def status(self) -> dict[str, Any]:
        """``GET /v1/status/IcingaApplication`` (also the reachability check)."""
        return dict(self.request("GET", "/status/IcingaApplication").json())

    def host_exists(self, host_name: str) -> bool:
        """Whether Icinga knows the host."""
        response = self.request(
            "GET", f"/objects/hosts/{quote(host_name, safe='')}", (200, 404)
        )
        return response.status_code == 200

    def list_downtimes(self, host_name: str | None = None) -> list[Downtime]:
        """Every downtime (of one host when ``host_name`` is given)."""
        body: dict[str, Any] = {}
        if host_name is not None:
            body = {
                "filter": "downtime.host_name == h",
                "filter_vars": {"h": host_name},
            }
        response = self.request(
            "GET", "/objects/downtimes", (200, 404), query=True, json=body
        )
        if response.status_code == 404:  # a filter that matches nothing, on 2.11-
            return []
        return [Downtime.from_api(doc) for doc in response.json().get("results", [])]

    def schedule_host_downtime(
        self,
        host_name: str,
        start_time: int,
        end_time: int,
        comment: str,
        all_services: bool = True,
    ) -> list[str]:
        """Schedule a fixed downtime of the host (and of all its services); returns
        the names of the downtimes Icinga made."""
        body = {
            "type": "Host",
            "filter": "host.name == h",
            "filter_vars": {"h": host_name},
            "start_time": start_time,
            "end_time": end_time,
            "fixed": True,
            "author": self.account.author,
            "comment": comment,
            "all_services": all_services,
        }
        path = "/actions/schedule-downtime"
        response = self.request("POST", path, (200, 404), json=body)
        if response.status_code == 404:
            # Icinga filters actions by the user's permissions: a user without
            # actions/schedule-downtime sees "No objects found", like an unknown host.
            raise IcingaError(
                self.account.name,
                f"POST /v1{path}",
                404,
                f"{_message(response)} (the host {host_name!r} is unknown to Icinga, "
                "or the API user lacks the permission actions/schedule-downtime)",
                f"{self.account.url}/v1{path}",
            )
        answer = response.json()
        names: list[str] = []
        for result in answer.get("results", []):
            if int(float(result.get("code", 0))) != 200:
                raise IcingaError(
                    self.account.name,
                    "POST /v1/actions/schedule-downtime",
                    int(float(result.get("code", 0))) or None,
                    str(result.get("status", "")),
                    f"{self.account.url}/v1/actions/schedule-downtime",
                )
            names.append(str(result.get("name")))
            names += [str(s.get("name")) for s in result.get("service_downtimes") or []]
        return names

    def remove_downtimes(self, names: list[str]) -> int:
        """Remove the downtimes named (their child downtimes go with them); returns
        how many Icinga reported removed. Names already gone are not an error."""
        if not names:
            return 0
        body = {
            "type": "Downtime",
            "filter": "downtime.__name in names",
            "filter_vars": {"names": list(names)},
        }
        response = self.request(
            "POST", "/actions/remove-downtime", (200, 404), json=body
        )
        if response.status_code == 404:  # none of them exists any more
            return 0
        return sum(
            1
            for r in response.json().get("results", [])
            if int(float(r.get("code", 0))) == 200
        )


def _message(response: requests.Response) -> str:
    """Icinga's error text (``{"error": 401, "status": "..."}``), or the plain body."""
    try:
        body = response.json()
    except ValueError:
        return one_line(response.text or response.reason or "", 300)
    if isinstance(body, dict):
        if body.get("status"):
            return one_line(body["status"], 300)
        results = body.get("results") or []
        if results and isinstance(results[0], dict) and results[0].get("status"):
            return one_line(results[0]["status"], 300)
        return one_line(body, 300)
    return one_line(body, 300)
