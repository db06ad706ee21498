"""Every ChatOps alias: given a chat message, exactly the expected parameters.

Each case is matched against EVERY format of every alias of the pack (StackStorm
refuses a command matching more than one as ambiguous), the extracted strings are
compared with the expected ones, then cast like StackStorm's alias execution and,
with the alias's immutable parameters, validated against the action's parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.pack_meta import ActionMeta, load_actions, validate_parameters
from tools.st2_alias import (
    alias_formats,
    cast_parameters,
    extract_parameters,
    matching_formats,
)

PACK_DIR = Path(__file__).resolve().parents[2]


def load_aliases() -> dict[str, dict[str, Any]]:
    aliases = {}
    for path in sorted((PACK_DIR / "aliases").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        aliases[data["name"]] = data
    return aliases


ALIASES = load_aliases()
ACTIONS = {f"openstack_ops.{a.name}": a for a in load_actions(PACK_DIR)}


def find_action(ref: str) -> ActionMeta | None:
    """The action an alias's ``action_ref`` names."""
    return ACTIONS.get(ref)


#: (chat message, alias, representation used, extracted parameters)
CASES: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "server search name ^web-",
        "server.search.by.name",
        "server search name {{ pattern }}",
        {"pattern": "^web-"},
    ),
    (
        'find servers named "db-[0-9]+ backup"',
        "server.search.by.name",
        "(find|search) servers named {{ pattern }}",
        {"pattern": "db-[0-9]+ backup"},
    ),
    (
        "search servers named web max_rows=5",
        "server.search.by.name",
        "(find|search) servers named {{ pattern }}",
        {"pattern": "web", "max_rows": "5"},
    ),
    (
        "server search status ERROR",
        "server.search.by.status",
        "server search status {{ values }}",
        {"values": "ERROR"},
    ),
    (
        "find servers in status ERROR,SHUTOFF",
        "server.search.by.status",
        "(find|search) servers in status {{ values }}",
        {"values": "ERROR,SHUTOFF"},
    ),
    (
        "server search status SHUTOFF sort_by=name,created_at max_rows=20",
        "server.search.by.status",
        "server search status {{ values }}",
        {"values": "SHUTOFF", "sort_by": "name,created_at", "max_rows": "20"},
    ),
    (
        "hypervisor show devcloud-hv1",
        "hypervisor.show",
        "hypervisor show {{ hypervisor }}",
        {"hypervisor": "devcloud-hv1"},
    ),
    (
        "show hypervisor hv7 cloud_account=prod-admin",
        "hypervisor.show",
        "show hypervisor {{ hypervisor }}",
        {"hypervisor": "hv7", "cloud_account": "prod-admin"},
    ),
    (
        "project show alpha",
        "project.show",
        "project show {{ project }}",
        {"project": "alpha"},
    ),
    (
        "show project 'Team Alpha'",
        "project.show",
        "show project {{ project }}",
        {"project": "Team Alpha"},
    ),
    (
        "quota show alpha",
        "quota.show",
        "quota show {{ project }}",
        {"project": "alpha"},
    ),
    (
        "show quotas for alpha",
        "quota.show",
        "show quotas? (of|for) {{ project }}",
        {"project": "alpha"},
    ),
    (
        "show quota of beta",
        "quota.show",
        "show quotas? (of|for) {{ project }}",
        {"project": "beta"},
    ),
    ("user show alice", "user.show", "user show {{ user }}", {"user": "alice"}),
    (
        "show user alice@example.org",
        "user.show",
        "show user {{ user }}",
        {"user": "alice@example.org"},
    ),
    (
        "jupyter users training",
        "jupyter.user.list",
        "jupyter users {{ jupyter_env }}",
        {"jupyter_env": "training"},
    ),
    (
        "jupyter users training name_prefix=course",
        "jupyter.user.list",
        "jupyter users {{ jupyter_env }}",
        {"jupyter_env": "training", "name_prefix": "course"},
    ),
    (
        "jupyter inactive users training 30",
        "jupyter.user.list",
        "jupyter inactive users {{ jupyter_env }} {{ inactive_days }}",
        {"jupyter_env": "training", "inactive_days": "30"},
    ),
]

#: Messages no alias may match.
UNMATCHED = [
    "server search name",
    "hypervisor show",
    "please show project alpha",
    "drain hypervisor hv1",
    "jupyter users",
]


@pytest.mark.parametrize(
    ("message", "alias", "representation", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_message_extracts_exactly(
    message: str, alias: str, representation: str, expected: dict[str, str]
) -> None:
    matches = matching_formats(ALIASES.values(), message)
    assert [(m.alias, m.representation) for m in matches] == [(alias, representation)]
    extracted = extract_parameters(representation, message)
    assert extracted == expected
    data = ALIASES[alias]
    action = find_action(data["action_ref"])
    assert action is not None
    immutable = data.get("immutable_parameters") or {}
    assert not set(extracted) & set(
        immutable
    ), "immutable parameters cannot be overridden"
    values = {**cast_parameters(extracted, action.parameters), **immutable}
    validate_parameters(action, values)


@pytest.mark.parametrize("message", UNMATCHED)
def test_incomplete_or_foreign_messages_match_nothing(message: str) -> None:
    assert matching_formats(ALIASES.values(), message) == []


def test_overriding_an_immutable_parameter_is_visible() -> None:
    """StackStorm refuses ``all_projects=false`` here: the searches cover every project."""
    extracted = extract_parameters(
        "server search status {{ values }}",
        "server search status ERROR all_projects=false",
    )
    immutable = ALIASES["server.search.by.status"]["immutable_parameters"]
    assert set(extracted) & set(immutable) == {"all_projects"}


def test_every_representation_has_a_case() -> None:
    covered = {(c[1], c[2]) for c in CASES}
    every = {
        (a["name"], f.representation)
        for a in ALIASES.values()
        for f in alias_formats(a)
    }
    assert every - covered == set()
    assert covered - every == set()


def test_the_aliases_asked_for_exist() -> None:
    assert {a["action_ref"] for a in ALIASES.values()} == {
        "openstack_ops.server.search.by.regex",
        "openstack_ops.server.search.by.property",
        "openstack_ops.hypervisor.show",
        "openstack_ops.project.show",
        "openstack_ops.quota.show",
        "openstack_ops.user.show",
        "openstack_ops.jupyter.user.list",
    }


def test_aliases_only_point_at_read_only_actions() -> None:
    for alias in ALIASES.values():
        action = find_action(alias["action_ref"])
        assert action is not None
        for flag in ("apply", "send_email", "confirm"):
            assert (
                flag not in action.parameters
            ), f"{alias['name']} runs a mutating action"


def test_server_searches_are_pinned_to_their_property() -> None:
    assert (
        ALIASES["server.search.by.name"]["immutable_parameters"][
            "property_to_search_by"
        ]
        == "name"
    )
    assert (
        ALIASES["server.search.by.status"]["immutable_parameters"][
            "property_to_search_by"
        ]
        == "status"
    )
