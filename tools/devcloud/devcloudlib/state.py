"""Locations, ports and generated secrets of one devcloud state directory."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TOOL_DIR = Path(__file__).resolve().parent.parent
CHECKOUT = TOOL_DIR.parent.parent
STATE_ENV = "OPENSTACK_OPS_DEVCLOUD_DIR"
HOST = "127.0.0.1"
REGION = "RegionOne"

#: Pinned releases (the set shown to work together in shared/docs/devcloud.md).
PIP_PACKAGES = [
    "keystone==30.0.0",
    "openstack-placement==16.0.0",
    "glance==33.0.0",
    "nova==34.0.0",
    "neutron==29.0.0",
    "gunicorn==27.0.1",
    "pymysql==1.2.4",
]
#: The mail catcher's SMTP server library: installed into the services virtualenv
#: on its own (a change here does not rebuild the OpenStack releases above).
MAIL_PACKAGE = "aiosmtpd==1.4.6"
APT_PACKAGES = ["mariadb-server", "rabbitmq-server"]

PORTS = {
    "epmd": 14369,
    "rabbitmq": 5673,
    "rabbitmq-dist": 25673,
    "mariadb": 13306,
    "keystone": 5000,
    "placement": 8778,
    "glance": 9292,
    "neutron": 9696,
    "nova-api": 8774,
    "mailcatcher": 8025,
}

#: Fake compute hosts: the seed puts servers on hv1/hv2, disables hv3 ("in
#: maintenance") and leaves hv4 enabled and empty, a scratch host for drain tests.
COMPUTE_HOSTS = ["devcloud-hv1", "devcloud-hv2", "devcloud-hv3", "devcloud-hv4"]
DATABASES = [
    "keystone",
    "placement",
    "glance",
    "neutron",
    "nova_api",
    "nova_cell0",
    "nova",
]
SERVICE_USERS = ["placement", "glance", "nova", "neutron"]
ADMIN_USER = "admin"
ADMIN_PROJECT = "admin"
MEMBER_USER = "devcloud-user"
MEMBER_PROJECT = "devcloud-demo"


@dataclass(frozen=True)
class State:
    """Paths of everything under one state directory."""

    root: Path

    @classmethod
    def from_env(cls) -> State:
        """The state directory named by the environment, or ``<checkout>/.devcloud``."""
        raw = os.environ.get(STATE_ENV) or str(CHECKOUT / ".devcloud")
        return cls(Path(raw).expanduser().resolve())

    @property
    def venv(self) -> Path:
        """Virtualenv holding the OpenStack services."""
        return self.root / "venv"

    def bin(self, name: str) -> Path:
        """A script of the services virtualenv."""
        return self.venv / "bin" / name

    @property
    def python(self) -> Path:
        """Python of the services virtualenv."""
        return self.bin("python")

    @property
    def etc(self) -> Path:
        """Generated configuration files."""
        return self.root / "etc"

    @property
    def logs(self) -> Path:
        """One log file per service."""
        return self.root / "logs"

    @property
    def run(self) -> Path:
        """PID files and sockets."""
        return self.root / "run"

    @property
    def data(self) -> Path:
        """Databases, keys, images and other persistent data."""
        return self.root / "data"

    @property
    def mail(self) -> Path:
        """Where the mail catcher stores each message as a .eml file."""
        return self.root / "mail"

    @property
    def initialised_marker(self) -> Path:
        """Exists once the first initialisation has completed."""
        return self.root / "initialised"

    @property
    def mysql_socket(self) -> Path:
        """Socket of the private MariaDB."""
        return self.run / "mysqld.sock"

    def log(self, service: str) -> Path:
        """Log file of one service."""
        return self.logs / f"{service}.log"

    def pidfile(self, service: str) -> Path:
        """PID file of one service."""
        return self.run / f"{service}.pid"

    def make_dirs(self) -> None:
        """Create the directory skeleton."""
        for path in (self.root, self.etc, self.logs, self.run, self.data):
            path.mkdir(parents=True, exist_ok=True)

    def secrets(self) -> dict[str, str]:
        """Passwords of this state directory, generated once and kept."""
        path = self.root / "secrets.json"
        names = ["db", "rabbit", "admin", "member", "service", "seed"]
        known: dict[str, str] = {}
        if path.exists():
            known = json.loads(path.read_text())
        if all(name in known for name in names):
            return known
        for name in names:
            known.setdefault(name, secrets.token_hex(12))
        self.make_dirs()
        path.write_text(json.dumps(known, indent=2) + "\n")
        path.chmod(0o600)
        return known

    def db_url(self, database: str) -> str:
        """SQLAlchemy URL of one service database."""
        password = self.secrets()["db"]
        return (
            f"mysql+pymysql://devcloud:{password}@{HOST}:{PORTS['mariadb']}/{database}"
        )

    def transport_url(self) -> str:
        """oslo.messaging URL of the private RabbitMQ."""
        return (
            f"rabbit://devcloud:{self.secrets()['rabbit']}@{HOST}:{PORTS['rabbitmq']}/"
        )
