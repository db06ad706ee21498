"""Benchmark audit.all against a synthetic cloud over real HTTP.

    python benchmarks/audit_bench.py [--servers N --users N --projects N
                                      --hypervisors N --repeat N]

Default: 10,000 servers / 5,000 users / 1,000 projects / 200 hypervisors (the
issue's acceptance size). A child process serves the synthetic estate of
``benchmarks/fake_cloud`` (Keystone, Nova, Glance, Placement) plus what the audits
also read and the shared fake does not serve, added here: Neutron (floating IPs,
ports, security groups, paginated), Nova's migrations, Placement's provider
listing and per-provider allocations. The estate carries known problems (an
unattached floating IP in ten, an orphaned port in twenty, servers of disabled
users, a project without members in fifty, open security groups, orphan
allocations) so the answer is checked against counts computed from the estate.

It prints the wall time and CPU time of audit.all (the server's CPU is not
counted), the API calls per endpoint and whether the number of calls per resource
type is the same at two estate sizes (it must not grow with the estate, apart
from one allocation read per resource provider). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lib"), str(ROOT)]

from benchmarks.fake_cloud.estate import Estate, Size  # noqa: E402
from benchmarks.fake_cloud.server import MAX_LIMIT, FakeCloud  # noqa: E402

EXT_NET = "ext-net-0000"


class AuditEstate:
    """The network side and the planted problems, derived from an ``Estate``."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        servers = estate.servers
        projects = estate.projects
        # every 50th project loses its role assignments: nobody is a member
        memberless = {p["id"] for i, p in enumerate(projects) if i % 50 == 7}
        estate.assignments = [
            a
            for a in estate.assignments
            if a["scope"]["project"]["id"] not in memberless
        ]
        self.memberless = len(
            memberless - {a["scope"]["project"]["id"] for a in estate.assignments}
        )
        # every 100th user is disabled
        for i, user in enumerate(estate.users):
            user["enabled"] = i % 100 != 3
        disabled = {u["id"] for u in estate.users if not u["enabled"]}
        self.inactive_servers = sum(1 for s in servers if s["user_id"] in disabled)
        old = "2020-01-01T00:00:00Z"
        self.ports: list[dict[str, Any]] = []
        for i, server in enumerate(servers):
            self.ports.append(
                self._port(
                    f"p-{i:06d}",
                    server["tenant_id"],
                    server["id"],
                    "compute:nova",
                    "ACTIVE",
                    old,
                )
            )
        orphans = max(1, len(servers) // 20)
        for i in range(orphans):
            project = projects[i % len(projects)]["id"]
            self.ports.append(self._port(f"o-{i:06d}", project, "", "", "DOWN", old))
        self.orphaned_ports = orphans
        self.fips: list[dict[str, Any]] = []
        for i in range(len(servers) // 5):
            attached = i % 10 != 0
            self.fips.append(
                {
                    "id": f"f-{i:06d}",
                    "floating_ip_address": f"198.51.{i // 250 % 250}.{i % 250}",
                    "floating_network_id": EXT_NET,
                    "project_id": projects[i % len(projects)]["id"],
                    "tenant_id": projects[i % len(projects)]["id"],
                    "port_id": f"p-{i:06d}" if attached else None,
                    "status": "ACTIVE" if attached else "DOWN",
                    "created_at": old,
                    "updated_at": old,
                }
            )
        self.unattached_fips = sum(1 for f in self.fips if not f["port_id"])
        self.groups = []
        for i, project in enumerate(projects):
            rules = [self._rule(f"r-{i}-d", None, None, None, "sg")]
            if i % 25 == 0:
                rules.append(self._rule(f"r-{i}-ssh", 22, 22, "0.0.0.0/0", None))
            self.groups.append(
                {"id": f"sg-{i:05d}", "name": "default", "project_id": project["id"],
                 "tenant_id": project["id"], "security_group_rules": rules}
            )  # fmt: skip
        self.open_rules = sum(1 for i in range(len(projects)) if i % 25 == 0)
        # allocations: each placed server on its host, plus orphans on every 10th host
        by_host = {h["hypervisor_hostname"]: h["id"] for h in estate.hypervisors}
        self.allocations: dict[str, dict[str, Any]] = {
            h["id"]: {} for h in estate.hypervisors
        }
        for server in servers:
            rp = by_host.get(server["OS-EXT-SRV-ATTR:hypervisor_hostname"] or "")
            if rp:
                flavor = server["flavor"]
                self.allocations[rp][server["id"]] = {"resources": {
                    "VCPU": flavor["vcpus"], "MEMORY_MB": flavor["ram"], "DISK_GB": flavor["disk"]}}  # fmt: skip
        self.orphans: dict[str, dict[str, Any]] = {}
        for i, hv in enumerate(estate.hypervisors):
            if i % 10 == 0:
                consumer = f"00000000-0000-4000-8000-{i:012d}"
                self.allocations[hv["id"]][consumer] = {"resources": {"VCPU": 1}}
                self.orphans[consumer] = {
                    "allocations": {hv["id"]: {"resources": {"VCPU": 1}}},
                    "project_id": projects[0]["id"],
                    "user_id": estate.users[0]["id"],
                }

    @staticmethod
    def _port(pid: str, project: str, device: str, owner: str, status: str, when: str) -> dict[str, Any]:  # fmt: skip
        return {"id": pid, "name": "", "project_id": project, "tenant_id": project,
                "network_id": "net", "status": status, "device_id": device,
                "device_owner": owner, "fixed_ips": [], "created_at": when,
                "updated_at": when}  # fmt: skip

    @staticmethod
    def _rule(rid: str, low: int | None, high: int | None, prefix: str | None, group: str | None) -> dict[str, Any]:  # fmt: skip
        return {"id": rid, "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp" if low else None,
                "port_range_min": low, "port_range_max": high, "remote_ip_prefix": prefix,
                "remote_group_id": group}  # fmt: skip


class AuditFakeCloud(FakeCloud):
    """``FakeCloud`` plus the endpoints the audits read."""

    def __init__(self, estate: Estate) -> None:
        super().__init__(estate)
        self.extra = AuditEstate(estate)

    def catalog(self) -> list[dict[str, Any]]:
        entries = super().catalog()
        network = dict(entries[0])
        network.update(type="network", name="neutron", id="network")
        network["endpoints"] = [
            {**e, "id": f"network-{e['interface']}", "url": f"{self.url}/network"}
            for e in entries[0]["endpoints"]
        ]
        return [*entries, network]

    def route(
        self, method: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        q = {k: v[-1] for k, v in query.items()}
        if path.rstrip("/") == "/network":
            self.count("neutron discovery")
            return 200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
                {"rel": "self", "href": f"{self.url}/network/v2.0/"}]}]}  # fmt: skip
        if path.startswith("/network/v2.0/"):
            rest = path[len("/network/v2.0/") :].removesuffix(".json")
            self.count(f"neutron GET /{rest}")
            items = {
                "floatingips": self.extra.fips,
                "ports": self.extra.ports,
                "security-groups": self.extra.groups,
            }.get(rest)
            if items is None:
                return 404, {"error": rest}
            if "project_id" in q:
                items = [i for i in items if i["project_id"] == q["project_id"]]
            key = rest.replace("-", "_")
            return 200, self._page(items, q, key, path, query)
        if path == "/compute/v2.1/os-migrations":
            self.count("nova GET /os-migrations")
            return 200, {"migrations": []}
        if path.rstrip("/") == "/placement/resource_providers":
            self.count("placement GET /resource_providers")
            return 200, {"resource_providers": [
                {"uuid": h["id"], "name": h["hypervisor_hostname"], "generation": 1,
                 "root_provider_uuid": h["id"], "parent_provider_uuid": None}
                for h in self.estate.hypervisors]}  # fmt: skip
        parts = path.split("/")
        if (
            path.startswith("/placement/resource_providers/")
            and parts[-1] == "allocations"
        ):
            self.count("placement GET /resource_providers/{uuid}/allocations")
            return 200, {"allocations": self.extra.allocations.get(parts[3], {}),
                         "resource_provider_generation": 1}  # fmt: skip
        if path.startswith("/placement/allocations/"):
            self.count("placement GET /allocations/{consumer}")
            found = self.extra.orphans.get(parts[-1], {"allocations": {}})
            return 200, found
        return super().route(method, path, query)


