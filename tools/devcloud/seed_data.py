"""The deterministic estate ``devcloud seed`` creates, and the answers it implies.

Only plain data lives here (standard library only), so tests can import it to
know what to expect. ``seed.py`` creates it; ``$STATE/seed.json`` records the
ids. Names are unique across the estate.
"""

from __future__ import annotations

from collections import Counter

#: The extra (non-Default) domain.
EXTRA_DOMAIN = "research"

DOMAINS: list[dict[str, str]] = [
    {"name": "Default", "description": "The default domain"},
    {"name": EXTRA_DOMAIN, "description": "University research groups"},
]

PROTECTED_PROJECT = "ops-infra"
IMMUTABLE_PROJECT = "billing-core"

PROJECTS: list[dict[str, object]] = [
    {
        "name": PROTECTED_PROJECT,
        "domain": "Default",
        "description": "Monitoring and tooling of the operations team (protected)",
        "tags": ["protected"],
    },
    {
        "name": IMMUTABLE_PROJECT,
        "domain": "Default",
        "description": "Billing services; must never be deleted",
        "tags": ["immutable", "production"],
    },
    {
        "name": "web-shop",
        "domain": "Default",
        "description": "Online shop",
        "tags": ["production"],
    },
    {
        "name": "legacy-apps",
        "domain": "Default",
        "description": "Apps to retire",
        "tags": [],
    },
    {
        "name": "data-science",
        "domain": EXTRA_DOMAIN,
        "description": "ML research",
        "tags": ["gpu"],
    },
    {
        "name": "student-labs",
        "domain": EXTRA_DOMAIN,
        "description": "Teaching labs",
        "tags": [],
    },
]

#: Users; ``email`` None means the user has no email address.
USERS: list[dict[str, object]] = [
    {"name": "alice", "domain": "Default", "email": "alice@devcloud.test"},
    {"name": "bob", "domain": "Default", "email": "bob@devcloud.test"},
    {"name": "carol", "domain": "Default", "email": "carol@devcloud.test"},
    {"name": "dave", "domain": "Default", "email": "dave@devcloud.test"},
    {"name": "erin", "domain": "Default", "email": "erin@devcloud.test"},
    {"name": "frank", "domain": "Default", "email": "frank@devcloud.test"},
    {"name": "svc-backup", "domain": "Default", "email": None},
    {"name": "grace", "domain": EXTRA_DOMAIN, "email": "grace@research.devcloud.test"},
    {"name": "heidi", "domain": EXTRA_DOMAIN, "email": "heidi@research.devcloud.test"},
    {"name": "ivan", "domain": EXTRA_DOMAIN, "email": "ivan@research.devcloud.test"},
    {"name": "judy", "domain": EXTRA_DOMAIN, "email": "judy@research.devcloud.test"},
    {
        "name": "mallory",
        "domain": EXTRA_DOMAIN,
        "email": "mallory@research.devcloud.test",
    },
]

GROUPS: list[dict[str, object]] = [
    {"name": "ops-team", "domain": "Default", "members": ["alice", "bob"]},
    {"name": "web-devs", "domain": "Default", "members": ["carol", "dave", "erin"]},
    {
        "name": "researchers",
        "domain": EXTRA_DOMAIN,
        "members": ["grace", "heidi", "ivan"],
    },
]

#: (kind, actor, project, role); kind is "user" or "group".
ROLE_ASSIGNMENTS: list[tuple[str, str, str, str]] = [
    ("group", "ops-team", PROTECTED_PROJECT, "admin"),
    ("group", "ops-team", IMMUTABLE_PROJECT, "reader"),
    ("user", "frank", IMMUTABLE_PROJECT, "member"),
    ("group", "web-devs", "web-shop", "member"),
    ("user", "alice", "web-shop", "reader"),
    ("user", "frank", "legacy-apps", "member"),
    ("user", "svc-backup", "legacy-apps", "member"),
    ("group", "researchers", "data-science", "member"),
    ("user", "judy", "student-labs", "member"),
    ("user", "mallory", "student-labs", "reader"),
    ("user", "grace", "student-labs", "member"),
]

