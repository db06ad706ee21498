"""A real Alertmanager and Icinga 2 on 127.0.0.1 for trying the monitoring actions.

The same services the integration tests start (``alertmanager_server``,
``icinga_server``: Debian's binaries on private temp config, Icinga with one host
and a ``nova-compute`` service per local-cloud hypervisor), started in the
foreground until Ctrl-C. It writes a pack config: the local cloud's
``openstack_ops.yaml`` plus the accounts ``local-am`` and ``local-icinga``, made
the defaults, so the maintenance runbook can be run by hand::

    .venv/bin/python tests/integration/monitoring_local.py
    ./run_action.sh hypervisor.maintenance.start --config .devcloud/monitoring.yaml \\
        hypervisor=devcloud-hv4 reason=test end=2030-01-01T00:00:00Z

``--print-state`` (with the same ``--config``) prints the silences and downtimes
the services hold, as their own APIs list them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import requests
import yaml

CHECKOUT = Path(__file__).resolve().parents[2]
if __name__ == "__main__":
    for _path in (CHECKOUT, Path(__file__).parent):
        if str(_path) not in sys.path:
            sys.path.insert(0, str(_path))
from alertmanager_server import start_alertmanager  # noqa: E402
from icinga_server import start_icinga  # noqa: E402

from tools.run_action.config import devcloud_dir  # noqa: E402

AM_ACCOUNT = "local-am"
ICINGA_ACCOUNT = "local-icinga"
#: The local cloud's hypervisors report as ``instance=<host>`` in these alerts.
HOST_MATCHER = "instance={host}"


def monitoring_config(
    base: dict[str, Any], alertmanager_url: str, icinga: dict[str, str]
) -> dict[str, Any]:
    """``base`` (a pack config) with the two local accounts added as the defaults."""
    config = dict(base)
    config["alertmanager_accounts"] = [
        {"name": AM_ACCOUNT, "url": alertmanager_url, "host_matcher": HOST_MATCHER}
    ]
    config["default_alertmanager_account"] = AM_ACCOUNT
    config["icinga_accounts"] = [{"name": ICINGA_ACCOUNT, **icinga}]
    config["default_icinga_account"] = ICINGA_ACCOUNT
    return config


def print_state(config_path: Path) -> int:
    """Print the live silences and the downtimes, read from the services' APIs."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    am = config["alertmanager_accounts"][0]
    silences = requests.get(f"{am['url']}/api/v2/silences", timeout=10).json()
    live = [
        {"id": s["id"], "matchers": s["matchers"], "comment": s["comment"]}
        for s in silences
        if s["status"]["state"] in ("active", "pending")
    ]
    ic = config["icinga_accounts"][0]
    answer = requests.get(
        f"{ic['url']}/v1/objects/downtimes",
        auth=(ic["username"], ic["password"]),
        verify=ic["ca_file"],
        headers={"Accept": "application/json"},
        timeout=10,
    ).json()
    downtimes = [
        {
            "host": d["attrs"]["host_name"],
            "service": d["attrs"]["service_name"],
            "comment": d["attrs"]["comment"],
        }
        for d in answer["results"]
    ]
    print(json.dumps({"silences": live, "downtimes": downtimes}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        type=Path,
        default=devcloud_dir() / "monitoring.yaml",
        help="the pack config to write (default: %(default)s)",
    )
    parser.add_argument(
        "--base",
        type=Path,
        default=devcloud_dir() / "openstack_ops.yaml",
        help="the pack config to extend (default: %(default)s)",
    )
    parser.add_argument(
        "--print-state",
        action="store_true",
        help="print the silences and downtimes of the services --config names",
    )
    args = parser.parse_args(argv)
    if args.print_state:
        return print_state(args.config)
    base = yaml.safe_load(args.base.read_text(encoding="utf-8")) or {}
    alertmanager = start_alertmanager()
    try:
        icinga = start_icinga()
    except BaseException:
        alertmanager.stop()
        raise
    try:
        account = {
            "url": icinga.url,
            "username": icinga.username,
            "password": icinga.password,
            "ca_file": icinga.ca_file,
        }
        config = monitoring_config(base, alertmanager.url, account)
        args.config.write_text(yaml.safe_dump(config, sort_keys=False))
        os.chmod(args.config, 0o600)
        print(f"Alertmanager: {alertmanager.url} (account {AM_ACCOUNT})")
        print(f"Icinga 2:     {icinga.url} (account {ICINGA_ACCOUNT})")
        print(f"pack config:  {args.config}   (Ctrl-C stops both services)")
        sys.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        icinga.stop()
        alertmanager.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
