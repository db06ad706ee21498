"""``project.create``: validate every input, then build the step plan.

Validation resolves every name (domain, parent, users, roles, networks) and checks
every value (email, tags, CIDR, DNS, quotas) before anything is changed, so a bad
input is an ``InputError`` naming its parameter and the cloud is untouched. It also
checks what the real run would otherwise hit only midway (the dry run is the
outcome): the name already taken in the domain, a ``cidr`` overlapping a subnet of
the external network the router joins. The plan is a list of ``Step`` objects: the
dry run shows it, the real run executes it and undoes the done steps in reverse when
one fails.

Lost replies: each create is reconciled by its unique name (the project's in its
domain, ``<name>-net``/``-subnet``/``-router`` and the security groups inside the new
project), so a lost reply never makes a duplicate; the step's report says
``reconciled``. The rollback removes what the done steps made, then (undoing the
project) everything else the new project still owns in Neutron, so objects whose
create reply was lost are found and removed too; what it could not remove is
reported with ids and the project is then kept so nothing is orphaned.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from openstack.connection import Connection

from openstack_api import identity, named, networking, projects, reconcile
from openstack_api import quotas as quota_api
from openstack_api.errors import NameLookupError
from pack_common import ConfigError, InputError, validation
from workflows.project_settings import NETWORKS_KEY, ROLES_KEY, ProjectSettings
from workflows.project_steps import State, Step
from workflows.quota import validate_request

NETWORK_KINDS = ("none", "internal", "external")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_TAG = 255


@dataclass
class ProjectRequest:
    """The operator's ``project.create`` inputs, after the offline checks."""

    name: str
    description: str = ""
    contact_email: str = ""
    domain: str = "default"
    parent: str = ""
    immutable: bool = False
    tags: list[str] = field(default_factory=list)
    network: str = "none"
    cidr: str = ""
    #: Whether ``cidr`` came from the operator (else from the pack config).
    cidr_given: bool = False
    dns_nameservers: list[str] = field(default_factory=list)
    floating_ips: int = 1
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    admins: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


#: Keystone's limit on a project name.
MAX_NAME_LENGTH = 64


def check_name(value: str | None, parameter: str = "name") -> str:
    """The project name (see ``validation.new_name``)."""
    return validation.new_name(parameter, value, "project", MAX_NAME_LENGTH)


def check_offline(request: ProjectRequest, settings: ProjectSettings) -> ProjectRequest:
    """Checks that need no cloud: raise ``InputError`` naming the parameter."""
    request.name = check_name(request.name)
    if request.network not in NETWORK_KINDS:
        raise InputError(
            "network", f"{request.network!r} is not one of {NETWORK_KINDS}"
        )
    if request.contact_email and not _EMAIL.match(request.contact_email):
        raise InputError("contact_email", f"{request.contact_email!r} is not an email")
    request.tags = _check_tags(request.tags, request.immutable)
    if request.network == "external":
        request.cidr_given = bool(request.cidr)
        request.cidr = networking.validate_cidr(request.cidr or settings.cidr)
        request.dns_nameservers = _check_dns(
            request.dns_nameservers or list(settings.dns_nameservers)
        )
        if request.floating_ips < 0:
            raise InputError("floating_ips", "must be 0 or more")
    request.quotas = validate_request(request.quotas)
    if request.network == "external":
        request.quotas.setdefault("network", {}).setdefault(
            "floatingip", request.floating_ips
        )
    request.admins = validation.name_list(
        "admins", request.admins, required=False, what="user name or id"
    )
    request.members = validation.name_list(
        "members", request.members, required=False, what="user name or id"
    )
    return request


def _check_tags(tags: list[str] | None, immutable: bool) -> list[str]:
    """Keystone tags: non-empty, at most 255 characters, no ',' or '/'."""
    result: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip()
        if not tag or len(tag) > _MAX_TAG or "," in tag or "/" in tag:
            raise InputError("tags", f"{tag!r} is not a valid tag (no ',' or '/')")
        if tag not in result:
            result.append(tag)
    if immutable and projects.IMMUTABLE_TAG not in result:
        result.append(projects.IMMUTABLE_TAG)
    return result


def _check_dns(servers: list[str]) -> list[str]:
    """DNS servers must be IP addresses."""
    result = []
    for server in servers:
        try:
            result.append(str(ipaddress.ip_address(str(server).strip())))
        except ValueError as error:
            message = f"{server!r} is not an IP address"
            raise InputError("dns_nameservers", message) from error
    return result


