"""Rebuild ``gold/<id>.txt`` from the hand annotations in ``annotations.json``.

Each page's annotation names, by XPath, the elements that make up the article
body as a reader sees it (standfirst, paragraphs, subheadings, lists, quotes),
and those to leave out inside them (captions, embedded "read also" boxes,
share bars, inline ads). The gold text is their text, one block per line, in
document order. The XPaths were chosen by reading each page; the resulting
gold files were read back and checked by hand (rules in ``SOURCE.md``).

Scripts, styles, ``<noscript>`` and comments never count as text. An element
chosen inside another chosen element is counted once. Block-level elements
inside a chosen element (paragraphs, ``<br>``, list items) are separated by a
line break, so words on either side of them are not glued together.

    .venv/bin/python bench/corpus/make_gold.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

CORPUS = Path(__file__).resolve().parent

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)


def decode_page(raw: bytes) -> str:
    """The page's text as a browser would read it: UTF-8, else the charset its ``<meta>`` declares.

    The pages are stored byte for byte as they were published; a few (Bulgarian,
    Russian, Polish, Hungarian) are in windows-1251 or ISO-8859-2.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        match = _CHARSET.search(raw[:10000])
        encoding = match.group(1).decode("ascii") if match else "windows-1252"
        return raw.decode(encoding, errors="replace")


def read_page(page_id: str) -> str:
    return decode_page((CORPUS / "pages" / f"{page_id}.html").read_bytes())


def _ordered_text(el) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        block = isinstance(node.tag, str) and node.tag in _BLOCK
        if block:
            parts.append("\n")
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(el)
    return "".join(parts)


def _normalise(text: str) -> str:
    """Whitespace collapsed within each block; one block a line."""
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def gold_text(page: str, body: list[str], exclude: list[str]) -> str:
    tree = lxml_html.fromstring(page)
    for el in tree.xpath("//script | //style | //noscript | //template | //comment()"):
        _drop(el)
    for xpath in exclude:
        for el in tree.xpath(xpath):
            _drop(el)
    chosen = {el for xpath in body for el in tree.xpath(xpath)}
    chosen = [el for el in chosen if not any(a in chosen for a in el.iterancestors())]
    order = {el: i for i, el in enumerate(tree.iter())}
    chosen.sort(key=lambda el: order[el])
    lines = [_normalise(_ordered_text(el)) for el in chosen]
    return "\n".join(line for line in lines if line) + "\n"


def _drop(el) -> None:
    """Remove an element but keep its tail (the text after it belongs to its parent)."""
    parent = el.getparent()
    if parent is None:
        return
    if isinstance(el, etree._Comment) or not isinstance(el.tag, str):
        tail = el.tail
        previous = el.getprevious()
        parent.remove(el)
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        return
    el.drop_tree()


def main() -> None:
    annotations = json.loads((CORPUS / "annotations.json").read_text(encoding="utf-8"))
    (CORPUS / "gold").mkdir(exist_ok=True)
    for page_id, note in sorted(annotations.items()):
        text = gold_text(read_page(page_id), note["body"], note.get("exclude", []))
        (CORPUS / "gold" / f"{page_id}.txt").write_text(text, encoding="utf-8")
        print(f"{page_id}: {len(text.split())} words")


if __name__ == "__main__":
    main()
