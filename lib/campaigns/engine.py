"""Plan a campaign and send exactly that plan, once per recipient.

``build_plan`` groups the targets by recipient: the owner's email address (lower
case, so two users sharing an address get one message), or the fallback address
when the owner has none (those owners are reported, and the fallback message says
why it arrived), or nobody when there is no fallback either (reported as
unreachable). It renders one message per recipient and marks the recipients the
campaign already mailed (``campaigns.state``).

``run_campaign`` returns the plan as the result of a dry run. With ``send_email``
it refuses a plan with more than ``max_recipients`` recipients (nothing is sent),
otherwise sends the pending messages of that same plan over one SMTP connection,
recording each recipient in the store as soon as the server accepted its message,
so a re-run after a failure sends only to those not yet mailed. The result reports
sent / skipped (already sent) / failed with reasons; any failure, and any
unreachable owner, fails the execution.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from campaigns.model import CampaignSpec, Owner, Target
from campaigns.options import CampaignOptions
from campaigns.state import SentRecords
from email_api.account import SMTPAccount
from email_api.addresses import Address, is_valid_email, parse_address_list
from email_api.message import OutgoingMessage
from email_api.sender import BatchResult, MessageOutcome, send_batch
from email_api.templates import TemplateRegistry, get_registry
from pack_common import Failure, InputError, KeyValueStore

Sender = Callable[..., BatchResult]

PENDING = "pending"
ALREADY_SENT = "already_sent"
SENT = "sent"
FAILED = "failed"


@dataclass
class _Group:
    """The targets of one recipient, while grouping."""

    key: str
    addresses: list[Address]
    owners: list[Owner] = field(default_factory=list)
    fallback_owners: list[Owner] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, target: Target, via_fallback: bool) -> None:
        """Add ``target``'s row, and its owner once."""
        self.items.append(dict(target.row))
        owner = target.owner
        if owner is not None and owner not in self.owners:
            self.owners.append(owner)
        if via_fallback and owner is not None and owner not in self.fallback_owners:
            self.fallback_owners.append(owner)


@dataclass
class PlannedMessage:
    """One recipient's message and where it stands."""

    recipient: str
    message: OutgoingMessage
    owners: list[Owner]
    fallback_owners: list[Owner]
    items: list[dict[str, Any]]
    status: str = PENDING
    record: dict[str, Any] | None = None
    error: str | None = None
    message_id: str | None = None

    def describe(self) -> dict[str, Any]:
        """The recipient's line of the plan / result (no bodies)."""
        plan = self.message.plan(include_bodies=False)
        data: dict[str, Any] = {
            "recipient": self.recipient,
            "status": self.status,
            "to": plan["to"],
            "cc": plan["cc"],
            "bcc": plan["bcc"],
            "subject": self.message.subject,
            "owners": [o.as_dict() for o in self.owners],
            "via_fallback": [o.label() for o in self.fallback_owners],
            "items": [_public(r) for r in self.items],
            "text_sha256": body_digest(self.message.text),
        }
        if self.record is not None:
            data["sent_at"] = self.record.get("sent_at")
        if self.message_id:
            data["message_id"] = self.message_id
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class CampaignPlan:
    """Every recipient's message, plus the owners the campaign could not reach."""

    spec: CampaignSpec
    campaign_id: str
    options: CampaignOptions
    targets: int
    messages: list[PlannedMessage]
    unreachable: list[dict[str, Any]]
    records: SentRecords

    @property
    def pending(self) -> list[PlannedMessage]:
        """Messages not sent yet in this campaign."""
        return [m for m in self.messages if m.status == PENDING]

    def fallback_report(self) -> dict[str, Any] | None:
        """The owners whose mail went to the fallback address, or None."""
        owners: dict[str, dict[str, Any]] = {}
        for planned in self.messages:
            for owner in planned.fallback_owners:
                entry = owners.setdefault(owner.user_id, owner.as_dict() | {"items": 0})
                entry["items"] += sum(
                    1 for row in planned.items if row.get("_owner") == owner.user_id
                )
        if not owners:
            return None
        address = self.options.fallback_email
        return {
            "address": str(address) if address else None,
            "owners": list(owners.values()),
        }


