"""Helpers shared by the devsite tests (no tests here): HTTP fetches, text read back from
markup the way a correct transform does, shingle similarity."""

from __future__ import annotations

import re
import unicodedata
import urllib.error
import urllib.request

from parsel import Selector

EASTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def fetch(url: str, method: str = "GET", timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    return re.sub(r"\s+", " ", value.replace("\u00a0", " ")).strip()


def clean(node: Selector) -> str:
    """What a correct transform does to a block: entities decoded, NFC, whitespace and nbsp to one space."""
    return clean_text("".join(node.xpath(".//text()").getall()))


def page_blocks(page: Selector, container: str) -> list[tuple[str, str]]:
    """(kind, text) read back from the body containers; answers are plain paragraphs in the markup."""
    blocks = []
    for node in page.css(f"{container} > p, {container} > h3"):
        if node.root.tag == "h3":
            kind = "subheading"
        elif "question" in node.attrib.get("class", ""):
            kind = "question"
        else:
            kind = "paragraph"
        blocks.append((kind, clean(node)))
    return blocks


def markup_kinds(blocks) -> list[tuple[str, str]]:
    return [("paragraph" if kind == "answer" else kind, text) for kind, text in blocks]


def shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    """Word shingles; Eastern Arabic digits read as Latin ones (publications differ in digits)."""
    words = re.findall(r"\w+", unicodedata.normalize("NFC", text).translate(EASTERN).casefold())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0
