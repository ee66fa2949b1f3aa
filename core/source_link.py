"""The "read at the source" link of an aggregator page, found by the page's structure.

An aggregator copies an article and links to the publisher's original after it
("Cliquez ici pour lire l'article depuis sa source", "انقر هنا لقراءة الخبر من
مصدره", or other wordings on other pages). The profile's selector is a hint, not a
requirement: a page whose link says it otherwise still has its source found.

A link is a candidate when it leaves the aggregator (its host is not the page's
site; an aggregator redirect such as ``/out?url=https://publisher/...`` counts as its
target) and it is none of the page's furniture: share buttons and social hosts, ads
(``rel="sponsored"``, ad/sponsor/banner containers), menus, sidebars, related lists,
headers and footers. Candidates are scored on what a source link looks like:

- the profile's selector picks it (+4: the most site-specific sign; an external,
  non-furniture link it picks is taken at once, without scoring the others);
- its text, title or aria-label uses the family's source wording, any language (+2;
  ``profiles/family/source_link.yaml``);
- it follows the article's content inside the article's own container (+1), or sits
  before the content (-1); unknown without content nodes;
- ``rel="nofollow"``/``external``/``noopener`` or ``target="_blank"`` (+1);
- it goes through the aggregator's redirect, a deliberate way out (+1).

The best candidate wins (the first in the page on a tie) when it scores at least 2
and at least one of the first three signs is there: an external link in a side box
with ``target="_blank"`` alone is not a source link. A page with none gives None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import etree
from parsel.csstranslator import css2xpath
from pydantic import BaseModel, ConfigDict

from core.boilerplate import read_family_file
from core.furniture import is_furniture
from core.selectors import XPATH_PREFIX
from core.settings import REPO_ROOT

FAMILY_SOURCE_LINK = REPO_ROOT / "profiles" / "family" / "source_link.yaml"

HINT, WORDING, AFTER_CONTENT, LINK_ATTRIBUTES, REDIRECT, BEFORE_CONTENT = 4, 2, 1, 1, 1, -1
MIN_SCORE = 2

_LINK_RELS = frozenset({"nofollow", "external", "noopener", "noreferrer"})
_MARKS = re.compile(r"[\u064B-\u065F\u0670\u0640]")  # Arabic diacritics and tatweel
_SPACE = re.compile(r"\s+")
_NETLOC = re.compile(r"(?i)https?://([^/?#\\]+)")
# "org.eg", "co.ma", "com.dz": a country's second level, so the site is one label more.
_SECOND_LEVELS = frozenset({"com", "org", "net", "gov", "edu", "co", "ac", "info", "press", "gouv"})


class SourceLinkWording(BaseModel):
    """The family's wording of source links, by language, and hosts that are never a source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wording: dict[str, tuple[str, ...]]
    not_source_hosts: frozenset[str]


@lru_cache(maxsize=4)
def load_source_wording(path: Path = FAMILY_SOURCE_LINK) -> SourceLinkWording:
    return read_family_file(path, SourceLinkWording, "source-link wording")


def normalise(text: str) -> str:
    """Casefolded, NFKC, Arabic marks dropped, ’ read as ', spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    return _SPACE.sub(" ", _MARKS.sub("", text)).strip()


@lru_cache(maxsize=4)
def _wording_pattern(path: Path = FAMILY_SOURCE_LINK) -> re.Pattern[str]:
    phrases = {normalise(p) for ps in load_source_wording(path).wording.values() for p in ps}
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable part of a host, near enough without a public-suffix list:
    ``www.maghress.com`` → ``maghress.com``, ``www.ahram.org.eg`` → ``ahram.org.eg``."""
    host = host.lower().rstrip(".")
    if host.replace(".", "").isdigit() or ":" in host or "." not in host:  # an IP address, localhost
        return host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVELS else 2
    return ".".join(labels[-keep:])


@lru_cache(maxsize=512)
def _hint_xpath(selector: str) -> etree.XPath:
    expression = selector[len(XPATH_PREFIX) :] if selector.startswith(XPATH_PREFIX) else css2xpath(selector)
    return etree.XPath(expression, smart_strings=True)


def selected_elements(root, selector: str | None) -> list:
    """The elements a profile selector picks (an ``@href`` or ``text()`` result names its element)."""
    if not selector:
        return []
    found = []
    for result in _hint_xpath(selector)(root) or ():
        element = result if isinstance(result, etree._Element) else getattr(result, "getparent", None)
        element = element() if callable(element) else element
        if isinstance(element, etree._Element):
            found.append(element)
    return found


@dataclass(frozen=True)
class _Candidate:
    url: str
    score: int
    strong: bool  # a hint, the wording or the position after the content


