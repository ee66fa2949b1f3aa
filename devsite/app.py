"""One aggregator host as a function from request target to response, with faults and a page cache.

Kept apart from the HTTP plumbing so routing and faults can be tested without sockets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from devsite import render
from devsite.article_page import article_page
from devsite.catalog import SiteSpec, sites_on
from devsite.world import World

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
_SLUG = r"[a-z0-9_-]+"
_LISTING = re.compile(rf"^/(?P<slug>{_SLUG})/?$")
_ARTICLE = re.compile(rf"^/(?P<slug>{_SLUG})/(?P<id>\d{{1,12}})/?$")
_PAGE_CACHE = 4096  # ~13 KB a page: a few days of crawling stay hot in ~50 MB


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


def _html(status: int, body: str) -> Response:
    return Response(status, HTML, body.encode("utf-8"))


def _error(status: int) -> Response:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # a made-up status asked for in Faults.status_by_path
        reason = "Error"
    return _html(status, render.bare_error_page(status, reason))


class HostApp:
    """Every language edition of one aggregator, routed by path prefix (``/fr``, ``/en``, or ``/``)."""

    def __init__(self, world: World, aggregator: str) -> None:
        self.world = world
        self.aggregator = aggregator
        self.sites = sites_on(aggregator)  # longest prefix first
        if not self.sites:
            raise KeyError(f"no devsite site is served by aggregator {aggregator!r}")
        # Per instance: a World never changes, so neither do its pages.
        self._render = lru_cache(maxsize=_PAGE_CACHE)(self._route)

    def respond(self, target: str) -> Response:
        """The answer to a GET of ``target`` (path and query, as in the request line)."""
        faults = self.world.faults
        if faults.down:
            return _error(503)
        forced = faults.status_by_path.get(target)
        if forced is not None and forced != 200:
            return _error(forced)
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
        return _error(404)

    def _site_page(self, site: SiteSpec, path: str, query: str) -> Response:
        if path == "/":
            return _html(200, render.home_page(self.world, site))
        match = _LISTING.match(path)
        if match:
            page = _page_number(query)
            listing = self.world.listing(site.name, match["slug"], page) if page else None
            if listing is None:
                return _html(404, render.not_found_page(site))
            return _html(200, render.listing_page(site, listing))
        match = _ARTICLE.match(path)
        if match:
            article = self.world.article(site.name, match["slug"], int(match["id"]))
            if article is None:
                return _html(404, render.not_found_page(site))
            return _html(200, article_page(self.world, site, article))
        return _html(404, render.not_found_page(site))


def _page_number(query: str) -> int | None:
    """1 without ``page``; None (answer 404) for anything but a positive integer."""
    values = parse_qs(query, keep_blank_values=True).get("page")
    if not values:
        return 1
    value = values[-1]
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) and int(value) >= 1 else None
