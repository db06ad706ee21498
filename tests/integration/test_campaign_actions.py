"""Every campaign action end to end: the devcloud's seeded estate, the pack's entry
point (as StackStorm runs it) and a real aiosmtpd on 127.0.0.1.

Other tests create temporary servers concurrently, so user campaigns are scoped to
the seeded projects (``from_projects``) and the ops report to named hypervisors;
the expected recipients and tables are computed from ``tools/devcloud/seed_data``.
A server's owner is the user who created it (``PROJECT_OPERATORS``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openstack.connection import Connection
from smtp_server import SMTPTestServer
from src.workflow_actions import WorkflowActions

from campaigns.engine import body_digest
from tools.devcloud import seed_data
from tools.pack_meta import find_action
from tools.run_action.config import devcloud_dir, load_config
from tools.testing.datastore import DatastoreService
from tools.testing.services import PackActionService

SEEDED_PROJECTS = [str(p["name"]) for p in seed_data.PROJECTS]
EMAILS = {str(u["name"]): u["email"] for u in seed_data.USERS}
FALLBACK = "fallback@devcloud.test"
RunAction = Callable[..., tuple[bool, Any]]


def owner_email(server: dict[str, object]) -> str:
    """The email of the seeded user who created ``server``."""
    email = EMAILS[seed_data.PROJECT_OPERATORS[str(server["project"])]]
    assert email, server
    return str(email)


def expected(select: Callable[[dict[str, object]], bool]) -> dict[str, list[str]]:
    """``{owner email: sorted server names}`` of the seeded servers ``select``
    picks."""
    found: dict[str, list[str]] = {}
    for server in seed_data.SERVERS:
        if select(server):
            found.setdefault(owner_email(server), []).append(str(server["name"]))
    return {k: sorted(v) for k, v in sorted(found.items())}


def tables(result: dict[str, Any]) -> dict[str, list[str]]:
    """``{recipient: sorted item names}`` of a campaign result."""
    return {
        r["recipient"]: sorted(i["name"] for i in r["items"])
        for r in result["recipients"]
    }


@pytest.fixture
def smtp() -> Iterator[SMTPTestServer]:
    """A plain aiosmtpd on 127.0.0.1."""
    with SMTPTestServer("plain") as server:
        yield server


@pytest.fixture
def run_campaign(
    clouds: dict[str, Any], smtp: SMTPTestServer, tmp_path: Path
) -> RunAction:
    """``run_campaign(action, **params)`` -> (succeeded, result): the action's YAML
    defaults filled, the devcloud pack config with the test SMTP server as account
    ``it-smtp``, and a file-backed datastore kept for the whole test (as the local
    runner keeps it between runs)."""
    config, _ = load_config(str(devcloud_dir() / "openstack_ops.yaml"))
    config["smtp_accounts"] = [smtp.account_config(name="it-smtp")]
    config["campaign_fallback_email"] = FALLBACK
    datastore = tmp_path / "datastore.json"

    def run(_action: str, **params: Any) -> tuple[bool, Any]:
        meta = find_action(_action)
        assert meta is not None, _action
        unknown = set(params) - set(meta.parameters)
        assert not unknown, f"{_action} has no parameters {unknown}"
        values = {k: s.get("default") for k, s in meta.inputs.items()}
        values |= {"cloud_account": "devcloud-admin", "smtp_account": "it-smtp"}
        values |= params
        service = PackActionService(
            "WorkflowActions",
            DatastoreService(class_name="WorkflowActions", path=datastore),
        )
        action = WorkflowActions(config=config, action_service=service)
        outcome = action.run(**values)
        return outcome if isinstance(outcome, tuple) else (True, outcome)

    run.config = config  # type: ignore[attr-defined]  # tests may change keys
    return run


def check_sent_as_planned(smtp: SMTPTestServer, plan: dict[str, Any]) -> None:
    """What arrived is exactly the plan: one message per planned recipient, with
    its subject, its To, and its plaintext body (by digest) and item names."""
    planned = {r["recipient"]: r for r in plan["recipients"]}
    assert len(smtp.messages) == len(planned)
    for got in smtp.messages:
        mime = got.message
        to = [a.addr_spec.lower() for a in mime["To"].addresses]
        recipient = ",".join(sorted(to)) if len(to) > 1 else to[0]
        line = planned.pop(recipient)
        # (Python folds a long Subject onto its own line; unfolded it keeps the
        # fold's leading space, which mail clients strip)
        assert str(mime["Subject"]).strip() == line["subject"]
        assert sorted(got.rcpt_tos) == sorted(to)
        text = mime.get_body(("plain",)).get_content()
        html = mime.get_body(("html",)).get_content()
        assert body_digest(text) == line["text_sha256"]
        for item in line["items"]:
            assert item["name"] in text and item["name"] in html
    assert planned == {}


def dry_then_send(
    run_campaign: RunAction, smtp: SMTPTestServer, action: str, **params: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Dry run (nothing sent), then the real run; both must succeed and the real
    run must send exactly the dry run's plan."""
    ok, plan = run_campaign(action, **params)
    assert ok, plan
    assert plan["send_email"] is False and "nothing was sent" in plan["summary"]
    assert smtp.connections == 0 and smtp.messages == []
    ok, sent = run_campaign(action, send_email=True, **params)
    assert ok, sent
    assert sent["campaign_id"] == plan["campaign_id"]
    assert [r["status"] for r in sent["recipients"]] == ["sent"] * len(
        plan["recipients"]
    )
    check_sent_as_planned(smtp, plan)
    return plan, sent


def test_shutoff_vms(run_campaign: RunAction, smtp: SMTPTestServer) -> None:
    plan, _ = dry_then_send(
        run_campaign,
        smtp,
        "email.users.with.shutoff.vms",
        days_threshold=0,
        from_projects=SEEDED_PROJECTS,
    )
    assert tables(plan) == expected(lambda s: s["status"] == "SHUTOFF")
    assert plan["sample"]["html"] and "Shut off since" in plan["sample"]["html"]
    # the threshold counts from the last status change (updated_at)
    ok, older = run_campaign(
        "email.users.with.shutoff.vms",
        days_threshold=90,
        from_projects=SEEDED_PROJECTS,
    )
    assert ok, older
    assert tables(older) == expected(
        lambda s: s["status"] == "SHUTOFF" and int(str(s["updated_days"])) > 90
    )
    assert older["campaign_id"] != plan["campaign_id"]


def test_errored_vms(run_campaign: RunAction, smtp: SMTPTestServer) -> None:
    plan, _ = dry_then_send(
        run_campaign,
        smtp,
        "email.users.with.errored.vms",
        days_threshold=0,
        from_projects=SEEDED_PROJECTS,
        as_html=True,
    )
    assert tables(plan) == expected(lambda s: s["status"] == "ERROR")
    ok, older = run_campaign(
        "email.users.with.errored.vms",
        days_threshold=20,
        from_projects=SEEDED_PROJECTS,
    )
    assert ok, older
    assert tables(older) == expected(
        lambda s: s["status"] == "ERROR" and int(str(s["updated_days"])) > 20
    )


def test_decom_flavors(run_campaign: RunAction, smtp: SMTPTestServer) -> None:
    plan, _ = dry_then_send(
        run_campaign,
        smtp,
        "email.users.with.decom.flavors",
        flavor_names=[seed_data.LEGACY_FLAVOR],
        end_of_life="2030-06-30",
        from_projects=SEEDED_PROJECTS,
    )
    assert tables(plan) == expected(lambda s: s["flavor"] == seed_data.LEGACY_FLAVOR)
    for line in plan["recipients"]:
        for item in line["items"]:
            assert item["flavor"] == seed_data.LEGACY_FLAVOR
            assert item["end_of_life"] == "2030-06-30"
    ok, result = run_campaign(
        "email.users.with.decom.flavors",
        flavor_names=["m1.legacy"],
        end_of_life="30/06",
    )
    assert not ok and "parameter 'end_of_life'" in result["error"]


def test_decom_images(run_campaign: RunAction, smtp: SMTPTestServer) -> None:
    plan, _ = dry_then_send(
        run_campaign,
        smtp,
        "email.users.with.decom.images",
        image_names=[seed_data.LEGACY_IMAGE],
        end_of_life="2030-01-31",
        recommended_image="ubuntu-24.04",
        from_projects=SEEDED_PROJECTS,
    )
    assert tables(plan) == expected(lambda s: s["image"] == seed_data.LEGACY_IMAGE)
    items = [i for line in plan["recipients"] for i in line["items"]]
    assert {(i["image"], i["replacement"]) for i in items} == {
        (seed_data.LEGACY_IMAGE, "ubuntu-24.04")
    }
    ok, result = run_campaign(
        "email.users.with.decom.images", image_names=["no-such-image-xyz"]
    )
    assert not ok and "parameter 'image_names'" in result["error"]


