"""From an article page's HTML to its parts: title, publication line, body blocks, links.

``extract_with_profile`` reads the page with the site profile's selectors; the
page is parsed once, with lxml, and trafilatura runs only when the selectors
find neither title nor body (layout drift), as ``extract_generic``. What the
selectors pick is cut into blocks by ``blocks.BlockCollector``, the walker
the generic extractor uses too.

Selectors have the syntax of ``core.selectors`` (parsel's CSS dialect,
``::text`` and ``::attr()``, or ``xpath:``) and are translated by the same
translator, but compiled once into lxml XPath objects and run on a plain lxml
tree: this is the hot path of the transform stage, and parsel's wrappers
around every node cost more than the parsing itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree
from parsel.csstranslator import css2xpath

from core.dates import split_publication_line
from core.profiles import SiteProfile
from core.selectors import XPATH_PREFIX
from core.source_link import find_source_link
from core.text import clean_text
from transforms.blocked import blocked_page, empty_template
from transforms.blocks import SKIPPED_TAGS, BlockCollector, ExtractedPage, parse_html
from transforms.generic import extract_generic
from transforms.text import is_boilerplate

# --- selectors -------------------------------------------------------------------

# EXSLT regular expressions, as parsel offers them to selectors ("re:test(...)").
_XPATH_NAMESPACES = {"re": "http://exslt.org/regular-expressions"}


@lru_cache(maxsize=512)
def _compiled(selector: str) -> etree.XPath:
    xpath = selector.startswith(XPATH_PREFIX)
    expression = selector[len(XPATH_PREFIX) :] if xpath else css2xpath(selector)
    return etree.XPath(expression, namespaces=_XPATH_NAMESPACES, smart_strings=False)


# "span.articletitle", "img.articleimage::attr(src)": most profile selectors. lxml's filtered
# iteration and a class check find the same elements, in the same order, as the translated
# XPath, which visits and tests every node of the page (3× slower, 5 times a page).
_TAG_CLASS = re.compile(r"^([a-z][a-z0-9]*)\.([A-Za-z_][\w-]*)(?:::attr\(([\w:-]+)\))?$")


@lru_cache(maxsize=512)
def _tag_class(selector: str) -> tuple[str, str, str | None] | None:
    match = _TAG_CLASS.match(selector.strip())
    return (match[1], match[2], match[3]) if match else None


def select_nodes(root, selector: str | None) -> list:
    """Elements and strings (``::text``, ``::attr()``, ``@attr``) the selector picks, in document order."""
    if not selector:
        return []
    simple = _tag_class(selector)
    if simple is not None:
        tag, name, attribute = simple
        found = [
            el
            for el in root.iter(tag)
            if name in (classes := el.get("class") or "") and name in classes.split()
        ]
        if attribute is None:
            return found
        return [value for el in found if (value := el.get(attribute)) is not None]
    result = _compiled(selector)(root)
    if isinstance(result, list):
        return result
    return [] if result is None or result == "" else [str(result)]


def _text_of(results: Iterable) -> str | None:
    """Text of the first selector result (an element, or a string from ::text / @attr)."""
    for result in results:
        collector = BlockCollector()
        if isinstance(result, str):
            collector.add_text(result)
        elif isinstance(result.tag, str):
            collector.add_content(result)
        else:
            continue
        text = collector.text()
        if text:
            return text
    return None


def _url_of(root, selector: str | None, base: str | None) -> str | None:
    for result in select_nodes(root, selector):
        if isinstance(result, str):
            value = result
        elif isinstance(result.tag, str):
            value = result.get("href") or result.get("src") or ""
        else:
            continue
        value = clean_text(value)
        if not value:
            continue
        absolute = value if value.startswith(("http://", "https://")) else urljoin(base or "", value)
        if absolute.startswith(("http://", "https://")):  # not "javascript:", "mailto:"
            return absolute
    return None


def _declared_language(root) -> str | None:
    return clean_text(root.get("lang")) or None if root.tag == "html" else None


# --- with the profile ------------------------------------------------------------


def extract_with_profile(html: str, url: str | None, profile: SiteProfile) -> ExtractedPage:
    """Read an article page with the profile's selectors, falling back to trafilatura on layout drift."""
    if not html or not html.strip():
        return ExtractedPage(extraction="failed", error="empty page")
    sel = profile.selectors
    page = parse_html(html)

    title = _text_of(select_nodes(page, sel.title))
    if title and is_boilerplate(title):
        title = None
    collector = BlockCollector()
    chosen: set[object] = set()
    for result in select_nodes(page, sel.body):
        if isinstance(result, str):
            collector.add_text(result)
            continue
        if not isinstance(result.tag, str):
            continue
        # A selector that matches an element and its descendant ("div.a, div.a p")
        # would give the text twice; keep the outermost.
        if chosen and any(ancestor in chosen for ancestor in result.iterancestors()):
            continue
        chosen.add(result)
        collector.add_element(result)
    blocks = tuple(collector.blocks())

    publication_line = _text_of(select_nodes(page, sel.publication_line))
    common = {
        # by the page's structure, the profile's selector a hint (core.source_link)
        "source_url": find_source_link(page, url, hint=sel.source_link, content=tuple(chosen)),
        "thumbnail_url": _url_of(page, sel.thumbnail, url),
        "language_declared": _declared_language(page),
    }

    if not blocks:  # no article by the selectors: a wall, a "not found" or an empty box is not drift
        blocked = blocked_page(html, page)
        if (
            blocked is None
            and title is None
            and not (publication_line or _find_publication_line(page, profile))
        ):
            blocked = empty_template(page)  # not even a byline (wherever it is), next to no text
        if blocked is not None:
            return ExtractedPage(**common, extraction="blocked", error=blocked.reason, blocked=blocked.kind)
    if title is None and not blocks:
        return _fallback(html, url, profile, page, publication_line, common)

    missing = [
        f"no {name} ({selector})"
        for name, selector, value in (("title", sel.title, title), ("body", sel.body, blocks))
        if not value
    ]
    return ExtractedPage(
        title=title,
        blocks=blocks,
        **_publication_fields(publication_line, profile),
        **common,
        extraction="selectors",
        error="; ".join(missing) or None,
    )