def serve(size: Size, ready: Any, stop: Any) -> None:
    """Child process: build the estate, serve it until ``stop`` is set."""
    cloud = AuditFakeCloud(Estate.build(size))
    cloud.start()
    extra = cloud.extra
    ready.put(
        (
            cloud.url,
            {
                "audit.floating_ips.unattached": extra.unattached_fips,
                "audit.ports.orphaned": extra.orphaned_ports,
                "audit.servers.of_inactive_owners": extra.inactive_servers,
                "audit.projects.without_members": extra.memberless,
                "audit.security_groups.open": extra.open_rules,
                "audit.placement.orphan_allocations": len(extra.orphans),
            },
        )
    )
    stop.wait(timeout=3600)
    cloud.stop()


def stats(url: str, reset: bool = False) -> dict[str, int]:
    """The server's request counts (optionally reset)."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{url}/__stats{'?reset=1' if reset else ''}") as r:
        return dict(json.loads(r.read()))


def run_once(url: str) -> tuple[dict[str, Any], float, float]:
    """audit.all over every project: (result, wall seconds, CPU seconds)."""
    import openstack

    from workflows import audit

    warnings.filterwarnings("ignore")
    conn = openstack.connect(
        auth_url=f"{url}/identity/v3",
        username="admin",
        password="secret",
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name="RegionOne",
    )
    conn.authorize()
    stats(url, reset=True)
    wall, cpu = time.perf_counter(), time.process_time()
    result = audit.all_audits(conn, None, None, {}, output_type="to_string")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    conn.close()
    return (result.result if hasattr(result, "result") else result), wall, cpu


def measure(
    size: Size,
) -> tuple[dict[str, int], dict[str, int], float, float, dict[str, Any]]:
    """Serve ``size``, run audit.all once: (calls, expected counts, wall, cpu, result)."""
    ctx = multiprocessing.get_context("fork")
    ready, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=serve, args=(size, ready, stop), daemon=True)
    child.start()
    try:
        url, expected = ready.get(timeout=600)
        result, wall, cpu = run_once(url)
        calls = stats(url)
    finally:
        stop.set()
        child.join(timeout=10)
    return calls, expected, wall, cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--hypervisors", type=int, default=200)
    args = parser.parse_args()
    size = Size(servers=args.servers, users=args.users, projects=args.projects,
                hypervisors=args.hypervisors)  # fmt: skip
    small = Size(servers=max(10, args.servers // 10), users=max(10, args.users // 10),
                 projects=max(10, args.projects // 10), hypervisors=args.hypervisors)  # fmt: skip
    print(f"estate: {size.servers} servers, {size.users} users, {size.projects} "
          f"projects, {size.hypervisors} hypervisors (MAX_LIMIT {MAX_LIMIT}/page)")  # fmt: skip
    calls, expected, wall, cpu, result = measure(size)
    print(f"audit.all: {wall:.2f} s wall, {cpu:.2f} s CPU (client only)")
    print(f"summary: {result['summary']}")
    wrong = 0
    for name, count in result["counts"].items():
        want = expected.get(name)
        mark = (
            ""
            if want is None
            else (" ok" if want == count else f" WRONG (expected {want})")
        )
        wrong += bool(want is not None and want != count)
        print(f"  {name}: {count}{mark}")
    print("API calls:")
    for label, n in sorted(calls.items()):
        print(f"  {n:6d}  {label}")
    small_calls, *_ = measure(small)
    per_page = {  # paginated listings: their page count follows the estate
        "nova GET /servers/detail",
        "neutron GET /ports",
        "neutron GET /floatingips",
        "neutron GET /security-groups",
        "glance GET /v2/images",
    }
    grew = {
        k: (small_calls.get(k, 0), n) for k, n in calls.items()
        if small_calls.get(k, 0) != n and k not in per_page
    }  # fmt: skip
    print(
        f"calls at {small.servers} servers vs {size.servers}: "
        + (
            "the same per resource type (pages aside)"
            if not grew
            else f"differ: {grew}"
        )
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
