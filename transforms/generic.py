"""Any news page, without a site profile: title, date, author, body without page furniture.

``extract_generic`` is what ``pressetl extract`` runs without ``--site`` and
what ``extract_with_profile`` falls back to on layout drift.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from transforms.text import clean_text, is_boilerplate

if TYPE_CHECKING:
    from transforms.extract import ExtractedPage

_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def extract_generic(
    html: str, url: str | None = None, *, extensive_date_search: bool = True
) -> ExtractedPage:
    """Any news page, by trafilatura: title, date, author, site name, body without page furniture.

    ``publication_name`` is the site name trafilatura finds (on a publisher's
    own page, the publication). ``extensive_date_search=False`` keeps to dates
    in markup and metadata.
    """
    # transforms.extract imports this module: its types are looked up at call time.
    from transforms.extract import ExtractedPage, _BlockCollector

    if not html or not html.strip():
        return ExtractedPage(extraction="failed", error="empty page")
    import trafilatura  # heavy; only pages that need it pay for it

    lang = _HTML_LANG.search(html[:5000])
    language = clean_text(lang.group(1)) if lang else None
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            include_formatting=True,  # keeps <hi rend="#b">: bold-only paragraphs are questions
            date_extraction_params={"extensive_search": extensive_date_search, "original_date": True},
        )
    except Exception as exc:  # trafilatura has many failure modes on broken input; the row must survive
        return ExtractedPage(
            language_declared=language,
            extraction="failed",
            error=f"generic extractor error: {type(exc).__name__}: {exc}",
        )
    if doc is None:
        return ExtractedPage(
            language_declared=language, extraction="failed", error="generic extractor found no article text"
        )

    title = clean_text(doc.title) or None
    if title and is_boilerplate(title):
        title = None
    collector = _BlockCollector()
    if doc.body is not None:
        for child in doc.body:
            collector.add_element(child)
    blocks = collector.blocks()
    # trafilatura repeats the page's <h1> as the first block.
    if blocks and title and blocks[0].text.casefold() == title.casefold():
        blocks = blocks[1:]
    return ExtractedPage(
        title=title,
        publication_name=clean_text(doc.sitename) or None,
        date_text=clean_text(doc.date) or None,
        blocks=tuple(blocks),
        thumbnail_url=clean_text(doc.image) or None,
        author=clean_text(doc.author) or None,
        language_declared=language,
        extraction="fallback" if blocks else "failed",
        error=None if blocks else "generic extractor found no body",
    )
