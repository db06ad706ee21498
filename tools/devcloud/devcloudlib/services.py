"""The processes of the devcloud: how each starts and how its health is checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import procs
from .install import RABBITMQ_SERVER
from .state import COMPUTE_HOSTS, HOST, PORTS, TOOL_DIR, State


@dataclass(frozen=True)
class Service:
    """One process of the devcloud."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    #: Path to GET for an HTTP health check (None: TCP or process only).
    health_path: str | None = None

    def healthy(self, state: State) -> bool:
        """Alive, and answering on its port when it has one."""
        if procs.read_pid(state, self.name) is None:
            return False
        if self.port is None:
            return True
        if self.health_path is None:
            return procs.tcp_open(self.port)
        status = procs.http_status(f"http://{HOST}:{self.port}{self.health_path}")
        return status is not None and status < 500

    @property
    def url(self) -> str:
        """Base URL of an HTTP service."""
        return f"http://{HOST}:{self.port}" if self.port else ""


def epmd(state: State) -> Service:
    """Erlang port mapper, private to the devcloud (own address and port)."""
    return Service(
        "epmd",
        ["epmd", "-address", HOST, "-port", str(PORTS["epmd"])],
        port=PORTS["epmd"],
    )


def erlang_env(state: State) -> dict[str, str]:
    """Environment that keeps the Erlang VM private to the state directory."""
    rabbit = state.data / "rabbitmq"
    return {
        "HOME": str(rabbit),
        "ERL_EPMD_ADDRESS": HOST,
        "ERL_EPMD_PORT": str(PORTS["epmd"]),
        "RABBITMQ_NODENAME": "devcloud@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": HOST,
        "RABBITMQ_NODE_PORT": str(PORTS["rabbitmq"]),
        "RABBITMQ_DIST_PORT": str(PORTS["rabbitmq-dist"]),
        "RABBITMQ_CONFIG_FILE": str(state.etc / "rabbitmq" / "rabbitmq.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(
            state.etc / "rabbitmq" / "enabled_plugins"
        ),
        "RABBITMQ_MNESIA_BASE": str(rabbit / "mnesia"),
        "RABBITMQ_LOG_BASE": str(state.logs / "rabbitmq"),
        "RABBITMQ_PID_FILE": str(state.run / "rabbitmq-beam.pid"),
        "RABBITMQ_LOGS": "-",
        "ERL_CRASH_DUMP": str(state.logs / "rabbitmq-erl_crash.dump"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
            "-kernel inet_dist_use_interface {127,0,0,1} "
            f"-kernel inet_dist_listen_min {PORTS['rabbitmq-dist']} "
            f"-kernel inet_dist_listen_max {PORTS['rabbitmq-dist']}"
        ),
    }


def rabbitmq(state: State) -> Service:
    """RabbitMQ node for oslo.messaging."""
    return Service(
        "rabbitmq",
        [str(RABBITMQ_SERVER)],
        env=erlang_env(state),
        port=PORTS["rabbitmq"],
    )


def mariadb(state: State) -> Service:
    """MariaDB with its data directory and socket under the state directory."""
    return Service(
        "mariadb",
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={state.data / 'mysql'}",
            f"--socket={state.mysql_socket}",
            f"--pid-file={state.run / 'mariadbd.pid'}",
            f"--port={PORTS['mariadb']}",
            f"--bind-address={HOST}",
            "--user=root",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--max-connections=1000",
            "--innodb-buffer-pool-size=256M",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
        ],
        port=PORTS["mariadb"],
    )


def wsgi(state: State, name: str, app: str, env: dict[str, str], path: str) -> Service:
    """A WSGI API under gunicorn, loaded through ``wsgi_loader``."""
    return Service(
        name,
        [
            str(state.bin("gunicorn")),
            f"--bind={HOST}:{PORTS[name]}",
            "--workers=1",
            "--threads=4",
            "--no-control-socket",
            "--access-logfile=-",
            "--graceful-timeout=3",
            "--timeout=300",
            # Longer than any pause of a client between two requests on one
            # connection (gunicorn's default 2 s closes idle keep-alive connections
            # while clients reuse them: "Remote end closed connection").
            "--keep-alive=75",
            # No limit on the request line: Nova lists a page of servers' ports with
            # one Neutron GET naming every device id, and a devcloud that has run the
            # tests for a while lists hundreds of (deleted) servers by changes-since;
            # gunicorn's default 4094 turned that into Nova's 500 ("URI Too Long").
            "--limit-request-line=0",
            f"--pythonpath={TOOL_DIR}",
            f"--name=devcloud-{name}",
            "wsgi_loader:application",
        ],
        env={"DEVCLOUD_WSGI_APP": app, **env},
        port=PORTS[name],
        health_path=path,
    )


def nova_cmd(state: State, name: str, program: str, config: Path) -> Service:
    """A nova service process (conductor, scheduler, compute)."""
    return Service(name, [str(state.bin(program)), f"--config-file={config}"])


def mailcatcher(state: State) -> Service:
    """The SMTP sink the devcloud pack config's ``devcloud-mail`` account points at:
    every message stored as a .eml file under ``$STATE/mail`` (``mailcatcher.py``)."""
    return Service(
        "mailcatcher",
        [
            str(state.python),
            str(TOOL_DIR / "mailcatcher.py"),
            "--port",
            str(PORTS["mailcatcher"]),
            "--dir",
            str(state.mail),
        ],
        port=PORTS["mailcatcher"],
    )


def all_services(state: State) -> list[Service]:
    """Every process, in start order (stop runs in reverse)."""
    etc = state.etc
    services = [
        epmd(state),
        mariadb(state),
        rabbitmq(state),
        wsgi(
            state,
            "keystone",
            "keystone.wsgi.api:application",
            {"OS_KEYSTONE_CONFIG_FILES": str(etc / "keystone" / "keystone.conf")},
            "/v3",
        ),
        wsgi(
            state,
            "placement",
            "placement.wsgi.api:application",
            {"OS_PLACEMENT_CONFIG_DIR": str(etc / "placement")},
            "/",
        ),
        wsgi(
            state,
            "glance",
            "glance.wsgi.api:application",
            {"OS_GLANCE_CONFIG_DIR": str(etc / "glance")},
            "/versions",
        ),
        wsgi(
            state,
            "neutron",
            "neutron.wsgi.api:application",
            {"OS_NEUTRON_CONFIG_DIR": str(etc / "neutron")},
            "/",
        ),
        wsgi(
            state,
            "nova-api",
            "nova.wsgi.osapi_compute:application",
            {"OS_NOVA_CONFIG_DIR": str(etc / "nova")},
            "/",
        ),
        nova_cmd(state, "nova-conductor", "nova-conductor", etc / "nova" / "nova.conf"),
        nova_cmd(state, "nova-scheduler", "nova-scheduler", etc / "nova" / "nova.conf"),
    ]
    for host in COMPUTE_HOSTS:
        config = etc / "nova" / f"nova-compute-{host}.conf"
        services.append(nova_cmd(state, f"nova-compute-{host}", "nova-compute", config))
    services.append(mailcatcher(state))
    return services


def by_name(state: State, name: str) -> Service | None:
    """The service called ``name``."""
    return next((s for s in all_services(state) if s.name == name), None)