@dataclass
class Resolved:
    """Everything the plan needs that came from the cloud."""

    domain: Any
    parent: Any | None
    admins: list[Any]
    members: list[Any]
    admin_role: Any | None
    member_role: Any | None
    external_network: Any | None = None
    internal_network: Any | None = None
    quota_notes: list[str] = field(default_factory=list)


def resolve(
    conn: Connection, request: ProjectRequest, settings: ProjectSettings
) -> Resolved:
    """Look up every name; raise ``InputError``/``ConfigError`` before any change."""
    domain = identity.find_domain(conn, request.domain or "default")
    parent = None
    if request.parent:
        parent = identity.find_project(conn, request.parent, "parent")
        if parent.domain_id != domain.id:
            raise InputError("parent", f"{parent.name!r} is in another domain")
    if projects.name_taken(conn, request.name, domain.id):
        raise InputError("name", f"a project {request.name!r} already exists")
    admins = [identity.find_user(conn, u, "admins") for u in request.admins]
    members = [identity.find_user(conn, u, "members") for u in request.members]
    resolved = Resolved(
        domain=domain,
        parent=parent,
        admins=admins,
        members=members,
        admin_role=_config_role(conn, settings.admin_role, "admin_role", admins),
        member_role=_config_role(conn, settings.member_role, "member_role", members),
    )
    if request.network == "external":
        resolved.external_network = networking.external_network(
            conn, settings.external_network, f"{NETWORKS_KEY}.external_network"
        )
        _check_cidr_free(conn, request, resolved.external_network)
    if request.network == "internal":
        resolved.internal_network = _internal_network(conn, settings)
    resolved.quota_notes = _check_quota_keys(conn, request.quotas)
    return resolved


def _check_cidr_free(conn: Connection, request: ProjectRequest, external: Any) -> None:
    """Refuse a ``cidr`` the router could not join: the new router's only other
    subnets are those of the external network (its gateway), and Neutron refuses an
    interface overlapping one of them, after the network, subnet and router exist."""
    clashes = networking.overlapping_subnets(conn, request.cidr, external.id)
    if clashes:
        listed = ", ".join(f"{s.name or s.id} [{s.id}] {s.cidr}" for s in clashes)
        origin = "" if request.cidr_given else " (the pack config's default)"
        raise InputError(
            "cidr",
            f"{request.cidr}{origin} overlaps subnet {listed} of the external "
            f"network {external.name!r}: the project's router could not attach it; "
            "choose a range outside it",
        )


def _config_role(conn: Connection, role: str, key: str, users: list[Any]) -> Any:
    """The configured role (only looked up when some user gets it)."""
    if not users:
        return None
    try:
        return named.find_role(conn, role)
    except NameLookupError as error:
        raise error.for_config(f"{ROLES_KEY}.{key}") from error


def _internal_network(conn: Connection, settings: ProjectSettings) -> Any:
    """The configured internal network (a config error when unset or unknown)."""
    key = f"{NETWORKS_KEY}.internal_network"
    if not settings.internal_network:
        raise ConfigError(f"pack config '{key}' is not set: network=internal needs it")
    try:
        return networking.find_network(conn, settings.internal_network)
    except NameLookupError as error:
        raise error.for_config(key) from error


def _check_quota_keys(
    conn: Connection, request: dict[str, dict[str, int]]
) -> list[str]:
    """Unknown quota keys are an ``InputError`` (checked against the caller's own
    project, whose keys are the same); unknown or absent services become notes and
    are dropped from the request."""
    notes: list[str] = []
    if not request:
        return notes
    available = quota_api.available_services(conn)
    try:
        own_project = projects.current_project_id(conn)
    except projects.ConnectionNotScoped as error:
        raise ConfigError(
            f"pack config 'clouds' entry {error.account!r}: its token is scoped to "
            "no project (set project_name): the quota keys are checked on it"
        ) from error
    for service in list(request):
        if service not in quota_api.SERVICES or service not in available:
            notes.append(f"quotas: {service}: no such service here, skipped")
            del request[service]
            continue
        known = quota_api.get_quotas(conn, own_project, service)
        for key in request[service]:
            if key not in known:
                raise InputError(
                    "quotas",
                    f"{service}.{key}: unknown quota (valid: {', '.join(known)})",
                )
    return notes


