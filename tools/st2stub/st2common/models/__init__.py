"""Stand-in for ``st2common.models``."""
