"""Every action, given an unknown name in each parameter that names an OpenStack object,
fails as an execution whose error names that parameter (issue 15; the fault tier's
item 1, "unknown names"): never a traceback, never another parameter, never success.

The tables are written out: ``NAME_PARAMETERS`` says which parameters name an
OpenStack object (a project, user, group, role, domain, image, flavor, network,
server or hypervisor), per action, with valid seeded values (``.devcloud/seed.json``)
for the action's other required parameters; every other parameter of every action
is exempted with a reason (``NOT_NAMES``, ``NOT_NAMES_IN``), and a test checks that
the tables cover every action parameter. Mutating actions run with their defaults
(``apply``/``send_email`` false: a plan only), so nothing on the cloud changes.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openstack.connection import Connection
from os_fixtures_compute import RunAction

from tools.pack_meta import load_actions

pytest_plugins = ["os_fixtures_compute"]

#: Valid seeded values for the required parameters of the actions below.
PROJECT = "web-shop"
USER = "alice"
GROUP = "web-devs"
ROLE = "member"
HYPERVISOR = "devcloud-hv1"
IMAGE = "cirros-0.6"
FLAVOR = "m1.tiny"
SERVER = "billing-api"
NETWORK = "shared-net"
#: Stands for the private flavor the ``private_flavor`` fixture makes.
PRIVATE_FLAVOR = "<private flavor>"

#: The search actions' required parameters (the name parameter is the scope).
_SEARCH_BY = {
    "property": {"property_to_search_by": "name", "values": ["x"]},
    "regex": {"property_to_search_by": "name", "pattern": "x"},
}
_SCOPED_SEARCHES = {
    f"{kind}.search.by.{how}": args
    for kind in ("server", "image")
    for how, args in {
        **_SEARCH_BY,
        "datetime": {"property_to_search_by": "created_at", "days": 1},
    }.items()
} | {
    "image.search.by.expression": {
        "property_to_search_by": "size",
        "operator": "greater_than",
        "value": 0,
    },
}
_DOMAIN_SEARCHES = (
    {f"project.search.by.{how}": a for how, a in _SEARCH_BY.items()}
    | {f"user.search.by.{how}": a for how, a in _SEARCH_BY.items()}
    | {
        "user.search.by.datetime": {
            "property_to_search_by": "password_expires_at",
            "days": 1,
        }
    }
)
_AUDITS = (
    "audit.all",
    "audit.floating_ips.unattached",
    "audit.floating_ips.unattached.release",
    "audit.images.unused",
    "audit.placement.orphan_allocations",
    "audit.ports.orphaned",
    "audit.ports.orphaned.delete",
    "audit.projects.without_members",
    "audit.security_groups.open",
    "audit.servers.of_inactive_owners",
    "audit.servers.stuck",
    "audit.snapshots.stale",
)
_CAMPAIGNS = {
    "email.ops.down.disabled.hypervisors": {},
    "email.users.with.decom.flavors": {"flavor_names": ["m1.legacy"]},
    "email.users.with.decom.images": {"image_names": ["centos-7-legacy"]},
    "email.users.with.errored.vms": {"days_threshold": 1},
    "email.users.with.shutoff.vms": {"days_threshold": 1},
    "email.users.with.vms.on.hv.fault": {"hypervisor_names": [HYPERVISOR]},
    "email.users.with.vms.on.hv.maintenance": {"hypervisor_names": [HYPERVISOR]},
}
_MONITORING = {"alertmanager_account": "it-am", "icinga_account": "it-icinga"}

#: action -> (its parameters naming an OpenStack object, valid values for every
#: required parameter and for the other name parameters).
NAME_PARAMETERS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    # audits look at every project by default: from_projects needs all_projects off
    **{a: (("from_projects",), {"all_projects": False}) for a in _AUDITS},
    **{a: (("from_projects",), args) for a, args in _SCOPED_SEARCHES.items()},
    **{a: (("from_domain",), args) for a, args in _DOMAIN_SEARCHES.items()},
    "server.list": (("from_projects",), {}),
    "capacity.report": (("flavors",), {}),
    **{
        a: (
            ("from_projects", *(p for p in args if p.endswith("_names"))),
            args,
        )
        for a, args in _CAMPAIGNS.items()
    },
    "email.ops.down.disabled.hypervisors": (
        ("from_projects", "hypervisor_names"),
        {"all_projects": False},
    ),
    "email.users.with.decom.images": (
        ("from_projects", "image_names", "recommended_image"),
        {"image_names": ["centos-7-legacy"], "recommended_image": "ubuntu-24.04"},
    ),
    "flavor.add.to.project": (
        ("flavor", "project"),
        {"flavor": PRIVATE_FLAVOR, "project": PROJECT},  # the test's own flavor
    ),
    "flavor.remove.from.project": (
        ("flavor", "project"),
        {"flavor": PRIVATE_FLAVOR, "project": PROJECT},  # the test's own flavor
    ),
    "group.add.users": (("group", "users"), {"group": GROUP, "users": [USER]}),
    "group.remove.users": (("group", "users"), {"group": GROUP, "users": [USER]}),
    "hypervisor.drain": (("hypervisor",), {"hypervisor": HYPERVISOR}),
    "hypervisor.maintenance.finish": (
        ("hypervisor",),
        {"hypervisor": HYPERVISOR, **_MONITORING},
    ),
    "hypervisor.maintenance.start": (
        ("hypervisor",),
        {
            "hypervisor": HYPERVISOR,
            "end": (datetime.now(UTC) + timedelta(days=1)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "reason": "unknown-name test",
            **_MONITORING,
        },
    ),
    "hypervisor.service.disable": (
        ("hypervisor",),
        {"hypervisor": HYPERVISOR, "reason": "unknown-name test"},
    ),
    "hypervisor.service.enable": (("hypervisor",), {"hypervisor": HYPERVISOR}),
    "hypervisor.show": (("hypervisor",), {"hypervisor": HYPERVISOR}),
    "image.share.to.project": (
        ("image", "project"),
        {"image": IMAGE, "project": PROJECT},
    ),
    "image.unshare.from.project": (
        ("image", "project"),
        {"image": IMAGE, "project": PROJECT},
    ),
    **{
        f"project.{verb}.group.{how}": (
            ("project", "group", "role"),
            {"project": PROJECT, "group": GROUP, "role": ROLE},
        )
        for verb, how in (("add", "with.role"), ("remove", "role"))
    },
    **{
        f"project.{verb}.user.{how}": (
            ("project", "users", "role"),
            {"project": PROJECT, "users": [USER], "role": ROLE},
        )
        for verb, how in (("add", "with.role"), ("remove", "role"))
    },
    "project.create": (
        ("domain", "parent", "admins", "members"),
        {
            "name": "it-unknown-names-never-created",
            "domain": "default",
            "parent": PROJECT,
            "admins": [USER],
            "members": [USER],
        },
    ),
    "project.delete": (("project",), {"project": PROJECT, "confirm": PROJECT}),
    "project.show": (("project",), {"project": PROJECT}),
    "quota.set": (
        ("project",),
        {"project": PROJECT, "quotas": {"compute": {"cores": 20}}},
    ),
    "quota.show": (("project",), {"project": PROJECT}),
    "server.create": (
        ("flavor", "image", "network", "project", "hypervisor"),
        {
            "name": "it-unknown-names-never-created",
            "flavor": FLAVOR,
            "image": IMAGE,
            "network": NETWORK,
            # no project: the account's own (admin holds no role on the seeded ones)
            "hypervisor": HYPERVISOR,
        },
    ),
    "server.migrate": (
        ("server", "destination"),
        {"server": SERVER, "destination": "devcloud-hv2"},
    ),
    "server.show": (("server",), {"server": SERVER}),
    "server.shutdown.on.hypervisor": (("hypervisors",), {}),
    "user.show": (("user",), {"user": USER}),
}

#: Parameters that never name an OpenStack object, in any action, and why.
NOT_NAMES: dict[str, str] = {
    "workflow": "the immutable workflow reference",
    "apply": "a switch",
    "send_email": "a switch",
    "all_projects": "a switch",
    "as_html": "a switch",
    "include_expired": "a switch",
    "only_pack": "a switch",
    "include_disabled": "a switch",
    "immutable": "a switch",
    "purge": "a switch",
    "force": "a switch",
    "snapshot": "a switch",
    "skip_user_mail": "a switch",
    "host_only": "a switch",
    "wait": "a switch",
    "admin": "a switch",
    "cloud_account": "a pack-config account name, not a cloud object",
    "smtp_account": "a pack-config account name, not a cloud object",
    "alertmanager_account": "a pack-config account name, not a cloud object",
    "icinga_account": "a pack-config account name, not a cloud object",
    "jupyter_env": "a pack-config environment name, not a cloud object",
    "confirm": "a confirmation compared with the target's name, not looked up",
    "name": "the name of the object the action creates",
    "description": "free text",
    "comment": "free text",
    "note": "free text",
    "reason": "free text",
    "contact_email": "an email address",
    "to": "email addresses",
    "to_addresses": "email addresses",
    "cc": "email addresses",
    "bcc": "email addresses",
    "reply_to": "an email address",
    "override_to": "an email address",
    "fallback_email": "an email address",
    "campaign_id": "a campaign key chosen by the operator",
    "key": "a silence/downtime key chosen by the operator",
    "matchers": "Alertmanager label matchers",
    "host": "an Icinga host name, not a cloud object",
    "start": "a time",
    "end": "a time",
    "end_of_life": "a date shown in the mail",
    "maintenance_start": "a time shown in the mail",
    "maintenance_end": "a time shown in the mail",
    "tags": "Keystone tags chosen by the operator",
    "quotas": "quota values (their keys are checked by the quota tests)",
    "cidr": "an address range",
    "dns_nameservers": "IP addresses",
    "floating_ips": "a number",
    "migration_type": "an enum",
    "search_mode": "an enum",
    "output_type": "an enum",
    "operator": "an enum",
    "property_to_search_by": "an enum of the query type's properties",
    "properties_to_select": "query property names (hostile input tests)",
    "group_by": "a query property name (hostile input tests)",
    "sort_by": "query property names (hostile input tests)",
    "values": "values searched for: no match is an empty result, not an error",
    "pattern": "a regular expression",
    "value": "a number",
    "statuses": "server statuses searched for",
    "ports": "port numbers",
    "name_prefix": "a prefix searched for",
    "first_index": "a number",
    "last_index": "a number",
    "limit": "a number",
    "max_servers": "a number",
    "max_items": "a number",
    "max_rows": "a number",
    "max_recipients": "a number",
    "days_threshold": "a number",
    "older_than_days": "a number",
    "older_than_hours": "a number",
    "floating_ip_days": "a number",
    "port_days": "a number",
    "image_days": "a number",
    "snapshot_days": "a number",
    "stuck_hours": "a number",
    "inactive_days": "a number",
    "days": "a number",
    "hours": "a number",
    "minutes": "a number",
    "seconds": "a number",
    "wait_seconds": "a number",
    "wait_timeout": "a number",
    "workers": "a number",
    "deadline": "a number",
}

#: Parameters exempted in some actions only (where they name no cloud object).
NOT_NAMES_IN: dict[tuple[str, str], str] = {
    **{
        (action, param): "a JupyterHub user name, not a cloud object"
        for action in (
            "jupyter.server.start",
            "jupyter.server.stop",
            "jupyter.user.create",
            "jupyter.user.delete",
            "jupyter.user.list",
            "jupyter.users.prepare",
        )
        for param in ("user", "users")
    },
    ("project.create", "network"): "an enum (none/internal/external), not a name",
}

CASES = [
    (action, parameter)
    for action, (parameters, _) in sorted(NAME_PARAMETERS.items())
    for parameter in parameters
]


def test_every_action_parameter_is_a_name_or_exempted() -> None:
    """The tables cover every parameter of every action, and nothing else."""
    uncovered, stale = [], []
    actions = {meta.name: meta for meta in load_actions()}
    for name, meta in sorted(actions.items()):
        names = NAME_PARAMETERS.get(name, ((), {}))[0]
        for param in meta.inputs:
            exempt = param in NOT_NAMES or (name, param) in NOT_NAMES_IN
            if param in names and exempt:
                stale.append(f"{name}.{param}: both a name and exempted")
            elif param not in names and not exempt:
                uncovered.append(f"{name}.{param}")
    for name, (params, values) in NAME_PARAMETERS.items():
        meta = actions.get(name)
        if meta is None:
            stale.append(f"{name}: no such action")
            continue
        stale.extend(
            f"{name}.{p}: no such parameter"
            for p in (*params, *values)
            if p not in meta.inputs
        )
    assert not uncovered, f"neither a name parameter nor exempted: {uncovered}"
    assert not stale, stale


@pytest.fixture(scope="module")
def monitoring_config(pack_config: dict[str, Any]) -> dict[str, Any]:
    """The pack config with monitoring accounts on a port nothing listens on: an
    unknown hypervisor must be refused before either is called."""
    config = copy.deepcopy(pack_config)
    config["alertmanager_accounts"] = [{"name": "it-am", "url": "http://127.0.0.1:9"}]
    config["icinga_accounts"] = [
        {
            "name": "it-icinga",
            "url": "https://127.0.0.1:9",
            "username": "it",
            "password": "it-unknown-names",
        }
    ]
    return config


@pytest.fixture(scope="module")
def private_flavor(admin_conn: Connection) -> Iterator[str]:
    """A private flavor of the test's own (the seed has none), removed afterwards."""
    flavor = admin_conn.compute.create_flavor(
        name=f"it-unknown-names-{uuid.uuid4().hex[:8]}",
        ram=256,
        vcpus=1,
        disk=1,
        is_public=False,
    )
    yield str(flavor.name)
    admin_conn.compute.delete_flavor(flavor.id, ignore_missing=True)