def body_digest(text: str) -> str:
    """SHA-256 of a body, so a test (or an operator) can match a sent message to
    its planned one without comparing whole bodies."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def _sort_key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (
        str(row.get("project", "")),
        str(row.get("name", "")),
        str(row.get("id", "")),
    )


def _group(
    spec: CampaignSpec, targets: Sequence[Target], options: CampaignOptions
) -> tuple[list[_Group], list[dict[str, Any]]]:
    """Recipient groups (sorted by key) and the unreachable owners."""
    if spec.to:
        addresses = parse_address_list(list(spec.to), spec.to_parameter)
        if not addresses:
            raise InputError(spec.to_parameter, "needs at least one email address")
        group = _Group(",".join(sorted(a.email.lower() for a in addresses)), addresses)
        for target in targets:
            group.add(target, via_fallback=False)
        return ([group] if targets else []), []
    groups: dict[str, _Group] = {}
    unreachable: dict[str, dict[str, Any]] = {}
    for target in targets:
        owner = target.owner or Owner(user_id="")
        email = (owner.email or "").strip()
        if email and is_valid_email(email):
            key = email.lower()
            group = groups.setdefault(key, _Group(key, [Address(email, owner.name)]))
            group.add(target, via_fallback=False)
            continue
        if options.fallback_email is not None:
            key = options.fallback_email.email.lower()
            group = groups.setdefault(key, _Group(key, [options.fallback_email]))
            row = dict(target.row) | {"_owner": owner.user_id}
            group.add(Target(row, owner), via_fallback=True)
            continue
        entry = unreachable.setdefault(
            owner.user_id,
            owner.as_dict()
            | {
                "reason": (
                    "invalid email address " + repr(email)
                    if email
                    else "no email address and no fallback_email"
                ),
                "items": [],
            },
        )
        entry["items"].append(dict(target.row))
    return [groups[k] for k in sorted(groups)], list(unreachable.values())


def build_plan(
    spec: CampaignSpec,
    targets: Sequence[Target],
    options: CampaignOptions,
    store: KeyValueStore,
    registry: TemplateRegistry,
) -> CampaignPlan:
    """Group ``targets`` by recipient, render each recipient's message and mark
    the recipients this campaign already mailed."""
    campaign_id = options.resolved_campaign_id(spec)
    trial_to = options.override_to.email if options.override_to else None
    records = SentRecords(
        store, campaign_id, trial_to, ttl_seconds=options.record_days * 86400
    )
    existing = records.load()
    groups, unreachable = _group(spec, targets, options)
    messages: list[PlannedMessage] = []
    for group in groups:
        group.items.sort(key=_sort_key)
        only = group.owners[0] if len(group.owners) == 1 else None
        name = only.name if only is not None and not group.fallback_owners else ""
        rendered = registry.render(
            spec.template,
            {
                **spec.parameters,
                "items": [_public(r) for r in group.items],
                "recipient_name": name,
                "fallback_owners": [o.label() for o in group.fallback_owners],
            },
            as_html=options.as_html,
        )
        to: tuple[Address, ...] = tuple(group.addresses)
        subject = rendered.subject
        if options.override_to is not None:
            subject = f"[TRIAL for {', '.join(a.email for a in to)}] {subject}"
            to = (options.override_to,)
        planned = PlannedMessage(
            recipient=group.key,
            message=OutgoingMessage(
                to=to,
                cc=options.cc,
                bcc=options.bcc,
                subject=" ".join(subject.split()),
                text=rendered.text,
                html=rendered.html,
                key=group.key,
            ),
            owners=group.owners,
            fallback_owners=group.fallback_owners,
            items=group.items,
        )
        record = existing.get(records.key(group.key))
        if record is not None:
            planned.status = ALREADY_SENT
            planned.record = record
        messages.append(planned)
    return CampaignPlan(
        spec=spec,
        campaign_id=campaign_id,
        options=options,
        targets=len(targets),
        messages=messages,
        unreachable=unreachable,
        records=records,
    )


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A row without the engine's bookkeeping keys."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _counts(plan: CampaignPlan) -> dict[str, int]:
    by_status = {
        status: sum(1 for m in plan.messages if m.status == status)
        for status in (PENDING, ALREADY_SENT, SENT, FAILED)
    }
    fallback = plan.fallback_report()
    return {
        "targets": plan.targets,
        "recipients": len(plan.messages),
        **by_status,
        "fallback_owners": len(fallback["owners"]) if fallback else 0,
        "unreachable_owners": len(plan.unreachable),
    }


def _result(
    plan: CampaignPlan, smtp_account: SMTPAccount, summary: str
) -> dict[str, Any]:
    """The JSON result shared by dry runs and real runs."""
    sample_source = plan.pending or plan.messages
    sample = sample_source[0].message.plan() if sample_source else None
    result: dict[str, Any] = {
        "campaign": plan.spec.name,
        "campaign_id": plan.campaign_id,
        "template": plan.spec.template,
        "send_email": plan.options.send_email,
        "summary": summary,
        "counts": _counts(plan),
        "inputs": dict(plan.spec.inputs),
        "smtp_account": smtp_account.describe(),
        "override_to": (
            str(plan.options.override_to) if plan.options.override_to else None
        ),
        "max_recipients": plan.options.max_recipients,
        "recipients": [m.describe() for m in plan.messages],
        "fallback": plan.fallback_report(),
        "unreachable": plan.unreachable,
        "sample": sample,
    }
    hint = scope_hint(plan.spec.inputs, plan.targets)
    if hint:
        result["hint"] = hint
    return result


def scope_hint(inputs: Mapping[str, Any], targets: int) -> str:
    """The hint of a campaign that found nothing while it searched only the cloud
    account's own project (neither ``all_projects`` nor ``from_projects`` given);
    empty otherwise."""
    if targets or "all_projects" not in inputs:
        return ""
    if inputs.get("all_projects") or inputs.get("from_projects"):
        return ""
    return (
        "the search covered only the cloud account's own project: set "
        "all_projects=true to search every project, or from_projects=NAME,... "
        "for some"
    )


def _unreachable_note(plan: CampaignPlan) -> str:
    if not plan.unreachable:
        return ""
    names = ", ".join(
        str(u.get("name") or u.get("user_id") or "?") for u in plan.unreachable
    )
    return (
        f"; {len(plan.unreachable)} owner(s) cannot be mailed ({names}): "
        "no email address and no fallback_email"
    )


def run_campaign(
    spec: CampaignSpec,
    targets: Sequence[Target],
    options: CampaignOptions,
    smtp_account: SMTPAccount,
    store: KeyValueStore,
    *,
    registry: TemplateRegistry | None = None,
    sender: Sender = send_batch,
) -> dict[str, Any] | Failure:
    """Plan the campaign and, with ``options.send_email``, send the plan.

    Returns the result (a dry run's plan, or what was sent), or ``Failure`` with
    the same result when the campaign was refused (``max_recipients``), a message
    failed, or an owner could not be mailed. ``sender`` exists for fault-injection
    tests; it is called like ``email_api.sender.send_batch``.
    """
    registry = registry or get_registry(smtp_account.templates_dir)
    plan = build_plan(spec, targets, options, store, registry)
    total = len(plan.messages)
    pending = plan.pending
    skipped = total - len(pending)
    unreachable = _unreachable_note(plan)
    if total > options.max_recipients:
        summary = (
            f"parameter 'max_recipients': the campaign has {total} recipients, "
            f"more than max_recipients ({options.max_recipients}); nothing was sent. "
            "Narrow the scope or raise max_recipients."
        )
        result = _result(plan, smtp_account, summary)
        result["error"] = summary
        return Failure(result)
    if not options.send_email:
        summary = (
            f"dry run: {len(pending)} message(s) would be sent to {total} "
            f"recipient(s) ({skipped} already sent in campaign "
            f"{plan.campaign_id}) about {plan.targets} item(s); nothing was sent"
            f"{unreachable}"
        )
        hint = scope_hint(plan.spec.inputs, plan.targets)
        summary += f" ({hint})" if hint else ""
        return _result(plan, smtp_account, summary)
    batch: BatchResult | None = None
    if pending:

        def record(outcome: MessageOutcome) -> None:
            planned = pending[outcome.index]
            planned.message_id = outcome.message_id
            if outcome.sent:
                planned.status = SENT
                planned.record = plan.records.mark_sent(
                    planned.recipient,
                    outcome.recipients,
                    planned.message.subject,
                    outcome.message_id,
                )
            else:
                planned.status = FAILED
                planned.error = outcome.error

        batch = sender(smtp_account, [m.message for m in pending], on_outcome=record)
        for planned in pending:  # a batch stopped early leaves messages unsent
            if planned.status == PENDING:
                planned.status = FAILED
                planned.error = planned.error or "not attempted"
    sent = sum(1 for m in plan.messages if m.status == SENT)
    failed = [m for m in plan.messages if m.status == FAILED]
    summary = (
        f"{sent} sent, {skipped} skipped (already sent), {len(failed)} failed "
        f"of {total} recipient(s) in campaign {plan.campaign_id}"
    )
    if failed:
        summary += f": {failed[0].recipient}: {failed[0].error}"
    summary += unreachable
    hint = scope_hint(plan.spec.inputs, plan.targets)
    summary += f" ({hint})" if hint else ""
    result = _result(plan, smtp_account, summary)
    if batch is not None:
        result["connections_opened"] = batch.connections_opened
        result["reconnects"] = batch.reconnects
        causes = list(dict.fromkeys(o.cause for o in batch.failed if o.cause))
        if causes:
            result = {**smtp_account.failure("; ".join(causes)).as_result(), **result}
    if failed or plan.unreachable:
        return Failure(result)
    return result
