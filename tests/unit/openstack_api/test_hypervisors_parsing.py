"""Hypervisor helpers: uptime parsing and name/host/id look-up in one listing."""

from __future__ import annotations

import pytest

from openstack_api.compute_services import (
    PACK_MARKER,
    ComputeService,
    disabled_by_pack,
    pack_reason,
)
from openstack_api.hypervisors import Hypervisor, find_hypervisor, parse_uptime
from pack_common import InputError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (
            " 08:32:11 up 93 days, 18:25, 12 users,  load average: 0.20",
            93 * 86400 + 18 * 3600 + 25 * 60,
        ),
        (" 08:32:11 up 1 day,  0:05,  0 users", 86400 + 300),
        (" 08:32:11 up 4:10,  0 users", 4 * 3600 + 600),
        (" 08:32:11 up 17 min,  0 users", 17 * 60),
        ("fake uptime", None),
        (None, None),
    ],
)
def test_parse_uptime(text, seconds):
    assert parse_uptime(text) == seconds


def hyp(hid: str, name: str, host: str) -> Hypervisor:
    return Hypervisor(hid, name, host, "enabled", "up", "fake", None, [])


LISTING = [
    hyp("id-1", "node1.example.org", "node1"),
    hyp("id-2", "node2.example.org", "node2"),
    hyp("id-3", "dup", "dupa"),
    hyp("id-4", "dup", "dupb"),
]


def test_find_by_id_node_name_and_service_host():
    assert find_hypervisor("h", "id-2", LISTING).id == "id-2"
    assert find_hypervisor("h", "node1.example.org", LISTING).id == "id-1"
    assert find_hypervisor("h", "node1", LISTING).id == "id-1"


def test_unknown_hypervisor_names_the_parameter():
    with pytest.raises(InputError) as error:
        find_hypervisor("destination", "nope", LISTING)
    assert error.value.parameter == "destination"
    assert "no hypervisor" in str(error.value)


def test_ambiguous_hypervisor_lists_candidates():
    with pytest.raises(InputError) as error:
        find_hypervisor("hypervisor", "dup", LISTING)
    assert "id-3" in str(error.value) and "id-4" in str(error.value)


def test_pack_reason_marks_once_and_is_recognised():
    marked = pack_reason("drain: kernel update")
    assert marked == "[openstack_ops] drain: kernel update"
    assert pack_reason(marked) == marked
    svc = ComputeService("s", "h", "nova", "disabled", "up", marked, False, None)
    assert svc.disabled_by_pack
    person = ComputeService("s", "h", "nova", "disabled", "up", "DIMM", False, None)
    assert not person.disabled_by_pack


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("[openstack_ops] drain: kernel update", True),
        ("  [openstack_ops] kernel update", True),
        ("kernel update [openstack_ops]", False),
        ("broken DIMM", False),
        ("", False),
        (None, False),
    ],
)
def test_disabled_by_pack_reads_the_marker(reason, expected):
    assert PACK_MARKER == "[openstack_ops]"
    assert disabled_by_pack(reason) is expected
