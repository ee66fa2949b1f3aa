"""One publisher host (``www.leseco.ma``) as a function from request target to response.

Source URLs come from templates (``/{title_slug}/``, ``/node/{pid}``, ``?news={pid}``...).
A request is matched against the templates of the host's publications: a publisher id
(``{pid}``) gives the article directly, a date in the path gives the day to look in, and
only slug-only URLs (v1's maghress-fr publishers) need the host's articles indexed day by
day, newest first, as far back as the request needs. A path that several articles share
(slug-only URLs and titles that repeat across days) shows the newest, as a real CMS would:
``World``'s ground truth for the older ones still says what the aggregator showed, and
``PublisherApp.article_at`` says what this host shows.
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from functools import cache, lru_cache
from urllib.parse import unquote, urlsplit

from devsite import publisher_layouts
from devsite.app import HTML, TEXT, Response
from devsite.catalog import PublicationSpec, SiteSpec, publisher_hosts
from devsite.model import ExpectedArticle
from devsite.plan import Stub, publisher_id_base
from devsite.render import DEFAULT_OFFSITE
from devsite.schedule import EPOCH
from devsite.world import World

_RELATED = 4
_HOME_LINKS = 15
_PAGE_CACHE = 2048


def source_key(url_or_target: str) -> str:
    """Path and query, percent-decoded: how a source URL and a request target are compared."""
    parts = urlsplit(url_or_target)
    path = unquote(parts.path or "/")
    return f"{path}?{unquote(parts.query)}" if parts.query else path


_PLACEHOLDERS = {
    "title_slug": r"[a-z0-9-]*",
    "title_slug_ar": r"[^/?]*",
    "n": r"\d+",
    "pid": r"(?P<pid>\d+)",
    "yyyy": r"(?P<yyyy>\d{4})",
    "mm": r"(?P<mm>\d{2})",
    "dd": r"(?P<dd>\d{2})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
}


@cache
def template_pattern(template: str) -> re.Pattern[str]:
    """The source URL template as a regex on ``source_key`` (a placeholder seen twice must repeat)."""
    out, seen = [], set()
    for literal, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", source_key(template)):
        out.append(re.escape(literal))
        if name:
            out.append(
                f"(?P={name})" if name in seen and "?P<" in _PLACEHOLDERS[name] else _PLACEHOLDERS[name]
            )
            seen.add(name)
    return re.compile("".join(out))


class PathIndex:
    """Source path -> the newest article (stub) published under it, up to ``world.today``."""

    def __init__(self, world: World, host: str) -> None:
        self.world = world
        self.host = host
        self.editions: list[tuple[SiteSpec, PublicationSpec]] = publisher_hosts()[host]
        self._found: dict[str, Stub] = {}
        self._next_day = world.today  # the newest day not indexed yet (slug-only URLs)
        self._lock = threading.Lock()

    def lookup(self, key: str) -> Stub | None:
        for site, pub in self.editions:
            match = template_pattern(pub.source_url).fullmatch(key)
            if match is None:
                continue
            fields = match.groupdict()
            if fields.get("pid"):
                found = self._by_publisher_id(site, pub, int(fields["pid"]), key)
            elif fields.get("yyyy"):
                found = self._in_days(site, pub, _days(fields, self.world.today), key)
            else:
                found = self._scan(key)
            if found is not None:
                return found
        return None

    def _by_publisher_id(self, site: SiteSpec, pub: PublicationSpec, pid: int, key: str) -> Stub | None:
        aggregator_id = aggregator_id_for(site.name, pub.slug, pid)
        stub = None if aggregator_id is None else self.world.stub(site.name, pub.slug, aggregator_id)
        return stub if stub is not None and source_key(stub.source_url) == key else None

    def _in_days(self, site: SiteSpec, pub: PublicationSpec, days: list[date], key: str) -> Stub | None:
        for day in days:  # newest first
            for stub in self.world.plan(site.name, day).by_slug.get(pub.slug, ()):
                if source_key(stub.source_url) == key:
                    return stub
        return None

    def _scan(self, key: str) -> Stub | None:
        with self._lock:
            while key not in self._found and self._next_day >= EPOCH:
                for site, pub in self.editions:
                    for stub in self.world.plan(site.name, self._next_day).by_slug.get(pub.slug, ()):
                        self._found.setdefault(source_key(stub.source_url), stub)
                self._next_day -= timedelta(days=1)
            return self._found.get(key)


def aggregator_id_for(site: str, slug: str, pid: int) -> int | None:
    """The inverse of ``plan.publisher_id``."""
    base, step = publisher_id_base(site, slug)
    whole, rest = divmod(pid - base, step)
    return whole if rest == 0 and whole > 0 else None


def _days(fields: dict[str, str | None], today: date) -> list[date]:
    """The days a dated URL can belong to, newest first, up to ``today``."""
    year = int(fields["yyyy"] or 0)
    month = int(fields.get("mm") or fields.get("m") or 0)
    day = int(fields.get("dd") or fields.get("d") or 0)
    try:
        if month and day:
            days = [date(year, month, day)]
        elif month:
            first = date(year, month, 1)
            days = [
                first + timedelta(days=n) for n in range(31) if (first + timedelta(days=n)).month == month
            ]
        else:
            first = date(year, 1, 1)
            days = [first + timedelta(days=n) for n in range(366) if (first + timedelta(days=n)).year == year]
    except ValueError:  # month 13, February 30th
        return []
    return [d for d in reversed(days) if EPOCH <= d <= today]


class PublisherApp:
    def __init__(self, world: World, host: str, offsite: str = DEFAULT_OFFSITE) -> None:
        if host not in publisher_hosts():
            raise KeyError(f"no devsite publication is served from {host!r}")
        self.world = world
        self.host = host
        self.offsite = offsite
        self.index = PathIndex(world, host)
        self._render = lru_cache(maxsize=_PAGE_CACHE)(self._route)

    def respond(self, target: str) -> Response:
        return self._render(target)

    def article_at(self, target: str) -> ExpectedArticle | None:
        stub = self.index.lookup(source_key(target))
        return None if stub is None else self.world.article(stub.site, stub.slug, stub.aggregator_id)

    def _route(self, target: str) -> Response:
        site, pub = self.index.editions[0]
        path = urlsplit(target).path or "/"
        if path == "/robots.txt":
            return Response(200, TEXT, b"User-agent: *\nDisallow: /wp-admin/\nDisallow: /search\n")
        article = self.article_at(target)  # first: "/?p=123" is an article on WordPress sites
        if article is None and path == "/":
            links = self._latest_links(site, pub)
            return _html(200, publisher_layouts.home_html(site, pub, links, self.offsite))
        if article is None:
            return _html(404, publisher_layouts.not_found_html(site, pub, self.offsite))
        article_site = self.world.site(article.site)
        article_pub = article_site.publication(article.publication_slug)
        assert article_pub is not None
        page = publisher_layouts.PublisherPage(
            article_site, article_pub, article, self._related(article), self.offsite
        )
        return _html(200, publisher_layouts.article_html(page))

    def _related(self, article: ExpectedArticle) -> tuple[tuple[str, str], ...]:
        earlier = (
            self.world.stub(article.site, article.publication_slug, article.aggregator_id - step)
            for step in range(1, _RELATED + 1)
        )
        return tuple((s.title, _relative(s.source_url)) for s in earlier if s is not None)

    def _latest_links(self, site: SiteSpec, pub: PublicationSpec) -> list[tuple[str, str]]:
        newest = pub.first_id + self.world.published_count(site.name, pub.slug) - 1
        stubs = (self.world.stub(site.name, pub.slug, newest - n) for n in range(_HOME_LINKS))
        return [(s.title, _relative(s.source_url)) for s in stubs if s is not None]


def _relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _html(status: int, body: str) -> Response:
    return Response(status, HTML, body.encode("utf-8"))
