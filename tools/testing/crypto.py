"""The "ciphertext" of the pack's test datastore (tests only, not encryption).

StackStorm returns an encrypted datastore value as upper-case hex ciphertext unless it
is read with ``decrypt``; decrypting un-hexes first, so decrypting a plain string fails
("Odd-length string", "Non-hexadecimal digit found"). These two functions keep those
properties so that, for example, decrypting twice fails as in StackStorm.
"""

from __future__ import annotations

import binascii

__all__ = ["decrypt", "encrypt"]

#: Marks the fake ciphertext (StackStorm's real one has a keyczar header).
_HEADER = b"pack-test-aes:"


def encrypt(plaintext: str) -> str:
    """The fake ciphertext of ``plaintext``: upper-case hex, like StackStorm's."""
    return binascii.hexlify(_HEADER + plaintext.encode("utf-8")).decode().upper()


def decrypt(ciphertext: str) -> str:
    """Inverse of ``encrypt``; ``binascii.Error`` for text that is not hex (as
    StackStorm's decrypt), ``ValueError`` for hex that is not a ciphertext."""
    data = binascii.unhexlify(ciphertext)
    if not data.startswith(_HEADER):
        raise ValueError("Invalid or malformed ciphertext")
    return data[len(_HEADER) :].decode("utf-8")
