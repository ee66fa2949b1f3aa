"""The snippet of a hit found by the DuckDB scan: the body around its first match, as
PostgreSQL's ``ts_headline`` gives it (a few words before, about 35 in all, every match marked)."""

from __future__ import annotations

from collections.abc import Iterable

import regex

from warehouse.search_request import HIT_END, HIT_START

WORDS_BEFORE = 12
WORDS = 35
_WORD = regex.compile(r"\S+")
_SPACE = regex.compile(r"\s+")


def _spans(text: str, patterns: Iterable[str]) -> list[tuple[int, int]]:
    found = sorted(
        (m.start("hit"), m.end("hit")) for pattern in patterns for m in regex.finditer(pattern, text)
    )
    spans: list[tuple[int, int]] = []
    for start, end in found:  # overlapping matches (a word in two items) are marked once
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def snippet(body: str | None, patterns: Iterable[str]) -> str:
    """``body``'s words around the first match of any of ``patterns`` (their group ``hit``), or its
    first words; matches between HIT_START and HIT_END, whitespace collapsed."""
    body = body or ""
    words = list(_WORD.finditer(body))
    if not words:
        return ""
    spans = _spans(body, patterns)
    first = 0
    if spans:
        first = next(i for i, w in enumerate(words) if w.end() > spans[0][0])
    start = max(0, first - WORDS_BEFORE)
    end = min(len(words), start + WORDS)
    low, high = words[start].start(), words[end - 1].end()
    parts, at = [], low
    for s, e in spans:
        if e <= low or s >= high:
            continue
        s, e = max(s, low), min(e, high)
        parts += [body[at:s], HIT_START, body[s:e], HIT_END]
        at = e
    parts.append(body[at:high])
    text = _SPACE.sub(" ", "".join(parts)).strip()
    return ("… " if start else "") + text + (" …" if end < len(words) else "")