@pytest.mark.fault(1)
@pytest.mark.parametrize(
    ("action", "parameter"), CASES, ids=[f"{a}-{p}" for a, p in CASES]
)
def test_an_unknown_name_fails_naming_the_parameter(
    request: pytest.FixtureRequest,
    run_action: RunAction,
    monitoring_config: dict[str, Any],
    action: str,
    parameter: str,
) -> None:
    meta = next(m for m in load_actions() if m.name == action)
    _, values = NAME_PARAMETERS[action]
    unknown = f"it-unknown-{parameter.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    params = {
        k: request.getfixturevalue("private_flavor") if v == PRIVATE_FLAVOR else v
        for k, v in values.items()
    }
    is_list = meta.inputs[parameter].get("type") == "array"
    params[parameter] = [unknown] if is_list else unknown
    config = monitoring_config if "alertmanager_account" in meta.inputs else None
    try:
        succeeded, result = run_action(action, _config=config, **params)
    except Exception as error:  # the entry point must never raise
        pytest.fail(f"{action} raised {type(error).__name__}: {error}")
    assert not succeeded, f"{action} {parameter}={unknown!r} succeeded: {result}"
    assert isinstance(result, dict), result
    error = str(result.get("error", ""))
    assert f"parameter '{parameter}'" in error, result
    assert "internal error" not in error, result
    assert unknown in error, result
