"""Stand-in for ``st2reactor.sensor``."""
