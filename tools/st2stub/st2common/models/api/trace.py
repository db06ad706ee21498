"""Stand-in for ``st2common.models.api.trace``: the trace context of a dispatch."""

from __future__ import annotations

__all__ = ["TraceContext"]


class TraceContext:
    """An existing trace (``id_``) or a tag to start one with (``trace_tag``)."""

    def __init__(self, id_: str | None = None, trace_tag: str | None = None) -> None:
        """Keep the trace id and tag."""
        self.id_ = id_
        self.trace_tag = trace_tag

    def __str__(self) -> str:
        """Both fields, for logs."""
        return f"{{id_: {self.id_}, trace_tag: {self.trace_tag}}}"
