"""Stable identifiers: the one place where a text key becomes a 63-bit integer ID."""

import hashlib


def stable_id(text: str) -> int:
    """A positive 63-bit integer derived from `text`; the same text gives the same ID forever."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF
