"""openstack_api.projects: immutability, protection, inventory blocking kinds;
workflows.project_settings defaults."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from openstack_api.projects import (
    Inventory,
    Owned,
    describe_project,
    is_immutable,
    is_protected,
)
from pack_common import ConfigError
from workflows.project_settings import ProjectSettings


def project(**attrs: object) -> SimpleNamespace:
    base = {"id": "p1", "name": "web", "tags": [], "options": {}}
    return SimpleNamespace(**{**base, **attrs})


def test_immutable_by_tag_any_case_or_option() -> None:
    assert is_immutable(project(tags=["Immutable"]))
    assert is_immutable(project(options={"immutable": True}))
    assert not is_immutable(project(tags=["immutable-ish"]))


def test_protected_by_name_or_id() -> None:
    assert is_protected(project(), ["web"])
    assert is_protected(project(), ["p1"])
    assert not is_protected(project(), ["admin"])


def test_describe_shows_no_parent_for_a_top_level_project() -> None:
    common = {"domain_id": "d1", "description": None, "is_enabled": True}
    top = describe_project(project(parent_id="d1", contact_email="a@b.org", **common))
    child = describe_project(project(parent_id="p0", **common))
    assert (top["parent_id"], top["contact_email"]) == (None, "a@b.org")
    assert (child["parent_id"], child["description"]) == ("p0", "")


def test_inventory_blocking_ignores_config_kinds() -> None:
    inv = Inventory(
        items={
            "ports": [Owned("ports", "pt", "")],
            "security_groups": [Owned("security_groups", "g", "default")],
            "networks": [],
        }
    )
    assert list(inv.blocking()) == ["ports"]
    assert inv.counts() == {"ports": 1, "security_groups": 1, "networks": 0}


def test_settings_defaults_without_config() -> None:
    settings = ProjectSettings.from_pack_config({})
    assert settings.protected_projects == ("admin", "service")
    assert [g.name for g in settings.security_groups] == ["ssh", "icmp", "web"]
    assert (settings.admin_role, settings.member_role) == ("manager", "member")
    assert settings.cidr == "192.168.0.0/24"


def test_settings_read_from_config() -> None:
    settings = ProjectSettings.from_pack_config(
        {
            "protected_projects": ["ops"],
            "project_networks": {
                "external_network": "public",
                "dns_nameservers": ["9.9.9.9"],
                "default_security_groups": [],
            },
            "project_roles": {"admin_role": "admin"},
        }
    )
    assert settings.protected_projects == ("ops",)
    assert settings.external_network == "public"
    assert settings.dns_nameservers == ("9.9.9.9",)
    assert settings.security_groups == ()
    assert settings.admin_role == "admin"


@pytest.mark.parametrize(
    "config",
    [
        {"project_networks": "ext"},
        {"project_networks": {"default_security_groups": {}}},
    ],
)
def test_bad_settings_name_the_key(config: dict) -> None:
    with pytest.raises(ConfigError, match="project_networks"):
        ProjectSettings.from_pack_config(config)
