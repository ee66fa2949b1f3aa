"""An article page's own date, read from its publication line ("Publié dans … le DD - MM - YYYY").

Id probing dates every page it fetches this way: the listing date is not there to help.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from parsel import Selector

from core import decoding
from core.dates import parse_publication_line, split_publication_line
from core.profiles import SiteProfile
from core.selectors import select

_MAX_LINE_CHARS = 300  # a publication line is short; a longer element is a container
_NOT_CONTENT = {"script", "style", "head", "title"}


def page_date(page: Selector, profile: SiteProfile) -> date | None:
    """The article's own date, from its publication line (found by pattern if the selector drifted)."""
    for line in _texts(page, profile.selectors.publication_line):
        _, published = parse_publication_line(line, profile)
        if published is not None:
            return published
    for element in page.root.iter():
        if not isinstance(element.tag, str) or element.tag in _NOT_CONTENT:
            continue
        text = _short_text(element)
        if text and split_publication_line(text, profile):
            return parse_publication_line(text, profile)[1]
    return None


def decode_html(body: bytes, content_type: str | None) -> str:
    """The page's text, decoded as the transform decodes it (``core.decoding``): legacy pages
    lie in both directions, so the header and the page's own declaration are checked against
    the bytes."""
    return decoding.decode_html(body, content_type).text


def _texts(page: Selector, selector: str) -> Iterator[str]:
    for result in select(page, selector):
        root = result.root
        text = root if isinstance(root, str) else "".join(root.itertext())
        text = " ".join(text.split())
        if text:
            yield text


def _short_text(element) -> str | None:
    """The element's text with spaces collapsed; None when longer than a publication line can be
    (a container of the page: its text is not even read to the end)."""
    parts, length = [], 0
    for piece in element.itertext():
        length += len(piece)
        if length > 2 * _MAX_LINE_CHARS:
            return None
        parts.append(piece)
    text = " ".join("".join(parts).split())
    return text if len(text) <= _MAX_LINE_CHARS else None
