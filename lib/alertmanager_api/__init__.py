"""Alertmanager API v2 client: silences (create with matchers, list, expire) for the
accounts of the pack config ``alertmanager_accounts``."""
