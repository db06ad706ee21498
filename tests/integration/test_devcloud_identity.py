"""Keystone on the devcloud: what admin creates, what an ordinary user may read."""

from __future__ import annotations

import secrets

import openstack
import pytest
from openstack import exceptions
from openstack.connection import Connection


def test_project_user_role_group_read_back(
    admin_conn: Connection, user_conn: Connection, unique_name, cleanup
) -> None:
    identity = admin_conn.identity
    project = identity.create_project(name=unique_name("proj"), domain_id="default")
    cleanup(identity.delete_project, project)
    password = secrets.token_hex(8)
    email = f"{unique_name('user')}@devcloud.test"
    user = identity.create_user(
        name=unique_name("user"), domain_id="default", password=password, email=email
    )
    cleanup(identity.delete_user, user)
    group = identity.create_group(name=unique_name("group"), domain_id="default")
    cleanup(identity.delete_group, group)
    member = identity.find_role("member", ignore_missing=False)
    identity.assign_project_role_to_user(project, user, member)
    identity.add_user_to_group(user, group)

    # Read back as admin.
    assert identity.get_user(user.id).email == email
    assert identity.check_user_in_group(user, group)
    assignments = list(
        identity.role_assignments(user_id=user.id, scope_project_id=project.id)
    )
    assert [a.role["id"] for a in assignments] == [member.id]

    # Read back as the new ordinary user, where policy allows it.
    own = openstack.connect(
        auth_url=admin_conn.auth["auth_url"],
        username=user.name,
        password=password,
        user_domain_name="Default",
        project_name=project.name,
        project_domain_name="Default",
        region_name=admin_conn.config.region_name,
    )
    cleanup(own.close)
    assert own.identity.get_user(user.id).email == email
    assert project.id in {p.id for p in own.identity.user_projects(user.id)}
    assert own.identity.get_project(project.id).name == project.name
    assert group.id in {g.id for g in own.identity.user_groups(user.id)}

    # ...and refused where it does not.
    with pytest.raises(exceptions.ForbiddenException):
        list(own.identity.users())
    with pytest.raises(exceptions.ForbiddenException):
        own.identity.create_project(name=unique_name("nope"), domain_id="default")
    # (openstacksdk's assign_* helpers swallow errors: ask Keystone directly.)
    admin_role = identity.find_role("admin", ignore_missing=False)
    grant = own.identity.put(
        f"/projects/{project.id}/users/{user.id}/roles/{admin_role.id}", raise_exc=False
    )
    assert grant.status_code == 403
    assert not list(identity.role_assignments(user_id=user.id, role_id=admin_role.id))
    # Another ordinary user of another project sees none of it.
    with pytest.raises(exceptions.ForbiddenException):
        user_conn.identity.get_project(project.id)
    with pytest.raises(exceptions.ForbiddenException):
        user_conn.identity.get_user(user.id)
