"""Clean text to HTML with the small irregularities real pages have.

A correct cleaner undoes every one of them: entities (``&amp;``, ``&rsquo;``, ``&#160;``),
no-break spaces (French puts them before : ; ? ! % » and after «, and between digit
groups), decomposed accents (NFD), and line breaks inside a paragraph. Which ones a
piece of text gets is fixed by its seed, so pages stay byte-identical.
"""

from __future__ import annotations

import html
import re
import unicodedata

from devsite.seeds import stable_rng

_NBSP_STYLES = ("&nbsp;", "\u00a0", "&#160;")
_BEFORE_PUNCT = re.compile(r" (?=[:;?!%»])")
_AFTER_GUILLEMET = re.compile(r"(?<=«) ")
_DIGIT_GROUP = re.compile(r"(?<=\d) (?=\d{3}\b)")


def text(value: str) -> str:
    """Escaped, nothing else: for places where a scraper is not expected to read."""
    return html.escape(value, quote=False)


def attr(value: str) -> str:
    return html.escape(value, quote=True)


def noisy(value: str, *seed: object) -> str:
    """``value`` as HTML text, with the irregularities chosen by ``seed``."""
    rng = stable_rng("markup", *seed)
    out = html.escape(value, quote=False)
    if rng.random() < 0.75:
        nbsp = rng.choice(_NBSP_STYLES)
        out = _BEFORE_PUNCT.sub(nbsp, out)
        out = _AFTER_GUILLEMET.sub(nbsp, out)
        out = _DIGIT_GROUP.sub(nbsp, out)
    if rng.random() < 0.3:
        out = out.replace("\u2019", "&rsquo;")
    if rng.random() < 0.1:
        out = unicodedata.normalize("NFD", out)
    if rng.random() < 0.3:
        out = _break_line(out, rng.random())
    return out


def _break_line(value: str, where: float) -> str:
    spaces = [i for i, char in enumerate(value) if char == " "]
    if len(spaces) < 8:
        return value  # editors wrap long paragraphs, not headings
    cut = spaces[int(where * len(spaces))]
    return value[:cut] + "\n\t\t\t" + value[cut + 1 :]