def build_steps(
    conn: Connection,
    request: ProjectRequest,
    resolved: Resolved,
    settings: ProjectSettings,
) -> list[Step]:
    """The ordered steps creating the project as requested."""
    steps = [_project_step(conn, request, resolved)]
    for service, values in request.quotas.items():
        steps.append(_quota_step(conn, service, values))
    if request.network == "internal":
        steps.append(_share_step(conn, resolved.internal_network))
    if request.network == "external":
        steps.extend(_external_steps(conn, request, resolved.external_network))
    if request.network != "none":
        steps.extend(_security_group_step(conn, g) for g in settings.security_groups)
    for user in resolved.admins:
        steps.append(_grant_step(conn, user, resolved.admin_role))
    for user in resolved.members:
        steps.append(_grant_step(conn, user, resolved.member_role))
    return steps


def _reported(created: Any, notes: list[str]) -> dict[str, Any]:
    """What a create step reports: the id, and how a lost reply was reconciled."""
    reported: dict[str, Any] = {"id": created.id}
    if notes:
        reported["reconciled"] = notes
    return reported


def _settled(what: str, error: BaseException) -> str:
    """The note of a change whose reply was lost but which is in place."""
    return f"{what}: the reply was lost ({reconcile.describe(error)}) but it is set"


def _project_step(
    conn: Connection, request: ProjectRequest, resolved: Resolved
) -> Step:
    """Create the Keystone project (undo: remove everything it owns, then it)."""
    extra = {"contact_email": request.contact_email} if request.contact_email else {}

    def run(state: State) -> dict[str, Any]:
        notes: list[str] = []
        project = projects.create_project(
            conn,
            request.name,
            resolved.domain.id,
            request.description,
            resolved.parent.id if resolved.parent else None,
            request.tags,
            extra,
            notes,
        )
        state["project_id"] = project.id
        return _reported(project, notes)

    def undo(state: State) -> dict[str, Any]:
        return _remove_project(conn, state["project_id"])

    detail: dict[str, Any] = {
        "domain": resolved.domain.name,
        "parent": resolved.parent.name if resolved.parent else None,
        "description": request.description,
        "tags": request.tags,
        **extra,
    }
    return Step("create project", request.name, detail, run, undo)


def _remove_project(conn: Connection, project_id: str) -> dict[str, Any]:
    """Undo of the project: remove whatever Neutron objects it still owns (Neutron's
    default security group, and anything a step made whose reply was lost), then
    the project (Keystone removes its role assignments with it).

    When something cannot be removed the project is kept (deleting it would orphan
    the objects) and the error lists them with their ids.
    """
    removed, failed = networking.sweep_project(conn, project_id)
    if failed:
        listed = "; ".join(
            (
                f"{f['kind']} {f['name']!r} [{f['id']}]: {f['error']}"
                if f["id"]
                else f"{f['kind']}s (listing failed): {f['error']}"
            )
            for f in failed
        )
        gone = ", ".join(f"{r['kind']} {r['id']}" for r in removed) or "nothing"
        raise RollbackIncomplete(
            f"project {project_id} kept: it still owns what could not be removed: "
            f"{listed} (removed: {gone})"
        )
    projects.delete_project(conn, project_id)
    reported: dict[str, Any] = {"id": project_id}
    if removed:
        reported["also_removed"] = removed
    return reported


class RollbackIncomplete(RuntimeError):
    """The rollback could not remove everything the run made; the message lists
    what is left, with ids."""


def _quota_step(conn: Connection, service: str, values: dict[str, int]) -> Step:
    """Set one service's quotas (undo: back to the defaults)."""

    def run(state: State) -> dict[str, Any] | None:
        try:
            quota_api.update_quotas(conn, state["project_id"], service, values)
        except Exception as error:
            # a PUT is retried by the session; when every reply was lost, the
            # quotas read back tell whether it was carried out
            if reconcile.refused(error):
                raise
            now = quota_api.get_quotas(conn, state["project_id"], service)
            if any(k not in now or now[k].limit != v for k, v in values.items()):
                raise
            return {"reconciled": [_settled(f"{service} quotas", error)]}
        return None

    def undo(state: State) -> None:
        quota_api.reset_quotas(conn, state["project_id"], service)

    return Step("set quotas", service, dict(values), run, undo)


