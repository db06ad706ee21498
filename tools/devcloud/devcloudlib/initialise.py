"""First-run initialisation: databases, schemas, Keystone keys and bootstrap."""

from __future__ import annotations

import getpass
import grp
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .progress import say
from .state import ADMIN_PROJECT, ADMIN_USER, DATABASES, HOST, PORTS, REGION, State


class InitError(RuntimeError):
    """An initialisation command failed; its log says why."""


def run_logged(
    state: State,
    log_name: str,
    argv: list[str],
    env: dict[str, str] | None = None,
    ok_codes: tuple[int, ...] = (0,),
) -> int:
    """Run one command, appending its output to ``logs/<log_name>.log``; its status."""
    log_path = state.log(log_name)
    with log_path.open("ab") as log:
        log.write(f"\n===== {' '.join(argv)}\n".encode())
        log.flush()
        result = subprocess.run(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=str(state.root),
        )
    if result.returncode not in ok_codes:
        raise InitError(
            f"{argv[0]} {argv[-1]} failed (exit {result.returncode}): see {log_path}"
        )
    return result.returncode


def init_mariadb_datadir(state: State) -> None:
    """Create the private MariaDB data directory if it does not exist yet."""
    datadir = state.data / "mysql"
    if (datadir / "mysql").is_dir():
        return
    shutil.rmtree(datadir, ignore_errors=True)
    say("initialising the MariaDB data directory")
    run_logged(
        state,
        "init-mariadb",
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root" if os.geteuid() == 0 else f"--user={getpass.getuser()}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
    )


def create_databases(state: State) -> None:
    """Create every service database and the ``devcloud`` SQL user."""
    password = state.secrets()["db"]
    sql = [f"CREATE DATABASE IF NOT EXISTS {name};" for name in DATABASES]
    sql += [
        f"CREATE USER IF NOT EXISTS 'devcloud'@'{HOST}' IDENTIFIED BY '{password}';",
        f"GRANT ALL PRIVILEGES ON *.* TO 'devcloud'@'{HOST}';",
        "FLUSH PRIVILEGES;",
    ]
    run_logged(
        state,
        "init-mariadb",
        [
            "mariadb",
            "--no-defaults",
            f"--socket={state.mysql_socket}",
            "-uroot",
            "-e",
            " ".join(sql),
        ],
    )


def _keystone(state: State) -> None:
    """Keystone schema, fernet and credential keys, bootstrap."""
    conf = f"--config-file={state.etc / 'keystone' / 'keystone.conf'}"
    manage = str(state.bin("keystone-manage"))
    owner = [
        "--keystone-user",
        getpass.getuser(),
        "--keystone-group",
        grp.getgrgid(os.getgid()).gr_name,
    ]
    for sub in ("fernet-keys", "credential-keys"):
        (state.data / "keystone" / sub).mkdir(parents=True, exist_ok=True)
    run_logged(state, "init-keystone", [manage, conf, "db_sync"])
    run_logged(state, "init-keystone", [manage, conf, "fernet_setup", *owner])
    run_logged(state, "init-keystone", [manage, conf, "credential_setup", *owner])
    url = f"http://{HOST}:{PORTS['keystone']}/v3"
    run_logged(
        state,
        "init-keystone",
        [
            manage,
            conf,
            "bootstrap",
            "--bootstrap-username",
            ADMIN_USER,
            "--bootstrap-project-name",
            ADMIN_PROJECT,
            "--bootstrap-role-name",
            "admin",
            "--bootstrap-service-name",
            "keystone",
            "--bootstrap-region-id",
            REGION,
            "--bootstrap-admin-url",
            url,
            "--bootstrap-internal-url",
            url,
            "--bootstrap-public-url",
            url,
        ],
        env={"OS_BOOTSTRAP_PASSWORD": state.secrets()["admin"]},
    )


def _placement(state: State) -> None:
    conf = f"--config-file={state.etc / 'placement' / 'placement.conf'}"
    run_logged(
        state,
        "init-placement",
        [str(state.bin("placement-manage")), conf, "db", "sync"],
    )


def _glance(state: State) -> None:
    conf = f"--config-file={state.etc / 'glance' / 'glance-api.conf'}"
    run_logged(state, "init-glance", [str(state.bin("glance-manage")), conf, "db_sync"])


def _neutron(state: State) -> None:
    etc: Path = state.etc / "neutron"
    run_logged(
        state,
        "init-neutron",
        [
            str(state.bin("neutron-db-manage")),
            f"--config-file={etc / 'neutron.conf'}",
            f"--config-file={etc / 'plugins' / 'ml2' / 'ml2_conf.ini'}",
            "upgrade",
            "heads",
        ],
    )


def _nova(state: State) -> None:
    manage = [
        str(state.bin("nova-manage")),
        f"--config-file={state.etc / 'nova' / 'nova.conf'}",
    ]
    run_logged(state, "init-nova", [*manage, "api_db", "sync"])
    run_logged(state, "init-nova", [*manage, "cell_v2", "map_cell0"])
    # Exit code 2: the cell exists already (a re-run after an interrupted init).
    create = [*manage, "cell_v2", "create_cell", "--name", "cell1"]
    run_logged(state, "init-nova", create, ok_codes=(0, 2))
    run_logged(state, "init-nova", [*manage, "db", "sync"])


def sync_schemas(state: State) -> None:
    """Run every service's schema migrations, in parallel."""
    steps = {"keystone": _keystone, "placement": _placement, "glance": _glance}
    steps |= {"neutron": _neutron, "nova": _nova}
    say(f"creating schemas in parallel: {', '.join(steps)}")
    with ThreadPoolExecutor(max_workers=len(steps)) as pool:
        futures = {name: pool.submit(step, state) for name, step in steps.items()}
        for name, future in futures.items():
            future.result()
            say(f"  {name} schema ready")


def discover_hosts(state: State) -> None:
    """Map the fake compute hosts into cell1."""
    manage = [
        str(state.bin("nova-manage")),
        f"--config-file={state.etc / 'nova' / 'nova.conf'}",
    ]
    run_logged(state, "init-nova", [*manage, "cell_v2", "discover_hosts", "--verbose"])
