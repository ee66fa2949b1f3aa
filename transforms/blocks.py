"""What the extractors return, and the walker that cuts element trees into text blocks.

``ExtractedPage`` (title, publication line, body blocks, links) is the result
of both ``extract.extract_with_profile`` and ``generic.extract_generic``;
``BlockCollector`` walks the HTML the profile's selectors pick and the XML
trafilatura returns alike. Both extractors import this module, never each
other's internals, so imports only go one way: generic → blocks ← extract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from core.text import clean_text
from transforms.text import is_boilerplate

BlockKind = Literal["paragraph", "subheading", "question", "answer"]
Extraction = Literal[
    "selectors", "fallback", "failed", "blocked"
]  # blocked: not the article (transforms.blocked)


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
    blocked: str | None = None  # the kind of wall, when extraction is "blocked"


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
SKIPPED_TAGS = frozenset(
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


class BlockCollector:
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
        if tag in SKIPPED_TAGS:
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


def parse_html(html: str):
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