def find_source_link(
    root,
    page_url: str | None,
    *,
    hint: str | None = None,
    content: Sequence = (),
    path: Path = FAMILY_SOURCE_LINK,
) -> str | None:
    """The publisher's URL the page links to as its source, or None (see the module's doc).

    ``root``: the page's lxml tree; ``hint``: the profile's ``source_link`` selector;
    ``content``: the article's body elements, in document order, when known.
    """
    if root is None:
        return None
    wording = load_source_wording(path)
    pattern = _wording_pattern(path)
    own = site_of(urlsplit(page_url or "").hostname or "")
    picked = selected_elements(root, hint)
    # The profile's own selector picks an external link that is no furniture: no other
    # candidate can outscore it in practice, and the walk over every link is skipped (the
    # transform's hot path; the family's pages all take it).
    for link in picked:
        target = _external_target((link.get("href") or "").strip(), page_url, own, wording.not_source_hosts)
        if link.tag == "a" and target is not None and not _is_furniture(link):
            return target[0]
    hinted = set(picked)  # lxml elements: keys by identity, kept alive
    order: _Order | None = None  # made at the first candidate (most links are the site's own)
    best: _Candidate | None = None
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or _plainly_own(href, own):
            continue
        target = _external_target(href, page_url, own, wording.not_source_hosts)
        if target is None or _is_furniture(link):
            continue
        url, redirected = target
        if order is None:
            order = _Order.of(content)
        candidate = _score(link, url, hinted=hinted, pattern=pattern, order=order, redirected=redirected)
        good = candidate.strong and candidate.score >= MIN_SCORE
        if good and (best is None or candidate.score > best.score):
            best = candidate
    return best.url if best else None


def _host_of(url: str) -> str:
    """The host of an absolute URL, by a regular expression (urlsplit costs more than the rest)."""
    match = _NETLOC.match(url)
    return match[1].rpartition("@")[2].partition(":")[0].lower() if match else ""


def _plainly_own(href: str, own: str) -> bool:
    """Cheap first (most links): a link to the aggregator itself with no URL inside it."""
    if "http" in href[8:] or "%3A%2F%2F" in href.upper():  # a redirect carries its target
        return False
    if not href.startswith(("http://", "https://", "//")):
        return True  # relative
    return site_of(_host_of(href if href[0] != "/" else "http:" + href)) == own


def _external_target(
    href: str, page_url: str | None, own: str, banned: frozenset[str]
) -> tuple[str, bool] | None:
    """(the external URL, whether it came through the aggregator's redirect), or None."""
    url = href if href.startswith(("http://", "https://")) else urljoin(page_url or "", href)
    host = _host_of(url)
    if not host:
        return None  # not http(s): "javascript:", "mailto:", or no host at all
    site = site_of(host)
    if own and site == own:  # the aggregator's own page, or its redirect
        for _, value in parse_qsl(urlsplit(url).query):
            if value.startswith(("http://", "https://")):
                inner = _external_target(value, None, own, banned)
                return (inner[0], True) if inner else None
        return None
    if site in banned:
        return None
    return url, False


def _is_furniture(link) -> bool:
    rel = set((link.get("rel") or "").lower().split())
    return bool(rel & {"sponsored", "ugc"}) or any(map(is_furniture, (link, *link.iterancestors())))


@dataclass(frozen=True)
class _Order:
    """Where the article's content lies: its elements with their ancestors (``marked``) and
    its own container (the content's common ancestors below <body>). A link is placed against
    it by the siblings along its ancestor chain, never by walking the whole page.

    Elements, not id(): lxml makes its proxies afresh when none is alive, so an id() can be
    reused; these sets keep theirs alive."""

    content: frozenset[object]
    marked: frozenset[object]
    containers: frozenset[object]

    @classmethod
    def of(cls, content: Sequence) -> _Order:
        nodes = [el for el in content if isinstance(el, etree._Element)]
        if not nodes:
            return cls(frozenset(), frozenset(), frozenset())
        chains = [{a for a in el.iterancestors() if a.tag not in {"body", "html"}} for el in nodes]
        marked = frozenset(nodes).union(*chains)
        return cls(frozenset(nodes), marked, frozenset(set.intersection(*chains)))

    def place(self, link) -> str | None:
        """ "after" the content (in its container), "before" it, or None (inside, between parts,
        elsewhere or unknown)."""
        if not self.content:
            return None
        chain = [link, *link.iterancestors()]
        if any(a in self.content for a in chain):
            return None  # inside the prose
        precedes = follows = False
        for element in chain:
            if element in self.marked and element not in self.content:
                break  # reached the content's ancestors: siblings above are outside both
            precedes = precedes or any(s in self.marked for s in element.itersiblings(preceding=True))
            follows = follows or any(s in self.marked for s in element.itersiblings())
        if precedes and not follows:
            return "after" if any(a in self.containers for a in chain) else None
        if follows and not precedes:
            return "before"
        return None


def _score(
    link, url: str, *, hinted: set, pattern: re.Pattern[str], order: _Order, redirected: bool
) -> _Candidate:
    score, strong = 0, False
    if link in hinted:
        score, strong = score + HINT, True
    words = " ".join(filter(None, ("".join(link.itertext()), link.get("title"), link.get("aria-label"))))
    if words and pattern.search(normalise(words)):
        score, strong = score + WORDING, True
    rel = set((link.get("rel") or "").lower().split())
    if rel & _LINK_RELS or (link.get("target") or "").lower() == "_blank":
        score += LINK_ATTRIBUTES
    if redirected:
        score += REDIRECT
    place = order.place(link)
    if place == "after":
        score, strong = score + AFTER_CONTENT, True
    elif place == "before":
        score += BEFORE_CONTENT
    return _Candidate(url, score, strong)
