"""Stand-in for ``st2common.runners``."""
