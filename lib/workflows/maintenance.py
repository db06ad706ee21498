"""A hypervisor's planned maintenance as one runbook: ``start`` and ``finish``.

``start`` runs, in order: mail the owners of the host's servers about the window
(the campaign engine, ``email.users.with.vms.on.hv.maintenance``), silence the
host's alerts in Alertmanager and schedule its Icinga downtime for the window,
disable its compute service with the reason, and drain it (``hypervisor.drain``:
``server.migrate``'s guards, per-server outcomes). ``finish`` checks the host is up,
enables it, expires the silence and removes the downtime.

Each step is an existing idempotent function, so a re-run resumes where a failed
run stopped and a run after a complete one changes nothing: the campaign records
whom it mailed, the silence and downtime carry the key ``maintenance:<hypervisor>``
(``workflows.monitoring``), a disabled host stays disabled, a drain moves only the
servers still there. A dry run (the default) returns every step's plan; a real run
needs ``confirm`` equal to the hypervisor's name. Before any step, both monitoring
services are asked whether they answer (and Icinga whether it knows the host): if
not, nothing is started. A failing step stops the run: the result lists the steps
done, the one that failed (with the service's account, endpoint and cause) and the
ones not run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alertmanager_api.client import AlertmanagerClient, AlertmanagerError
from alertmanager_api.silences import host_matcher
from icinga_api.client import IcingaClient, IcingaError
from openstack.connection import Connection

from email_api.account import SMTPAccount
from openstack_api import compute_services, errors
from openstack_api import hypervisors as hyp_api
from pack_common import Failure, InputError, KeyValueStore
from workflows import email_campaigns, monitoring
from workflows import hypervisor as hypervisor_wf

DONE, UNCHANGED, PLANNED, FAILED, NOT_RUN, CHECKED = (
    "done",
    "unchanged",
    "planned",
    "failed",
    "not run",
    "checked",  # a read-only step (the preflight): it ran, in a dry run too
)


def maintenance_key(hypervisor: str) -> str:
    """The key of the silence and downtime of one hypervisor's maintenance."""
    return f"maintenance:{hypervisor}"


@dataclass
class StepResult:
    """What one step did (or would do)."""

    name: str
    outcome: str
    detail: Any = None
    error: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the result."""
        row: dict[str, Any] = {"step": self.name, "outcome": self.outcome}
        if self.detail is not None:
            row["detail"] = self.detail
        if self.error is not None:
            row["error"] = self.error
        return row


@dataclass
class Runbook:
    """Steps run in order; the first failure stops the rest."""

    dry_run: bool
    conn: Connection
    results: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> StepResult | None:
        """The step that failed, if one did."""
        return next((r for r in self.results if r.outcome == FAILED), None)

    def run(self, name: str, step: Callable[[], Any]) -> None:
        """Run ``step`` unless an earlier one failed; record its outcome. Service
        errors (Alertmanager, Icinga, the cloud) and reported failures fail the
        step; anything else is a bug and propagates."""
        if self.failed is not None:
            self.results.append(StepResult(name, NOT_RUN))
            return
        try:
            detail = step()
        except (AlertmanagerError, IcingaError) as exc:
            self.results.append(StepResult(name, FAILED, error=_error(exc)))
            return
        except InputError as exc:
            self.results.append(StepResult(name, FAILED, error={"error": str(exc)}))
            return
        except Exception as exc:
            described = errors.describe(exc, self.conn)
            if described is None:
                raise
            self.results.append(StepResult(name, FAILED, error=described.as_result()))
            return
        if isinstance(detail, Failure):
            result = detail.result
            error = result.get("error") or result.get("summary") or "step failed"
            self.results.append(
                StepResult(name, FAILED, detail=result, error={"error": str(error)})
            )
            return
        self.results.append(StepResult(name, _outcome(detail, self.dry_run), detail))

    def report(self, summary_prefix: str, base: dict[str, Any]) -> dict[str, Any]:
        """The run's result: every step, the done/failed/not-run names, a summary."""
        rows = [r.as_dict() for r in self.results]
        done = [r.name for r in self.results if r.outcome in (DONE, UNCHANGED, CHECKED)]
        not_run = [r.name for r in self.results if r.outcome == NOT_RUN]
        failed = self.failed
        result = {
            **base,
            "steps": rows,
            "done_steps": done,
            "not_run_steps": not_run,
        }
        if failed is not None:
            cause = (failed.error or {}).get("error", "failed")
            result["failed_step"] = failed.name
            result["summary"] = (
                f"{summary_prefix}: step {failed.name!r} failed: {cause}; done: "
                f"{', '.join(done) or 'none'}; not run: {', '.join(not_run) or 'none'}."
                " Fix the cause and run it again: done steps are not repeated."
            )
            result["error"] = result["summary"]
        else:
            changed = [r.name for r in self.results if r.outcome == DONE]
            planned = [r.name for r in self.results if r.outcome == PLANNED]
            checked = [r.name for r in self.results if r.outcome == CHECKED]
            prefix = (
                f"{summary_prefix}: checked {', '.join(checked)}; "
                if checked
                else f"{summary_prefix}: "
            )
            if self.dry_run:
                result["summary"] = (
                    f"{prefix}dry run, would run "
                    f"{', '.join(planned) or 'nothing (all done already)'}"
                )
            else:
                same = [n for n in done if n not in changed and n not in checked]
                result["summary"] = (
                    f"{prefix}changed {', '.join(changed) or 'nothing'}; "
                    f"unchanged {', '.join(same) or 'none'}"
                )
        return result


