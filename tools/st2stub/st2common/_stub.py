"""Helpers shared by the stand-in's base classes and services (not a StackStorm API)."""

from __future__ import annotations

import binascii
import logging
import sys
from typing import Any


class _CurrentStderrHandler(logging.StreamHandler):
    """A stream handler that always writes to the *current* ``sys.stderr``.

    Resolving the stream at emit time keeps pytest's ``capsys``/``capfd`` capture working,
    and mirrors StackStorm, where action and sensor logs go to the process' stderr.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        """The interpreter's stderr at the moment of writing."""
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """Ignore assignments: the stream is always the current stderr."""


def stderr_logger(name: str, level: int = logging.DEBUG) -> logging.Logger:
    """Return the logger ``name`` with exactly one stderr handler attached.

    The logger does not propagate, so records are not printed twice when the test
    runner configures the root logger.
    """
    logger = logging.getLogger(name)
    if not any(isinstance(h, _CurrentStderrHandler) for h in logger.handlers):
        handler = _CurrentStderrHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger


class PackConfig(dict):
    """The pack config as an action or sensor sees it.

    Per the pack's StackStorm contract a missing key raises ``ValueError`` (not
    ``KeyError``), so pack code must use ``.get``; ``in`` and ``.get`` work as usual.
    """

    def __missing__(self, key: Any) -> Any:
        """Reject reads of absent keys the way the contract says StackStorm does."""
        raise ValueError(f"config key {key!r} is not set in the pack config")


#: Marks the stand-in's fake ciphertext (StackStorm's real one has a keyczar header).
_CIPHER_HEADER = b"st2stub-aes:"


def stub_encrypt(plaintext: str) -> str:
    """The stand-in's "ciphertext" of ``plaintext``: upper-case hex, like StackStorm's.

    Not encryption (tests only); it exists so that decrypting twice fails as in
    StackStorm.
    """
    return binascii.hexlify(_CIPHER_HEADER + plaintext.encode("utf-8")).decode().upper()


def stub_decrypt(ciphertext: str) -> str:
    """Inverse of ``stub_encrypt``; fails on anything else as StackStorm's decrypt does.

    Like ``symmetric_decrypt`` the value is un-hexed first, so decrypting a plain
    string raises ``binascii.Error`` ("Odd-length string", "Non-hexadecimal digit
    found"); hex that is not a ciphertext raises ``ValueError``.
    """
    data = binascii.unhexlify(ciphertext)
    if not data.startswith(_CIPHER_HEADER):
        raise ValueError("Invalid or malformed ciphertext")
    return data[len(_CIPHER_HEADER) :].decode("utf-8")
