"""Any news page, without a site profile: title, date, author, body without page furniture.

``extract_generic`` is what ``pressetl extract`` runs without ``--site`` and
what ``extract_with_profile`` falls back to on layout drift. trafilatura finds
the main text and the metadata; what it lets through at the edges of the
article is trimmed here: the headline, its kicker, breadcrumbs and the
dateline repeated at the top, tag labels at the bottom. Measured on real
pages by ``bench/bench_extract_quality.py``.
"""

from __future__ import annotations

import re

from core.text import clean_text
from transforms.blocked import blocked_page, load_markers
from transforms.blocks import Block, BlockCollector, ExtractedPage, parse_html
from transforms.text import is_boilerplate

_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def extract_generic(
    html: str, url: str | None = None, *, extensive_date_search: bool = True
) -> ExtractedPage:
    """Any news page, by trafilatura: title, date, author, site name, body without page furniture.

    ``publication_name`` is the site name trafilatura finds (on a publisher's
    own page, the publication). ``extensive_date_search=False`` keeps to dates
    in markup and metadata.
    """
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
        blocked = blocked_page(html, parse_html(html))
        if blocked is not None:
            return ExtractedPage(
                language_declared=language, extraction="blocked", error=blocked.reason, blocked=blocked.kind
            )
        return ExtractedPage(
            language_declared=language, extraction="failed", error="generic extractor found no article text"
        )

    title = clean_text(doc.title) or None
    if title and is_boilerplate(title):
        title = None
    collector = BlockCollector()
    if doc.body is not None:
        for child in doc.body:
            collector.add_element(child)
    blocks = _trim(collector.blocks(), title)
    if sum(len(block.text.split()) for block in blocks) <= load_markers().max_words:
        # A wall's few lines read as an article by the extractor ("Just a moment…").
        blocked = blocked_page(html, parse_html(html))
        if blocked is not None:
            return ExtractedPage(
                language_declared=language, extraction="blocked", error=blocked.reason, blocked=blocked.kind
            )
    date_text = clean_text(doc.date) or None
    if date_text and extensive_date_search and _is_bare_year(date_text, html, url):
        date_text = None
    return ExtractedPage(
        title=title,
        publication_name=clean_text(doc.sitename) or None,
        date_text=date_text,
        blocks=tuple(blocks),
        thumbnail_url=clean_text(doc.image) or None,
        author=clean_text(doc.author) or None,
        language_declared=language,
        extraction="fallback" if blocks else "failed",
        error=None if blocks else "generic extractor found no body",
    )


# --- trimming the edges of the article ----------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
# Words of a dateline besides numbers: days, months (fr, en, es, de), "at", "h".
_DATE_VOCABULARY = """
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai juin
    juillet août aout septembre octobre novembre décembre decembre le à a h min er
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    at am pm on gmt utc
    lunes martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio julio
    agosto septiembre octubre noviembre diciembre de del
    montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz juni juli
    oktober dezember um uhr
"""
_DATE_WORDS = frozenset(_DATE_VOCABULARY.split())
# What a comment section says about itself (one-word cues only where they cannot be news).
_COMMENTS_CUES = re.compile(
    r"commentaires|laisser un commentaire|leave a comment|add a comment|comments? policy|"
    r"community guidelines|comentarios|kommentare|التعليقات|تعليقك",
    re.IGNORECASE,
)
_HEAD = 6  # blocks before the article proper: kicker, headline, breadcrumbs, dateline, byline
_TAIL_LABEL_WORDS = 3


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w != "_"]


def _is_dateline(text: str) -> bool:
    """ "jeudi 13 juin 2019", "Posted 12.03.2019 at 14:00": a date and at most one other word."""
    words = _words(text)
    if not words or len(words) > 9 or not any(w.isdigit() and len(w) == 4 for w in words):
        return False
    rest = [w for w in words if not w.isdigit() and w not in _DATE_WORDS]
    return len(rest) <= 1


def _trim(blocks: list[Block], title: str | None) -> list[Block]:
    blocks = list(blocks)
    # A lone bold paragraph is a lead in bold, not the first question of an interview.
    if sum(b.kind == "question" for b in blocks) == 1:
        blocks = [Block("paragraph", b.text) if b.kind in ("question", "answer") else b for b in blocks]

    # The headline repeated (with other quotes, or after an image's alt text), and the
    # short furniture above it: kicker, section name, breadcrumbs.
    title_words = _words(title or "")
    if title_words:
        repeats = [i for i, block in enumerate(blocks[:_HEAD]) if _repeats_title(block.text, title_words)]
        if repeats:
            last = repeats[-1]
            if all(len(_words(b.text)) <= 12 for b in blocks[:last]):
                blocks = blocks[last + 1 :]
            else:
                blocks = [b for i, b in enumerate(blocks) if i not in repeats]

    # A dateline left at the top.
    head = [b for b in blocks[:_HEAD] if not _is_dateline(b.text)]
    blocks = head + blocks[_HEAD:]

    # The rules of the comment section under the article, and what follows them.
    for i in range(max(len(blocks) - 2, 1), len(blocks)):
        if _COMMENTS_CUES.search(blocks[i].text):
            blocks = blocks[:i]
            break

    # Labels left at the bottom ("Mots-clés", "Tags :", "Share").
    while (
        blocks
        and len(_words(blocks[-1].text)) <= _TAIL_LABEL_WORDS
        and not blocks[-1].text.endswith((".", "!", "?", "»", '"'))
    ):
        blocks.pop()
    return blocks


def _repeats_title(text: str, title_words: list[str]) -> bool:
    """The headline itself, or a short line around it (breadcrumbs, an image's alt text)."""
    words = _words(text)
    return words == title_words or (len(words) <= len(title_words) + 12 and _contains(words, title_words))


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))


def _is_bare_year(date_text: str, html: str, url: str | None) -> bool:
    """A 1 January that only the extensive search found: a year (a copyright line), not a date."""
    if not date_text.endswith("-01-01"):
        return False
    from htmldate import find_date

    try:
        strict = find_date(html, url=url, extensive_search=False, original_date=True)
    except Exception:  # htmldate on broken markup; keep what trafilatura found
        return False
    return strict is None
