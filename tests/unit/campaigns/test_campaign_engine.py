"""The campaign engine's pure logic: options, campaign ids, grouping, plans.

Sending is exercised against a real aiosmtpd in
``tests/integration/test_campaign_engine_smtp.py``; here the only stand-in for a
sender is a fault injector (a sender that must never be called, or one that fails).
"""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.engine import build_plan, run_campaign
from campaigns.model import CampaignSpec, Owner, Target
from campaigns.options import CampaignOptions, default_campaign_id
from campaigns.state import SentRecords
from email_api.account import SMTPAccount
from email_api.templates import get_registry
from pack_common import ActionServiceStore, ConfigError, Failure, InputError
from tools.testing.services import PackActionService

CAROL = Owner("u-carol", "carol", "Carol@Example.org")
CAROL_TWIN = Owner("u-carol2", "carol2", "carol@example.org")
FRANK = Owner("u-frank", "frank", "frank@example.org")
NOMAIL = Owner("u-svc", "svc-backup", None)
GONE = Owner("u-gone")
ACCOUNT = SMTPAccount(name="t", host="127.0.0.1", from_address="ops@example.org")
SPEC = CampaignSpec(
    name="email.users.with.shutoff.vms",
    template="shutoff_vms",
    parameters={"days_threshold": 30},
    inputs={"days_threshold": 30, "all_projects": True, "from_projects": []},
)


def server(name: str, project: str = "p1") -> dict[str, Any]:
    return {"name": name, "id": f"id-{name}", "project": project, "since": "2030-01-01"}


def store() -> ActionServiceStore:
    return ActionServiceStore(PackActionService("WorkflowActions"))


