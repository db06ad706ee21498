"""The campaign engine against a real aiosmtpd on 127.0.0.1 (no OpenStack needed).

Resumable sends: the server drops the connection at message k of M, the run
reports k sent and the rest failed, and the re-run sends exactly the other M-k,
none twice. The dry-run plan is exactly what the real run sends.
"""

from __future__ import annotations

from typing import Any

from smtp_server import SMTPTestServer

from campaigns.engine import body_digest, run_campaign
from campaigns.model import CampaignSpec, Owner, Target
from campaigns.options import CampaignOptions
from email_api.account import SMTPAccount
from pack_common import ActionServiceStore, Failure
from tools.testing.datastore import DatastoreService
from tools.testing.services import PackActionService

SPEC = CampaignSpec(
    name="email.users.with.vms.on.hv.fault",
    template="hv_fault",
    inputs={"hypervisor_names": ["hv-07"]},
)
M = 5


def targets() -> list[Target]:
    rows = []
    for n in range(M):
        owner = Owner(f"u{n}", f"user{n}", f"user{n}@example.org")
        for vm in range(n + 1):
            row = {"name": f"vm-{n}-{vm}", "id": f"id-{n}-{vm}", "project": "p"}
            rows.append(Target(row | {"hypervisor": "hv-07"}, owner))
    return rows


def file_store(tmp_path: Any) -> ActionServiceStore:
    """A datastore in a file, as the local runner uses between processes."""
    datastore = DatastoreService(
        class_name="WorkflowActions", path=tmp_path / "datastore.json"
    )
    service = PackActionService("WorkflowActions", datastore)
    return ActionServiceStore(service)


def account(server: SMTPTestServer) -> SMTPAccount:
    return SMTPAccount.from_config(server.account_config())


def test_dry_run_plan_is_what_the_real_run_sends(tmp_path: Any) -> None:
    with SMTPTestServer("plain") as server:
        dry = run_campaign(
            SPEC,
            targets(),
            CampaignOptions.build(bcc=["audit@example.org"]),
            account(server),
            file_store(tmp_path),
        )
        assert isinstance(dry, dict)
        assert server.connections == 0 and server.messages == []
        real = run_campaign(
            SPEC,
            targets(),
            CampaignOptions.build(send_email=True, bcc=["audit@example.org"]),
            account(server),
            file_store(tmp_path),
        )
        assert isinstance(real, dict), real
    assert real["counts"]["sent"] == M
    assert real["connections_opened"] == 1
    planned = {r["recipient"]: r for r in dry["recipients"]}
    assert len(server.messages) == M
    for got in server.messages:
        mime = got.message
        [to] = [a.addr_spec for a in mime["To"].addresses]
        plan = planned.pop(to)
        assert mime["Subject"] == plan["subject"]
        assert got.rcpt_tos == [to, "audit@example.org"]
        assert mime["Bcc"] is None
        text = mime.get_body(("plain",)).get_content()
        assert body_digest(text) == plan["text_sha256"]
        for row in plan["items"]:
            assert row["name"] in text
            assert row["name"] in mime.get_body(("html",)).get_content()
    assert planned == {}
    # the plan's campaign id is the real run's: nothing left to send now
    again = run_campaign(
        SPEC,
        targets(),
        CampaignOptions.build(bcc="audit@example.org"),
        account(server),
        file_store(tmp_path),
    )
    assert isinstance(again, dict)
    assert again["campaign_id"] == dry["campaign_id"] == real["campaign_id"]
    assert again["counts"]["already_sent"] == M
    assert again["counts"]["pending"] == 0


def test_dropped_connection_then_rerun_sends_only_the_rest(tmp_path: Any) -> None:
    k = 2
    options = CampaignOptions.build(send_email=True)
    with SMTPTestServer("plain", drop_after=k, drops=None) as server:
        outcome = run_campaign(
            SPEC, targets(), options, account(server), file_store(tmp_path)
        )
        assert isinstance(outcome, Failure)
        first = outcome.result
        assert first["counts"]["sent"] == k
        assert first["counts"]["failed"] == M - k
        assert len(server.messages) == k
        failed = [r for r in first["recipients"] if r["status"] == "failed"]
        assert len(failed) == M - k
        assert all(r["error"] for r in failed)
        assert f"{k} sent, 0 skipped (already sent), {M - k} failed" in (
            first["summary"]
        )
        first_sent = {
            r["recipient"] for r in first["recipients"] if r["status"] == "sent"
        }
        assert first_sent == {
            m.message["To"].addresses[0].addr_spec for m in server.messages
        }
    with SMTPTestServer("plain") as server:
        rerun = run_campaign(
            SPEC, targets(), options, account(server), file_store(tmp_path)
        )
        assert isinstance(rerun, dict), rerun
        resent = {m.message["To"].addresses[0].addr_spec for m in server.messages}
        assert len(server.messages) == M - k
        assert resent.isdisjoint(first_sent)
        assert resent | first_sent == {f"user{n}@example.org" for n in range(M)}
        assert rerun["counts"]["sent"] == M - k
        assert rerun["counts"]["already_sent"] == k
        # and a third run sends nothing
        third = run_campaign(
            SPEC, targets(), options, account(server), file_store(tmp_path)
        )
        assert isinstance(third, dict)
        assert third["counts"]["sent"] == 0 and len(server.messages) == M - k


def test_max_recipients_exceeded_sends_nothing(tmp_path: Any) -> None:
    with SMTPTestServer("plain") as server:
        outcome = run_campaign(
            SPEC,
            targets(),
            CampaignOptions.build(send_email=True, max_recipients=M - 1),
            account(server),
            file_store(tmp_path),
        )
        assert isinstance(outcome, Failure)
        assert "max_recipients" in outcome.result["error"]
        assert server.connections == 0 and server.messages == []
