"""Seed Keystone: domains, projects, users, groups, role assignments."""

from __future__ import annotations

import seed_data as data

from seedlib.context import SeedContext


def _domain_id(ctx: SeedContext, name: str) -> str:
    return ctx.ids("domains")[name]


def seed_domains(ctx: SeedContext) -> None:
    """Default exists; create the extra domain."""
    identity = ctx.admin.identity
    for spec in data.DOMAINS:
        domain = identity.find_domain(spec["name"])
        if domain is None:
            domain = identity.create_domain(
                name=spec["name"], description=spec["description"]
            )
        ctx.ids("domains")[spec["name"]] = domain.id


def seed_projects(ctx: SeedContext) -> None:
    """Projects with descriptions and tags."""
    identity = ctx.admin.identity
    for spec in data.PROJECTS:
        domain_id = _domain_id(ctx, str(spec["domain"]))
        project = identity.find_project(spec["name"], domain_id=domain_id)
        if project is None:
            project = identity.create_project(
                name=spec["name"],
                domain_id=domain_id,
                description=spec["description"],
                tags=list(spec["tags"]),
            )
        elif sorted(project.tags or []) != sorted(spec["tags"]):
            project = identity.update_project(project, tags=list(spec["tags"]))
        ctx.ids("projects")[spec["name"]] = project.id


def seed_users(ctx: SeedContext) -> None:
    """Users (one without email); their password is the state's seed secret."""
    identity = ctx.admin.identity
    password = ctx.state.secrets()["seed"]
    for spec in data.USERS:
        domain_id = _domain_id(ctx, str(spec["domain"]))
        user = identity.find_user(spec["name"], domain_id=domain_id)
        if user is None:
            extra = {"email": spec["email"]} if spec["email"] else {}
            user = identity.create_user(
                name=spec["name"], domain_id=domain_id, password=password, **extra
            )
        ctx.ids("users")[spec["name"]] = user.id


def seed_groups(ctx: SeedContext) -> None:
    """Groups and their members."""
    identity = ctx.admin.identity
    users = ctx.ids("users")
    for spec in data.GROUPS:
        domain_id = _domain_id(ctx, str(spec["domain"]))
        group = identity.find_group(spec["name"], domain_id=domain_id)
        if group is None:
            group = identity.create_group(name=spec["name"], domain_id=domain_id)
        for member in spec["members"]:
            if not identity.check_user_in_group(users[member], group):
                identity.add_user_to_group(users[member], group)
        ctx.ids("groups")[spec["name"]] = group.id


def seed_role_assignments(ctx: SeedContext) -> None:
    """Project role assignments for users and groups."""
    identity = ctx.admin.identity
    roles = {
        name: identity.find_role(name, ignore_missing=False).id
        for name in ("admin", "member", "reader")
    }
    projects = ctx.ids("projects")
    for kind, actor, project, role in data.ROLE_ASSIGNMENTS:
        if kind == "user":
            identity.assign_project_role_to_user(
                projects[project], ctx.ids("users")[actor], roles[role]
            )
        else:
            identity.assign_project_role_to_group(
                projects[project], ctx.ids("groups")[actor], roles[role]
            )
    ctx.record["role_assignments"] = [list(item) for item in data.ROLE_ASSIGNMENTS]


def seed_identity(ctx: SeedContext) -> None:
    """Every Keystone step, in order."""
    seed_domains(ctx)
    seed_projects(ctx)
    seed_users(ctx)
    seed_groups(ctx)
    seed_role_assignments(ctx)


def operator_connection(ctx: SeedContext, project: str):
    """Connection as the seeded operator (a member) of ``project``."""
    user = data.PROJECT_OPERATORS[project]
    user_domain = next(str(u["domain"]) for u in data.USERS if u["name"] == user)
    project_domain = next(
        str(p["domain"]) for p in data.PROJECTS if p["name"] == project
    )
    return ctx.connect_as(user, user_domain, project, project_domain)
