"""The options every campaign takes, validated before anything is looked up or sent.

Defaults come from the pack config: ``campaign_fallback_email`` (where mail for
owners without an email address goes), ``campaign_max_recipients`` (the most
recipients a campaign may mail without raising ``max_recipients``) and
``campaign_record_days`` (how long the record of who was mailed is kept).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from campaigns.model import CampaignSpec
from email_api.addresses import Address, parse_address, parse_address_list
from pack_common import ConfigError, InputError, validation

DEFAULT_MAX_RECIPIENTS = 50
DEFAULT_RECORD_DAYS = 30
FALLBACK_KEY = "campaign_fallback_email"
MAX_RECIPIENTS_KEY = "campaign_max_recipients"
RECORD_DAYS_KEY = "campaign_record_days"
_CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class CampaignOptions:
    """The validated campaign options (see the campaign actions' parameters)."""

    send_email: bool = False
    as_html: bool = True
    override_to: Address | None = None
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    max_recipients: int = DEFAULT_MAX_RECIPIENTS
    campaign_id: str | None = None
    fallback_email: Address | None = None
    record_days: int = DEFAULT_RECORD_DAYS

    @classmethod
    def build(
        cls,
        *,
        send_email: bool = False,
        as_html: bool = True,
        override_to: str | None = None,
        cc: Sequence[str] | str | None = None,
        bcc: Sequence[str] | str | None = None,
        max_recipients: int | None = None,
        campaign_id: str | None = None,
        fallback_email: str | None = None,
        pack_config: Mapping[str, Any] | None = None,
    ) -> CampaignOptions:
        """Validate action parameters (errors name the parameter) and fill the
        defaults from ``pack_config`` (errors name the config key)."""
        config = pack_config or {}
        if max_recipients is None:
            max_recipients = validation.config_whole_number(
                f"pack config '{MAX_RECIPIENTS_KEY}'",
                config.get(MAX_RECIPIENTS_KEY, DEFAULT_MAX_RECIPIENTS),
                1,
            )
        else:
            max_recipients = validation.whole_number(
                "max_recipients", max_recipients, 1
            )
        record_days = validation.config_whole_number(
            f"pack config '{RECORD_DAYS_KEY}'",
            config.get(RECORD_DAYS_KEY, DEFAULT_RECORD_DAYS),
            1,
        )
        if campaign_id and not _CAMPAIGN_ID.match(campaign_id):
            raise InputError(
                "campaign_id",
                f"{campaign_id!r} must be letters, digits, '.', '_' or '-' "
                "(at most 100, starting with a letter or digit)",
            )
        fallback: Address | None = None
        if fallback_email:
            fallback = parse_address(fallback_email, "fallback_email")
        elif config.get(FALLBACK_KEY):
            try:
                fallback = parse_address(config[FALLBACK_KEY], FALLBACK_KEY)
            except InputError as exc:
                raise ConfigError(f"pack config '{FALLBACK_KEY}': {exc}") from None
        return cls(
            send_email=bool(send_email),
            as_html=bool(as_html),
            override_to=(
                parse_address(override_to, "override_to") if override_to else None
            ),
            cc=tuple(parse_address_list(cc, "cc")),
            bcc=tuple(parse_address_list(bcc, "bcc")),
            max_recipients=max_recipients,
            campaign_id=campaign_id or None,
            fallback_email=fallback,
            record_days=record_days,
        )

    def resolved_campaign_id(self, spec: CampaignSpec) -> str:
        """The given ``campaign_id``, or the default: the campaign's name and a
        stable hash of its inputs and of these options (everything that decides
        what is sent to whom, but not ``send_email``), so the dry run and the real
        run, and a re-run after a failure, share one id."""
        if self.campaign_id:
            return self.campaign_id
        return default_campaign_id(spec, self)


def default_campaign_id(spec: CampaignSpec, options: CampaignOptions) -> str:
    """``<campaign>-<16 hex digits>``; see ``CampaignOptions.resolved_campaign_id``."""
    material = {
        "campaign": spec.name,
        "template": spec.template,
        "inputs": _canonical(spec.inputs),
        "to": sorted(a.lower() for a in spec.to),
        "override_to": (
            options.override_to.email.lower() if options.override_to else None
        ),
        "cc": sorted(a.email.lower() for a in options.cc),
        "bcc": sorted(a.email.lower() for a in options.bcc),
        "fallback_email": (
            options.fallback_email.email.lower() if options.fallback_email else None
        ),
        "as_html": options.as_html,
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    slug = re.sub(r"[^a-z0-9]+", "-", spec.name.lower().removeprefix("email.")).strip(
        "-"
    )
    return f"{slug}-{digest}"


def _canonical(value: Any) -> Any:
    """``value`` with lists of plain values sorted, so the order an operator lists
    names in does not change the campaign id."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(v) for v in value]
        if all(isinstance(v, str | int | float) for v in items):
            return sorted(items, key=lambda v: (type(v).__name__, v))
        return items
    return value
