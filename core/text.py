"""Text normalisation every floor needs: ``clean_text`` turns whatever a page gave us
into one tidy line, ``one_line`` turns an error into the line an operator reads."""

from __future__ import annotations

import html
import re
import unicodedata

# Spaces that are not U+0020: NBSP and narrow NBSP are what French typography
# puts before ":;?!" and inside « »; the others turn up in pasted copy.
_SPACE_LIKE = "\u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"
# Invisible characters dropped outright: zero-width space/joiners, bidi marks
# and embeddings, word joiner, BOM, soft hyphen. They split words for search
# and make equal texts hash differently; plain-text storage needs none of them.
_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
# C0/C1 control characters other than whitespace: mis-decoded bytes, never text.
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])

# Most text has none of the characters above: one C-speed search spares the three replacements.
_ODD = re.compile("[" + re.escape(_SPACE_LIKE + _INVISIBLE + _CONTROLS) + "\ud800-\udfff]")
_SPACES = re.compile("[" + re.escape(_SPACE_LIKE) + "]")
_DROPPED = re.compile("[" + re.escape(_INVISIBLE + _CONTROLS) + "]")
# Lone surrogates cannot be written as UTF-8 (Parquet, hashing): mark the damage visibly.
_SURROGATES = re.compile("[\ud800-\udfff]")
# Only well-formed references (with ";"): a bare "&" in "R&D" or "&para=" stays.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _decode_entity(match: re.Match[str]) -> str:
    return html.unescape(match.group(0))


def _clean_once(text: str) -> str:
    if "&" in text:
        text = _ENTITY.sub(_decode_entity, text)
    # Before NFC: dropping an invisible character can bring a letter and its
    # combining accent together.
    if _ODD.search(text):
        text = _SURROGATES.sub("\ufffd", _DROPPED.sub("", _SPACES.sub(" ", text)))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def clean_text(text: str | None) -> str:
    """One clean line: entities decoded, NFC, odd spaces and invisibles gone, whitespace collapsed.

    Typographic apostrophes (’) and guillemets (« ») are kept as they are.
    Repeated until stable, because decoding can reveal another entity
    ("&amp;eacute;" from double-escaping CMSs): cleaning is idempotent.
    """
    if not text:
        return ""
    # Most text has no entity, no odd character and is NFC already: then only
    # whitespace changes, and the result is clean (collapsing runs of spaces
    # neither creates an entity nor brings a letter next to a combining mark).
    if "&" not in text and not _ODD.search(text) and unicodedata.is_normalized("NFC", text):
        return " ".join(text.split())
    # After one pass the text has no odd character and is NFC (nothing later in
    # a pass brings either back); only decoding may have revealed another entity.
    # Each pass that changes anything (after the first) makes the text shorter,
    # so this ends; the cap is only a guard.
    for _ in range(32):
        text = _clean_once(text)
        if "&" not in text or not _ENTITY.search(text):
            break
    return text


def one_line(error: object, limit: int | None = None) -> str:
    """An error as one line (the Airflow UI, the ledger, a log): whitespace collapsed, the
    exception's type when it has no message, at most ``limit`` characters."""
    text = " ".join(str(error).split())
    if not text and isinstance(error, BaseException):
        text = type(error).__name__
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
