"""One archived article page → one staged article row (the columns of ``ARTICLE_SCHEMA``).

``build_article`` fills every column it can from the page alone; the story
cluster (``cluster_id``, ``is_representative``) is left empty: the warehouse
finds it at load time, across days (``warehouse.stories``).
The stage calls its two halves, ``draft_article`` page by page and
``finish_articles`` a batch at a time (language detection runs faster in a batch).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from core.dates import check_published, parse_date
from core.profiles import SiteProfile
from core.records import ARTICLE_SCHEMA, RawItem
from core.text import clean_text, one_line
from transforms.blocks import Block, ExtractedPage
from transforms.extract import extract_with_profile
from transforms.generic import extract_generic
from transforms.hashing import content_hash
from transforms.language import LanguageRequest, LanguageResult, detect_languages
from transforms.publications import resolve_publication
from transforms.text import word_count
from transforms.urls import aggregator_key, canonical_url, why_no_key

ARTICLE_COLUMNS: tuple[str, ...] = tuple(ARTICLE_SCHEMA.names)

# The error column is one line for the Airflow UI and the quarantine report,
# not a traceback.
_MAX_ERROR_CHARS = 500

# Silent reading speed, words per minute, by language (IReST, Trauzettel-Klosinski
# & Dietz 2012: standardised texts read by adults).
READING_WPM: dict[str, int] = {"ar": 138, "en": 228, "es": 218, "fr": 195}
DEFAULT_READING_WPM = 200

BODY_FROM_AGGREGATOR = "aggregator"
BODY_FROM_PUBLISHER = "publisher"
# The publisher's text replaces the aggregator's only when it has clearly more to say.
_PUBLISHER_MIN_GAIN = 1.2
_OPENING_CHARS = 80


def reading_time_minutes(words: int, language: str | None) -> float | None:
    """Minutes a reader needs, to a tenth of a minute; None without text."""
    if words <= 0:
        return None
    wpm = READING_WPM.get(language or "", DEFAULT_READING_WPM)
    return max(0.1, round(words / wpm, 1))


@dataclass
class ArticleDraft:
    """A row with everything but its language (and what depends on it), waiting for
    ``finish_articles``: languages are detected a batch of articles at a time."""

    row: dict[str, Any]
    profile: SiteProfile
    texts: list[str] = field(default_factory=list)  # the body's blocks
    declared: str | None = None  # the page's own language
    problems: list[str] = field(default_factory=list)
    blocked: str | None = None  # the page is a wall, not the article (transforms.blocked): never staged


def build_article(
    raw: RawItem, html: str | None, profile: SiteProfile, publisher_html: str | None = None
) -> dict[str, Any]:
    """The staged row for one article page. Never raises: a page it cannot read
    gives a row with ``extraction="failed"`` and the reason in ``error``.

    ``publisher_html``: the publisher's own page behind the "read at the source"
    link (source follow), when it was fetched; its text is used when the
    aggregator shows only the beginning of it.
    """
    return finish_articles([draft_article(raw, html, profile, publisher_html)])[0]


def draft_article(
    raw: RawItem, html: str | None, profile: SiteProfile, publisher_html: str | None = None
) -> ArticleDraft:
    """``build_article`` but for the language: never raises either."""
    try:
        return _draft(raw, html, profile, publisher_html)
    except Exception as exc:  # one bad page must not stop the partition; the row says what happened
        return _failed(raw, profile, f"transform error: {type(exc).__name__}: {exc}")


def finish_articles(drafts: list[ArticleDraft]) -> list[dict[str, Any]]:
    """The rows of ``drafts``, their languages detected together."""
    requests = [
        LanguageRequest(draft.row["body"], draft.declared, draft.texts, draft.row["word_count"])
        for draft in drafts
    ]
    rows = []
    for draft, language in zip(drafts, detect_languages(requests), strict=True):
        row = draft.row
        if row["body"] is None and row["extraction"] == "failed" and not draft.texts:
            language = LanguageResult(row["language"], "too_short", None)
        problems = [*draft.problems, language.note] if language.note else draft.problems
        profile = draft.profile
        publication = resolve_publication(
            profile.aggregator, row["publication_slug"], row["publication_name"], language.language
        )
        row.update(
            language=language.language,
            language_status=language.status,
            language_confidence=language.confidence,
            reading_time_minutes=reading_time_minutes(row["word_count"], language.language),
            publication_key=publication.key,
            publication_is_new=publication.is_new,
        )
        if problems:
            row["error"] = one_line(clean_text("; ".join(problems)), _MAX_ERROR_CHARS)
        rows.append(row)
    return rows


def _failed(raw: RawItem, profile: SiteProfile, reason: str) -> ArticleDraft:
    row = _identity(raw, profile)
    row.update(extraction="failed", error=one_line(clean_text(reason), _MAX_ERROR_CHARS))
    return ArticleDraft(row, profile)


def _identity(raw: RawItem, profile: SiteProfile) -> dict[str, Any]:
    """Every column, with what is known without reading the page."""
    row: dict[str, Any] = dict.fromkeys(ARTICLE_COLUMNS)
    try:
        canonical = canonical_url(raw.url, profile)
        key = aggregator_key(raw.url, profile, canonical)
    except Exception:  # keep the row: canonical_url is not nullable, the URL as fetched will do
        canonical, key = raw.url, None
    row.update(
        site=raw.site,
        logical_date=raw.logical_date,
        url=raw.url,
        canonical_url=canonical,
        publication_slug=key[0] if key else raw.publication_slug,
        aggregator_id=key[1] if key else None,
        language=profile.language,
        subheadings=[],
        word_count=0,
        warc_file=raw.warc_file,
        warc_record_id=raw.warc_record_id,
        fetched_at=raw.fetched_at,
    )
    return row


def _draft(raw: RawItem, html: str | None, profile: SiteProfile, publisher_html: str | None) -> ArticleDraft:
    if not html or not html.strip():
        return _failed(raw, profile, f"fetch failed: {raw.error}" if raw.error else "empty page")
    row = _identity(raw, profile)
    page = extract_with_profile(html, raw.url, profile)
    if page.extraction == "blocked":
        draft = _failed(raw, profile, page.error or f"blocked ({page.blocked})")
        draft.row["extraction"] = "blocked"
        return dataclasses.replace(draft, blocked=page.blocked)
    problems = [page.error] if page.error else []
    blocks, body_source, author = _body_blocks(page, raw, publisher_html)
    texts = [block.text for block in blocks]
    body = "\n\n".join(texts) or None
    published = _published_date(page, raw, profile, problems)
    if row["aggregator_id"] is None:
        problems.append(why_no_key(raw.url, profile))
    row.update(
        publication_name=page.publication_name,
        title=page.title,
        body=body,
        subheadings=[block.text for block in blocks if block.kind == "subheading"],
        published_date=published,
        source_url=page.source_url,
        thumbnail_url=page.thumbnail_url,
        content_hash=content_hash(page.title, body, clean=True) if page.title and body else None,
        word_count=word_count(body),
        extraction=page.extraction,
        error=None,
        author=author,
        body_source=body_source if body else None,
    )
    declared = page.language_declared or profile.language
    return ArticleDraft(row, profile, texts, declared, problems, blocked=page.blocked)


def _body_blocks(
    page: ExtractedPage, raw: RawItem, publisher_html: str | None
) -> tuple[tuple[Block, ...], str, str | None]:
    """(blocks, where they come from, author): the aggregator's, or the publisher's fuller text."""
    if not publisher_html or not publisher_html.strip():
        return page.blocks, BODY_FROM_AGGREGATOR, page.author
    publisher = extract_generic(
        publisher_html, raw.source_url or page.source_url, extensive_date_search=False
    )
    author = page.author or publisher.author
    if not publisher.blocks:
        return page.blocks, BODY_FROM_AGGREGATOR, author
    if _continues(page.blocks, publisher.blocks):
        return publisher.blocks, BODY_FROM_PUBLISHER, author
    return page.blocks, BODY_FROM_AGGREGATOR, author


def _continues(aggregator: tuple[Block, ...], publisher: tuple[Block, ...]) -> bool:
    """Whether the publisher's text is the aggregator's excerpt and more."""
    if not aggregator:
        return True
    ours = " ".join(block.text for block in aggregator)
    theirs = " ".join(block.text for block in publisher)
    if word_count(theirs) < _PUBLISHER_MIN_GAIN * word_count(ours):
        return False
    opening = clean_text(ours[:_OPENING_CHARS].rsplit(" ", 1)[0]).rstrip(" .…").casefold()
    return bool(opening) and opening in theirs.casefold()


def _published_date(page: ExtractedPage, raw: RawItem, profile: SiteProfile, problems: list[str]):
    if page.extraction == "failed" and page.publication_line is None:
        return None  # the extraction error already says the page is unreadable
    if page.publication_line is None and page.date_text is None:
        problems.append(f"no publication line ({profile.selectors.publication_line})")
        return None
    if page.date_text is None:
        problems.append(f"publication line not recognised: {page.publication_line!r}")
        return None
    published = parse_date(page.date_text, profile.date_formats, profile.languages, zone=profile.zone)
    if published is None:
        problems.append(f"no valid date in {page.date_text!r}")
        return None
    implausible = check_published(published, raw.logical_date)
    if implausible:
        problems.append(implausible)
        return None
    return published
