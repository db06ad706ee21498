"""Benchmark the Query library against a synthetic cloud over real HTTP.

    python benchmarks/query_bench.py [--size default|large] [--scenarios a,b,c,d]
                                     [--servers N --users N --projects N
                                      --flavors N --images N --hypervisors N]

``--size default`` is 10,000 servers / 5,000 users / 1,000 projects / 200
hypervisors; ``--size large`` is 100,000 / 20,000 / 5,000 / 1,000. Explicit counts
override the size's.

A child process serves Keystone, Nova, Glance and Placement on 127.0.0.1 with real
pagination (Nova ``limit``/``marker`` up to 1000, Glance ``next`` links, Keystone
unpaginated), so openstacksdk does the real HTTP and parsing. Each scenario runs in
a FRESH Python process (so its peak RSS is its own, measured by
``resource.getrusage``), reaching the cloud by name through a temporary clouds.yaml
as scripts do. For each scenario it prints the API calls per endpoint, the wall time,
the scenario process's CPU time (the server's CPU is not counted) and its peak RSS,
and checks the answer against ground truth computed by the server from its estate.
Everything is bounded by ``--timeout``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lib"), str(ROOT)]

from benchmarks.fake_cloud.estate import Size  # noqa: E402

#: The named estate sizes of ``--size``.
SIZES: dict[str, Size] = {
    "default": Size(),
    "large": Size(servers=100_000, users=20_000, projects=5_000, hypervisors=1_000),
}
#: The cloud name scenarios use (written to a temporary clouds.yaml).
CLOUD = "bench"


def serve(size: Size, ready: Any, stop: Any) -> None:
    """Child process: build the estate, serve it until ``stop`` is set."""
    from benchmarks.fake_cloud.estate import Estate
    from benchmarks.fake_cloud.server import FakeCloud

    cloud = FakeCloud(Estate.build(size))
    cloud.start()
    ready.put(cloud.url)
    stop.wait(timeout=3600)
    cloud.stop()


def get_json(url: str, timeout: float = 120) -> Any:
    """GET ``url`` and parse its JSON answer."""
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def digest(lines: Iterable[str]) -> str:
    """An order-independent fingerprint of result lines (sorted, hashed)."""
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def clouds_yaml(url: str, directory: Path) -> Path:
    """A clouds.yaml naming the synthetic cloud ``CLOUD``."""
    path = directory / "clouds.yaml"
    path.write_text(
        json.dumps(
            {
                "clouds": {
                    CLOUD: {
                        "auth_type": "password",
                        "auth": {
                            "auth_url": f"{url}/identity/v3",
                            "username": "admin",
                            "password": "secret",
                            "project_name": "admin",
                            "user_domain_name": "Default",
                            "project_domain_name": "Default",
                        },
                        "region_name": "RegionOne",
                    }
                }
            }
        )
    )
    return path


# ------------------------------------------------------------------ scenarios
# Each runs in its own process and returns (summary, digest of its answer); the
# server computes the same digest from its estate (FakeCloud.truth).


def scenario_a() -> tuple[str, str]:
    """SHUTOFF servers older than 60 days, all projects, + owner email + project
    name, grouped by owner, rendered to HTML per owner."""
    from openstack_query import ServerQuery

    query = (
        ServerQuery()
        .select("id", "name", "status", "created_at")
        .where("any_in", "status", values=["SHUTOFF"])
        .where("older_than", "created_at", days=60)
        .run(CLOUD, all_projects=True)
        .append_from("USER_QUERY", CLOUD, "email")
        .append_from("PROJECT_QUERY", CLOUD, "name")
        .group_by("user.email")
    )
    groups = query.grouped_rows() or {}
    pages = [query.to_html(title=f"Servers of {g}", groups=[g]) for g in groups]
    rows = query.to_props()
    assert isinstance(rows, dict)
    lines = [
        f"{r['id']}|{r['user.email']}|{r['project.name']}"
        for group in rows.values()
        for r in group
    ]
    return (
        f"{len(query)} rows, {len(groups)} owners, {sum(map(len, pages))} bytes of HTML",
        digest(lines),
    )


def scenario_b() -> tuple[str, str]:
    """Every hypervisor with Placement capacity and usage."""
    from openstack_query import HypervisorQuery

    query = (
        HypervisorQuery()
        .select(
            "name",
            "status",
            "vcpus_total",
            "vcpus_used",
            "vcpus_free",
            "memory_mb_total",
            "memory_mb_used",
            "disk_gb_total",
            "disk_gb_used",
            "server_count",
        )
        .run(CLOUD)
    )
    text = query.to_string()
    rows = query.to_props()
    assert isinstance(rows, list)
    lines = [
        f"{r['name']}|{r['status']}|{r['server_count']}|{r['vcpus_used']}|"
        f"{r['memory_mb_used']}|{r['disk_gb_used']}|{r['vcpus_total']}"
        for r in rows
    ]
    return f"{len(query)} rows, {len(text)} bytes of text", digest(lines)


def scenario_c() -> tuple[str, str]:
    """Users in one domain, then their servers (all projects)."""
    from openstack_query import UserQuery

    users = UserQuery().select("name", "email").run(CLOUD, from_domain="research")
    servers = (
        users.then("SERVER_QUERY")
        .select("name", "status")
        .run(CLOUD, all_projects=True)
    )
    rows = servers.to_props()
    assert isinstance(rows, list)
    lines = [f"{r['name']}|{r['status']}|{r['user.name']}" for r in rows]
    return f"{len(users)} users -> {len(servers)} server rows", digest(lines)


def scenario_d() -> tuple[str, str]:
    """The upstream per-owner pattern: the owners of SHUTOFF servers older than 60
    days, then ONE small query per owner by cloud name
    (``UserQuery().where("equal_to", "id", ...).run("cloud")``)."""
    from openstack_query import ServerQuery, UserQuery

    servers = (
        ServerQuery()
        .select("user_id")
        .where("any_in", "status", values=["SHUTOFF"])
        .where("older_than", "created_at", days=60)
        .run(CLOUD, all_projects=True)
    )
    owners = sorted({r["user_id"] for r in servers.to_props()})
    lines = []
    for owner in owners:
        found = (
            UserQuery()
            .select("id", "email")
            .where("equal_to", "id", value=owner)
            .run(CLOUD)
            .to_props()
        )
        lines += [f"{r['id']}|{r['email']}" for r in found]
    return f"{len(owners)} owners, one query each", digest(lines)


@dataclass(frozen=True)
class Scenario:
    """One benchmark scenario and the listings that bound its call count."""

    key: str
    title: str
    run: Callable[[], tuple[str, str]]


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario(
            "a", "a) SHUTOFF >60d + owner email + project, HTML per owner", scenario_a
        ),
        Scenario("b", "b) hypervisors with usage", scenario_b),
        Scenario("c", "c) users in a domain -> their servers", scenario_c),
        Scenario(
            "d", "d) per-owner lookups, one query per owner by cloud name", scenario_d
        ),
    )
}


def child(key: str) -> int:
    """Run one scenario in this (fresh) process; print its figures as JSON."""
    warnings.filterwarnings("ignore")
    import openstack_query  # noqa: F401 - imported before timing, as a script would

    wall, cpu = time.perf_counter(), time.process_time()
    summary, answer = SCENARIOS[key].run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "summary": summary,
                "digest": answer,
                "wall": wall,
                "cpu": cpu,
                "peak_rss_mb": peak_kb / 1024,
            }
        )
    )
    return 0


def run_scenario(
    scenario: Scenario, url: str, clouds: Path, timeout: float
) -> dict[str, Any]:
    """Run ``scenario`` in a fresh process and collect its figures, the server's
    call counts and the ground truth."""
    get_json(f"{url}/__stats?reset=1")
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(clouds), PYTHONWARNINGS="ignore")
    done = subprocess.run(
        [sys.executable, __file__, "--child", scenario.key],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scenario {scenario.key} failed:\n{done.stderr[-4000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["calls"] = get_json(f"{url}/__stats?reset=1")
    figures["truth"] = get_json(f"{url}/__truth/{scenario.key}")["digest"]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    for name in ("servers", "users", "projects", "flavors", "images", "hypervisors"):
        parser.add_argument(f"--{name}", type=int, default=None)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated keys"
    )
    parser.add_argument("--timeout", type=int, default=900, help="overall limit (s)")
    parser.add_argument("--child", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    base = SIZES[args.size]
    size = Size(
        *(
            getattr(args, n) if getattr(args, n) is not None else getattr(base, n)
            for n in (
                "servers",
                "users",
                "projects",
                "flavors",
                "images",
                "hypervisors",
            )
        )
    )
    chosen = [SCENARIOS[k.strip()] for k in args.scenarios.split(",") if k.strip()]
    signal.signal(
        signal.SIGALRM,
        lambda *_: (_ for _ in ()).throw(TimeoutError("benchmark timed out")),
    )
    signal.alarm(args.timeout)

    ctx = multiprocessing.get_context("fork")
    ready, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(size, ready, stop), daemon=True)
    server.start()
    wrong = 0
    try:
        url = ready.get(timeout=600)
        print(f"synthetic cloud at {url}: {size}")
        with tempfile.TemporaryDirectory() as tmp:
            clouds = clouds_yaml(url, Path(tmp))
            for scenario in chosen:
                f = run_scenario(scenario, url, clouds, args.timeout)
                correct = f["digest"] == f["truth"]
                wrong += not correct
                calls = f["calls"]
                print(
                    f"\n{scenario.title}\n  result: {f['summary']} "
                    f"[{'correct' if correct else 'WRONG: differs from ground truth'}]"
                    f"\n  wall {f['wall']:.2f} s, CPU {f['cpu']:.2f} s, "
                    f"peak RSS {f['peak_rss_mb']:.0f} MB, "
                    f"{sum(calls.values())} API calls"
                )
                for endpoint, count in sorted(calls.items()):
                    print(f"    {count:5d}  {endpoint}")
    finally:
        stop.set()
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
        signal.alarm(0)
    print(f"\n{len(chosen) - wrong} of {len(chosen)} scenarios correct")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
