"""The user-notification campaigns: mail users about their resources, and the
operators about their hypervisors.

Every campaign runs the same engine (``campaigns.engine``): find the targets with
the Query library, group them by recipient (the owner's email; the fallback
address when the owner has none, reported), render one message per recipient and
return the plan (``send_email: false``, the default) or send exactly that plan.
Sent recipients are recorded per ``campaign_id`` in the datastore, so a re-run
after a failure mails only those not yet mailed. Options shared by every campaign:
``override_to`` (a trial: every message goes to one address instead), ``cc``,
``bcc``, ``max_recipients`` (refuse to send to more), ``campaign_id`` (default: a
stable hash of the inputs) and ``fallback_email``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from openstack.connection import Connection

from campaigns import targets as found
from campaigns.engine import run_campaign
from campaigns.model import CampaignSpec, Target
from campaigns.options import CampaignOptions
from email_api.account import SMTPAccount
from pack_common import Failure, InputError, KeyValueStore, validation

OPS_EMAIL_KEY = "ops_email"
TBA = "to be announced"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _options(
    pack_config: Mapping[str, Any] | None,
    as_html: bool,
    send_email: bool,
    override_to: str | None,
    cc: Sequence[str] | None,
    bcc: Sequence[str] | None,
    max_recipients: int | None,
    campaign_id: str | None,
    fallback_email: str | None,
) -> CampaignOptions:
    """The campaign options, validated (before anything is looked up)."""
    return CampaignOptions.build(
        send_email=send_email,
        as_html=as_html,
        override_to=override_to,
        cc=cc,
        bcc=bcc,
        max_recipients=max_recipients,
        campaign_id=campaign_id,
        fallback_email=fallback_email,
        pack_config=pack_config,
    )


def _check_days(days_threshold: Any) -> int:
    """``days_threshold`` as a whole number of days from 0 to 100 years (so the
    cut-off date cannot overflow); ``InputError`` naming it otherwise."""
    return validation.days("days_threshold", days_threshold)


def _check_date(value: str | None, parameter: str) -> str:
    """An optional ``YYYY-MM-DD`` date ("to be announced" when empty)."""
    if not value:
        return TBA
    text = str(value).strip()
    try:
        if not _DATE.match(text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        raise InputError(parameter, f"{value!r} is not a date YYYY-MM-DD") from None
    return text


def _run(
    spec: CampaignSpec,
    find: Callable[[], list[Target]],
    options: CampaignOptions,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
) -> dict[str, Any] | Failure:
    """Find the targets and hand them to the engine."""
    return run_campaign(spec, find(), options, smtp_account, store)


def users_with_shutoff_vms(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    days_threshold: int,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    as_html: bool = True,
    send_email: bool = False,
    override_to: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    max_recipients: int | None = None,
    campaign_id: str | None = None,
    fallback_email: str | None = None,
) -> dict[str, Any] | Failure:
    """Mail the owners of servers SHUTOFF for more than ``days_threshold`` days
    (since their last status change) a list of those servers."""
    days = _check_days(days_threshold)
    scope = found.Scope.build(all_projects, from_projects)
    options = _options(
        pack_config, as_html, send_email, override_to, cc, bcc,
        max_recipients, campaign_id, fallback_email,
    )  # fmt: skip
    spec = CampaignSpec(
        name="email.users.with.shutoff.vms",
        template="shutoff_vms",
        parameters={"days_threshold": days},
        inputs={"days_threshold": days, **scope.as_dict()},
    )
    return _run(
        spec,
        lambda: found.servers_in_status(conn, scope, "SHUTOFF", days),
        options,
        smtp_account,
        store,
    )


def users_with_errored_vms(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    days_threshold: int,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    as_html: bool = True,
    send_email: bool = False,
    override_to: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    max_recipients: int | None = None,
    campaign_id: str | None = None,
    fallback_email: str | None = None,
) -> dict[str, Any] | Failure:
    """Mail the owners of servers in ERROR for more than ``days_threshold`` days
    (since their last status change) a list of those servers."""
    days = _check_days(days_threshold)
    scope = found.Scope.build(all_projects, from_projects)
    options = _options(
        pack_config, as_html, send_email, override_to, cc, bcc,
        max_recipients, campaign_id, fallback_email,
    )  # fmt: skip
    spec = CampaignSpec(
        name="email.users.with.errored.vms",
        template="errored_vms",
        parameters={"days_threshold": days},
        inputs={"days_threshold": days, **scope.as_dict()},
    )
    return _run(
        spec,
        lambda: found.servers_in_status(conn, scope, "ERROR", days),
        options,
        smtp_account,
        store,
    )


def users_with_decom_flavors(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    flavor_names: list[str],
    end_of_life: str | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    as_html: bool = True,
    send_email: bool = False,
    override_to: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    max_recipients: int | None = None,
    campaign_id: str | None = None,
    fallback_email: str | None = None,
) -> dict[str, Any] | Failure:
    """Mail the owners of servers using a flavor in ``flavor_names`` (being
    decommissioned on ``end_of_life``) a list of those servers."""
    names = validation.name_list("flavor_names", flavor_names, what="name")
    eol = _check_date(end_of_life, "end_of_life")
    scope = found.Scope.build(all_projects, from_projects)
    options = _options(
        pack_config, as_html, send_email, override_to, cc, bcc,
        max_recipients, campaign_id, fallback_email,
    )  # fmt: skip
    spec = CampaignSpec(
        name="email.users.with.decom.flavors",
        template="decom_flavors",
        inputs={"flavor_names": names, "end_of_life": eol, **scope.as_dict()},
    )
    return _run(
        spec,
        lambda: found.servers_on_flavors(conn, scope, names, eol),
        options,
        smtp_account,
        store,
    )


def users_with_decom_images(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    image_names: list[str],
    end_of_life: str | None = None,
    recommended_image: str | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    as_html: bool = True,
    send_email: bool = False,
    override_to: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    max_recipients: int | None = None,
    campaign_id: str | None = None,
    fallback_email: str | None = None,
) -> dict[str, Any] | Failure:
    """Mail the owners of servers built from an image in ``image_names`` (being
    decommissioned on ``end_of_life``) a list of those servers and the
    ``recommended_image`` to move to."""
    names = validation.name_list("image_names", image_names, what="name")
    eol = _check_date(end_of_life, "end_of_life")
    replacement = (recommended_image or "").strip()
    scope = found.Scope.build(all_projects, from_projects)
    options = _options(
        pack_config, as_html, send_email, override_to, cc, bcc,
        max_recipients, campaign_id, fallback_email,
    )  # fmt: skip
    spec = CampaignSpec(
        name="email.users.with.decom.images",
        template="decom_images",
        inputs={
            "image_names": names,
            "end_of_life": eol,
            "recommended_image": replacement,
            **scope.as_dict(),
        },
    )
    return _run(
        spec,
        lambda: found.servers_on_images(conn, scope, names, eol, replacement),
        options,
        smtp_account,
        store,
    )


def users_with_vms_on_hv_maintenance(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    hypervisor_names: list[str],
    maintenance_start: str | None = None,
    maintenance_end: str | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    as_html: bool = True,
    send_email: bool = False,
    override_to: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    max_recipients: int | None = None,
    campaign_id: str | None = None,
    fallback_email: str | None = None,
) -> dict[str, Any] | Failure:
    """Mail the owners of servers on the hypervisors ``hypervisor_names`` about the
    planned maintenance from ``maintenance_start`` to ``maintenance_end``."""
    names = validation.name_list("hypervisor_names", hypervisor_names, what="name")
    start = (maintenance_start or "").strip() or TBA
    end = (maintenance_end or "").strip() or TBA
    scope = found.Scope.build(all_projects, from_projects)
    options = _options(
        pack_config, as_html, send_email, override_to, cc, bcc,
        max_recipients, campaign_id, fallback_email,
    )  # fmt: skip
    spec = CampaignSpec(
        name="email.users.with.vms.on.hv.maintenance",
        template="hv_maintenance",
        parameters={"window_start": start, "window_end": end},
        inputs={
            "hypervisor_names": names,
            "maintenance_start": start,
            "maintenance_end": end,
            **scope.as_dict(),
        },
    )
    return _run(
        spec,
        lambda: found.servers_on_hypervisors(conn, scope, names),
        options,
        smtp_account,
        store,
    )


def users_with_vms_on_hv_fault(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    hypervisor_names: list[str],
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    as_html: bool = True,
    send_email: bool = False,
    override_to: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    max_recipients: int | None = None,
    campaign_id: str | None = None,
    fallback_email: str | None = None,
) -> dict[str, Any] | Failure:
    """Mail the owners of servers on the failed hypervisors ``hypervisor_names``
    that their servers are affected."""
    names = validation.name_list("hypervisor_names", hypervisor_names, what="name")
    scope = found.Scope.build(all_projects, from_projects)
    options = _options(
        pack_config, as_html, send_email, override_to, cc, bcc,
        max_recipients, campaign_id, fallback_email,
    )  # fmt: skip
    spec = CampaignSpec(
        name="email.users.with.vms.on.hv.fault",
        template="hv_fault",
        inputs={"hypervisor_names": names, **scope.as_dict()},
    )
    return _run(
        spec,
        lambda: found.servers_on_hypervisors(conn, scope, names),
        options,
        smtp_account,
        store,
    )


def ops_down_disabled_hypervisors(
    conn: Connection,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    pack_config: dict[str, Any],
    to_addresses: list[str] | None = None,
    hypervisor_names: list[str] | None = None,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    as_html: bool = True,
    send_email: bool = False,
    override_to: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    max_recipients: int | None = None,
    campaign_id: str | None = None,
    fallback_email: str | None = None,
) -> dict[str, Any] | Failure:
    """Mail the operators one report of the hypervisors that are down or disabled
    (only those in ``hypervisor_names`` when given), with the number of servers on
    each: every server with ``all_projects`` (the default), else those of
    ``from_projects`` (or the cloud account's project). It goes to
    ``to_addresses``, else the pack config ``ops_email``, else ``fallback_email``.
    """
    names = validation.name_list(
        "hypervisor_names", hypervisor_names, required=False, what="name"
    )
    scope = found.Scope.build(all_projects, from_projects)
    options = _options(
        pack_config, as_html, send_email, override_to, cc, bcc,
        max_recipients, campaign_id, fallback_email,
    )  # fmt: skip
    to = list(to_addresses or (pack_config or {}).get(OPS_EMAIL_KEY) or [])
    if not to and options.fallback_email is not None:
        to = [str(options.fallback_email)]
    if not to:
        raise InputError(
            "to_addresses",
            f"is empty and the pack config has no '{OPS_EMAIL_KEY}' (nor a fallback "
            "address): name who receives the report",
        )
    spec = CampaignSpec(
        name="email.ops.down.disabled.hypervisors",
        template="ops_down_disabled_hypervisors",
        inputs={"hypervisor_names": names, "to_addresses": to, **scope.as_dict()},
        to=tuple(to),
        to_parameter="to_addresses",
    )

    def find() -> list[Target]:
        report = found.down_or_disabled_hypervisors(conn, names)
        if scope.all_projects:
            return report
        counts: dict[str, int] = {}
        for row in found.server_rows(conn, scope, []):
            node = str(row.get("hypervisor_name") or "")
            counts[node] = counts.get(node, 0) + 1
        return [
            Target(dict(t.row) | {"servers": counts.get(str(t.row["name"]), 0)})
            for t in report
        ]

    return _run(spec, find, options, smtp_account, store)
