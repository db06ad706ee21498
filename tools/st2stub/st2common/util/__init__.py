"""Stand-in for ``st2common.util``."""
