"""From an article page's HTML to its parts: title, publication line, body blocks, links.

``extract_with_profile`` reads the page with the site profile's selectors; the
page is parsed once, with lxml, and trafilatura runs only when the selectors
find neither title nor body (layout drift), as ``extract_generic``.

Selectors have the syntax of ``core.selectors`` (parsel's CSS dialect,
``::text`` and ``::attr()``, or ``xpath:``) and are translated by the same
translator, but compiled once into lxml XPath objects and run on a plain lxml
tree: this is the hot path of the transform stage, and parsel's wrappers
around every node cost more than the parsing itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urljoin

from lxml import etree
from parsel.csstranslator import css2xpath

from core.dates import split_publication_line
from core.profiles import SiteProfile
from core.selectors import XPATH_PREFIX
from core.text import clean_text
from transforms.generic import extract_generic
from transforms.text import is_boilerplate

BlockKind = Literal["paragraph", "subheading", "question", "answer"]
Extraction = Literal["selectors", "fallback", "failed"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


@dataclass(frozen=True)
class ExtractedPage:
    title: str | None = None
    publication_line: str | None = None
    publication_name: str | None = None
    date_text: str | None = None
    blocks: tuple[Block, ...] = ()
    source_url: str | None = None  # the original publisher's article
    thumbnail_url: str | None = None
    author: str | None = None
    language_declared: str | None = None  # <html lang>
    extraction: Extraction = "failed"
    error: str | None = None  # what fell short; None when nothing did


# --- HTML → blocks ---------------------------------------------------------------

# HTML and trafilatura's XML ("head", "lb", "list", "item", "quote", "hi") share one walker.
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "head"})
_LINE_BREAKS = frozenset({"br", "lb", "hr"})
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "quote",
        "ul", "ol", "li", "list", "item", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr",
        "td", "th", "caption", "pre", "center", "address", "details", "summary",
    }
)  # fmt: skip
# Never text of the article: code, embeds, form controls, media and their captions.
_SKIPPED = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "canvas",
        "video", "audio", "img", "picture", "figure", "graphic", "form", "button", "input", "select",
        "textarea", "label", "nav", "title", "meta", "link",
    }
)  # fmt: skip
_BOLD = frozenset({"strong", "b"})


@dataclass
class _RawBlock:
    kind: BlockKind
    parts: list[str]
    link_chars: int
    links: int


def _is_wholly_bold(el) -> bool:
    children = [c for c in el if isinstance(c.tag, str)]
    if len(children) != 1 or (el.text or "").strip() or (children[0].tail or "").strip():
        return False
    child = children[0]
    return child.tag in _BOLD or (child.tag == "hi" and "#b" in (child.get("rend") or ""))


def _is_question(el) -> bool:
    return "question" in (el.get("class") or "").split() or _is_wholly_bold(el)


class _BlockCollector:
    """Walks element trees in document order and cuts their text into blocks.

    Block elements and line breaks end a block; inline elements (links,
    emphasis, spans) flow into the current one. Link text is counted so
    that lists of headlines (tickers, related articles) can be dropped.
    """

    def __init__(self) -> None:
        self.raw: list[_RawBlock] = []
        self._parts: list[str] = []
        self._content = False  # a part that is not only whitespace
        self._link_chars = 0
        self._links = 0
        self._kind: BlockKind = "paragraph"

    def add_element(self, el) -> None:
        """The element as the page shows it: a selected <h3> is a subheading, a <p> a paragraph."""
        self._node(el, in_link=False)
        self._flush()

    def add_content(self, el) -> None:
        """The element's text whatever its tag (a title selector may well point at <title>)."""
        self._flow(el, in_link=False)
        self._flush()

    def add_text(self, text: str) -> None:
        self._text(text, in_link=False)
        self._flush()

    def _flush(self) -> None:
        if self._parts:
            # Whitespace between elements makes no block.
            if self._content:
                self.raw.append(_RawBlock(self._kind, self._parts, self._link_chars, self._links))
            self._parts, self._content, self._link_chars, self._links = [], False, 0, 0

    def _text(self, text: str | None, in_link: bool) -> None:
        if text:
            self._parts.append(text)
            if not self._content and not text.isspace():
                self._content = True
            if in_link:
                self._link_chars += len(text.strip())

    def _flow(self, el, in_link: bool) -> None:
        self._text(el.text, in_link)
        for child in el:
            self._node(child, in_link)
            self._text(child.tail, in_link)

    def _node(self, el, in_link: bool) -> None:
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            return
        tag = tag.lower()
        if tag in _SKIPPED:
            return
        if tag in _LINE_BREAKS:
            self._flush()
            return
        if tag in _HEADINGS:
            kind: BlockKind | None = "subheading"
        elif tag in _BLOCKS:
            kind = "question" if tag == "p" and _is_question(el) else None
        else:  # inline
            if tag == "a":
                self._links += 1
            self._flow(el, in_link or tag == "a")
            return
        self._flush()
        outer = self._kind
        if kind is not None:
            self._kind = kind
        self._flow(el, in_link)
        self._flush()
        self._kind = outer

    def blocks(self) -> list[Block]:
        """Cleaned, boilerplate-free blocks; paragraphs after a question are its answer."""
        out: list[Block] = []
        answering = False
        for raw in self.raw:
            # Pieces are joined as written: text nodes carry their own spaces ("un <a>lien</a>.").
            text = clean_text("".join(raw.parts))
            if not text or is_boilerplate(text, clean=True) or _is_link_list(raw, text):
                continue
            kind = raw.kind
            if kind == "question":
                answering = True
            elif kind == "subheading":
                answering = False
            elif answering:
                kind = "answer"
            out.append(Block(kind, text))
        return out

    def text(self) -> str | None:
        """All the text as one line (titles, publication lines)."""
        return clean_text(" ".join("".join(raw.parts) for raw in self.raw)) or None