def test_vms_on_hv_maintenance(run_campaign: RunAction, smtp: SMTPTestServer) -> None:
    host = seed_data.SERVER_HOSTS[0]
    plan, _ = dry_then_send(
        run_campaign,
        smtp,
        "email.users.with.vms.on.hv.maintenance",
        hypervisor_names=[host],
        maintenance_start="2030-02-01 08:00 UTC",
        maintenance_end="2030-02-01 12:00 UTC",
        from_projects=SEEDED_PROJECTS,
    )
    assert tables(plan) == expected(lambda s: s["host"] == host)
    assert "2030-02-01 08:00 UTC" in plan["recipients"][0]["subject"]
    ok, result = run_campaign(
        "email.users.with.vms.on.hv.maintenance", hypervisor_names=["no-such-hv"]
    )
    assert not ok and "parameter 'hypervisor_names'" in result["error"]


def test_vms_on_hv_fault(run_campaign: RunAction, smtp: SMTPTestServer) -> None:
    hosts = seed_data.SERVER_HOSTS
    plan, _ = dry_then_send(
        run_campaign,
        smtp,
        "email.users.with.vms.on.hv.fault",
        hypervisor_names=hosts,
        from_projects=SEEDED_PROJECTS,
    )
    assert tables(plan) == expected(lambda s: s["host"] in hosts)


def test_ops_down_disabled_hypervisors(
    run_campaign: RunAction, smtp: SMTPTestServer
) -> None:
    ops = ["ops@devcloud.test", "duty@devcloud.test"]
    names = [seed_data.SERVER_HOSTS[0], seed_data.DISABLED_HOST]
    plan, _ = dry_then_send(
        run_campaign,
        smtp,
        "email.ops.down.disabled.hypervisors",
        hypervisor_names=names,
        to_addresses=ops,
    )
    [line] = plan["recipients"]
    assert line["to"] == ops
    [row] = line["items"]
    assert row["name"] == seed_data.DISABLED_HOST
    assert row["status"] == "disabled"
    assert row["disabled_reason"] == seed_data.DISABLED_REASON
    [got] = smtp.messages
    assert seed_data.DISABLED_REASON in got.message.get_body(("plain",)).get_content()
    # without to_addresses the report goes to the pack config's ops_email (the
    # devcloud's config has one) ...
    config = run_campaign.config  # type: ignore[attr-defined]
    config["ops_email"] = ["ops-team@devcloud.test"]
    ok, result = run_campaign(
        "email.ops.down.disabled.hypervisors", hypervisor_names=names
    )
    assert ok, result
    assert result["recipients"][0]["to"] == ["ops-team@devcloud.test"]
    # ... and with none configured to campaign_fallback_email
    config["ops_email"] = []
    ok, result = run_campaign(
        "email.ops.down.disabled.hypervisors", hypervisor_names=names
    )
    assert ok, result
    assert result["recipients"][0]["to"] == [FALLBACK]


@pytest.mark.fault(9)
def test_nothing_found_in_the_accounts_project_hints_at_the_scope(
    run_campaign: RunAction, smtp: SMTPTestServer
) -> None:
    """As admin without all_projects the search covers the admin project only,
    where no server has been shut off for a day: "0 recipients" comes with a hint
    saying so; with all_projects the seeded servers are found, with no hint, and
    the subjects say "1 day" (not "1 days")."""
    ok, narrow = run_campaign("email.users.with.shutoff.vms", days_threshold=1)
    assert ok, narrow
    assert narrow["counts"]["recipients"] == 0
    assert "only the cloud account's own project" in narrow["hint"]
    assert "all_projects=true" in narrow["summary"]
    ok, wide = run_campaign(
        "email.users.with.shutoff.vms", days_threshold=1, all_projects=True
    )
    assert ok, wide
    assert wide["counts"]["recipients"] > 0
    assert "hint" not in wide
    assert wide["recipients"]
    for line in wide["recipients"]:
        assert line["subject"].endswith("shut off for over 1 day"), line["subject"]
    assert smtp.messages == []


