"""flavor.add.to.project / flavor.remove.from.project over the in-memory cloud."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from compute_fakes import FakeCloud

from pack_common import InputError
from workflows import flavor as wf


@pytest.fixture
def cloud():
    cloud = FakeCloud()
    cloud.projects.append(SimpleNamespace(id="p-lab", name="labs", domain_id="default"))
    cloud.flavors += [
        SimpleNamespace(id="f-priv", name="gpu.private", is_public=False),
        SimpleNamespace(id="f-pub", name="m1.tiny", is_public=True),
    ]
    return cloud


def refused(cloud, parameter, call, *args, **kwargs):
    with pytest.raises(InputError) as error:
        call(cloud.conn, *args, **kwargs)
    assert error.value.parameter == parameter
    assert cloud.changes == []


def test_add_dry_run_then_real_then_unchanged(cloud):
    assert wf.add_to_project(cloud.conn, "gpu.private", "labs")["steps"] == [
        "add_access"
    ]
    assert cloud.changes == []
    done = wf.add_to_project(cloud.conn, "f-priv", "p-lab", apply=True)
    assert done["changed"] and done["has_access"]
    again = wf.add_to_project(cloud.conn, "gpu.private", "labs", apply=True)
    assert again["changed"] is False and again["had_access"]
    assert cloud.changes == [("flavor_add", "f-priv", "p-lab")]


def test_remove_then_unchanged(cloud):
    cloud.flavor_access["f-priv"] = ["p-lab"]
    done = wf.remove_from_project(cloud.conn, "gpu.private", "labs", apply=True)
    assert done["changed"] and done["has_access"] is False
    again = wf.remove_from_project(cloud.conn, "gpu.private", "labs", apply=True)
    assert again["changed"] is False
    assert cloud.changes == [("flavor_remove", "f-priv", "p-lab")]


def test_public_flavor_is_refused(cloud):
    refused(cloud, "flavor", wf.add_to_project, "m1.tiny", "labs", apply=True)


def test_unknown_flavor_or_project_is_refused(cloud):
    refused(cloud, "flavor", wf.add_to_project, "nope", "labs", apply=True)
    refused(cloud, "project", wf.remove_from_project, "gpu.private", "nope", apply=True)
