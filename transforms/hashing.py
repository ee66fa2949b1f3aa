"""Content hash: the same article text gives the same hash, whatever its markup."""

from __future__ import annotations

import hashlib

from core.text import clean_text

# Separates title from body in the hashed text; clean_text never leaves one
# (it is a control character), so ("ab", "c") and ("a", "bc") cannot collide.
_SEPARATOR = "\x1f"


def content_hash(title: str, body: str, *, clean: bool = False) -> str:
    """sha256 hex of the cleaned title and body.

    Whitespace is collapsed across the whole body, so the same text split
    into blocks differently (a layout change, the fallback extractor) hashes
    the same. Case and punctuation count: this finds copies, not near-copies.
    ``clean``: the title is clean and the body is clean blocks joined by blank
    lines (what extraction gives): the same hash, without cleaning again.
    """
    if clean:
        normalised = title + _SEPARATOR + body.replace("\n\n", " ")
    else:
        normalised = clean_text(title) + _SEPARATOR + clean_text(body)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
