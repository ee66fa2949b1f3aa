"""`pressetl extract`: one page file → one JSON object, with a profile or generically."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from core.dates import parse_date, parse_publication_line
from core.profiles import SiteProfile
from transforms.extract import extract_with_profile, source_link_of
from transforms.generic import extract_generic

FIELDS = ("url", "title", "publication", "published_at", "body", "language", "source_url")


def extract_page(path: Path, url: str | None, profile: SiteProfile | None) -> dict[str, Any]:
    """Never raises for a bad page: the object carries an ``error`` instead."""
    try:
        _, html = html_to_unicode(None, path.read_bytes())
        if profile is not None:
            page = extract_with_profile(html, url, profile)
            publication, published = parse_publication_line(page.publication_line, profile)
            publication = publication or page.publication_name
            if published is None and page.date_text:
                published = parse_date(
                    page.date_text, profile.date_formats, profile.languages, zone=profile.zone
                )
            language = page.language_declared or profile.language
        else:
            page = extract_generic(html, url)
            page = replace(page, source_url=page.source_url or source_link_of(html, url))
            publication = page.publication_name
            published = parse_date(page.date_text, languages=("fr", "en", "ar")) if page.date_text else None
            language = page.language_declared
    except Exception as exc:  # reported in the output, and the command goes on with the next page
        return {"url": url, "file": str(path), "error": f"{type(exc).__name__}: {exc}"}
    body = "\n\n".join(block.text for block in page.blocks) or None
    result: dict[str, Any] = {
        "url": url,
        "title": page.title,
        "publication": publication,
        "published_at": published.isoformat() if published else None,
        "body": body,
        "language": language,
        "source_url": page.source_url,
    }
    if page.author:
        result["author"] = page.author
    result["extraction"] = page.extraction
    if page.error:
        result["error"] = page.error
    elif not page.title and not body:
        result["error"] = "no title and no body found"
    return result
