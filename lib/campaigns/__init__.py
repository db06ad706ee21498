"""The campaign engine: one engine for every user-notification campaign.

A campaign finds its targets (``campaigns.targets``, through the Query library),
groups them by recipient (the owner's email address; a fallback address when the
owner has none, reported), renders one message per recipient with the campaign's
template, and then either returns the plan (a dry run, the default) or sends exactly
that plan (``campaigns.engine``). Sent recipients are recorded per campaign in a
key-value store (``campaigns.state``), so a re-run after a failure sends only to
the recipients not yet mailed.

- ``model``: ``Owner``, ``Target``, ``CampaignSpec`` (plain data).
- ``options``: ``CampaignOptions`` (send_email, override_to, cc, bcc,
  max_recipients, campaign_id, fallback_email), validated, and the default
  ``campaign_id`` (a stable hash of the inputs).
- ``state``: ``SentRecords``, the per-campaign record of who was mailed.
- ``engine``: ``build_plan`` and ``run_campaign``.
- ``targets``: the Query-library lookups each campaign action uses.
"""
