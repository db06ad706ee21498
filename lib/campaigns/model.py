"""Plain data of a campaign: who owns what, and what the campaign is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Owner:
    """The user a target belongs to (a server's creator). ``email`` is None when
    the user has none (or the user no longer exists: then ``name`` is empty)."""

    user_id: str
    name: str = ""
    email: str | None = None

    def label(self) -> str:
        """``name`` for reports, the id when the user is unknown."""
        return self.name or f"unknown user {self.user_id or '(none)'}"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"user_id": self.user_id, "name": self.name, "email": self.email}


@dataclass(frozen=True)
class Target:
    """One row of a recipient's table (the keys the template expects, JSON values)
    and who it is about. ``owner`` is None for campaigns mailed to fixed
    recipients (the operators' reports)."""

    row: Mapping[str, Any]
    owner: Owner | None = None


@dataclass(frozen=True)
class CampaignSpec:
    """What a campaign action asks of the engine.

    ``name`` is the action (e.g. ``email.users.with.shutoff.vms``), ``template``
    the email template, ``parameters`` the template parameters shared by every
    message (``items`` and ``recipient_name`` are added per recipient), ``inputs``
    the action's own inputs (they feed the default ``campaign_id``), ``to`` the fixed
    recipients of a report campaign (empty: each target's owner), and
    ``to_parameter`` the action parameter ``to`` came from (for error messages).
    """

    name: str
    template: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    to: tuple[str, ...] = ()
    to_parameter: str = "to_addresses"