def test_connection_dropped_at_k_of_m_then_rerun_sends_the_rest(
    run_campaign: RunAction, smtp: SMTPTestServer
) -> None:
    params = {
        "hypervisor_names": seed_data.SERVER_HOSTS,
        "from_projects": SEEDED_PROJECTS,
        "campaign_id": f"it-fault-{uuid.uuid4().hex[:8]}",
    }
    everyone = set(expected(lambda s: s["host"] in seed_data.SERVER_HOSTS))
    m, k = len(everyone), 2
    assert m > k
    smtp.drop_after, smtp.drops = k, None  # every message after the k-th is dropped
    ok, first = run_campaign(
        "email.users.with.vms.on.hv.fault", send_email=True, **params
    )
    assert not ok
    assert first["counts"]["sent"] == k and first["counts"]["failed"] == m - k
    assert first["summary"].startswith(f"{k} sent, 0 skipped (already sent), {m - k}")
    first_sent = {r["recipient"] for r in first["recipients"] if r["status"] == "sent"}
    assert len(smtp.messages) == k
    smtp.drop_after = None
    ok, rerun = run_campaign(
        "email.users.with.vms.on.hv.fault", send_email=True, **params
    )
    assert ok, rerun
    assert rerun["counts"]["sent"] == m - k
    assert rerun["counts"]["already_sent"] == k
    later = [m.message["To"].addresses[0].addr_spec for m in smtp.messages[k:]]
    assert len(later) == m - k
    assert set(later).isdisjoint(first_sent)
    assert set(later) | first_sent == everyone


def test_max_recipients_exceeded_sends_nothing(
    run_campaign: RunAction, smtp: SMTPTestServer
) -> None:
    ok, result = run_campaign(
        "email.users.with.vms.on.hv.fault",
        hypervisor_names=seed_data.SERVER_HOSTS,
        from_projects=SEEDED_PROJECTS,
        send_email=True,
        max_recipients=2,
    )
    assert not ok
    assert "max_recipients" in result["error"] and "nothing was sent" in result["error"]
    assert smtp.connections == 0 and smtp.messages == []


@pytest.fixture
def script_server(admin_conn: Connection) -> Iterator[Any]:
    """A server named ``<script>alert(1)</script>`` created by the admin user (who
    has no email address) in the admin project, deleted afterwards."""
    image = admin_conn.image.create_image(
        allow_duplicates=True,
        name=f"it-campaign-image-{uuid.uuid4().hex[:8]}",
        disk_format="raw",
        container_format="bare",
        visibility="private",
        data=bytes(64 * 1024),
    )
    server = None
    try:
        deadline = time.monotonic() + 60
        while admin_conn.image.get_image(image.id).status != "active":
            assert time.monotonic() < deadline, "image never became active"
            time.sleep(0.5)
        flavor = admin_conn.compute.find_flavor("m1.tiny", ignore_missing=False)
        server = admin_conn.compute.create_server(
            name="<script>alert(1)</script>",
            flavor_id=flavor.id,
            image_id=image.id,
            networks="none",
            availability_zone=f"nova:{seed_data.SERVER_HOSTS[0]}",
        )
        server = admin_conn.compute.wait_for_server(server, wait=180)
        yield server
    finally:
        if server is not None:
            admin_conn.compute.delete_server(server, force=True)
            admin_conn.compute.wait_for_delete(server, wait=180)
        admin_conn.image.delete_image(image, ignore_missing=True)


def test_owner_without_email_goes_to_fallback_and_names_are_escaped(
    run_campaign: RunAction,
    smtp: SMTPTestServer,
    admin_conn: Connection,
    script_server: Any,
) -> None:
    admin = admin_conn.identity.get_user(script_server.user_id)
    assert not getattr(
        admin, "email", None
    ), "the admin user is expected to have no email"
    ok, result = run_campaign(
        "email.users.with.vms.on.hv.fault",
        hypervisor_names=[script_server.compute_host],
        from_projects=["admin"],
        send_email=True,
    )
    assert ok, result
    [line] = [r for r in result["recipients"] if r["recipient"] == FALLBACK]
    assert script_server.id in [i["id"] for i in line["items"]]
    assert admin.name in line["via_fallback"]
    reported = {o["user_id"] for o in result["fallback"]["owners"]}
    assert script_server.user_id in reported
    assert result["fallback"]["address"] == FALLBACK
    [got] = [m for m in smtp.messages if m.rcpt_tos == [FALLBACK]]
    mime = got.message
    html = mime.get_body(("html",)).get_content()
    text = mime.get_body(("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "<script>alert(1)</script>" in text
    assert "fallback address" in text and admin.name in text
