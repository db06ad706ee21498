"""project.create: every bad input names its parameter and changes nothing; plans."""

from __future__ import annotations

from typing import Any

import pytest
from project_fakes import FakeConn as BaseFakeConn
from project_fakes import res

from pack_common import ConfigError, InputError
from workflows import project


class FakeConn(BaseFakeConn):
    """``project_fakes.FakeConn`` plus the external network's subnets (IPv4 and
    IPv6), which project.create checks a project's ``cidr`` against."""

    def __init__(self) -> None:
        super().__init__()
        self.subnets = [
            res(id="s-ext4", name="ext-v4", network_id="n-ext", cidr="203.0.113.0/24"),
            res(id="s-ext6", name="ext-v6", network_id="n-ext", cidr="2001:db8::/64"),
        ]
        self.network._reads["subnets"] = lambda **query: [
            s
            for s in self.subnets
            if all(getattr(s, k, None) == v for k, v in query.items())
        ]


def create(conn: FakeConn, config: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("name", "newproj")
    return project.create(conn, config or {}, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"name": "  "}, "name"),
        ({"name": "web"}, "name"),  # exists already
        ({"network": "bridged"}, "network"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"tags": ["a/b"]}, "tags"),
        ({"network": "external", "cidr": "10.0.0.0/33"}, "cidr"),
        ({"network": "external", "cidr": "10.0.0.1/24"}, "cidr"),
        (
            {"network": "external", "dns_nameservers": ["dns.example"]},
            "dns_nameservers",
        ),
        ({"network": "external", "floating_ips": -1}, "floating_ips"),
        ({"quotas": {"compute": {"cores": -5}}}, "quotas"),
        ({"quotas": {"compute": {"cores": "many"}}}, "quotas"),
        ({"quotas": {"compute": {"nosuch": 1}}}, "quotas"),
        ({"admins": ["nobody"]}, "admins"),
        ({"members": ["alice", "ghost"]}, "members"),
        ({"domain": "nodomain"}, "domain"),
        ({"parent": "data"}, "parent"),  # ambiguous
    ],
)
def test_bad_input_names_the_parameter_and_changes_nothing(
    kwargs: dict[str, Any], parameter: str
) -> None:
    conn = FakeConn()
    with pytest.raises(InputError) as error:
        create(conn, apply=True, **kwargs)
    assert error.value.parameter == parameter
    assert conn.changed() == []


def test_ambiguous_parent_lists_the_candidates() -> None:
    with pytest.raises(InputError, match=r"data \[p-d1\].*data \[p-d2\]"):
        create(FakeConn(), parent="data")


def test_internal_network_needs_the_config_key() -> None:
    conn = FakeConn()
    with pytest.raises(ConfigError, match=r"project_networks\.internal_network"):
        create(conn, network="internal", apply=True)
    assert conn.changed() == []


def test_external_plan_in_order_with_floating_ip_quota_and_grants() -> None:
    conn = FakeConn()
    result = create(
        conn,
        network="external",
        cidr="10.20.0.0/24",
        immutable=True,
        tags=["team-a"],
        contact_email="owner@example.org",
        admins=["alice"],
        members=["bob"],
        quotas={"compute": {"cores": 8}, "dns": {"zones": 1}},
    )
    assert conn.changed() == []
    actions = [(s["action"], s["target"]) for s in result["plan"]]
    assert actions == [
        ("create project", "newproj"),
        ("set quotas", "compute"),
        ("set quotas", "network"),
        ("create network", "newproj-net"),
        ("create subnet", "newproj-subnet"),
        ("create router", "newproj-router"),
        ("attach subnet to router", "newproj-router"),
        ("create security group", "ssh"),
        ("create security group", "icmp"),
        ("create security group", "web"),
        ("grant role", "alice"),
        ("grant role", "bob"),
    ]
    first = result["plan"][0]
    assert first["tags"] == ["team-a", "immutable"]
    assert first["contact_email"] == "owner@example.org"
    assert result["plan"][2]["floatingip"] == 1
    assert result["plan"][4]["cidr"] == "10.20.0.0/24"
    assert result["plan"][5]["external_network"] == "ext"
    assert [s["role"] for s in result["plan"][-2:]] == ["manager", "member"]
    assert result["notes"] == ["quotas: dns: no such service here, skipped"]


