"""Blocked pages: a 2xx answer that is not the article.

A bot wall or JavaScript challenge, a cookie-consent or login wall, a "page not found"
served with 200, or the site's template with nothing in it. Such a page is never an
article (never staged nor loaded) and never layout drift: it fails as
``blocked (<kind>)``, and the quality gate says "blocked by <site>" when most of a day is
such pages (``quality.verdict``).

A page is judged only when it did not give the article (the caller's rule: no body by
the profile's selectors, or next to nothing by the generic extractor) and, for the
marker kinds, only when the text outside its furniture is short (``max_words``): a real
article that drifted out of its selectors is long, and goes to the generic extractor.
The markers are data (``profiles/family/blocked.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from core.boilerplate import read_family_file
from core.errors import BoilerplateError
from core.furniture import is_furniture
from core.settings import REPO_ROOT
from core.source_link import normalise

FAMILY_BLOCKED = REPO_ROOT / "profiles" / "family" / "blocked.yaml"
KINDS = ("challenge", "not_found", "login", "consent", "empty")  # the order they are tried in
_UNSEEN = frozenset({"script", "style", "template"})
_TEMPLATE_ELEMENTS = 20  # fewer elements than a site's layout has: not its template
_MARKUP_CHARS = 200_000  # challenge pages are small; a marker past this is in something else
# A password field outside the site's header, menu, side box or footer (a header's own
# login form is furniture): the page is a login wall.
_LOGIN_FURNITURE = frozenset({"nav", "header", "footer", "aside"})


class KindMarkers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    markup: tuple[str, ...] = ()
    text: tuple[str, ...] = ()


class BlockedMarkers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[str, KindMarkers]
    empty_words: int
    max_words: int = 150


@dataclass(frozen=True)
class Blocked:
    kind: str  # one of KINDS
    evidence: str

    @property
    def reason(self) -> str:
        return f"blocked ({self.kind}): {self.evidence}"


@lru_cache(maxsize=4)
def load_markers(path: Path = FAMILY_BLOCKED) -> BlockedMarkers:
    markers = read_family_file(path, BlockedMarkers, "blocked-page markers")
    unknown = set(markers.kinds) - set(KINDS)
    if unknown:
        raise BoilerplateError(f"{path}: unknown kinds {sorted(unknown)} (known: {', '.join(KINDS)})")
    return markers


def blocked_page(html: str, root, path: Path = FAMILY_BLOCKED) -> Blocked | None:
    """The kind of wall ``html`` (parsed as ``root``) is, by its markers; None if none, or
    if the page says too much to be one."""
    if root is None:
        return None
    markers = load_markers(path)
    headings, visible = page_text(root)
    words = len(visible.split())
    if words > markers.max_words:
        return None
    markup = html[:_MARKUP_CHARS].lower()
    said = normalise(f"{headings} {visible}")
    for kind in KINDS:
        found = markers.kinds.get(kind)
        if kind == "login" and _password_field(root):
            return Blocked(kind, "a password field in place of the article")
        if found is None:
            continue
        for marker in found.markup:
            if marker.lower() in markup:
                return Blocked(kind, f"{marker!r} in the markup, {words} words of text")
        for marker in found.text:
            if normalise(marker) in said:
                return Blocked(kind, f"the page says {marker!r}, {words} words of text")
    return None


def empty_template(root, path: Path = FAMILY_BLOCKED) -> Blocked | None:
    """The site's template with (next to) no text outside its furniture."""
    if root is None or sum(1 for _ in root.iter()) < _TEMPLATE_ELEMENTS:
        return None  # not a template at all: garbage, or a bare fragment
    words = len(page_text(root)[1].split())
    if words >= load_markers(path).empty_words:
        return None
    return Blocked("empty", f"the site's template with {words} words outside its menus and boxes")


def page_text(root) -> tuple[str, str]:
    """(the title and headings, the visible text outside the page's furniture)."""
    headings = " ".join(
        "".join(el.itertext()) for el in root.iter("title", "h1", "h2") if not _in_furniture(el)
    )
    parts: list[str] = []
    _collect(root, parts)
    return headings, " ".join(" ".join(parts).split())


def _collect(root, parts: list[str]) -> None:
    """Text and tails in document order, furniture and scripts pruned; iterative, as hostile
    pages nest deeper than Python's recursion limit."""
    stack: list = [(iter(root), None)]  # (its children, the element whose tail follows them)
    while stack:
        children, owner = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if owner is not None and owner.tail:
                parts.append(owner.tail)
            continue
        if isinstance(child.tag, str) and child.tag not in _UNSEEN and not is_furniture(child):
            if child.tag != "title" and child.text:
                parts.append(child.text)
            stack.append((iter(child), child))
        elif child.tail:
            parts.append(child.tail)


def _in_furniture(element) -> bool:
    return any(map(is_furniture, element.iterancestors()))


def _password_field(root) -> bool:
    for field in root.iter("input"):
        if (field.get("type") or "").lower() == "password" and not any(
            a.tag in _LOGIN_FURNITURE for a in field.iterancestors()
        ):
            return True
    return False
