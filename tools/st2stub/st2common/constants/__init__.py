"""Stand-in for ``st2common.constants``."""
