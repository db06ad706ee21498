"""Implementation of ``tools/devcloud/devcloud`` (standard library only)."""