def test_internal_plan_shares_the_configured_network_with_config_groups() -> None:
    config = {
        "project_networks": {
            "internal_network": "int",
            "default_security_groups": [
                {
                    "name": "only-ssh",
                    "rules": [{"protocol": "tcp", "port_range_min": 22}],
                }
            ],
        },
        "project_roles": {"member_role": "member"},
    }
    result = create(FakeConn(), config, network="internal")
    actions = [(s["action"], s["target"]) for s in result["plan"]]
    assert actions == [
        ("create project", "newproj"),
        ("share network", "int"),
        ("create security group", "only-ssh"),
    ]
    rule = result["plan"][2]["rules"][0]
    assert rule["direction"] == "ingress" and rule["ethertype"] == "IPv4"
    assert rule["port_range_max"] == 22


def test_none_network_plan_is_just_the_project() -> None:
    result = create(FakeConn())
    assert [s["action"] for s in result["plan"]] == ["create project"]
    assert result["dry_run"] is True


def test_unknown_rule_key_in_config_is_a_config_error() -> None:
    config = {
        "project_networks": {
            "default_security_groups": [{"name": "x", "rules": [{"port": 22}]}]
        }
    }
    with pytest.raises(ConfigError, match="default_security_groups"):
        create(FakeConn(), config)


@pytest.mark.fault(8)
@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("cidr", ["203.0.113.0/26", "203.0.0.0/16", "2001:db8::/80"])
def test_cidr_overlapping_the_external_network_is_refused_before_any_change(
    cidr: str, dry_run: bool
) -> None:
    """The router's gateway is on the external network: Neutron would refuse the
    interface only after the network, subnet and router were made."""
    conn = FakeConn()
    with pytest.raises(InputError) as error:
        create(conn, network="external", cidr=cidr, apply=not dry_run)
    assert error.value.parameter == "cidr"
    assert "'ext'" in str(error.value) and "[s-ext" in str(error.value)
    assert conn.changed() == []


@pytest.mark.fault(8)
def test_an_overlapping_default_cidr_is_named_as_the_pack_config_default() -> None:
    config = {"project_networks": {"cidr": "203.0.113.128/25"}}
    with pytest.raises(InputError, match="pack config's default") as error:
        create(FakeConn(), config, network="external")
    assert error.value.parameter == "cidr"


@pytest.mark.fault(8)
@pytest.mark.parametrize("cidr", ["203.0.114.0/24", "2001:db8:1::/64", "10.0.0.0/8"])
def test_a_cidr_outside_the_external_subnets_plans(cidr: str) -> None:
    result = create(FakeConn(), network="external", cidr=cidr)
    subnet = next(s for s in result["plan"] if s["action"] == "create subnet")
    assert subnet["cidr"] == cidr


@pytest.mark.fault(1)
@pytest.mark.parametrize(
    "name",
    [
        "new\nproj",
        "newproj\n",
        "\tnewproj",
        "new\rproj",
        "new\x00proj",
        "new\x1bproj",  # escape (terminal sequences)
        "new\x7fproj",  # DEL
        "new\x85proj",  # C1: next line
        "new\x9bproj",  # C1: control sequence introducer
        "new\u2028proj",  # line separator
        "new\u202eproj",  # right-to-left override
    ],
)
def test_control_characters_in_the_name_are_refused(name: str) -> None:
    conn = FakeConn()
    with pytest.raises(InputError) as error:
        create(conn, name=name, apply=True)
    assert error.value.parameter == "name"
    assert "control character U+" in str(error.value)
    assert conn.changed() == []


@pytest.mark.fault(1)
@pytest.mark.parametrize("name", ["projet-été", "数据-lab", "a b", "x" * 64])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert create(FakeConn(), name=name)["project"] == name


@pytest.mark.parametrize(
    ("config", "kwargs", "key", "reason"),
    [
        (
            {"project_networks": {"internal_network": "no-such-net"}},
            {"network": "internal"},
            "project_networks.internal_network",
            "no network with name or id 'no-such-net'",
        ),
        (
            {"project_networks": {"external_network": "no-such-ext"}},
            {"network": "external", "cidr": "10.20.0.0/24"},
            "project_networks.external_network",
            "no network with name or id 'no-such-ext'",
        ),
        (
            {"project_roles": {"admin_role": "no-such-role"}},
            {"admins": ["alice"]},
            "project_roles.admin_role",
            "no role with name or id 'no-such-role'",
        ),
    ],
)
def test_an_unknown_configured_name_is_a_config_error_naming_the_key(
    config: dict[str, Any], kwargs: dict[str, Any], key: str, reason: str
) -> None:
    """The lookup's typed error becomes the config error naming the key, with the
    lookup's reason as it is (no parameter wording to rewrite)."""
    conn = FakeConn()
    with pytest.raises(ConfigError) as error:
        create(conn, config, apply=True, **kwargs)
    assert str(error.value) == f"pack config '{key}': {reason}"
    assert conn.changed() == []