def _error(exc: AlertmanagerError | IcingaError) -> dict[str, Any]:
    return exc.failure().as_result()


def _outcome(detail: Any, dry_run: bool) -> str:
    """A step's outcome from what its function returned."""
    if not isinstance(detail, dict):
        return PLANNED if dry_run else DONE
    outcome = detail.get("outcome")
    if outcome == CHECKED:
        return CHECKED
    if outcome == monitoring.UNCHANGED:
        return UNCHANGED
    if outcome == monitoring.PLANNED:
        return PLANNED
    counts = detail.get("counts")
    if isinstance(counts, dict):  # a mail campaign: anything (left) to send?
        busy = counts.get("pending", 0) if dry_run else counts.get("sent", 0)
        if not busy:
            return UNCHANGED
        return PLANNED if dry_run else DONE
    if "changed" in detail:  # hypervisor.service.disable/enable
        if detail.get("steps"):
            return PLANNED if dry_run else DONE
        return UNCHANGED
    return PLANNED if dry_run else DONE


def _lookup(conn: Connection, hypervisor: str) -> tuple[hyp_api.Hypervisor, Any]:
    """The hypervisor and its compute service; errors name ``hypervisor``."""
    if not str(hypervisor or "").strip():
        raise InputError("hypervisor", "a hypervisor name is required")
    hyp = hyp_api.find_hypervisor(
        "hypervisor", str(hypervisor).strip(), hyp_api.list_hypervisors(conn)
    )
    service = compute_services.compute_services(conn).get(hyp.host)
    if service is None:
        raise InputError("hypervisor", f"{hyp.name} has no nova-compute service")
    return hyp, service


def _preflight(
    alertmanager: AlertmanagerClient, icinga: IcingaClient, icinga_host: str
) -> dict[str, Any]:
    """Ask both monitoring services whether they answer (Alertmanager its status,
    Icinga whether it knows the host: that proves the API user can log in too);
    raises their errors (nothing has changed yet)."""
    status = alertmanager.status()
    if not icinga.host_exists(icinga_host):
        raise InputError(
            "hypervisor", f"Icinga ({icinga.account.name}) has no host {icinga_host!r}"
        )
    return {
        "alertmanager": {
            "account": alertmanager.account.name,
            "version": (status.get("versionInfo") or {}).get("version"),
        },
        "icinga": {"account": icinga.account.name, "host": icinga_host},
        "outcome": CHECKED,
    }


def _check_confirm(name: str, confirm: str | None, dry_run: bool, verb: str) -> None:
    """A real run needs ``confirm`` = the hypervisor's name."""
    if not dry_run and confirm != name:
        raise InputError(
            "confirm", f"must be {name!r} to {verb} this hypervisor's maintenance"
        )


def _preflighted(
    conn: Connection,
    dry_run: bool,
    alertmanager: AlertmanagerClient,
    icinga: IcingaClient,
    icinga_host: str,
) -> Runbook:
    """A new runbook whose first step is the monitoring preflight."""
    book = Runbook(dry_run, conn)
    book.run("preflight", lambda: _preflight(alertmanager, icinga, icinga_host))
    return book


def _reason(reason: str | None) -> str:
    text = " ".join(str(reason or "").split())
    if not text:
        raise InputError("reason", "a reason is required (users and admins see it)")
    return text


