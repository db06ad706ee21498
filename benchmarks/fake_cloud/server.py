"""The HTTP side of the synthetic cloud: Keystone (token + catalog, unpaginated lists),
Nova (``limit``/``marker`` pagination, at most 1000 per page), Glance v2 (``next``
links) and Placement, counting every request per endpoint."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from dateutil import parser as date_parser

from benchmarks.fake_cloud.estate import Estate, capacity

MAX_LIMIT = 1000
TOKEN = "fake-token"


class FakeCloud:
    """Serves an ``Estate``; ``calls`` counts requests by endpoint label."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._by_id = {s["id"]: s for s in estate.servers}

    def count(self, label: str) -> None:
        with self._lock:
            self.calls[label] += 1

    def start(self) -> None:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---------------------------------------------------------------- catalog
    def catalog(self) -> list[dict[str, Any]]:
        def entry(kind: str, path: str) -> dict[str, Any]:
            return {
                "type": kind,
                "name": kind,
                "id": kind,
                "endpoints": [
                    {
                        "id": f"{kind}-{i}",
                        "interface": i,
                        "region": "RegionOne",
                        "region_id": "RegionOne",
                        "url": f"{self.url}{path}",
                    }
                    for i in ("public", "internal", "admin")
                ],
            }

        return [
            entry("identity", "/identity/v3"),
            entry("compute", "/compute/v2.1"),
            entry("image", "/image"),
            entry("placement", "/placement"),
        ]

    def token_body(self) -> dict[str, Any]:
        expires = datetime.now(UTC) + timedelta(hours=1)
        return {
            "token": {
                "methods": ["password"],
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "issued_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "user": {
                    "id": "admin",
                    "name": "admin",
                    "domain": {"id": "default", "name": "Default"},
                },
                "project": {
                    "id": "adminproject",
                    "name": "admin",
                    "domain": {"id": "default", "name": "Default"},
                },
                "roles": [{"id": "admin", "name": "admin"}],
                "catalog": self.catalog(),
            }
        }

    # ----------------------------------------------------------------- routing
    def route(
        self, method: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        q = {k: v[-1] for k, v in query.items()}
        if path == "/__stats":
            with self._lock:
                counts = dict(self.calls)
                if q.get("reset"):
                    self.calls.clear()
            return 200, counts
        if path.startswith("/__truth/"):
            return 200, {"digest": self.truth(path[len("/__truth/") :])}
        if path in ("/identity", "/identity/", "/identity/v3", "/identity/v3/"):
            self.count("keystone discovery")
            return 200, {
                "version": {
                    "id": "v3.14",
                    "status": "stable",
                    "links": [{"rel": "self", "href": f"{self.url}/identity/v3/"}],
                }
            }
        if path == "/identity/v3/auth/tokens" and method == "POST":
            self.count("keystone POST /auth/tokens")
            return 201, self.token_body()
        if path.startswith("/identity/v3/"):
            return self.keystone(path[len("/identity/v3/") :], q)
        if path.rstrip("/") in ("/compute", "/compute/v2.1"):
            self.count("nova discovery")
            return 200, {
                "version": {
                    "id": "v2.1",
                    "status": "CURRENT",
                    "version": "2.96",
                    "min_version": "2.1",
                    "links": [{"rel": "self", "href": f"{self.url}/compute/v2.1/"}],
                }
            }
        if path.startswith("/compute/v2.1/"):
            return self.nova(path[len("/compute/v2.1/") :], q, query)
        if path.rstrip("/") == "/image":
            self.count("glance discovery")
            return 200, {
                "versions": [
                    {
                        "id": "v2.16",
                        "status": "CURRENT",
                        "links": [{"rel": "self", "href": f"{self.url}/image/v2/"}],
                    }
                ]
            }
        if path.startswith("/image/v2/images"):
            return self.glance(q)
        if path.rstrip("/") == "/image/v2":
            self.count("glance discovery")
            return 200, {
                "versions": [
                    {
                        "id": "v2.16",
                        "status": "CURRENT",
                        "links": [{"rel": "self", "href": f"{self.url}/image/v2/"}],
                    }
                ]
            }
        if path.rstrip("/") == "/placement":
            self.count("placement discovery")
            return 200, {
                "versions": [
                    {
                        "id": "v1.0",
                        "min_version": "1.0",
                        "max_version": "1.39",
                        "status": "CURRENT",
                        "links": [{"rel": "self", "href": f"{self.url}/placement/"}],
                    }
                ]
            }
        if path.startswith("/placement/"):
            return self.placement(path[len("/placement/") :], q)
        return 404, {"error": path}

    def keystone(self, rest: str, q: dict[str, str]) -> tuple[int, Any]:
        self.count(f"keystone GET /{rest.split('/')[0]}")
        if rest == "users":
            users = [
                u
                for u in self.estate.users
                if all(u.get(k) == q[k] for k in ("domain_id", "name") if k in q)
            ]
            return 200, {"users": users, "links": {"next": None}}
        for kind in ("users", "projects"):
            if rest.startswith(f"{kind}/"):
                key = rest.split("/", 1)[1]
                for entity in getattr(self.estate, kind):
                    if entity["id"] == key:
                        return 200, {kind[:-1]: entity}
                return 404, {"error": {"code": 404, "message": f"no {kind[:-1]}"}}
        if rest == "projects":
            projects = [
                p
                for p in self.estate.projects
                if all(p.get(k) == q[k] for k in ("domain_id", "name") if k in q)
            ]
            return 200, {"projects": projects, "links": {"next": None}}
        if rest == "domains":
            found = [
                d for d in self.estate.domains if d["name"] == q.get("name", d["name"])
            ]
            return 200, {"domains": found, "links": {"next": None}}
        if rest.startswith("domains/"):
            key = rest.split("/", 1)[1]
            for d in self.estate.domains:
                if d["id"] == key:
                    return 200, {"domain": d}
            return 404, {"error": {"code": 404, "message": "no domain"}}
        if rest == "role_assignments":
            found = [
                a
                for a in self.estate.assignments
                if "user.id" not in q or a["user"]["id"] == q["user.id"]
            ]
            return 200, {"role_assignments": found, "links": {"next": None}}
        return 404, {"error": rest}

    def _page(
        self,
        items: list[dict[str, Any]],
        q: dict[str, str],
        key: str,
        base: str,
        query: dict[str, list[str]],
    ) -> dict[str, Any]:
        limit = min(int(q.get("limit", MAX_LIMIT)), MAX_LIMIT)
        start = 0
        if "marker" in q:
            ids = [i["id"] for i in items]
            start = ids.index(q["marker"]) + 1
        page = items[start : start + limit]
        body: dict[str, Any] = {key: page}
        if len(page) == limit and start + limit < len(items) + 1 and page:
            params = {k: v for k, v in query.items() if k != "marker"}
            params["marker"] = [page[-1]["id"]]
            body[f"{key}_links"] = [
                {
                    "rel": "next",
                    "href": f"{self.url}{base}?{urlencode(params, doseq=True)}",
                }
            ]
        return body

    def nova(
        self, rest: str, q: dict[str, str], query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        self.count(f"nova GET /{rest}")
        if rest == "servers/detail":
            servers = self.estate.servers
            statuses = query.get("status")
            if statuses:
                servers = [s for s in servers if s["status"] in statuses]
            for key, field in (
                ("user_id", "user_id"),
                ("project_id", "tenant_id"),
                ("node", "OS-EXT-SRV-ATTR:hypervisor_hostname"),
            ):
                if key in q:
                    servers = [s for s in servers if s[field] == q[key]]
            if "changes-since" in q:
                since = date_parser.isoparse(q["changes-since"])
                servers = [
                    s for s in servers if date_parser.isoparse(s["updated"]) >= since
                ]
            return 200, self._page(
                servers, q, "servers", "/compute/v2.1/servers/detail", query
            )
        if rest == "os-hypervisors/detail":
            hvs = self.estate.hypervisors
            if q.get("with_servers") not in ("True", "true", "1"):
                hvs = [{k: v for k, v in h.items() if k != "servers"} for h in hvs]
            return 200, self._page(
                hvs, q, "hypervisors", "/compute/v2.1/os-hypervisors/detail", query
            )
        if rest == "flavors/detail" or rest == "flavors":
            return 200, self._page(
                self.estate.flavors, q, "flavors", f"/compute/v2.1/{rest}", query
            )
        if rest == "os-aggregates":
            return 200, {"aggregates": []}
        return 404, {"error": rest}

    def glance(self, q: dict[str, str]) -> tuple[int, Any]:
        self.count("glance GET /v2/images")
        images = self.estate.images
        limit = min(int(q.get("limit", 25)), MAX_LIMIT)
        start = 0
        if "marker" in q:
            start = [i["id"] for i in images].index(q["marker"]) + 1
        page = images[start : start + limit]
        body: dict[str, Any] = {"images": page}
        if start + limit < len(images):
            params = {k: v for k, v in q.items() if k != "marker"}
            params["marker"] = page[-1]["id"]
            body["next"] = f"/v2/images?{urlencode(params)}"
        return 200, body

    def placement(self, rest: str, q: dict[str, str]) -> tuple[int, Any]:
        self.count(f"placement GET /{rest.split('/')[0]}")
        if rest == "allocation_candidates":
            rc, amount = q["resources"].split(":")
            summaries = {}
            for rp, inv in self.estate.inventories.items():
                caps = {
                    c: int((i["total"] - i["reserved"]) * i["allocation_ratio"])
                    for c, i in inv.items()
                }
                used = self.estate.usages[rp]
                if caps[rc] - used[rc] >= int(amount):
                    summaries[rp] = {
                        "resources": {
                            c: {"capacity": caps[c], "used": used[c]} for c in inv
                        }
                    }
            return 200, {"allocation_requests": [], "provider_summaries": summaries}
        parts = rest.split("/")
        if len(parts) == 3 and parts[0] == "resource_providers":
            rp = parts[1]
            if parts[2] == "inventories":
                return 200, {
                    "inventories": self.estate.inventories[rp],
                    "resource_provider_generation": 1,
                }
            return 200, {
                "usages": self.estate.usages[rp],
                "resource_provider_generation": 1,
            }
        return 404, {"error": rest}

    # ------------------------------------------------------------ ground truth
    def truth(self, scenario: str) -> str:
        """The fingerprint of the right answer of benchmark ``scenario``, computed
        from the estate directly (see ``benchmarks/query_bench.py``)."""
        estate = self.estate
        users = {u["id"]: u for u in estate.users}
        projects = {p["id"]: p for p in estate.projects}
        limit = datetime.now(UTC) - timedelta(days=60)
        old_shutoff = [
            s
            for s in estate.servers
            if s["status"] == "SHUTOFF" and date_parser.isoparse(s["created"]) < limit
        ]
        if scenario == "a":
            lines = [
                f"{s['id']}|{users[s['user_id']]['email']}|"
                f"{projects[s['tenant_id']]['name']}"
                for s in old_shutoff
            ]
        elif scenario == "b":
            lines = [
                f"{h['hypervisor_hostname']}|{h['status']}|{len(h['servers'])}|"
                f"{estate.usages[h['id']]['VCPU']}|"
                f"{estate.usages[h['id']]['MEMORY_MB']}|"
                f"{estate.usages[h['id']]['DISK_GB']}|"
                f"{capacity(estate.inventories[h['id']]['VCPU'])}"
                for h in estate.hypervisors
            ]
        elif scenario == "c":
            research = estate.domains[1]["id"]
            lines = [
                f"{s['name']}|{s['status']}|{users[s['user_id']]['name']}"
                for s in estate.servers
                if users[s["user_id"]]["domain_id"] == research
            ]
        elif scenario == "d":
            lines = [
                f"{uid}|{users[uid]['email']}"
                for uid in {s["user_id"] for s in old_shutoff}
            ]
        else:
            return f"unknown scenario {scenario!r}"
        digest = hashlib.sha256()
        for line in sorted(lines):
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()[:16]

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without TCP_NODELAY each
            # answer waits ~40 ms for the client's delayed ACK (Nagle), which a
            # real API server does not do and which would dominate small calls
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                parts = urlsplit(self.path)
                status, body = cloud.route(method, parts.path, parse_qs(parts.query))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 201:
                    self.send_header("X-Subject-Token", TOKEN)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler
