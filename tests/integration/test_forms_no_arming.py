"""No action is armed by a checkbox left alone or reset (issue 13's acceptance).

In st2web a field nobody touches is not sent (the YAML default applies) and the reset
button of a checkbox sends ``false``. So every action in ``actions/*.yaml`` (the list
is read from the files: a new action is covered, and fails here until it has sample
inputs in ``samples``) runs through the pack's entry point as StackStorm runs it
(parameters validated and defaults filled by ``tools.run_action.params.check``,
runner parameters not passed), in two cases:

- ``defaults``: only its required parameters, real seeded names so it gets as far as
  its plan; every other field left alone;
- ``reset``: the same, plus every visible boolean parameter set to ``false``.

Each run has services of its own and must leave no trace:

- OpenStack: the run's pack config logs in through a ``WriteGuard`` (a
  ``reply_proxy.ReplyProxy`` that rewrites the Keystone catalog, so every service
  call goes through it); every request must be a read (GET/HEAD) or the token
  request. A write is recorded and answered 403 without reaching the cloud, so a
  failing run cannot damage the seeded estate.
- Alertmanager and JupyterHub (plain HTTP) are behind guards of the run too (reads
  only). Icinga (HTTPS) cannot be: the actions with an Icinga account run one at a
  time and the downtimes (Icinga's own API) are compared around each of them.
  Silences, downtimes and hub users are also compared around the whole batch.
- Mail: the run's SMTP account is an aiosmtpd catcher of its own; it gets nothing.
- The StackStorm datastore of the run (campaign records) stays empty.

The devcloud answers an action in 1 to 10 s, so the runs go in parallel threads
(``WORKERS``) to keep the module within a few minutes; the per-run guards and mail
catchers keep every finding attributed to its action and case.

So that removals have something real to plan: the silence and downtime of key
``forms-test`` (devcloud-hv1) and of the maintenance of the scratch host
``devcloud-hv4`` are made first, the scratch host is disabled through the pack (as a
maintenance would), and a private flavor (shared with web-shop) and an empty project
are created; all of it is undone afterwards. Mutating actions (an ``apply`` or
``send_email`` parameter, or a JupyterHub writer) must come back with their plan
(``dry_run: true``, ``send_email: false``, ``outcome: planned``) unless ``REFUSED``
lists them with the reason; the other actions must succeed. So the test cannot pass
by every action failing early.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from openstack.connection import Connection
from reply_proxy import ReplyProxy, Rule
from smtp_server import SMTPTestServer
from src.workflow_actions import WorkflowActions

from openstack_api.compute_services import PACK_MARKER
from tools.pack_meta import ActionMeta, load_action
from tools.run_action.config import devcloud_dir, load_config
from tools.run_action.params import ParameterError, check, runner_parameters
from tools.testing.datastore import DatastoreService
from tools.testing.services import PackActionService

if TYPE_CHECKING:
    from alertmanager_server import RunningAlertmanager
    from icinga_server import RunningIcinga
    from jupyterhub_server import RunningHub

pytest_plugins = ["alertmanager_server", "icinga_server", "jupyterhub_server"]

ACTIONS_DIR = Path(__file__).resolve().parents[2] / "actions"
ACTIONS = sorted(path.stem for path in ACTIONS_DIR.glob("*.yaml"))
CASES = ("defaults", "reset")
#: Runs in flight at once (the actions without an Icinga account).
WORKERS = 8

AM_ACCOUNT = "it-forms-am"
ICINGA_ACCOUNT = "it-forms-icinga"
JUPYTER_ENV = "it-forms-hub"
SMTP_ACCOUNT = "devcloud-mail"  # the devcloud config's default, re-pointed
KEY = "forms-test"
#: Seeded, disabled by a person: hypervisor.service.enable has something to plan.
DISABLED_HOST = "devcloud-hv3"
#: The scratch host no seeded server uses; disabled through the pack for the batch
#: so hypervisor.maintenance.finish plans to enable it.
SCRATCH_HOST = "devcloud-hv4"
#: JupyterHub actions that change the hub without an ``apply`` switch; with no user
#: named they must refuse.
HUB_WRITERS = {
    "jupyter.server.start",
    "jupyter.server.stop",
    "jupyter.user.create",
    "jupyter.users.prepare",
}
#: Actions that refuse with only their required parameters, and why.
REFUSED = {
    "jupyter.server.start": "no user named",
    "jupyter.server.stop": "no user named",
    "jupyter.user.create": "no user named",
    "jupyter.user.delete": "no user named",
    "jupyter.users.prepare": "no user named",
    "image.search.by.datetime": "no days/hours/minutes/seconds given",
    "server.search.by.datetime": "no days/hours/minutes/seconds given",
    "user.search.by.datetime": "no days/hours/minutes/seconds given",
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Estate:
    """Names the test made for the runs: a private flavor shared with web-shop, an
    empty project, a token for names nothing may create."""

    token: str
    flavor: str
    empty_project: str


def samples(estate: Estate) -> dict[str, dict[str, Any]]:
    """The required parameters of every action: real seeded names, fresh names for
    what an action would create, the test's own accounts."""
    end = iso(datetime.now(UTC) + timedelta(days=1))
    am: dict[str, Any] = {}  # left empty: the config's default account applies
    icinga: dict[str, Any] = {}
    hub = {"jupyter_env": JUPYTER_ENV}
    expr = {"operator": "greater_than_or_equal_to", "value": 0}
    return {
        "alertmanager.silence.create": {
            "matchers": ["instance=devcloud-hv1"],
            "key": KEY,
            "end": end,
            **am,
        },
        "alertmanager.silence.expire": {"key": KEY, **am},
        "alertmanager.silence.list": am,
        "audit.all": {},
        "audit.floating_ips.unattached": {},
        "audit.floating_ips.unattached.release": {},
        "audit.images.unused": {},
        "audit.placement.orphan_allocations": {},
        "audit.ports.orphaned": {},
        "audit.ports.orphaned.delete": {},
        "audit.projects.without_members": {},
        "audit.security_groups.open": {},
        "audit.servers.of_inactive_owners": {},
        "audit.servers.stuck": {},
        "audit.snapshots.stale": {},
        "capacity.report": {},
        "cloud.check": {},
        "email.ops.down.disabled.hypervisors": {},
        "email.test": {"to": ["forms-test@example.org"]},
        "email.users.with.decom.flavors": {"flavor_names": ["m1.legacy"]},
        "email.users.with.decom.images": {"image_names": ["centos-7-legacy"]},
        "email.users.with.errored.vms": {"days_threshold": 1},
        "email.users.with.shutoff.vms": {"days_threshold": 1},
        "email.users.with.vms.on.hv.fault": {"hypervisor_names": ["devcloud-hv1"]},
        "email.users.with.vms.on.hv.maintenance": {
            "hypervisor_names": ["devcloud-hv1"]
        },
        "flavor.add.to.project": {"flavor": estate.flavor, "project": "legacy-apps"},
        "flavor.remove.from.project": {"flavor": estate.flavor, "project": "web-shop"},
        "flavor.search.by.expression": {"property_to_search_by": "vcpus", **expr},
        "flavor.search.by.property": {
            "property_to_search_by": "name",
            "values": ["m1.tiny"],
        },
        "flavor.search.by.regex": {"property_to_search_by": "name", "pattern": "^m1"},
        "group.add.users": {"group": "ops-team", "users": ["carol"]},
        "group.remove.users": {"group": "ops-team", "users": ["alice"]},
        "hypervisor.drain": {"hypervisor": "devcloud-hv1"},
        "hypervisor.find.empty": {},
        "hypervisor.find.reinstall.candidates": {},
        "hypervisor.maintenance.finish": {"hypervisor": SCRATCH_HOST, **am, **icinga},
        "hypervisor.maintenance.start": {
            "hypervisor": "devcloud-hv1",
            "end": end,
            "reason": "forms test",
            **am,
            **icinga,
        },
        "hypervisor.search.by.expression": {
            "property_to_search_by": "server_count",
            **expr,
        },
        "hypervisor.search.by.property": {
            "property_to_search_by": "name",
            "values": ["devcloud-hv1"],
        },
        "hypervisor.search.by.regex": {
            "property_to_search_by": "name",
            "pattern": "^devcloud",
        },
        "hypervisor.service.disable": {
            "hypervisor": "devcloud-hv1",
            "reason": "forms test",
        },
        "hypervisor.service.enable": {"hypervisor": DISABLED_HOST},
        "hypervisor.show": {"hypervisor": "devcloud-hv1"},
        "icinga.downtime.list": icinga,
        "icinga.downtime.remove": {"key": KEY, **icinga},
        "icinga.downtime.schedule": {
            "host": "devcloud-hv1",
            "key": KEY,
            "end": end,
            **icinga,
        },
        "image.search.by.datetime": {"property_to_search_by": "created_at"},
        "image.search.by.expression": {"property_to_search_by": "size", **expr},
        "image.search.by.property": {
            "property_to_search_by": "name",
            "values": ["cirros-0.6"],
        },
        "image.search.by.regex": {"property_to_search_by": "name", "pattern": "^c"},
        "image.share.to.project": {"image": "ds-notebook-base", "project": "web-shop"},
        "image.unshare.from.project": {
            "image": "ds-notebook-base",
            "project": "student-labs",
        },
        "jupyter.server.start": hub,
        "jupyter.server.stop": hub,
        "jupyter.user.create": hub,
        "jupyter.user.delete": hub,
        "jupyter.user.list": hub,
        "jupyter.users.prepare": hub,
        "project.add.group.with.role": {
            "project": "web-shop",
            "group": "ops-team",
            "role": "member",
        },
        "project.add.user.with.role": {
            "project": "web-shop",
            "users": ["bob"],
            "role": "member",
        },
        "project.create": {"name": f"it-forms-{estate.token}"},
        "project.delete": {
            "project": estate.empty_project,
            "confirm": estate.empty_project,
        },
        "project.remove.group.role": {
            "project": "web-shop",
            "group": "web-devs",
            "role": "member",
        },
        "project.remove.user.role": {
            "project": "web-shop",
            "users": ["alice"],
            "role": "reader",
        },
        "project.search.by.property": {
            "property_to_search_by": "name",
            "values": ["web-shop"],
        },
        "project.search.by.regex": {"property_to_search_by": "name", "pattern": "^w"},
        "project.show": {"project": "web-shop"},
        "quota.set": {"project": "web-shop", "quotas": {"compute": {"cores": 8}}},
        "quota.show": {"project": "web-shop"},
        "server.create": {
            "name": f"it-forms-{estate.token}",
            "flavor": "m1.tiny",
            "image": "cirros-0.6",
        },
        "server.list": {},
        "server.migrate": {"server": "web-01"},
        "server.search.by.datetime": {"property_to_search_by": "created_at"},
        "server.search.by.property": {
            "property_to_search_by": "name",
            "values": ["web-01"],
        },
        "server.search.by.regex": {"property_to_search_by": "name", "pattern": "^web"},
        "server.show": {"server": "web-01"},
        "server.shutdown.on.hypervisor": {"hypervisors": ["devcloud-hv1"]},
        "user.search.by.datetime": {"property_to_search_by": "password_expires_at"},
        "user.search.by.property": {
            "property_to_search_by": "name",
            "values": ["alice"],
        },
        "user.search.by.regex": {"property_to_search_by": "name", "pattern": "^a"},
        "user.show": {"user": "alice"},
    }


