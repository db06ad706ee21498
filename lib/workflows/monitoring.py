"""Alertmanager silences and Icinga 2 downtimes, made and removed by key.

Every silence/downtime the pack makes carries a stable key chosen by the operator
(or ``maintenance:<hypervisor>`` for hypervisor maintenance) in a comment marker
``[openstack_ops key=<key>]``. That makes the actions idempotent: create/schedule
first looks for the key and reports ``unchanged`` (or updates the window) instead
of adding a second one, even when a previous run's reply was lost; expire/remove
take away exactly what carries the key and report ``unchanged`` when nothing does.

The ``ensure_*``/``remove_*`` helpers are what ``workflows.maintenance`` calls; they
raise the API packages' errors. The action functions turn those errors into the
failure contract's result (account, endpoint, cause).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alertmanager_api.client import AlertmanagerClient, AlertmanagerError
from alertmanager_api.silences import (
    Matcher,
    Silence,
    check_key,
    marked_comment,
    parse_matchers,
)
from icinga_api.client import IcingaClient, IcingaError
from icinga_api.downtimes import Downtime

from pack_common import Failure, InputError

#: The longest window a silence or downtime may have (``start`` to ``end``).
MAX_WINDOW = timedelta(days=31)
#: What a result's ``outcome`` says.
CREATED, UPDATED, UNCHANGED, REMOVED, PLANNED = (
    "created",
    "updated",
    "unchanged",
    "removed",
    "planned",
)


@dataclass(frozen=True)
class Window:
    """A maintenance window, both ends timezone-aware."""

    start: datetime
    end: datetime

    def as_dict(self) -> dict[str, str]:
        """ISO 8601 UTC text of both ends."""
        return {"start": _iso(self.start), "end": _iso(self.end)}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object, parameter: str) -> datetime:
    """An ISO 8601 date-time with a timezone (``2030-02-01T08:00:00Z``,
    ``2030-02-01T09:00:00+01:00``), to the second."""
    text = str(value or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            parameter, f"{value!r} is not an ISO 8601 date-time like 2030-02-01T08:00Z"
        ) from None
    if moment.tzinfo is None:
        raise InputError(
            parameter, f"{value!r} has no timezone (add Z for UTC, or +01:00 ...)"
        )
    return moment.replace(microsecond=0)


def parse_window(
    start: str | None,
    end: str | None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Window:
    """The window from ``start`` (empty: now) to ``end``; ``end`` must be in the
    future, after ``start``, and at most ``MAX_WINDOW`` later."""
    current = now().replace(microsecond=0)
    begin = parse_time(start, "start") if start and str(start).strip() else current
    if not end or not str(end).strip():
        raise InputError("end", "the end of the window is required")
    finish = parse_time(end, "end")
    if finish <= begin:
        raise InputError("end", f"{_iso(finish)} is not after start {_iso(begin)}")
    if finish <= current:
        raise InputError("end", f"{_iso(finish)} has already passed")
    if finish - begin > MAX_WINDOW:
        raise InputError("end", f"the window is longer than {MAX_WINDOW.days} days")
    return Window(begin, finish)


# --- Alertmanager -----------------------------------------------------------------


def find_silences(client: AlertmanagerClient, key: str) -> list[Silence]:
    """The live (active or pending) silences the pack made with ``key``."""
    return [
        s
        for s in client.list_silences()
        if s.live and s.key == key and s.created_by == client.account.created_by
    ]


def ensure_silence(
    client: AlertmanagerClient,
    key: str,
    matchers: list[Matcher],
    window: Window,
    comment: str | None,
    dry_run: bool,
) -> dict[str, Any]:
    """Make sure one live silence with ``key`` covers ``window`` with ``matchers``:
    ``created``, ``updated`` (other window or matchers: the same silence is edited
    through its id), ``unchanged``, or in a dry run ``planned``/``unchanged``."""
    found = find_silences(client, key)
    text = marked_comment(comment, key)
    result: dict[str, Any] = {
        "key": key,
        "matchers": [str(m) for m in matchers],
        "window": window.as_dict(),
        "comment": text,
    }
    current = found[0] if found else None
    if current is not None:
        result["silence"] = current.as_dict()
        if set(current.matchers) == set(matchers) and current.same_window(
            window.start, window.end
        ):
            return {**result, "outcome": UNCHANGED, "id": current.id}
    action = UPDATED if current else CREATED
    if dry_run:
        return {**result, "outcome": PLANNED, "would": action}
    silence_id = client.create_silence(
        matchers, window.start, window.end, text, current.id if current else None
    )
    for extra in found[1:]:  # a duplicate left by an older run: keep one only
        client.expire_silence(extra.id)
    return {**result, "outcome": action, "id": silence_id}


def expire_silences(
    client: AlertmanagerClient, key: str, dry_run: bool
) -> dict[str, Any]:
    """Expire every live silence the pack made with ``key``: ``removed``,
    ``unchanged`` (none), or ``planned`` in a dry run."""
    found = find_silences(client, key)
    result: dict[str, Any] = {"key": key, "silences": [s.as_dict() for s in found]}
    if not found:
        return {**result, "outcome": UNCHANGED}
    if dry_run:
        return {**result, "outcome": PLANNED, "would": REMOVED}
    for silence in found:
        client.expire_silence(silence.id)
    return {**result, "outcome": REMOVED, "expired": [s.id for s in found]}


def silence_create(
    alertmanager: AlertmanagerClient,
    key: str,
    matchers: list[str],
    end: str,
    start: str | None = None,
    comment: str | None = None,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Silence the alerts ``matchers`` select from ``start`` (empty: now) to ``end``,
    as the silence named ``key``. Idempotent: the silence of the key is reused
    (``unchanged``) or edited (``updated``), never duplicated."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    key = check_key(key)
    parsed = parse_matchers(matchers)
    window = parse_window(start, end)
    try:
        result = ensure_silence(alertmanager, key, parsed, window, comment, dry_run)
    except AlertmanagerError as exc:
        return Failure(exc.failure().as_result())
    return {"dry_run": dry_run, "account": alertmanager.account.name, **result}


def silence_expire(
    alertmanager: AlertmanagerClient, key: str, apply: bool = False
) -> dict[str, Any] | Failure:
    """Expire the silence(s) the pack made with ``key``; none left is success."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    key = check_key(key)
    try:
        result = expire_silences(alertmanager, key, dry_run)
    except AlertmanagerError as exc:
        return Failure(exc.failure().as_result())
    return {"dry_run": dry_run, "account": alertmanager.account.name, **result}


