"""openstack_api.networking: CIDR checks, security-group specs from the pack config,
router removal."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from openstack_api import networking
from openstack_api.networking import SecurityGroupSpec, validate_cidr
from pack_common import ConfigError, InputError


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [("10.0.0.0/24", "10.0.0.0/24"), (" 192.168.8.0/22 ", "192.168.8.0/22")],
)
def test_valid_cidrs(cidr: str, expected: str) -> None:
    assert validate_cidr(cidr) == expected


@pytest.mark.parametrize(
    "cidr", ["10.0.0.0/33", "10.0.0.5/24", "nonsense", "10.0.0.0/30"]
)
def test_bad_cidrs_name_the_parameter(cidr: str) -> None:
    with pytest.raises(InputError) as error:
        validate_cidr(cidr)
    assert error.value.parameter == "cidr"


def test_rule_defaults_and_empty_values_dropped() -> None:
    """Empty values go, direction/ethertype default, a lone port_range_min is one
    port (min..min)."""
    spec = SecurityGroupSpec.from_config(
        {
            "name": "ssh",
            "rules": [
                {"protocol": "tcp", "port_range_min": 22, "remote_ip_prefix": ""}
            ],
        },
        "key",
    )
    assert spec.rules == (
        {
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
            "direction": "ingress",
            "ethertype": "IPv4",
        },
    )


@pytest.mark.parametrize(
    "entry", [{"rules": []}, {"name": "x", "rules": [{"proto": "tcp"}]}]
)
def test_bad_entries_name_the_config_key(entry: dict) -> None:
    with pytest.raises(ConfigError, match=r"project_networks\.default_security_groups"):
        SecurityGroupSpec.from_config(entry, "project_networks.default_security_groups")


def test_delete_router_detaches_every_interface_kind_then_clears_the_gateway() -> None:
    calls: list[tuple] = []
    router = SimpleNamespace(id="r1", external_gateway_info={"network_id": "ext"})
    ports = [
        SimpleNamespace(id="legacy", device_owner="network:router_interface"),
        SimpleNamespace(id="dvr", device_owner="network:router_interface_distributed"),
        SimpleNamespace(id="gw", device_owner="network:router_gateway"),
    ]
    network = SimpleNamespace(
        get_router=lambda _id: router,
        ports=lambda **query: ports if query == {"device_id": "r1"} else [],
        remove_interface_from_router=lambda r, subnet, port: calls.append(
            ("detach", {"subnet": subnet, "port": port})
        ),
        update_router=lambda r, **kw: calls.append(("update", kw)),
        delete_router=lambda rid, **kw: calls.append(("delete", rid)),
    )
    networking.delete_router(SimpleNamespace(network=network), "r1")  # type: ignore[arg-type]
    assert calls == [
        ("detach", {"subnet": None, "port": "legacy"}),
        ("detach", {"subnet": None, "port": "dvr"}),
        ("update", {"external_gateway_info": {}}),
        ("delete", "r1"),
    ]
