"""Word counts and the boilerplate filter.

``is_boilerplate`` says whether a block is site furniture (widgets, share buttons,
the "read at the source" link) rather than article text. The wording it looks for
is data: ``profiles/family/boilerplate.yaml`` (``core.boilerplate``).
"""

from __future__ import annotations

import re

from core.boilerplate import load_wording
from core.text import clean_text

# A lone mark between spaces (« » : ? ! – —) is not a word. Matched from the space before it
# (the text is given a leading one): the search then only stops at spaces, and is fast.
_NOT_A_WORD = re.compile(r"\s[^\w\s]+(?!\S)")


def word_count(text: str | None) -> int:
    """Words as a reader (or a word processor) counts them: what stands between spaces, if it has a
    letter or a digit. "l'article", "PME-PMI", "320.000", "«Pas" are one word each; "«" alone is none."""
    if not text:
        return 0
    return len(text.split()) - len(_NOT_A_WORD.findall(" " + text))


def _match_key(text: str) -> str:
    return clean_text(text).casefold().replace("’", "'").replace("ʼ", "'")


_WORDING = load_wording()
SHARE_WORDS = _WORDING.share_words

# Matched on ``_match_key`` text, case-sensitively: a case-insensitive Unicode
# pattern is several times slower, and this runs on every block of every page.
_PHRASES = re.compile(
    "|".join(re.escape(_match_key(p)) for phrases in _WORDING.phrases.values() for p in phrases)
)
# (?!\w): "Lire aussi :" is furniture, "Lire aussitôt …" is prose.
_PREFIXES = re.compile(
    "^(?:"
    + "|".join(re.escape(_match_key(p)) for prefixes in _WORDING.prefixes.values() for p in prefixes)
    + r")(?!\w)"
)
_LABELS = frozenset(_match_key(p) for labels in _WORDING.labels.values() for p in labels)
_TOKEN = re.compile(r"[\w-]+")
_MAX_SHARE_ROW_CHARS = 200
_EDGE_CHARS = 240


def is_boilerplate(text: str | None, *, clean: bool = False) -> bool:
    """True for site furniture: widgets, share rows, "read at the source" links, "Lire aussi" lines.

    ``clean``: the text has been through ``clean_text`` already (saves a pass).
    """
    text = (text or "") if clean else clean_text(text)
    if not text:
        return False
    key = text.casefold().replace("’", "'").replace("ʼ", "'")
    # Furniture run into a paragraph sits at its start or its end: a long block is
    # searched there only (the phrases are far shorter than the edges).
    probe = key if len(key) <= 2 * _EDGE_CHARS else key[:_EDGE_CHARS] + "\n" + key[-_EDGE_CHARS:]
    if _PHRASES.search(probe) or _PREFIXES.match(key):
        return True
    if len(key) > _MAX_SHARE_ROW_CHARS:
        return False
    if key.strip(" :.!-–—|") in _LABELS:
        return True
    tokens = _TOKEN.findall(key)
    return len(set(tokens)) >= 2 and len(tokens) <= 12 and all(t in SHARE_WORDS for t in tokens)