def silence_list(
    alertmanager: AlertmanagerClient,
    key: str | None = None,
    include_expired: bool = False,
    only_pack: bool = True,
) -> dict[str, Any] | Failure:
    """The silences: the pack's (``only_pack``), of one ``key``, live ones unless
    ``include_expired``."""
    wanted = check_key(key) if key else None
    try:
        silences = alertmanager.list_silences()
    except AlertmanagerError as exc:
        return Failure(exc.failure().as_result())
    rows = [
        s.as_dict()
        for s in silences
        if (include_expired or s.live)
        and (not only_pack or s.key is not None)
        and (wanted is None or s.key == wanted)
    ]
    return {"account": alertmanager.account.name, "count": len(rows), "silences": rows}


# --- Icinga 2 ----------------------------------------------------------------------


def find_downtimes(
    client: IcingaClient, key: str, host_name: str | None = None
) -> list[Downtime]:
    """The downtimes the pack scheduled with ``key`` (of one host when given)."""
    return [
        d
        for d in client.list_downtimes(host_name)
        if d.key == key and d.author == client.account.author
    ]


def ensure_downtime(
    client: IcingaClient,
    key: str,
    host_name: str,
    window: Window,
    comment: str | None,
    dry_run: bool,
    all_services: bool = True,
    parameter: str = "hypervisor",
) -> dict[str, Any]:
    """Make sure the host has one downtime with ``key`` over ``window``:
    ``created``, ``updated`` (another window: the old one is removed after the new
    one is scheduled), ``unchanged``, or ``planned`` in a dry run. A host Icinga
    does not know is an error naming ``parameter`` (the action's host parameter)."""
    if not client.host_exists(host_name):
        raise InputError(
            parameter,
            f"Icinga ({client.account.name}) has no host {host_name!r}",
        )
    found = find_downtimes(client, key, host_name)
    host_downtimes = [d for d in found if d.is_host_downtime]
    text = marked_comment(comment, key)
    result: dict[str, Any] = {
        "key": key,
        "host": host_name,
        "window": window.as_dict(),
        "comment": text,
        "downtimes": [d.as_dict() for d in found],
    }
    same = [
        d
        for d in host_downtimes
        if (d.start_time, d.end_time)
        == (int(window.start.timestamp()), int(window.end.timestamp()))
    ]
    if same and len(host_downtimes) == 1:
        return {**result, "outcome": UNCHANGED, "names": [d.name for d in found]}
    action = UPDATED if host_downtimes else CREATED
    if dry_run:
        return {**result, "outcome": PLANNED, "would": action}
    keep = same[:1]
    if not keep:
        names = client.schedule_host_downtime(
            host_name,
            int(window.start.timestamp()),
            int(window.end.timestamp()),
            text,
            all_services,
        )
    else:
        names = [keep[0].name]
    stale = [d.name for d in host_downtimes if d.name not in names]
    client.remove_downtimes(stale)
    return {**result, "outcome": action, "names": names, "removed": stale}


