"""Placement usage: candidates summaries in at most three calls, and the bounded,
documented direct reads for providers no candidates response includes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from query_fakes import FakeConn

from openstack_query.placement_usage import (
    MAX_DIRECT_PROVIDERS,
    ResourceUsage,
    provider_usage,
)

INVENTORY = {
    "VCPU": {"total": 16, "reserved": 2, "allocation_ratio": 4.0},
    "MEMORY_MB": {"total": 65536, "reserved": 2048, "allocation_ratio": 1.5},
    "DISK_GB": {"total": 1000, "reserved": 50, "allocation_ratio": 1.0},
}


def summary(**classes: tuple[int, int]) -> dict[str, Any]:
    return {
        "resources": {rc: {"capacity": c, "used": u} for rc, (c, u) in classes.items()}
    }


def placement_for(
    candidates: dict[str, dict[str, Any]], direct: dict[str, dict[str, int]]
) -> Any:
    """Candidates summaries per requested class; inventories/usages for ``direct``
    providers (everyone gets ``INVENTORY``)."""

    def handler(path: str, params: dict[str, Any]) -> dict[str, Any]:
        if path == "/allocation_candidates":
            rc = params["resources"].split(":")[0]
            return {"allocation_requests": [], "provider_summaries": candidates[rc]}
        _, _, uuid, what = path.split("/")
        if what == "inventories":
            return {"inventories": INVENTORY}
        return {"usages": direct[uuid]}

    return handler


def placement_calls(conn: FakeConn) -> list[str]:
    return [n for n in conn.names() if n.startswith("placement")]


def test_one_call_when_every_provider_has_free_vcpu() -> None:
    candidates = {
        "VCPU": {
            "a": summary(VCPU=(56, 3), MEMORY_MB=(95232, 100)),
            "b": summary(VCPU=(56, 0)),
            "not-a-hypervisor": summary(VCPU=(8, 0)),
        }
    }
    conn = FakeConn(placement=placement_for(candidates, {}))
    usage = provider_usage(conn, ["a", "b"])
    assert usage == {
        "a": {"VCPU": ResourceUsage(56, 3), "MEMORY_MB": ResourceUsage(95232, 100)},
        "b": {"VCPU": ResourceUsage(56, 0)},
    }
    assert placement_calls(conn) == ["placement.get /allocation_candidates"]
    assert conn.params("placement.get /allocation_candidates") == {
        "resources": "VCPU:1"
    }


def test_each_class_asked_only_while_providers_are_missing() -> None:
    candidates = {
        "VCPU": {"a": summary(VCPU=(56, 1))},
        "MEMORY_MB": {"a": summary(VCPU=(56, 1)), "b": summary(VCPU=(56, 56))},
        "DISK_GB": {},
    }
    conn = FakeConn(placement=placement_for(candidates, {}))
    usage = provider_usage(conn, ["a", "b"])
    assert usage["b"]["VCPU"].free == 0
    assert len(placement_calls(conn)) == 2


def test_exhausted_provider_read_directly_with_reserved_and_ratio() -> None:
    candidates: dict[str, dict[str, Any]] = {"VCPU": {}, "MEMORY_MB": {}, "DISK_GB": {}}
    direct = {"full": {"VCPU": 60, "MEMORY_MB": 95232, "DISK_GB": 950}}
    conn = FakeConn(placement=placement_for(candidates, direct))
    usage = provider_usage(conn, ["full"])["full"]
    # capacity = (total - reserved) * allocation_ratio; over-allocated VCPU
    assert usage["VCPU"] == ResourceUsage(56, 60) and usage["VCPU"].free == -4
    assert usage["MEMORY_MB"] == ResourceUsage(95232, 95232)
    assert usage["DISK_GB"] == ResourceUsage(950, 950)
    assert placement_calls(conn) == [
        "placement.get /allocation_candidates",
        "placement.get /allocation_candidates",
        "placement.get /allocation_candidates",
        "placement.get /resource_providers/full/inventories",
        "placement.get /resource_providers/full/usages",
    ]


def test_direct_reads_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    candidates: dict[str, dict[str, Any]] = {"VCPU": {}, "MEMORY_MB": {}, "DISK_GB": {}}
    ids = [f"p{i}" for i in range(5)]
    direct = {uuid: {"VCPU": 56} for uuid in ids}
    conn = FakeConn(placement=placement_for(candidates, direct))
    with caplog.at_level(logging.WARNING, logger="openstack_query.placement_usage"):
        usage = provider_usage(conn, ids, max_direct=2)
    assert sorted(usage) == ["p0", "p1"]  # the others are unknown, never guessed
    assert len(placement_calls(conn)) == 3 + 2 * 2
    assert "p2, p3, p4" in caplog.text
    assert MAX_DIRECT_PROVIDERS >= 1
