"""What the article-level faults do to a response; which articles they hit is decided in
``World`` (the flags on ``ExpectedArticle``).

- slow: the answer waits ``Faults.slow_seconds`` before its first byte.
- truncated: the headers announce the whole body, the connection closes part-way through
  the HTML (in the middle of the article body).
- wrong charset, two ways, picked per article: either the body is in the legacy Windows code
  page of its language (windows-1256 for Arabic, windows-1252 otherwise) and the page's meta
  tag says so while the Content-Type header still says utf-8; or the body is utf-8 (meta tag
  too) while the header says iso-8859-1.
"""

from __future__ import annotations

import re

from devsite.model import ExpectedArticle
from devsite.seeds import stable_fraction

LEGACY_BODY = "legacy-body"
LATIN1_HEADER = "latin1-header"
_META = re.compile(rb'<meta charset="utf-8">')


def legacy_codec(language: str) -> str:
    return "windows-1256" if language == "ar" else "windows-1252"


def charset_variant(article: ExpectedArticle) -> str:
    draw = stable_fraction("charset-variant", article.site, article.publication_slug, article.aggregator_id)
    return LEGACY_BODY if draw < 0.5 else LATIN1_HEADER


def wrong_charset(article: ExpectedArticle, body: bytes) -> tuple[str, bytes]:
    """(Content-Type header, body) for an article hit by the wrong-charset fault."""
    if charset_variant(article) == LATIN1_HEADER:
        return "text/html; charset=iso-8859-1", body
    codec = legacy_codec(article.language)
    page = body.decode("utf-8")
    # Characters the code page lacks (Eastern digits in windows-1256, combining accents) become
    # numeric references, as legacy CMSs wrote them: a parser decoding right reads them back.
    encoded = page.encode(codec, errors="xmlcharrefreplace")
    encoded = _META.sub(f'<meta charset="{codec}">'.encode("ascii"), encoded, count=1)
    return "text/html; charset=utf-8", encoded


def truncation_point(article: ExpectedArticle, body: bytes) -> int:
    """Where the connection drops: inside the article's text, so what arrived is not the article."""
    start = body.find(b'class="articlecontent"')
    if start < 0:
        start = body.find(b'class="post-body"')
    if start < 0:
        start = len(body) // 3
    share = 0.2 + 0.5 * stable_fraction(
        "truncate-at", article.site, article.publication_slug, article.aggregator_id
    )
    end = body.find(b"</body>", start)
    end = len(body) - 1 if end < 0 else end
    return start + int((end - start) * share * 0.5) + 1
