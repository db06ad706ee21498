"""server.create refuses control characters in the name it creates, naming
``name`` (issue 12 item 9), before anything is looked up or booted."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from compute_fakes import standard_cloud

from pack_common import InputError
from workflows import server as wf

pytestmark = pytest.mark.fault(9)


@pytest.mark.parametrize(
    "bad",
    [
        "a\nb",
        "tab\there",
        "esc\x1b[31m",
        "trailing\n",
        "del\x7f",
        "c1\x85",
        "bidi\u202e",
    ],
)
def test_control_characters_are_refused_naming_name(bad: str) -> None:
    cloud = standard_cloud()
    cloud.flavors.append(SimpleNamespace(id="f1", name="m1.tiny", is_public=True))
    with pytest.raises(InputError) as error:
        wf.create(cloud.conn, bad, "m1.tiny", "cirros", apply=True)
    assert error.value.parameter == "name"
    assert "control character" in str(error.value)
    assert cloud.changes == []


@pytest.mark.parametrize(
    ("given", "kept"),
    [("  web 1 ", "web 1"), ("ünïcode-ok", "ünïcode-ok"), ("x" * 255, "x" * 255)],
)
def test_ordinary_names_are_kept_stripped(given: str, kept: str) -> None:
    assert wf.check_server_name(given) == kept


@pytest.mark.parametrize("bad", ["", "   ", "x" * 256, None, 5])
def test_empty_too_long_or_not_text_is_refused(bad: object) -> None:
    with pytest.raises(InputError) as error:
        wf.check_server_name(bad)
    assert error.value.parameter == "name"
