"""flavor.add.to.project / flavor.remove.from.project against the devcloud.

The test creates its own private flavor; the ordinary user's project must see it in
its flavor list after access is added, and not after it is removed.
"""

from __future__ import annotations

from openstack.connection import Connection

pytest_plugins = ["os_fixtures_compute"]


def visible_to(conn: Connection, flavor_id: str) -> bool:
    return flavor_id in {f.id for f in conn.compute.flavors()}


def test_private_flavor_access_add_and_remove(
    run_action, admin_conn: Connection, user_conn: Connection, unique_name, cleanup
):
    flavor = admin_conn.compute.create_flavor(
        name=unique_name("flv"), ram=256, vcpus=1, disk=1, is_public=False
    )
    cleanup(admin_conn.compute.delete_flavor, flavor)
    project = user_conn.current_project_id
    assert not visible_to(user_conn, flavor.id)

    ok, plan = run_action("flavor.add.to.project", flavor=flavor.name, project=project)
    assert ok and plan["steps"] == ["add_access"]
    assert not visible_to(user_conn, flavor.id)

    ok, done = run_action(
        "flavor.add.to.project", flavor=flavor.id, project=project, apply=True
    )
    assert ok and done["has_access"] is True
    assert visible_to(user_conn, flavor.id)
    ok, again = run_action(
        "flavor.add.to.project", flavor=flavor.name, project=project, apply=True
    )
    assert ok and again["changed"] is False

    ok, done = run_action(
        "flavor.remove.from.project", flavor=flavor.name, project=project, apply=True
    )
    assert ok and done["has_access"] is False
    assert not visible_to(user_conn, flavor.id)
    ok, again = run_action(
        "flavor.remove.from.project", flavor=flavor.name, project=project, apply=True
    )
    assert ok and again["changed"] is False


def test_flavor_refusals_name_the_parameter(run_action, admin_conn: Connection):
    ok, result = run_action(
        "flavor.add.to.project", flavor="m1.tiny", project="web-shop", apply=True
    )
    assert not ok and "parameter 'flavor'" in result["error"]
    assert "public" in result["error"]
    ok, result = run_action(
        "flavor.remove.from.project",
        flavor="it-no-such-flavor",
        project="web-shop",
        apply=True,
    )
    assert not ok and "parameter 'flavor'" in result["error"]