def _is_link_list(raw: _RawBlock, text: str) -> bool:
    # Several links making up nearly all the text: a ticker or a related-articles
    # row run together, not a paragraph that cites a link.
    return raw.links >= 2 and raw.link_chars >= 0.8 * len(text.replace(" ", ""))


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
        collector = _BlockCollector()
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


def _parse(html: str):
    """The page as an lxml element tree (libxml2's forgiving HTML parser, like parsel's)."""
    # Lone surrogates from a mangled decode become U+FFFD; NUL bytes stop libxml2 early.
    body = html.strip().replace("\x00", "").encode("utf-8", "replace") or b"<html/>"
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return root


def _declared_language(root) -> str | None:
    return clean_text(root.get("lang")) or None if root.tag == "html" else None


# --- with the profile ------------------------------------------------------------


def extract_with_profile(html: str, url: str | None, profile: SiteProfile) -> ExtractedPage:
    """Read an article page with the profile's selectors, falling back to trafilatura on layout drift."""
    if not html or not html.strip():
        return ExtractedPage(extraction="failed", error="empty page")
    sel = profile.selectors
    page = _parse(html)

    title = _text_of(select_nodes(page, sel.title))
    if title and is_boilerplate(title):
        title = None
    collector = _BlockCollector()
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
        "source_url": _url_of(page, sel.source_link, url),
        "thumbnail_url": _url_of(page, sel.thumbnail, url),
        "language_declared": _declared_language(page),
    }

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


def _publication_fields(line: str | None, profile: SiteProfile) -> dict[str, str | None]:
    parts = split_publication_line(line, profile) if line else None
    name, date_text = parts if parts else (None, None)
    return {"publication_line": line, "publication_name": name, "date_text": date_text}


def _find_publication_line(page, profile: SiteProfile) -> str | None:
    """The text of the first short element that matches the profile's publication line pattern."""
    for el in page.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIPPED:
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