# --- running an action ----------------------------------------------------------------


@dataclass
class Run:
    """One execution: whether it succeeded, its result, its datastore."""

    ok: bool
    result: Any
    datastore: DatastoreService
    raised: bool = False


@functools.cache
def action_meta(action: str) -> ActionMeta:
    """``actions/<action>.yaml``, read once (``find_action`` reads every file)."""
    return load_action(ACTIONS_DIR / f"{action}.yaml")


def execute(config: dict[str, Any], action: str, given: dict[str, Any]) -> Run:
    """Run ``action`` with the parameters ``given`` as StackStorm would: checked,
    defaults filled, runner parameters kept from ``run()``; a datastore of its own."""
    meta = action_meta(action)
    runner = runner_parameters(meta)
    datastore = DatastoreService(class_name="WorkflowActions")
    try:
        values = {k: v for k, v in check(meta, given).items() if k not in runner}
    except ParameterError as exc:  # bad sample inputs: StackStorm would refuse
        return Run(False, {"error": f"StackStorm refuses: {exc}"}, datastore, True)
    service = PackActionService("WorkflowActions", datastore)
    instance = WorkflowActions(config=copy.deepcopy(config), action_service=service)
    try:
        outcome = instance.run(**values)
    except Exception as exc:  # a pack bug: the test reports it
        return Run(False, {"error": f"raised {exc!r}"}, datastore, raised=True)
    if isinstance(outcome, tuple):
        return Run(bool(outcome[0]), outcome[1], datastore)
    return Run(True, outcome, datastore)