def _share_step(conn: Connection, network: Any) -> Step:
    """Share the internal network with the project through an RBAC policy."""

    def run(state: State) -> dict[str, Any]:
        notes: list[str] = []
        policy = networking.share_network(conn, network.id, state["project_id"], notes)
        state["rbac_policy_id"] = policy.id
        return _reported(policy, notes)

    def undo(state: State) -> None:
        networking.delete_rbac_policy(conn, state["rbac_policy_id"])

    detail = {"network_id": network.id, "rbac": "access_as_shared"}
    return Step("share network", network.name, detail, run, undo)


def _external_steps(
    conn: Connection, request: ProjectRequest, external: Any
) -> list[Step]:
    """Network, subnet, router with a gateway, and the router interface."""
    net_name = f"{request.name}-net"
    subnet_name = f"{request.name}-subnet"
    router_name = f"{request.name}-router"

    def make_network(state: State) -> dict[str, Any]:
        notes: list[str] = []
        network = networking.create_network(conn, state["project_id"], net_name, notes)
        state["network_id"] = network.id
        return _reported(network, notes)

    def make_subnet(state: State) -> dict[str, Any]:
        notes: list[str] = []
        subnet = networking.create_subnet(
            conn,
            state["project_id"],
            state["network_id"],
            subnet_name,
            request.cidr,
            request.dns_nameservers,
            notes,
        )
        state["subnet_id"] = subnet.id
        return _reported(subnet, notes)

    def make_router(state: State) -> dict[str, Any]:
        notes: list[str] = []
        router = networking.create_router(
            conn, state["project_id"], router_name, external.id, notes
        )
        state["router_id"] = router.id
        return _reported(router, notes)

    def attach(state: State) -> dict[str, Any] | None:
        notes: list[str] = []
        networking.add_router_interface(
            conn, state["router_id"], state["subnet_id"], notes
        )
        return {"reconciled": notes} if notes else None

    return [
        Step(
            "create network",
            net_name,
            {},
            make_network,
            lambda s: networking.delete_network(conn, s["network_id"]),
        ),
        Step(
            "create subnet",
            subnet_name,
            {"cidr": request.cidr, "dns_nameservers": request.dns_nameservers},
            make_subnet,
            lambda s: networking.delete_subnet(conn, s["subnet_id"]),
        ),
        Step(
            "create router",
            router_name,
            {"external_network": external.name},
            make_router,
            lambda s: networking.delete_router(conn, s["router_id"]),
        ),
        Step(
            "attach subnet to router",
            router_name,
            {"subnet": subnet_name},
            attach,
            lambda s: networking.remove_router_interface(
                conn, s["router_id"], subnet_id=s["subnet_id"]
            ),
        ),
    ]


def _security_group_step(conn: Connection, spec: networking.SecurityGroupSpec) -> Step:
    """Create one configured security group with its rules."""
    key = f"security_group:{spec.name}"

    def run(state: State) -> dict[str, Any]:
        notes: list[str] = []
        group = networking.create_security_group(conn, state["project_id"], spec, notes)
        state[key] = group.id
        return _reported(group, notes)

    def undo(state: State) -> None:
        networking.delete_security_group(conn, state[key])

    return Step(
        "create security group", spec.name, {"rules": list(spec.rules)}, run, undo
    )


def _grant_step(conn: Connection, user: Any, role: Any) -> Step:
    """Grant ``role`` on the new project to ``user``."""

    def run(state: State) -> dict[str, Any] | None:
        try:
            identity.grant_user_role(conn, state["project_id"], user.id, role.id)
        except Exception as error:
            # a PUT is retried by the session; when every reply was lost, the
            # assignment tells whether it was carried out
            held = not reconcile.refused(error) and identity.user_has_role(
                conn, state["project_id"], user.id, role.id
            )
            if not held:
                raise
            return {"reconciled": [_settled(f"role {role.name} of {user.name}", error)]}
        # identity.grant_user_role raises on any refusal (e.g. a 503), where
        # openstacksdk's own helper would have answered False
        return None

    def undo(state: State) -> None:
        identity.revoke_user_role(conn, state["project_id"], user.id, role.id)

    detail = {"user_id": user.id, "role": role.name}
    return Step("grant role", user.name, detail, run, undo)
