"""Operator tasks on project quotas: ``quota.show`` and ``quota.set``.

Quotas are given per service with the service's own key names, e.g.
``{"compute": {"cores": 20, "ram": 51200}, "network": {"floatingip": 2}}``.
``quota.set`` changes only the values given; a service the pack does not know, or
one the cloud does not have, is skipped with a note; a limit below what the project
already uses is refused (nothing at all is changed) unless ``force``. "Uses" is what
the service itself counts when it refuses such a limit (Nova: in use + reserved,
Neutron: in use; checked on the devcloud), so a dry run fails exactly where the real
run would; values are whole numbers from -1 (unlimited) to 2**31-1, the range all
three APIs accept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from openstack.connection import Connection

from openstack_api import identity
from openstack_api import quotas as quota_api
from openstack_api.quotas import UNLIMITED, QuotaValue
from pack_common import Failure, InputError, validation

LOG = logging.getLogger(__name__)


def validate_request(
    value: Any, parameter: str = "quotas"
) -> dict[str, dict[str, int]]:
    """The requested quotas as ``{service: {key: int}}``, or ``InputError`` naming
    ``parameter`` (and the offending ``service.key``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(parameter, "must be an object {service: {quota: value}}")
    request: dict[str, dict[str, int]] = {}
    for service, values in value.items():
        if not isinstance(values, dict):
            raise InputError(
                parameter, f"{service!r} must be an object {{quota: value}}"
            )
        request[str(service)] = {}
        for key, limit in values.items():
            request[str(service)][str(key)] = validation.whole_number(
                parameter,
                limit,
                UNLIMITED,
                quota_api.MAX_LIMIT,
                note="-1 means unlimited",
                context=f"{service}.{key}",
            )
    return request


@dataclass
class QuotaChange:
    """One requested quota and what happens to it."""

    service: str
    quota: str
    old: int | None
    new: int
    in_use: int | None = None
    status: str = "change"  # change | unchanged | refused | forced
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON form (empty reason left out)."""
        result = {
            "service": self.service,
            "quota": self.quota,
            "old": self.old,
            "new": self.new,
            "in_use": self.in_use,
            "status": self.status,
        }
        if self.reason:
            result["reason"] = self.reason
        return result


@dataclass
class QuotaPlan:
    """What ``quota.set`` would change, leave alone, refuse or skip."""

    changes: list[QuotaChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def refused(self) -> list[QuotaChange]:
        """Changes refused because they fall below current usage."""
        return [c for c in self.changes if c.status == "refused"]

    def to_apply(self) -> dict[str, dict[str, int]]:
        """The values to send, per service (refused and unchanged left out)."""
        result: dict[str, dict[str, int]] = {}
        for change in self.changes:
            if change.status in ("change", "forced"):
                result.setdefault(change.service, {})[change.quota] = change.new
        return result


def plan_changes(
    request: dict[str, dict[str, int]],
    current: dict[str, dict[str, QuotaValue]],
    available: list[str],
    force: bool,
    parameter: str = "quotas",
) -> QuotaPlan:
    """Compare the request with the current quotas.

    ``current`` holds each available service's quotas; an unknown quota key of a
    known service is an ``InputError`` (listing the valid keys), an unknown or
    missing service a note.
    """
    plan = QuotaPlan()
    for service, values in request.items():
        if service not in quota_api.SERVICES:
            known = ", ".join(quota_api.SERVICES)
            plan.notes.append(f"{service}: not a quota service ({known}), skipped")
            continue
        if service not in available or service not in current:
            plan.notes.append(f"{service}: the cloud has no such service, skipped")
            continue
        for key, new in values.items():
            existing = current[service].get(key)
            if existing is None:
                valid = ", ".join(current[service])
                raise InputError(
                    parameter, f"{service}.{key}: unknown quota (valid: {valid})"
                )
            plan.changes.append(_classify(service, key, existing, new, force))
    return plan


def _classify(
    service: str, key: str, existing: QuotaValue, new: int, force: bool
) -> QuotaChange:
    """One requested value against the current limit and usage, as the service
    itself judges it (``QuotaService.minimum``): what the plan says is what the
    real request meets."""
    spec = quota_api.SERVICES[service]
    minimum = spec.minimum(existing)
    change = QuotaChange(service, key, existing.limit, new, existing.in_use)
    if new == existing.limit:
        change.status = "unchanged"
    elif new != UNLIMITED and new < minimum:
        counted = f"{minimum} in use"
        if spec.counts_reserved and existing.reserved:
            counted += f" and reserved ({existing.in_use} + {existing.reserved})"
        below = f"{new} is below the {counted}"
        if spec.refuses_below_usage:
            below += f"; {spec.api} refuses it unless forced"
        change.status = "forced" if force else "refused"
        change.reason = below
    return change


def _current(
    conn: Connection, project_id: str, services: list[str]
) -> dict[str, dict[str, QuotaValue]]:
    """Current quotas of the given services."""
    return {s: quota_api.get_quotas(conn, project_id, s) for s in services}


def show(conn: Connection, project: str) -> dict[str, Any]:
    """Quotas of a project per service: limit, in use and reserved for each quota.

    Compute and network always; volume where the cloud has the block-storage
    service (otherwise a note says it was not checked).
    """
    found = identity.find_project(conn, project)
    available = quota_api.available_services(conn)
    current = _current(conn, found.id, available)
    notes = [
        f"{s}: the cloud has no such service"
        for s in quota_api.SERVICES
        if s not in available
    ]
    return {
        "project": {"id": found.id, "name": found.name},
        "quotas": {
            service: {k: v.as_dict() for k, v in values.items()}
            for service, values in current.items()
        },
        "notes": notes,
    }


def set_limits(
    conn: Connection,
    project: str,
    quotas: dict[str, Any],
    force: bool = False,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Set the given quotas of a project, leaving every other quota as it is.

    Values below current usage are refused and then nothing is changed, unless
    ``force``. A dry run returns the plan; the real run applies it per service and
    reports each service's outcome (a failing service does not stop the others).
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    request = validate_request(quotas)
    if not request:
        raise InputError("quotas", "give at least one {service: {quota: value}}")
    found = identity.find_project(conn, project)
    return apply_request(conn, found, request, force, dry_run)


def apply_request(
    conn: Connection,
    project: Any,
    request: dict[str, dict[str, int]],
    force: bool,
    dry_run: bool,
) -> dict[str, Any] | Failure:
    """Plan and (unless ``dry_run``) apply a validated request on a found project."""
    available = quota_api.available_services(conn)
    wanted = [s for s in request if s in available]
    plan = plan_changes(request, _current(conn, project.id, wanted), available, force)
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "project": {"id": project.id, "name": project.name},
        "plan": [c.as_dict() for c in plan.changes],
        "notes": plan.notes,
    }
    if plan.refused:
        listed = ", ".join(f"{c.service}.{c.quota} ({c.reason})" for c in plan.refused)
        result["error"] = (
            f"parameter 'force': refused below current usage: {listed}; "
            "set force=true to set them anyway"
        )
        result["summary"] = "nothing changed: " + result["error"]
        return Failure(result)
    to_apply = plan.to_apply()
    forced = {c.service for c in plan.changes if c.status == "forced"}
    if dry_run:
        count = sum(len(v) for v in to_apply.values())
        result["summary"] = f"dry run: would change {count} quotas"
        return result
    applied: dict[str, str] = {}
    for service, values in to_apply.items():
        LOG.info("setting %s quotas of %s: %s", service, project.name, values)
        try:
            quota_api.update_quotas(
                conn, project.id, service, values, force=service in forced
            )
        except Exception as error:  # per-service failures are reported, not fatal
            applied[service] = f"failed: {error}"
        else:
            applied[service] = "set"
    result["applied"] = applied
    failed = [s for s, outcome in applied.items() if outcome != "set"]
    result["summary"] = (
        f"{len(failed)} of {len(applied)} services failed: {', '.join(failed)}"
        if failed
        else f"set quotas of {len(applied)} services"
    )
    return Failure(result) if failed else result
