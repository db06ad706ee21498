"""capacity.report mails its HTML report to the operators (issue 16), as
audit.all does: one message through the campaign engine, a dry run unless
``send_email``; the message arrives at a real SMTP server (aiosmtpd on
127.0.0.1) with the charts as inline SVG in its HTML part, which passes the Nu
Html Checker like the page does, and shows the charts' bars when rendered."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from smtp_server import SMTPTestServer
from src.workflow_actions import WorkflowActions
from test_report_render import (
    TRACK,
    TRACK_PIXELS,
    assert_valid,
    count,
    near,
    pixels,
    screenshot,
    tags,
    validate,
)

from tools.pack_meta import find_action
from tools.run_action.config import devcloud_dir, load_config
from tools.testing.services import DatastoreService, PackActionService

OPS = "ops-capacity@devcloud.test"


@pytest.fixture
def smtp() -> Iterator[SMTPTestServer]:
    with SMTPTestServer("plain") as server:
        yield server


@pytest.fixture
def config(clouds: dict[str, Any], smtp: SMTPTestServer) -> dict[str, Any]:
    """The devcloud's pack config, mailing through the test server."""
    config, _ = load_config(str(devcloud_dir() / "openstack_ops.yaml"))
    config["smtp_accounts"] = [smtp.account_config(name="it-smtp")]
    config["default_smtp_account"] = "it-smtp"
    config["ops_email"] = [OPS]
    return config


def report(config: dict[str, Any], datastore: Path, **params: Any) -> Any:
    """capacity.report with its YAML's defaults, as StackStorm runs it."""
    meta = find_action("capacity.report")
    assert meta is not None
    # what run() receives: the action's own parameters, not the runner's
    values = {k: s.get("default") for k, s in meta.inputs.items()}
    values |= {"cloud_account": "devcloud-admin", **params}
    service = PackActionService(
        "WorkflowActions",
        DatastoreService(class_name="WorkflowActions", path=datastore),
    )
    outcome = WorkflowActions(config=config, action_service=service).run(**values)
    return outcome if isinstance(outcome, tuple) else (True, outcome)


def test_send_email_defaults_to_false() -> None:
    meta = find_action("capacity.report")
    assert meta is not None
    assert meta.parameters["send_email"]["default"] is False


def test_capacity_report_is_mailed_to_ops_with_its_charts(
    config: dict[str, Any], smtp: SMTPTestServer, tmp_path: Path
) -> None:
    datastore = tmp_path / "datastore.json"
    campaign = f"it-capacity-{uuid.uuid4().hex[:8]}"
    # a dry run by default: the plan, nothing sent
    ok, plan = report(config, datastore, campaign_id=campaign)
    assert ok, plan
    mail = plan["mail"]
    assert mail["send_email"] is False and "nothing was sent" in mail["summary"]
    assert smtp.connections == 0 and smtp.messages == []
    [line] = mail["recipients"]
    assert line["to"] == [OPS]
    assert "<svg" in mail["sample"]["html"]

    ok, sent = report(config, datastore, campaign_id=campaign, send_email=True)
    assert ok, sent
    assert [r["status"] for r in sent["mail"]["recipients"]] == ["sent"]
    [got] = smtp.messages
    assert got.rcpt_tos == [OPS]
    assert (
        str(got.message["Subject"]).strip() == sent["mail"]["recipients"][0]["subject"]
    )
    html = got.message.get_body(("html",)).get_content()
    text = got.message.get_body(("plain",)).get_content()
    charts = 2 + 2 * len(sent["aggregates"]) + len(sent["hosts"])
    assert tags(html).count("svg") == charts
    assert tags(html).count("rect") > len(sent["hosts"])
    assert "script" not in tags(html)
    for host in sent["hosts"]:
        assert host["host"] in html and host["host"] in text
    assert "Placement capacity" in text and "How many more fit" in text
    page = tmp_path / "capacity_report_mail.html"
    page.write_text(html, encoding="utf-8")
    assert_valid(page, validate(page)[page])
    # drawn: the bars of the charts show in the mail's column
    _, _, rgb = pixels(screenshot(page, tmp_path / "capacity_report_mail.png", 2400))
    assert count(rgb, near(TRACK)) >= TRACK_PIXELS, tmp_path

    # the same campaign again: already sent, nothing more arrives
    ok, again = report(config, datastore, campaign_id=campaign, send_email=True)
    assert ok, again
    assert [r["status"] for r in again["mail"]["recipients"]] == ["already_sent"]
    assert len(smtp.messages) == 1


def test_without_smtp_account_the_mail_is_skipped_or_refused(
    config: dict[str, Any], smtp: SMTPTestServer, tmp_path: Path
) -> None:
    config.pop("default_smtp_account")
    ok, result = report(config, tmp_path / "datastore.json", output_type="to_props")
    assert ok, result
    assert "no SMTP account" in result["mail"]["skipped"]
    ok, result = report(config, tmp_path / "datastore.json", send_email=True)
    assert not ok and "'smtp_account'" in result["error"]
    assert smtp.messages == []
    # and without ops_email nor to_addresses no mail is planned
    config["ops_email"] = []
    ok, result = report(config, tmp_path / "datastore.json", output_type="to_props")
    assert ok and "mail" not in result, result