def never_send(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the engine must not send")


def plan_for(targets: list[Target], **options: Any) -> Any:
    opts = CampaignOptions.build(**options)
    return build_plan(SPEC, targets, opts, store(), get_registry())


def test_groups_by_owner_email_case_insensitively_and_sorts_items() -> None:
    plan = plan_for(
        [
            Target(server("b"), CAROL),
            Target(server("z"), FRANK),
            Target(server("a"), CAROL_TWIN),
        ]
    )
    assert [m.recipient for m in plan.messages] == [
        "carol@example.org",
        "frank@example.org",
    ]
    carol = plan.messages[0]
    assert [r["name"] for r in carol.items] == ["a", "b"]
    assert {o.name for o in carol.owners} == {"carol", "carol2"}
    # two owners share the address: a neutral greeting
    assert carol.message.text.startswith("Hello,\n")
    assert plan.messages[1].message.text.startswith("Dear frank,\n")
    assert carol.message.subject.startswith("Action requested: 2 virtual machines")


def test_owner_without_email_goes_to_the_fallback_and_is_reported() -> None:
    plan = plan_for(
        [Target(server("svc-vm"), NOMAIL), Target(server("x"), FRANK)],
        fallback_email="helpdesk@example.org",
    )
    fallback = plan.messages[1]
    assert fallback.recipient == "helpdesk@example.org"
    assert [a.email for a in fallback.message.to] == ["helpdesk@example.org"]
    assert "fallback address" in fallback.message.text
    assert "svc-backup" in fallback.message.text
    assert fallback.describe()["via_fallback"] == ["svc-backup"]
    assert all("_owner" not in row for row in fallback.describe()["items"])
    report = plan.fallback_report()
    assert report == {
        "address": "helpdesk@example.org",
        "owners": [
            {"user_id": "u-svc", "name": "svc-backup", "email": None, "items": 1}
        ],
    }


def test_without_fallback_owners_are_unreachable_and_the_run_fails() -> None:
    targets = [Target(server("svc-vm"), NOMAIL), Target(server("old"), GONE)]
    dry = run_campaign(
        SPEC, targets, CampaignOptions.build(), ACCOUNT, store(), sender=never_send
    )
    assert isinstance(dry, dict)  # the dry run reports them
    assert len(dry["unreachable"]) == 2
    outcome = run_campaign(
        SPEC,
        targets,
        CampaignOptions.build(send_email=True),
        ACCOUNT,
        store(),
        sender=never_send,
    )
    assert isinstance(outcome, Failure)
    result = outcome.result
    assert result["counts"]["recipients"] == 0
    assert {u["user_id"] for u in result["unreachable"]} == {"u-svc", "u-gone"}
    assert "cannot be mailed" in result["summary"]


def test_dry_run_is_the_plan_with_a_sample_and_sends_nothing() -> None:
    result = run_campaign(
        SPEC,
        [Target(server("<script>alert(1)</script>"), CAROL)],
        CampaignOptions.build(),
        ACCOUNT,
        store(),
        sender=never_send,
    )
    assert isinstance(result, dict)
    assert result["send_email"] is False
    assert "nothing was sent" in result["summary"]
    [line] = result["recipients"]
    assert line["status"] == "pending"
    assert line["items"] == [server("<script>alert(1)</script>")]
    sample = result["sample"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sample["html"]
    assert "<script>" not in sample["html"]
    assert "<script>alert(1)</script>" in sample["text"]


def test_max_recipients_refuses_before_sending() -> None:
    targets = [Target(server("a"), CAROL), Target(server("b"), FRANK)]
    outcome = run_campaign(
        SPEC,
        targets,
        CampaignOptions.build(send_email=True, max_recipients=1),
        ACCOUNT,
        store(),
        sender=never_send,
    )
    assert isinstance(outcome, Failure)
    assert "max_recipients" in outcome.result["error"]
    assert "2 recipients" in outcome.result["error"]
    assert "nothing was sent" in outcome.result["error"]


def test_max_recipients_default_comes_from_the_pack_config() -> None:
    opts = CampaignOptions.build(pack_config={"campaign_max_recipients": 3})
    assert opts.max_recipients == 3
    assert CampaignOptions.build().max_recipients == 50
    with pytest.raises(InputError, match="max_recipients"):
        CampaignOptions.build(max_recipients=0)


def test_options_validate_addresses_naming_the_parameter() -> None:
    with pytest.raises(InputError, match="parameter 'override_to'"):
        CampaignOptions.build(override_to="nobody")
    with pytest.raises(InputError, match="parameter 'cc'"):
        CampaignOptions.build(cc=["ok@example.org", "bad"])
    with pytest.raises(InputError, match="parameter 'fallback_email'"):
        CampaignOptions.build(fallback_email="x@")
    with pytest.raises(ConfigError, match="campaign_fallback_email"):
        CampaignOptions.build(pack_config={"campaign_fallback_email": "nope"})
    with pytest.raises(InputError, match="campaign_id"):
        CampaignOptions.build(campaign_id="has space")
    # an apostrophe is valid and a single string is one address, not characters
    opts = CampaignOptions.build(cc="o'brien@example.org")
    assert [a.email for a in opts.cc] == ["o'brien@example.org"]


def test_default_campaign_id_is_stable_and_depends_on_the_inputs() -> None:
    opts = CampaignOptions.build()
    first = default_campaign_id(SPEC, opts)
    assert first.startswith("users-with-shutoff-vms-")
    assert first == default_campaign_id(SPEC, CampaignOptions.build(send_email=True))
    reordered = CampaignSpec(SPEC.name, SPEC.template, SPEC.parameters, {**SPEC.inputs})
    assert default_campaign_id(reordered, opts) == first
    other = CampaignSpec(
        SPEC.name, SPEC.template, SPEC.parameters, {**SPEC.inputs, "days_threshold": 31}
    )
    assert default_campaign_id(other, opts) != first
    trial = CampaignOptions.build(override_to="me@example.org")
    assert default_campaign_id(SPEC, trial) != first
    names = CampaignSpec("c", "hv_fault", {}, {"hypervisor_names": ["b", "a"]})
    names_sorted = CampaignSpec("c", "hv_fault", {}, {"hypervisor_names": ["a", "b"]})
    assert default_campaign_id(names, opts) == default_campaign_id(names_sorted, opts)
    assert opts.resolved_campaign_id(SPEC) == first
    assert CampaignOptions.build(campaign_id="mine").resolved_campaign_id(SPEC) == (
        "mine"
    )


def test_recorded_recipients_are_already_sent_in_the_plan() -> None:
    kv = store()
    opts = CampaignOptions.build(send_email=True)
    campaign_id = opts.resolved_campaign_id(SPEC)
    SentRecords(kv, campaign_id).mark_sent(
        "carol@example.org", ["carol@example.org"], "s", "<id@x>"
    )
    targets = [Target(server("a"), CAROL), Target(server("b"), FRANK)]
    plan = build_plan(SPEC, targets, opts, kv, get_registry())
    assert [m.status for m in plan.messages] == ["already_sent", "pending"]
    # a trial run is recorded apart: nothing counts as sent for it
    trial = CampaignOptions.build(override_to="me@example.org", campaign_id=campaign_id)
    plan = build_plan(SPEC, targets, trial, kv, get_registry())
    assert [m.status for m in plan.messages] == ["pending", "pending"]
    assert all(m.message.to[0].email == "me@example.org" for m in plan.messages)
    assert plan.messages[0].message.subject.startswith("[TRIAL for Carol@Example.org] ")


def test_a_batch_that_stops_early_reports_the_rest_failed() -> None:
    from email_api.sender import BatchResult, MessageOutcome, Status

    def first_only(account: Any, messages: Any, on_outcome: Any) -> BatchResult:
        outcome = MessageOutcome(0, messages[0].key, Status.SENT, ["x@example.org"])
        on_outcome(outcome)
        return BatchResult([outcome], 1, 0)

    kv = store()
    targets = [Target(server("a"), CAROL), Target(server("b"), FRANK)]
    outcome = run_campaign(
        SPEC,
        targets,
        CampaignOptions.build(send_email=True),
        ACCOUNT,
        kv,
        sender=first_only,
    )
    assert isinstance(outcome, Failure)
    statuses = [r["status"] for r in outcome.result["recipients"]]
    assert statuses == ["sent", "failed"]
    assert outcome.result["counts"]["sent"] == 1
    assert len(kv.list("campaign.")) == 1


def test_report_campaign_goes_to_fixed_recipients() -> None:
    spec = CampaignSpec(
        name="email.ops.down.disabled.hypervisors",
        template="ops_down_disabled_hypervisors",
        to=("ops@example.org", "Duty <duty@example.org>"),
    )
    row = {
        "name": "hv3",
        "state": "up",
        "status": "disabled",
        "disabled_reason": "DIMM",
        "servers": 0,
    }
    plan = build_plan(
        spec, [Target(row)], CampaignOptions.build(), store(), get_registry()
    )
    [message] = plan.messages
    assert [a.email for a in message.message.to] == [
        "ops@example.org",
        "duty@example.org",
    ]
    assert "DIMM" in message.message.text
    empty = build_plan(spec, [], CampaignOptions.build(), store(), get_registry())
    assert empty.messages == []
    bad = CampaignSpec("c", "ops_down_disabled_hypervisors", to=("nope",))
    with pytest.raises(InputError, match="to_addresses"):
        build_plan(bad, [Target(row)], CampaignOptions.build(), store(), get_registry())