def done(run: Run, what: str) -> dict[str, Any]:
    assert run.ok and isinstance(run.result, dict), f"{what}: {run.result}"
    return run.result


def visible_booleans(meta: ActionMeta) -> list[str]:
    return [
        name
        for name, schema in meta.parameters.items()
        if schema.get("type") == "boolean" and not schema.get("immutable")
    ]


def required(meta: ActionMeta) -> set[str]:
    return {
        name
        for name, schema in meta.parameters.items()
        if schema.get("required") and not schema.get("immutable")
    }


def mutating(action: str) -> bool:
    """Whether the action changes something or sends mail when armed."""
    params = action_meta(action).parameters
    return "apply" in params or "send_email" in params or action in HUB_WRITERS


def is_plan(result: Any) -> bool:
    """Whether a successful result is a dry run's plan (a mailing audit's plan is
    its ``mail`` part)."""
    if not isinstance(result, dict):
        return False
    mail = result.get("mail")
    return (
        result.get("dry_run") is True
        or result.get("send_email") is False
        or result.get("outcome") == "planned"
        or (isinstance(mail, dict) and mail.get("send_email") is False)
    )


# --- guards ---------------------------------------------------------------------------


class WriteGuard(ReplyProxy):
    """A ``ReplyProxy`` that records every request (``seen``) and answers each one
    not matching ``allowed`` (globs on ``"METHOD /path"``) with 403 itself: a write
    never reaches the service, it only fails the test."""

    def __init__(self, url: str, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        super().__init__(url)

    def permits(self, line: str) -> bool:
        return any(fnmatch.fnmatchcase(line, glob) for glob in self.allowed)

    def writes(self) -> list[str]:
        return [line for line in self.seen if not self.permits(line)]

    def rule_for(self, line: str) -> Rule | None:
        rule = super().rule_for(line)
        if rule is None and not self.permits(line):
            return Rule(line, 403, None)
        return rule


READS = ("GET *", "HEAD *")
CLOUD_READS = (*READS, "POST */auth/tokens")


@dataclass
class Services:
    """The test's services and the pack config naming them directly (``direct``,
    for setup); ``guarded`` makes a run's own config."""

    direct: dict[str, Any]
    alertmanager: RunningAlertmanager
    icinga: RunningIcinga
    hub: RunningHub

    def guarded(
        self, cloud: WriteGuard, am: WriteGuard, hub: WriteGuard, smtp: SMTPTestServer
    ) -> dict[str, Any]:
        config = copy.deepcopy(self.direct)
        for entry in config["clouds"]:
            entry["auth_url"] = cloud.auth_url
        config["alertmanager_accounts"][0]["url"] = am.auth_url
        config["jupyter_envs"][0]["url"] = hub.auth_url
        config["smtp_accounts"] = [smtp.account_config(name=SMTP_ACCOUNT)]
        return config

    def state(self) -> dict[str, list[tuple[Any, ...]]]:
        """Silences, downtimes and hub users, from the services' own APIs."""
        silences = sorted(
            (s["id"], s["status"]["state"], s["startsAt"], s["endsAt"], s["comment"])
            for s in self.alertmanager.silences()
        )
        response = requests.get(
            f"{self.hub.api_url}/users",
            headers={"Authorization": f"token {self.hub.admin_token}"},
            timeout=10,
        )
        response.raise_for_status()
        users = sorted(
            (
                user["name"],
                user["admin"],
                sorted((user.get("servers") or {}).keys()),
            )
            for user in response.json()
        )
        return {
            "silences": silences,
            "downtimes": self.downtimes(),
            "hub users": users,
        }

    def downtimes(self) -> list[tuple[Any, ...]]:
        return sorted(
            (d["__name"], d["start_time"], d["end_time"], d["comment"])
            for d in self.icinga.downtimes()
        )


@pytest.fixture(scope="module")
def services(
    clouds: dict[str, Any],
    alertmanager: RunningAlertmanager,
    icinga: RunningIcinga,
    jupyterhub: RunningHub,
) -> Services:
    """The devcloud pack config (schema defaults filled) plus the test's
    Alertmanager, Icinga and hub accounts."""
    config, _path = load_config(str(devcloud_dir() / "openstack_ops.yaml"))
    assert len({entry["auth_url"] for entry in config["clouds"]}) == 1
    config["alertmanager_accounts"] = [
        {"name": AM_ACCOUNT, "url": alertmanager.url, "host_matcher": "instance={host}"}
    ]
    config["icinga_accounts"] = [
        {
            "name": ICINGA_ACCOUNT,
            "url": icinga.url,
            "username": icinga.username,
            "password": icinga.password,
            "ca_file": icinga.ca_file,
        }
    ]
    config["jupyter_envs"] = [
        {"name": JUPYTER_ENV, "url": jupyterhub.url, "token": jupyterhub.admin_token}
    ]
    config["default_smtp_account"] = SMTP_ACCOUNT
    config["default_alertmanager_account"] = AM_ACCOUNT
    config["default_icinga_account"] = ICINGA_ACCOUNT
    return Services(config, alertmanager, icinga, jupyterhub)


# --- what the runs need on the services ------------------------------------------------


@pytest.fixture(scope="module")
def estate(admin_conn: Connection, seed: dict[str, Any]) -> Iterator[Estate]:
    """A private flavor web-shop may use and an empty project, deleted afterwards."""
    token = uuid.uuid4().hex[:8]
    flavor = admin_conn.compute.create_flavor(
        name=f"it-forms-{token}", ram=512, vcpus=1, disk=1, is_public=False
    )
    project = None
    try:
        admin_conn.compute.flavor_add_tenant_access(
            flavor, seed["projects"]["web-shop"]
        )
        project = admin_conn.identity.create_project(
            name=f"it-forms-del-{token}", domain_id="default"
        )
        yield Estate(token, flavor.name, project.name)
    finally:
        admin_conn.compute.delete_flavor(flavor, ignore_missing=True)
        if project is not None:
            admin_conn.identity.delete_project(project, ignore_missing=True)


def compute_service(conn: Connection, host: str) -> Any:
    found = [s for s in conn.compute.services(binary="nova-compute") if s.host == host]
    assert found, f"no nova-compute service on {host}"
    return found[0]


@pytest.fixture(scope="module")
def scratch_disabled(admin_conn: Connection, services: Services) -> Iterator[None]:
    """The scratch host disabled through the pack (re-enabled afterwards unless it
    was so already)."""
    service = compute_service(admin_conn, SCRATCH_HOST)
    restore = service.status == "enabled"
    if restore:
        run = execute(
            services.direct,
            "hypervisor.service.disable",
            {"hypervisor": SCRATCH_HOST, "reason": "forms test", "apply": True},
        )
        done(run, "disabling the scratch host")
    elif not (service.disabled_reason or "").startswith(PACK_MARKER):
        pytest.fail(f"{SCRATCH_HOST} is disabled by a person: {service}")
    try:
        yield
    finally:
        if restore:
            admin_conn.compute.enable_service(compute_service(admin_conn, SCRATCH_HOST))


@pytest.fixture(scope="module")
def marks(services: Services) -> Iterator[None]:
    """Silences and downtimes of key ``forms-test`` (devcloud-hv1) and of the
    scratch host's maintenance, made through the pack with ``apply``; expired and
    removed again afterwards."""
    end = iso(datetime.now(UTC) + timedelta(days=1))
    keys = [(KEY, "devcloud-hv1"), (f"maintenance:{SCRATCH_HOST}", SCRATCH_HOST)]
    am = {"alertmanager_account": AM_ACCOUNT}
    icinga = {"icinga_account": ICINGA_ACCOUNT}
    try:
        for key, host in keys:
            common = {"key": key, "end": end, "apply": True}
            for action, params in (
                (
                    "alertmanager.silence.create",
                    {"matchers": [f"instance={host}"], **am},
                ),
                ("icinga.downtime.schedule", {"host": host, **icinga}),
            ):
                made = done(execute(services.direct, action, common | params), action)
                assert made["outcome"] in ("created", "unchanged", "updated"), made
        yield
    finally:
        problems = []
        for key, _host in keys:
            for action, account in (
                ("alertmanager.silence.expire", am),
                ("icinga.downtime.remove", icinga),
            ):
                run = execute(
                    services.direct, action, {"key": key, "apply": True, **account}
                )
                if not run.ok:
                    problems.append(f"{action} {key}: {run.result}")
        assert not problems, problems


# --- the batch ------------------------------------------------------------------------


@dataclass
class Record:
    """What one run did: its result, the writes each guard refused, the cloud
    requests, the mail its catcher got, the downtimes around it (Icinga group)."""

    run: Run
    writes: dict[str, list[str]]
    cloud_requests: list[str]
    mails: list[Any]
    downtimes: tuple[list[Any], list[Any]] | None
    seconds: float


@dataclass
class Batch:
    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    state_before: dict[str, Any] = field(default_factory=dict)
    state_after: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: Whether every action ran in both cases (not a ``-k`` selection).
    complete: bool = False


def given_params(
    action: str, case: str, table: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The parameters a form sends in ``case``."""
    given = dict(table[action])
    if case == "reset":
        given |= dict.fromkeys(visible_booleans(action_meta(action)), False)
    return given


def guarded_run(
    services: Services,
    action: str,
    given: dict[str, Any],
    stoppers: list[threading.Thread],
    watch_downtimes: bool,
) -> Record:
    """Run the action against guards and a mail catcher of its own."""
    auth_url = services.direct["clouds"][0]["auth_url"]
    cloud = WriteGuard(auth_url, CLOUD_READS)
    am = WriteGuard(services.alertmanager.url, READS)
    hub = WriteGuard(services.hub.url, READS)
    smtp = SMTPTestServer("plain").start()
    try:
        config = services.guarded(cloud, am, hub, smtp)
        before = services.downtimes() if watch_downtimes else None
        started = time.monotonic()
        run = execute(config, action, given)
        seconds = time.monotonic() - started
        after = services.downtimes() if watch_downtimes else None
    finally:
        smtp.stop()
        # a forwarder takes up to half a second to stop: not on the run's time
        for guard in (cloud, am, hub):
            stopper = threading.Thread(target=guard.stop, daemon=True)
            stopper.start()
            stoppers.append(stopper)
    return Record(
        run=run,
        writes={
            "cloud": cloud.writes(),
            "alertmanager": am.writes(),
            "jupyterhub": hub.writes(),
        },
        cloud_requests=list(cloud.seen),
        mails=[message.envelope for message in smtp.messages],
        downtimes=(before, after) if before is not None and after is not None else None,
        seconds=seconds,
    )


@pytest.fixture(scope="module")
def batch(
    request: pytest.FixtureRequest,
    services: Services,
    estate: Estate,
    marks: None,
    scratch_disabled: None,
) -> Batch:
    """Every action with sample inputs, in both cases (only the selected ones when
    ``-k`` picks some): the actions with an Icinga account one at a time (downtimes
    compared around each), the others in ``WORKERS`` threads alongside."""
    table = samples(estate)
    jobs = [(a, c) for a in ACTIONS if a in table for c in CASES]
    selected = {
        (item.callspec.params["action"], item.callspec.params["case"])
        for item in request.session.items
        if getattr(item, "originalname", None) == CHECKBOX_TEST
    }
    if selected:
        jobs = [job for job in jobs if job in selected]
    result = Batch(state_before=services.state(), complete=len(jobs) == 2 * len(table))
    stoppers: list[threading.Thread] = []
    started = time.monotonic()
    with (
        ThreadPoolExecutor(WORKERS) as pool,
        ThreadPoolExecutor(1) as icinga_line,
    ):
        futures: dict[tuple[str, str], Future[Record]] = {}
        for action, case in jobs:
            watch = "icinga_account" in action_meta(action).parameters
            futures[action, case] = (icinga_line if watch else pool).submit(
                guarded_run,
                services,
                action,
                given_params(action, case, table),
                stoppers,
                watch,
            )
        for job, future in futures.items():
            result.records[job] = future.result()
    result.seconds = time.monotonic() - started
    for stopper in stoppers:
        stopper.join(timeout=10)
    result.state_after = services.state()
    return result


# --- the tests ------------------------------------------------------------------------


CHECKBOX_TEST = "test_untouched_or_reset_checkboxes_change_nothing"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("action", ACTIONS)
def test_untouched_or_reset_checkboxes_change_nothing(
    action: str, case: str, batch: Batch, estate: Estate
) -> None:
    table = samples(estate)
    assert action in table, (
        f"{action} has no sample inputs: add its required parameters to samples() "
        f"in {Path(__file__).name}"
    )
    meta = action_meta(action)
    assert set(table[action]) == required(meta), (
        f"{action}: the sample inputs must be exactly its required parameters "
        f"{sorted(required(meta))}"
    )
    record = batch.records[action, case]
    run = record.run
    what = f"{action} [{case}]"
    print(f"{what} {record.seconds:.1f}s ok={run.ok} {str(run.result)[:300]}")

    assert not any(
        record.writes.values()
    ), f"{what} wrote: {record.writes}; result: {str(run.result)[:3000]}"
    assert not record.mails, f"{what} sent mail: {record.mails}"
    if record.downtimes is not None:
        before, after = record.downtimes
        assert after == before, f"{what} changed Icinga downtimes: {before} -> {after}"
    records = run.datastore.list_values()
    assert not records, f"{what} wrote to the datastore: {records}"

    assert not run.raised, f"{what} raised: {run.result}"
    assert "internal error" not in str(run.result), f"{what}: {run.result}"
    if action in REFUSED:
        assert not run.ok, f"{what} ran although {REFUSED[action]}: {run.result}"
        return
    assert run.ok, f"{what} failed: {run.result}"
    if mutating(action):
        assert is_plan(run.result), f"{what} returned no plan: {run.result}"
    if "cloud_account" in meta.parameters:
        calls = [line for line in record.cloud_requests if "/auth/tokens" not in line]
        assert calls, f"{what} made no cloud call through the guard"


def test_services_unchanged_by_the_whole_batch(batch: Batch) -> None:
    """Silences, downtimes and hub users, read from the services, are as before."""
    for name, before in batch.state_before.items():
        after = batch.state_after[name]
        assert after == before, f"{name} changed: {before} -> {after}"


def test_most_mutating_actions_reach_their_plan(batch: Batch) -> None:
    """Refusals prove little about ``apply``: at most a quarter of the mutating
    actions refuse, each listed with its reason."""
    armed = [action for action in ACTIONS if mutating(action)]
    refused = [action for action in armed if action in REFUSED]
    assert set(REFUSED) <= set(ACTIONS), set(REFUSED) - set(ACTIONS)
    assert len(refused) * 4 <= len(armed), (refused, armed)
    planned = sorted(
        {
            action
            for (action, _case), record in batch.records.items()
            if mutating(action) and record.run.ok and is_plan(record.run.result)
        }
    )
    print(
        f"{len(batch.records)} runs in {batch.seconds:.0f}s; {len(armed)} mutating "
        f"actions: {len(planned)} returned their plan, {len(refused)} refused"
    )
    if batch.complete:
        assert len(planned) * 4 >= len(armed) * 3, planned
