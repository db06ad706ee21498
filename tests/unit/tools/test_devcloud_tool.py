"""The devcloud tool as a new operator meets it (issue 12 item 9): its generated pack
config has what project.create network=internal and the ops report need, and ``up``
starts the mail catcher that ``status`` lists.

The mail catcher tests start the real ``mailcatcher.py`` (aiosmtpd, from this
virtualenv) on a free port under a temporary state directory: the shared devcloud is
never touched.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from pytest_mock import MockerFixture

from tools.pack_meta import PACK_DIR
from tools.run_action.config import fill_defaults, load_schema
from tools.run_action.params import ParameterValidator

sys.path.insert(0, str(PACK_DIR / "tools" / "devcloud"))

import seed_data
from devcloudlib import lifecycle, outputs, services
from devcloudlib import state as state_module
from devcloudlib.state import State

pytestmark = pytest.mark.fault(9)


class LocalState(State):
    """A state directory whose "services virtualenv" is this test's Python."""

    @property
    def python(self) -> Path:
        """This interpreter (it has aiosmtpd, as the services venv gets it)."""
        return Path(sys.executable)


def _free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def local_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[State]:
    """A temporary state directory, the mail catcher on a free port; every process
    started is stopped afterwards."""
    state = LocalState(tmp_path / "devcloud")
    state.make_dirs()
    state.venv.mkdir()
    (state.venv / "devcloud-mail.txt").write_text(state_module.MAIL_PACKAGE + "\n")
    monkeypatch.setitem(state_module.PORTS, "mailcatcher", _free_port())
    yield state
    lifecycle.procs.stop_many(state, ["mailcatcher"])


def _config(tmp_path: Path) -> dict:
    """The pack config the devcloud writes, read back from its YAML."""
    state = State(tmp_path / "cfg")
    return yaml.safe_load(outputs.dump_yaml(outputs.pack_config(state)))


def test_pack_config_validates_against_the_schema(tmp_path: Path) -> None:
    schema = load_schema()
    config = _config(tmp_path)
    validator = ParameterValidator(
        {"type": "object", "properties": schema, "additionalProperties": False}
    )
    assert [
        e.message for e in validator.iter_errors(fill_defaults(schema, config))
    ] == []


def test_pack_config_has_the_seeded_networks_and_ops_email(tmp_path: Path) -> None:
    """project.create network=internal needs project_networks.internal_network; the
    ops report without to_addresses needs ops_email (both were missing)."""
    config = _config(tmp_path)
    networks = {n["name"]: n for n in seed_data.NETWORKS}
    settings = config["project_networks"]
    assert networks[settings["external_network"]]["external"] is True
    assert networks[settings["internal_network"]]["external"] is False
    cidr = ipaddress.ip_network(settings["cidr"])
    for network in networks.values():
        seeded = ipaddress.ip_network(network["subnet"]["cidr"])  # type: ignore[index]
        assert not cidr.overlaps(seeded), network["name"]
    assert config["ops_email"] and all("@" in a for a in config["ops_email"])


def _send(port: int, subject: str) -> None:
    """One message to the mail catcher."""
    message = EmailMessage()
    message["From"] = "cloud-ops@devcloud.test"
    message["To"] = "ops-team@devcloud.test"
    message["Subject"] = subject
    message.set_content("body")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(message)


def _wait_for_mail(directory: Path) -> list[Path]:
    """The .eml files in ``directory`` once there is one (bounded wait)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        files = sorted(directory.glob("*.eml"))
        if files:
            return files
        time.sleep(0.1)
    return []


def test_up_on_a_running_cloud_starts_the_mailcatcher_and_status_lists_it(
    local_state: State,
    mocker: MockerFixture,
    capsys: pytest.CaptureFixture,
) -> None:
    """The cloud is up (its processes reported healthy) and the mail catcher is not:
    ``up`` starts it, mail sent to the configured port is stored, ``status`` lists
    it with its PID and port, and ``down`` stops it."""
    real_healthy = services.Service.healthy

    def healthy(self: services.Service, state: State) -> bool:
        if self.name in lifecycle.AUXILIARY:
            return real_healthy(self, state)
        return True

    # autospec: the patched method is bound, so ``healthy`` gets the service as self
    mocker.patch.object(services.Service, "healthy", autospec=True, side_effect=healthy)
    local_state.initialised_marker.touch()
    port = state_module.PORTS["mailcatcher"]
    assert lifecycle.up(local_state) == 0
    out = capsys.readouterr().out
    assert "started mailcatcher" in out
    assert "devcloud is already up" in out
    _send(port, "hello from the test")
    [stored] = _wait_for_mail(local_state.mail)
    assert "Subject: hello from the test" in stored.read_text()
    assert lifecycle.status(local_state) == 0
    line = next(
        row for row in capsys.readouterr().out.splitlines() if row.startswith("mail")
    )
    assert line.split()[2:] == [str(port), "ok"]
    lifecycle.down(local_state)
    assert lifecycle.status(local_state) == 1
    row = [r for r in capsys.readouterr().out.splitlines() if r.startswith("mail")]
    assert row[0].split()[1:] == ["-", str(port), "stopped"]


def test_mailcatcher_port_taken_is_a_warning_not_a_failure(
    local_state: State, capsys: pytest.CaptureFixture
) -> None:
    port = state_module.PORTS["mailcatcher"]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        assert lifecycle.start_auxiliary(local_state) == ["mailcatcher"]
    out = capsys.readouterr().out
    assert f"warning: mailcatcher not started: port {port} is in use" in out


def test_seed_does_not_need_the_mailcatcher(
    local_state: State, mocker: MockerFixture
) -> None:
    """``seed`` checks the cloud's processes only."""
    mocker.patch.object(
        services.Service,
        "healthy",
        autospec=True,
        side_effect=lambda self, state: self.name not in lifecycle.AUXILIARY,
    )
    local_state.initialised_marker.touch()
    assert lifecycle.all_healthy(local_state)
    names = [s.name for s in services.all_services(local_state)]
    assert names[-1] == "mailcatcher"
    assert "mailcatcher" not in [s.name for s in lifecycle.cloud_services(local_state)]