#: User each project's servers and image uploads are made as (a member there).
PROJECT_OPERATORS: dict[str, str] = {
    PROTECTED_PROJECT: "alice",
    IMMUTABLE_PROJECT: "frank",
    "web-shop": "carol",
    "legacy-apps": "frank",
    "data-science": "grace",
    "student-labs": "judy",
}

LEGACY_FLAVOR = "m1.legacy"
GPU_FLAVOR = "g1.gpu.large"

FLAVORS: list[dict[str, object]] = [
    {"name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1, "extra_specs": {}},
    {"name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20, "extra_specs": {}},
    {"name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40, "extra_specs": {}},
    {
        "name": LEGACY_FLAVOR,
        "vcpus": 1,
        "ram": 1024,
        "disk": 10,
        "description": "Old generation: to decommission",
        "extra_specs": {},
    },
    {
        "name": GPU_FLAVOR,
        "vcpus": 8,
        "ram": 32768,
        "disk": 80,
        "description": "One NVIDIA A100 (vGPU)",
        "extra_specs": {"resources:VGPU": "1", "trait:CUSTOM_GPU_A100": "required"},
    },
]

LEGACY_IMAGE = "centos-7-legacy"
SHARED_IMAGE = "ds-notebook-base"

#: Images; ``owner`` None means the admin project. Data is tiny RAW bytes.
IMAGES: list[dict[str, object]] = [
    {
        "name": "cirros-0.6",
        "visibility": "public",
        "owner": None,
        "properties": {"os_distro": "cirros"},
        "age_days": 500,
    },
    {
        "name": "ubuntu-24.04",
        "visibility": "public",
        "owner": None,
        "properties": {"os_distro": "ubuntu"},
        "age_days": 420,
    },
    {
        "name": LEGACY_IMAGE,
        "visibility": "public",
        "owner": None,
        "properties": {"os_distro": "centos", "decommission": "true"},
        "age_days": 900,
    },
    {
        "name": SHARED_IMAGE,
        "visibility": "shared",
        "owner": "data-science",
        "members": ["student-labs"],
        "properties": {"os_distro": "ubuntu"},
        "age_days": 60,
    },
]
IMAGE_BYTES = 64 * 1024

EXTERNAL_NETWORK = "ext-net"
SHARED_NETWORK = "shared-net"

NETWORKS: list[dict[str, object]] = [
    {
        "name": EXTERNAL_NETWORK,
        "external": True,
        "shared": False,
        "provider": {"network_type": "flat", "physical_network": "physnet1"},
        "subnet": {
            "name": "ext-subnet",
            "cidr": "203.0.113.0/24",
            "gateway_ip": "203.0.113.1",
            "enable_dhcp": False,
            "allocation_pools": [{"start": "203.0.113.100", "end": "203.0.113.200"}],
        },
    },
    {
        "name": SHARED_NETWORK,
        "external": False,
        "shared": True,
        "provider": None,
        "subnet": {
            "name": "shared-subnet",
            "cidr": "10.10.0.0/24",
            "enable_dhcp": True,
        },
    },
]

#: Hosts that hold servers and the host the seed disables.
SERVER_HOSTS = ["devcloud-hv1", "devcloud-hv2"]
DISABLED_HOST = "devcloud-hv3"
#: Enabled and empty after seeding: the scratch host for migration and drain tests.
SCRATCH_HOST = "devcloud-hv4"
DISABLED_REASON = "Hardware maintenance: DIMM replacement (ticket OPS-1234)"

#: Servers. ``age_days``/``updated_days`` set created_at/updated_at that many days
#: ago (directly in Nova's cell database: the API does not allow it).
SERVERS: list[dict[str, object]] = [
    {
        "name": "ops-monitor",
        "project": PROTECTED_PROJECT,
        "flavor": "m1.small",
        "image": "ubuntu-24.04",
        "host": "devcloud-hv1",
        "status": "ACTIVE",
        "age_days": 400,
        "updated_days": 3,
    },
    {
        "name": "billing-api",
        "project": IMMUTABLE_PROJECT,
        "flavor": "m1.medium",
        "image": "ubuntu-24.04",
        "host": "devcloud-hv2",
        "status": "ACTIVE",
        "age_days": 300,
        "updated_days": 10,
    },
    {
        "name": "web-01",
        "project": "web-shop",
        "flavor": "m1.small",
        "image": "ubuntu-24.04",
        "host": "devcloud-hv1",
        "status": "ACTIVE",
        "age_days": 200,
        "updated_days": 1,
    },
    {
        "name": "web-02",
        "project": "web-shop",
        "flavor": "m1.small",
        "image": "ubuntu-24.04",
        "host": "devcloud-hv2",
        "status": "ACTIVE",
        "age_days": 200,
        "updated_days": 2,
    },
    {
        "name": "web-old",
        "project": "web-shop",
        "flavor": "m1.tiny",
        "image": "cirros-0.6",
        "host": "devcloud-hv1",
        "status": "SHUTOFF",
        "age_days": 180,
        "updated_days": 120,
    },
    {
        "name": "legacy-app",
        "project": "legacy-apps",
        "flavor": LEGACY_FLAVOR,
        "image": LEGACY_IMAGE,
        "host": "devcloud-hv1",
        "status": "ACTIVE",
        "age_days": 365,
        "updated_days": 90,
    },
    {
        "name": "legacy-db",
        "project": "legacy-apps",
        "flavor": LEGACY_FLAVOR,
        "image": LEGACY_IMAGE,
        "host": "devcloud-hv2",
        "status": "SHUTOFF",
        "age_days": 330,
        "updated_days": 60,
    },
    {
        "name": "ds-train-01",
        "project": "data-science",
        "flavor": "m1.medium",
        "image": SHARED_IMAGE,
        "host": "devcloud-hv2",
        "status": "ACTIVE",
        "age_days": 45,
        "updated_days": 5,
    },
    {
        "name": "ds-broken",
        "project": "data-science",
        "flavor": "m1.small",
        "image": "ubuntu-24.04",
        "host": "devcloud-hv1",
        "status": "ERROR",
        "age_days": 30,
        "updated_days": 29,
    },
    {
        "name": "lab-vm-01",
        "project": "student-labs",
        "flavor": "m1.tiny",
        "image": SHARED_IMAGE,
        "host": "devcloud-hv2",
        "status": "ERROR",
        "age_days": 14,
        "updated_days": 14,
    },
]


def users_without_email() -> list[str]:
    """Names of seeded users that have no email."""
    return sorted(str(u["name"]) for u in USERS if not u["email"])


def expected() -> dict[str, object]:
    """Answers a test can check against the seeded estate."""
    by_status = Counter(str(s["status"]) for s in SERVERS)
    by_host = Counter(str(s["host"]) for s in SERVERS)
    return {
        "users_without_email": users_without_email(),
        "servers_by_status": dict(sorted(by_status.items())),
        "servers_by_host": dict(sorted(by_host.items())),
        "servers_on_legacy_flavor": sorted(
            str(s["name"]) for s in SERVERS if s["flavor"] == LEGACY_FLAVOR
        ),
        "servers_on_legacy_image": sorted(
            str(s["name"]) for s in SERVERS if s["image"] == LEGACY_IMAGE
        ),
        "projects_in_extra_domain": sorted(
            str(p["name"]) for p in PROJECTS if p["domain"] == EXTRA_DOMAIN
        ),
        "protected_projects": ["admin", "service", PROTECTED_PROJECT],
        "immutable_projects": [IMMUTABLE_PROJECT],
        "disabled_compute_service": {"host": DISABLED_HOST, "reason": DISABLED_REASON},
    }
