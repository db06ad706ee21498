"""Who a campaign has already mailed, kept in the pack's key-value store.

One item per sent message: ``campaign.<campaign_id>.<digest>``, where the digest
is of the recipient key (the recipient's address, lower case) and the trial
address (``override_to``), so a trial run never counts as the real one. The value
records when, to whom and with which Message-ID. Items expire after the campaign's
``record_days`` so the store does not grow for ever. Inside StackStorm the store is
the datastore (through the action service); outside it, the local runner's file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pack_common import KeyValueStore

PREFIX = "campaign."


def record_key(campaign_id: str, recipient_key: str, trial_to: str | None) -> str:
    """The store key of one recipient's record."""
    material = f"{recipient_key.lower()}|{(trial_to or '').lower()}"
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]
    return f"{PREFIX}{campaign_id}.{digest}"


@dataclass
class SentRecords:
    """The records of one campaign (``campaign_id``) in ``store``."""

    store: KeyValueStore
    campaign_id: str
    trial_to: str | None = None
    ttl_seconds: int | None = None

    def load(self) -> dict[str, dict[str, Any]]:
        """Every record of the campaign, by store key (one store listing)."""
        found = self.store.list(f"{PREFIX}{self.campaign_id}.")
        return {k: v for k, v in found.items() if isinstance(v, dict)}

    def key(self, recipient_key: str) -> str:
        """The store key for ``recipient_key`` in this campaign."""
        return record_key(self.campaign_id, recipient_key, self.trial_to)

    def mark_sent(
        self,
        recipient_key: str,
        recipients: list[str],
        subject: str,
        message_id: str | None,
    ) -> dict[str, Any]:
        """Record that ``recipient_key``'s message went out; returns the record."""
        record = {
            "campaign_id": self.campaign_id,
            "recipient": recipient_key,
            "recipients": recipients,
            "subject": subject,
            "message_id": message_id,
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.store.set(self.key(recipient_key), record, ttl=self.ttl_seconds)
        return record