def start(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    alertmanager: AlertmanagerClient,
    icinga: IcingaClient,
    hypervisor: str,
    end: str,
    reason: str,
    start: str | None = None,
    confirm: str | None = None,
    apply: bool = False,
    skip_user_mail: bool = False,
    migration_type: str = "auto",
    wait_seconds: int = 900,
) -> dict[str, Any] | Failure:
    """Start a hypervisor's maintenance: mail the owners, silence its alerts and
    schedule its downtime for the window ``start`` (empty: now) to ``end``, disable
    it with ``reason`` and drain it. Dry run by default; ``confirm`` = the
    hypervisor's name for a real run. A re-run resumes after a failed step."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    text = _reason(reason)
    window = monitoring.parse_window(start, end)
    wait_seconds = hypervisor_wf.check_wait_seconds(wait_seconds)
    hyp, _service = _lookup(conn, hypervisor)
    _check_confirm(hyp.name, confirm, dry_run, "start")
    key = maintenance_key(hyp.name)
    icinga_host = icinga.account.host_name(hyp.name)
    matcher = host_matcher(alertmanager.account.host_matcher, hyp.name)
    comment = f"hypervisor maintenance of {hyp.name}: {text}"
    book = _preflighted(conn, dry_run, alertmanager, icinga, icinga_host)
    if not skip_user_mail:
        book.run(
            "notify_users",
            lambda: email_campaigns.users_with_vms_on_hv_maintenance(
                conn,
                smtp_account,
                store,
                pack_config,
                [hyp.name],
                maintenance_start=window.as_dict()["start"],
                maintenance_end=window.as_dict()["end"],
                all_projects=True,
                send_email=not dry_run,
            ),
        )
    book.run(
        "silence",
        lambda: monitoring.ensure_silence(
            alertmanager, key, [matcher], window, comment, dry_run
        ),
    )
    book.run(
        "downtime",
        lambda: monitoring.ensure_downtime(
            icinga, key, icinga_host, window, comment, dry_run
        ),
    )
    book.run(
        "disable",
        lambda: hypervisor_wf.service_disable(
            conn,
            hyp.name,
            f"maintenance until {window.as_dict()['end']}: {text}",
            apply=not dry_run,
        ),
    )
    book.run(
        "drain",
        lambda: hypervisor_wf.drain(
            conn,
            pack_config,
            hyp.name,
            reason=f"maintenance: {text}",
            confirm=hyp.name,
            migration_type=migration_type,
            apply=not dry_run,
            wait_seconds=wait_seconds,
        ),
    )
    _mark_empty_drain(book)
    result = book.report(
        f"maintenance of {hyp.name}",
        {
            "dry_run": dry_run,
            "hypervisor": hyp.name,
            "host": hyp.host,
            "key": key,
            "window": window.as_dict(),
            "reason": text,
        },
    )
    return Failure(result) if book.failed else result


def _mark_empty_drain(book: Runbook) -> None:
    """A drain with nothing to migrate changed nothing: report it unchanged."""
    for row in book.results:
        if row.name == "drain" and isinstance(row.detail, dict):
            plan = row.detail.get("plan")
            if row.outcome in (DONE, PLANNED) and plan == []:
                row.outcome = UNCHANGED


def finish(
    conn: Connection,
    alertmanager: AlertmanagerClient,
    icinga: IcingaClient,
    hypervisor: str,
    confirm: str | None = None,
    apply: bool = False,
    reason: str | None = None,
) -> dict[str, Any] | Failure:
    """Finish a hypervisor's maintenance: check its compute service is up, enable
    it (only when the pack disabled it: a person's reason is theirs to lift),
    expire its maintenance silence and remove its downtime. Dry run by default;
    ``confirm`` = the hypervisor's name for a real run. A re-run is a no-op."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    hyp, service = _lookup(conn, hypervisor)
    _check_confirm(hyp.name, confirm, dry_run, "finish")
    key = maintenance_key(hyp.name)
    icinga_host = icinga.account.host_name(hyp.name)
    book = _preflighted(conn, dry_run, alertmanager, icinga, icinga_host)
    book.run("host_up", lambda: _check_up(hyp.name, service))
    book.run("enable", lambda: _enable(conn, hyp.name, service, reason, dry_run))
    book.run(
        "expire_silence", lambda: monitoring.expire_silences(alertmanager, key, dry_run)
    )
    book.run(
        "remove_downtime",
        lambda: monitoring.remove_downtimes(icinga, key, icinga_host, dry_run),
    )
    result = book.report(
        f"end of maintenance of {hyp.name}",
        {"dry_run": dry_run, "hypervisor": hyp.name, "host": hyp.host, "key": key},
    )
    return Failure(result) if book.failed else result


def _check_up(name: str, service: compute_services.ComputeService) -> dict[str, Any]:
    """The compute service must report up before the host takes servers again."""
    if not service.up:
        raise InputError(
            "hypervisor",
            f"{name}'s compute service is down: finish the maintenance once it is up",
        )
    return {"outcome": CHECKED, "service": service.as_dict()}


def _enable(
    conn: Connection,
    name: str,
    service: compute_services.ComputeService,
    reason: str | None,
    dry_run: bool,
) -> dict[str, Any]:
    """Enable the host when the pack disabled it; a person's disable is refused."""
    if not service.enabled and not service.disabled_by_pack:
        raise InputError(
            "hypervisor",
            f"{name} was disabled by a person ({service.disabled_reason!r}), not by "
            "the pack: enable it with hypervisor.service.enable once they agree",
        )
    return hypervisor_wf.service_enable(
        conn, name, reason or "maintenance finished", apply=not dry_run
    )
