"""One archived article page → one staged article row (the columns of ``ARTICLE_SCHEMA``)."""

from __future__ import annotations

from typing import Any

from pipeline.profiles import SiteProfile
from pipeline.records import ARTICLE_SCHEMA, RawItem
from transforms.dates import parse_date
from transforms.extract import ExtractedPage, extract_with_profile
from transforms.hashing import content_hash
from transforms.text import clean_text, word_count
from transforms.urls import aggregator_key, canonical_url

ARTICLE_COLUMNS: tuple[str, ...] = tuple(ARTICLE_SCHEMA.names)

# The error column is one line for the Airflow UI and the quarantine report,
# not a traceback.
_MAX_ERROR_CHARS = 500


def build_article(raw: RawItem, html: str | None, profile: SiteProfile) -> dict[str, Any]:
    """The staged row for one article page. Never raises: a page it cannot read
    gives a row with ``extraction="failed"`` and the reason in ``error``.
    """
    try:
        return _build(raw, html, profile)
    except Exception as exc:  # one bad page must not stop the partition; the row says what happened
        row = _identity(raw, profile)
        row.update(extraction="failed", error=_one_line(f"transform error: {type(exc).__name__}: {exc}"))
        return row


def _identity(raw: RawItem, profile: SiteProfile) -> dict[str, Any]:
    """Every column, with what is known without reading the page."""
    row: dict[str, Any] = dict.fromkeys(ARTICLE_COLUMNS)
    try:
        canonical = canonical_url(raw.url, profile)
        key = aggregator_key(raw.url, profile)
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


def _build(raw: RawItem, html: str | None, profile: SiteProfile) -> dict[str, Any]:
    row = _identity(raw, profile)
    if not html or not html.strip():
        reason = f"fetch failed: {raw.error}" if raw.error else "empty page"
        row.update(extraction="failed", error=_one_line(reason))
        return row

    page = extract_with_profile(html, raw.url, profile)
    problems = [page.error] if page.error else []
    body = "\n\n".join(block.text for block in page.blocks) or None
    published = _published_date(page, profile, problems)
    if row["aggregator_id"] is None:
        problems.append(f"not an article URL for {profile.site} (urls.article): {raw.url}")

    row.update(
        publication_name=page.publication_name,
        title=page.title,
        body=body,
        subheadings=[block.text for block in page.blocks if block.kind == "subheading"],
        published_date=published,
        source_url=page.source_url,
        thumbnail_url=page.thumbnail_url,
        content_hash=content_hash(page.title, body) if page.title and body else None,
        word_count=word_count(body),
        extraction=page.extraction,
        error=_one_line("; ".join(problems)) if problems else None,
    )
    return row


def _published_date(page: ExtractedPage, profile: SiteProfile, problems: list[str]):
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
    return published


def _one_line(text: str) -> str:
    line = clean_text(text)
    return line if len(line) <= _MAX_ERROR_CHARS else line[: _MAX_ERROR_CHARS - 1] + "…"
