"""Benchmark the Query library against a synthetic cloud over real HTTP.

    python benchmarks/query_bench.py [--servers 10000 --users 5000 --projects 1000
                                      --flavors 100 --images 500 --hypervisors 200]

A child process serves Keystone, Nova, Glance and Placement on 127.0.0.1 with real
pagination (Nova ``limit``/``marker`` up to 1000, Glance ``next`` links, Keystone
unpaginated), so openstacksdk does the real HTTP and parsing. For each scenario it
prints the API calls per endpoint, the wall time and this process's CPU time (the
server's CPU is not counted). Everything is bounded by ``--timeout``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import signal
import sys
import time
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lib"), str(ROOT)]

import openstack  # noqa: E402

from benchmarks.fake_cloud.estate import Estate, Size  # noqa: E402
from openstack_query import HypervisorQuery, ServerQuery, UserQuery  # noqa: E402


def serve(size: Size, ready: Any, stop: Any) -> None:
    """Child process: build the estate, serve it until ``stop`` is set."""
    from benchmarks.fake_cloud.server import FakeCloud

    cloud = FakeCloud(Estate.build(size))
    cloud.start()
    ready.put(cloud.url)
    stop.wait(timeout=3600)
    cloud.stop()


def stats(url: str, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(
        f"{url}/__stats{'?reset=1' if reset else ''}", timeout=10
    ) as r:
        return json.loads(r.read())


def connect(url: str) -> Any:
    return openstack.connect(
        load_yaml_config=False,
        load_envvars=False,
        auth_type="password",
        auth={
            "auth_url": f"{url}/identity/v3",
            "username": "admin",
            "password": "secret",
            "project_name": "admin",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        region_name="RegionOne",
    )


def scenario_a(conn: Any) -> str:
    """SHUTOFF servers older than 60 days, all projects, + owner email + project
    name, grouped by owner, rendered to HTML per owner."""
    query = (
        ServerQuery()
        .select("id", "name", "status", "created_at")
        .where("any_in", "status", values=["SHUTOFF"])
        .where("older_than", "created_at", days=60)
        .run(conn, all_projects=True)
        .append_from("USER_QUERY", conn, "email")
        .append_from("PROJECT_QUERY", conn, "name")
        .group_by("user.email")
    )
    groups = query.grouped_rows() or {}
    pages = [query.to_html(title=f"Servers of {g}", groups=[g]) for g in groups]
    return (
        f"{len(query)} rows, {len(groups)} owners, {sum(map(len, pages))} bytes of HTML"
    )


def scenario_b(conn: Any) -> str:
    """Every hypervisor with Placement capacity and usage."""
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
        .run(conn)
    )
    text = query.to_string()
    return f"{len(query)} rows, {len(text)} bytes of text"


def scenario_c(conn: Any) -> str:
    """Users in one domain, then their servers (all projects)."""
    users = UserQuery().select("name", "email").run(conn, from_domain="research")
    servers = (
        users.then("SERVER_QUERY").select("name", "status").run(conn, all_projects=True)
    )
    servers.to_props()
    return f"{len(users)} users -> {len(servers)} server rows"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Size()
    for name in ("servers", "users", "projects", "flavors", "images", "hypervisors"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    parser.add_argument("--timeout", type=int, default=300, help="overall limit (s)")
    args = parser.parse_args()
    size = Size(
        args.servers,
        args.users,
        args.projects,
        args.flavors,
        args.images,
        args.hypervisors,
    )
    warnings.filterwarnings("ignore")
    signal.signal(
        signal.SIGALRM,
        lambda *_: (_ for _ in ()).throw(TimeoutError("benchmark timed out")),
    )
    signal.alarm(args.timeout)

    ctx = multiprocessing.get_context("fork")
    ready, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=serve, args=(size, ready, stop), daemon=True)
    child.start()
    try:
        url = ready.get(timeout=120)
        print(f"synthetic cloud at {url}: {size}")
        scenarios: list[tuple[str, Callable[[Any], str], dict[str, int]]] = [
            (
                "a) SHUTOFF >60d + owner email + project, HTML per owner",
                scenario_a,
                {
                    "servers": size.servers,
                    "users": size.users,
                    "projects": size.projects,
                },
            ),
            (
                "b) hypervisors with usage",
                scenario_b,
                {"hypervisors": size.hypervisors},
            ),
            (
                "c) users in a domain -> their servers",
                scenario_c,
                {"users": size.users, "servers": size.servers},
            ),
        ]
        for title, run, rows in scenarios:
            conn = connect(url)
            stats(url, reset=True)
            wall, cpu = time.perf_counter(), time.process_time()
            summary = run(conn)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            calls = stats(url, reset=True)
            conn.close()
            bound = " + ".join(
                f"ceil({n}/1000)={math.ceil(r / 1000)}" for n, r in rows.items()
            )
            print(
                f"\n{title}\n  result: {summary}\n  wall {wall:.2f} s, CPU {cpu:.2f} s, "
                f"{sum(calls.values())} API calls (listing bound: {bound})"
            )
            for endpoint, count in sorted(calls.items()):
                print(f"    {count:4d}  {endpoint}")
    finally:
        stop.set()
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
        signal.alarm(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