def remove_downtimes(
    client: IcingaClient, key: str, host_name: str | None, dry_run: bool
) -> dict[str, Any]:
    """Remove the downtimes the pack scheduled with ``key`` (their service
    downtimes go with them): ``removed``, ``unchanged`` or ``planned``."""
    found = find_downtimes(client, key, host_name)
    result: dict[str, Any] = {
        "key": key,
        "host": host_name,
        "downtimes": [d.as_dict() for d in found],
    }
    if not found:
        return {**result, "outcome": UNCHANGED}
    if dry_run:
        return {**result, "outcome": PLANNED, "would": REMOVED}
    client.remove_downtimes([d.name for d in found])
    left = find_downtimes(client, key, host_name)
    if left:
        raise IcingaError(
            client.account.name,
            "POST /v1/actions/remove-downtime",
            200,
            f"{len(left)} downtime(s) of key {key} still there: "
            + ", ".join(d.name for d in left),
            f"{client.account.url}/v1/actions/remove-downtime",
        )
    return {**result, "outcome": REMOVED, "removed": [d.name for d in found]}


def _host(value: object, parameter: str = "host") -> str:
    text = str(value or "").strip()
    if not text:
        raise InputError(parameter, "a host name is required")
    return text


def downtime_schedule(
    icinga: IcingaClient,
    host: str,
    key: str,
    end: str,
    start: str | None = None,
    comment: str | None = None,
    host_only: bool = False,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Schedule a fixed downtime of the Icinga host ``host`` and all its services
    (only the host with ``host_only``)
    from ``start`` (empty: now) to ``end``, named ``key``. Idempotent: an existing
    downtime of the key is kept (``unchanged``) or moved (``updated``)."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    host_name = _host(host)
    key = check_key(key)
    window = parse_window(start, end)
    try:
        result = ensure_downtime(
            icinga, key, host_name, window, comment, dry_run, not host_only, "host"
        )
    except IcingaError as exc:
        return Failure(exc.failure().as_result())
    return {"dry_run": dry_run, "account": icinga.account.name, **result}


def downtime_remove(
    icinga: IcingaClient, key: str, host: str | None = None, apply: bool = False
) -> dict[str, Any] | Failure:
    """Remove the downtime(s) the pack scheduled with ``key`` (on ``host`` only,
    when given); none left is success."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    key = check_key(key)
    host_name = _host(host) if host else None
    try:
        result = remove_downtimes(icinga, key, host_name, dry_run)
    except IcingaError as exc:
        return Failure(exc.failure().as_result())
    return {"dry_run": dry_run, "account": icinga.account.name, **result}


def downtime_list(
    icinga: IcingaClient,
    host: str | None = None,
    key: str | None = None,
    only_pack: bool = True,
) -> dict[str, Any] | Failure:
    """The downtimes: the pack's (``only_pack``), of one ``host`` and/or ``key``."""
    wanted = check_key(key) if key else None
    host_name = _host(host) if host else None
    try:
        downtimes = icinga.list_downtimes(host_name)
    except IcingaError as exc:
        return Failure(exc.failure().as_result())
    rows = [
        d.as_dict()
        for d in downtimes
        if (not only_pack or d.key is not None) and (wanted is None or d.key == wanted)
    ]
    return {"account": icinga.account.name, "count": len(rows), "downtimes": rows}
