"""Campaign wording a new operator reads (issue 12 item 9): "1 day", not "1 days",
in subjects and bodies; a campaign that found nothing while it searched only the
cloud account's own project says so and how to widen the search."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.engine import build_plan, run_campaign, scope_hint
from campaigns.model import CampaignSpec, Owner, Target
from campaigns.options import CampaignOptions
from email_api.account import SMTPAccount
from email_api.templates import get_registry
from pack_common import ActionServiceStore
from tools.testing.services import PackActionService

pytestmark = pytest.mark.fault(9)

ACCOUNT = SMTPAccount(name="t", host="127.0.0.1", from_address="ops@example.org")
FRANK = Owner("u-frank", "frank", "frank@example.org")
ROW = {"name": "vm", "id": "id-vm", "project": "p1", "since": "2030-01-01"}


def _never_send(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the engine must not send")


def _store() -> ActionServiceStore:
    return ActionServiceStore(PackActionService("WorkflowActions"))


@pytest.mark.parametrize("template", ["shutoff_vms", "errored_vms"])
@pytest.mark.parametrize(("days", "words"), [(1, "1 day."), (2, "2 days.")])
def test_days_are_singular_or_plural(template: str, days: int, words: str) -> None:
    spec = CampaignSpec(
        name=f"email.users.with.{template}",
        template=template,
        parameters={"days_threshold": days},
        inputs={"days_threshold": days, "all_projects": True, "from_projects": []},
    )
    plan = build_plan(
        spec, [Target(ROW, FRANK)], CampaignOptions.build(), _store(), get_registry()
    )
    [message] = [m.message for m in plan.messages]
    ending = words.rstrip(".")
    assert message.subject.endswith(f"for over {ending}")
    assert "days" not in message.subject or days != 1
    text = " ".join(message.text.split())
    html = " ".join(message.html.split())
    assert f"more than {words}" in text
    assert f"more than {words}" in html
    if days == 1:
        assert "1 days" not in text + html + message.subject


def _spec(**scope: Any) -> CampaignSpec:
    return CampaignSpec(
        name="email.users.with.shutoff.vms",
        template="shutoff_vms",
        parameters={"days_threshold": 30},
        inputs={"days_threshold": 30, **scope},
    )


@pytest.mark.parametrize("send_email", [False, True])
def test_nothing_found_in_the_accounts_project_hints_at_the_scope(
    send_email: bool,
) -> None:
    result = run_campaign(
        _spec(all_projects=False, from_projects=[]),
        [],
        CampaignOptions.build(send_email=send_email),
        ACCOUNT,
        _store(),
        sender=_never_send,
    )
    assert isinstance(result, dict)
    assert result["counts"]["recipients"] == 0
    assert "only the cloud account's own project" in result["hint"]
    assert "all_projects=true" in result["hint"]
    assert "from_projects" in result["hint"]
    assert result["hint"] in result["summary"]


@pytest.mark.parametrize(
    ("scope", "targets"),
    [
        ({"all_projects": True, "from_projects": []}, []),
        ({"all_projects": False, "from_projects": ["p1"]}, []),
        ({"all_projects": False, "from_projects": []}, [Target(ROW, FRANK)]),
        ({}, []),  # a campaign without a project scope (fixed recipients)
    ],
)
def test_no_hint_when_the_scope_was_wide_or_something_was_found(
    scope: dict[str, Any], targets: list[Target]
) -> None:
    result = run_campaign(
        _spec(**scope),
        targets,
        CampaignOptions.build(),
        ACCOUNT,
        _store(),
        sender=_never_send,
    )
    assert isinstance(result, dict)
    assert "hint" not in result
    assert "own project" not in result["summary"]
    assert scope_hint(_spec(**scope).inputs, len(targets)) == ""
