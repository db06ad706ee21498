"""Create the deterministic devcloud estate and record it in ``$STATE/seed.json``.

Run by ``devcloud seed`` with the services virtualenv's Python. Idempotent:
every resource is looked up by name first, and the timestamps are relative to
an anchor kept from the first run, so a re-run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import seed_data as data
from cloud_setup import admin_connection
from devcloudlib.progress import say
from devcloudlib.state import State
from seedlib.compute import seed_disabled_service, seed_flavors, seed_servers
from seedlib.context import SeedContext
from seedlib.identity import seed_identity
from seedlib.images import seed_images
from seedlib.network import seed_networks
from seedlib.timestamps import seed_timestamps


def anchor_time(path) -> dt.datetime:
    """The anchor of the relative timestamps: kept from a previous seed."""
    if path.exists():
        previous = json.loads(path.read_text()).get("anchor")
        if previous:
            return dt.datetime.fromisoformat(previous.rstrip("Z"))
    return dt.datetime.now(dt.UTC).replace(
        tzinfo=None, minute=0, second=0, microsecond=0
    )


def main() -> None:
    """Run every seed step and write seed.json."""
    state = State.from_env()
    out = state.root / "seed.json"
    anchor = anchor_time(out)
    ctx = SeedContext(state=state, admin=admin_connection(state))
    steps = [
        ("identity", lambda: seed_identity(ctx)),
        ("flavors", lambda: seed_flavors(ctx)),
        ("images", lambda: seed_images(ctx)),
        ("networks", lambda: seed_networks(ctx)),
        ("disabled compute service", lambda: seed_disabled_service(ctx)),
        ("servers", lambda: seed_servers(ctx)),
        ("timestamps (database)", lambda: seed_timestamps(ctx, anchor)),
    ]
    for name, step in steps:
        started = time.monotonic()
        step()
        say(f"seeded {name} ({time.monotonic() - started:.1f} s)")
    record = {
        "anchor": anchor.isoformat() + "Z",
        "protected_project": data.PROTECTED_PROJECT,
        "immutable_project": data.IMMUTABLE_PROJECT,
        "extra_domain": data.EXTRA_DOMAIN,
        "legacy_flavor": data.LEGACY_FLAVOR,
        "gpu_flavor": data.GPU_FLAVOR,
        "legacy_image": data.LEGACY_IMAGE,
        "shared_image": data.SHARED_IMAGE,
        "external_network": data.EXTERNAL_NETWORK,
        "shared_network": data.SHARED_NETWORK,
        "server_hosts": data.SERVER_HOSTS,
        "scratch_host": data.SCRATCH_HOST,
        **ctx.record,
        "expected": data.expected(),
    }
    out.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    say(f"seed recorded in {out}")


if __name__ == "__main__":
    main()
