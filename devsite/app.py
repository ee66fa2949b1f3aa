"""One aggregator host as a function from request target to response, with faults and a page cache.

Kept apart from the HTTP plumbing so routing and faults can be tested without sockets.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from devsite import feeds, render
from devsite.article_page import article_page
from devsite.catalog import SiteSpec, sites_on
from devsite.faults import truncation_point, wrong_charset
from devsite.model import ExpectedArticle
from devsite.render import DEFAULT_OFFSITE
from devsite.walls import wall_page
from devsite.world import World

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
_SLUG = r"[a-z0-9_-]+"
_LISTING = re.compile(rf"^/(?P<slug>{_SLUG})/?$")
_ARTICLE = re.compile(rf"^/(?P<slug>{_SLUG})/(?P<id>\d{{1,12}})/?$")
_FEED = re.compile(rf"^/(?:(?P<slug>{_SLUG})/)?rss/?$")
_PAGE_CACHE = 4096  # ~15 KB a page: a few days of crawling stay hot in ~60 MB


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()  # besides Content-Type and Content-Length
    delay: float = 0.0  # seconds to wait before answering (Faults.slow_share)
    truncate_at: int | None = None  # send this many bytes of the body, then close (Faults.truncated_share)


def _html(status: int, body: str) -> Response:
    return Response(status, HTML, body.encode("utf-8"))


def error_response(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # a made-up status asked for in Faults.status_by_path
        reason = "Error"
    return Response(status, HTML, render.bare_error_page(status, reason).encode("utf-8"), headers)


class HostApp:
    """Every language edition of one aggregator, routed by path prefix (``/fr``, ``/en``, or ``/``).

    ``base_url`` is where this host is served (feeds link to it); ``offsite`` the third-party
    ad server every page links to.
    """

    def __init__(
        self, world: World, aggregator: str, base_url: str | None = None, offsite: str = DEFAULT_OFFSITE
    ) -> None:
        self.world = world
        self.aggregator = aggregator
        self.sites = sites_on(aggregator)  # longest prefix first
        if not self.sites:
            raise KeyError(f"no devsite site is served by aggregator {aggregator!r}")
        self.base_url = (base_url or self.sites[0].aggregator.real_base_url).rstrip("/")
        self.offsite = offsite
        self._requests = 0
        self._lock = threading.Lock()
        # Per instance: a World never changes, so neither do its pages.
        self._render = lru_cache(maxsize=_PAGE_CACHE)(self._route)

    def respond(self, target: str) -> Response:
        """The answer to a GET of ``target`` (path and query, as in the request line)."""
        faults = self.world.faults
        if faults.rate_limit:
            with self._lock:
                self._requests += 1
                refused = self._requests % faults.rate_limit == 0
            if refused:
                return error_response(429, (("Retry-After", "1"),))
        if faults.down:
            return error_response(503)
        forced = faults.status_by_path.get(target)
        if forced is not None and forced != 200:
            return error_response(forced)
        return self._render(target)

    def _route(self, target: str) -> Response:
        parts = urlsplit(target)
        path = parts.path or "/"
        if path == "/robots.txt":
            return Response(200, TEXT, render.robots_txt(self.aggregator).encode("utf-8"))
        for site in self.sites:
            if site.prefix and (path == site.prefix or path.startswith(site.prefix + "/")):
                return self._site_page(site, path[len(site.prefix) :] or "/", parts.query)
            if not site.prefix:
                return self._site_page(site, path, parts.query)
        if path == "/":
            return _html(200, render.index_page(self.aggregator))
        return error_response(404)

    def _site_page(self, site: SiteSpec, path: str, query: str) -> Response:
        if path == "/":
            return _html(200, render.home_page(self.world, site, self.offsite))
        match = _FEED.match(path)
        if match:
            return self._feed(site, match["slug"])
        match = _LISTING.match(path)
        if match:
            page = _page_number(query)
            listing = self.world.listing(site.name, match["slug"], page) if page else None
            if listing is None:
                return self._not_found(site)
            return _html(200, render.listing_page(site, listing, self.offsite))
        match = _ARTICLE.match(path)
        if match:
            article = self.world.article(site.name, match["slug"], int(match["id"]))
            if article is None:
                return self._not_found(site)
            return self._article(site, article)
        return self._not_found(site)

    def _not_found(self, site: SiteSpec) -> Response:
        return _html(404, render.not_found_page(site, self.offsite))

    def _feed(self, site: SiteSpec, slug: str | None) -> Response:
        if slug is None:
            body = feeds.edition_feed(self.world, site, self.base_url)
        else:
            found = feeds.publication_feed(self.world, site, slug, self.base_url)
            if found is None:
                return self._not_found(site)
            body = found
        return Response(200, feeds.CONTENT_TYPE, body.encode("utf-8"))

    def _article(self, site: SiteSpec, article: ExpectedArticle) -> Response:
        if article.blocked:  # a 200 that is not the article
            return _html(200, wall_page(site, article, self.offsite))
        response = _html(200, article_page(self.world, site, article, self.offsite))
        if article.wrong_charset:
            content_type, body = wrong_charset(article, response.body)
            response = replace(response, content_type=content_type, body=body)
        if article.truncated:
            response = replace(response, truncate_at=truncation_point(article, response.body))
        if article.slow:
            response = replace(response, delay=self.world.faults.slow_seconds)
        return response


def _page_number(query: str) -> int | None:
    """1 without ``page``; None (answer 404) for anything but a positive integer."""
    values = parse_qs(query, keep_blank_values=True).get("page")
    if not values:
        return 1
    value = values[-1]
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) and int(value) >= 1 else None