def source_link_of(html: str, url: str | None) -> str | None:
    """A page's "read at the source" link without a profile: wording and structure only."""
    return find_source_link(parse_html(html), url) if html and html.strip() else None


def _publication_fields(line: str | None, profile: SiteProfile) -> dict[str, str | None]:
    parts = split_publication_line(line, profile) if line else None
    name, date_text = parts if parts else (None, None)
    return {"publication_line": line, "publication_name": name, "date_text": date_text}


def _find_publication_line(page, profile: SiteProfile) -> str | None:
    """The text of the first short element that matches the profile's publication line pattern."""
    for el in page.iter():
        if not isinstance(el.tag, str) or el.tag in SKIPPED_TAGS:
            continue
        text = "".join(el.itertext())
        # Longer than any byline: a container of the whole page, not the line itself.
        if len(text) <= 300 and split_publication_line(text, profile):
            return clean_text(text)
    return None


def _fallback(
    html: str,
    url: str | None,
    profile: SiteProfile,
    page,
    publication_line: str | None,
    common: dict[str, str | None],
) -> ExtractedPage:
    sel = profile.selectors
    nothing = f"no title ({sel.title}) and no body ({sel.body})"
    # Only dates from markup and metadata: a full-text search would pick up a
    # ticker headline's "mardi 29 avril 2024".
    generic = extract_generic(html, url, extensive_date_search=False)
    if generic.extraction == "failed" or not generic.blocks:
        # No title either: on a page without an article, the generic title is the site's name.
        return ExtractedPage(
            **_publication_fields(publication_line or _find_publication_line(page, profile), profile),
            **common,
            extraction="failed",
            error=nothing,
        )

    blocks = list(generic.blocks)
    # The publication line may have come through as a paragraph: use it, drop it.
    for block in blocks:
        if split_publication_line(block.text, profile):
            publication_line = publication_line or block.text
            blocks.remove(block)
            break
    if publication_line is None:
        publication_line = _find_publication_line(page, profile)
    fields = _publication_fields(publication_line, profile)
    if fields["date_text"] is None and generic.date_text:
        fields["date_text"] = generic.date_text
    return ExtractedPage(
        title=generic.title,
        blocks=tuple(blocks),
        author=generic.author,
        **fields,
        source_url=common["source_url"],
        thumbnail_url=common["thumbnail_url"] or generic.thumbnail_url,
        language_declared=common["language_declared"],
        extraction="fallback",
        error=f"layout changed: {nothing}; used the generic extractor"
        + ("" if generic.title else ", which found no title either"),
    )
