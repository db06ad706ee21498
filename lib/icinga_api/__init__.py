"""Icinga 2 REST API client: host downtimes (schedule for a host and its services,
list, remove) for the accounts of the pack config ``icinga_accounts``."""
