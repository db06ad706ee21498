"""openstack_api.networking: CIDR checks, security-group specs from the pack config."""

from __future__ import annotations

import pytest

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
            "direction": "ingress",
            "ethertype": "IPv4",
        },
    )


@pytest.mark.parametrize(
    "entry", [{"rules": []}, {"name": "x", "rules": [{"proto": "tcp"}]}]
)
def test_bad_entries_name_the_config_key(entry: dict) -> None:
    with pytest.raises(ConfigError, match="project_networks.default_security_groups"):
        SecurityGroupSpec.from_config(entry, "project_networks.default_security_groups")
