"""Source follow: which "Cliquez ici pour lire l'article depuis sa source" links are followed,
and where the publisher's page is fetched from.

Only the profile's ``source_follow.allowed_hosts`` are followed, and only when it is
enabled. ``publisher_urls`` (a setting, for devsite) serves a publisher host from another
base URL; the RawItem keeps the real link either way.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from parsel import Selector

from core.profiles import SiteProfile
from core.source_link import find_source_link, selected_elements
from spiders.hosts import netloc


class PublisherLinks:
    def __init__(self, profile: SiteProfile, publisher_urls: dict[str, str] | None = None):
        follow = profile.source_follow
        self.selector = profile.selectors.source_link
        self.body_selector = profile.selectors.body
        self.hosts = frozenset(h.lower() for h in follow.allowed_hosts) if follow.enabled else frozenset()
        self.publisher_urls = {
            host.lower(): url.rstrip("/")
            for host, url in (publisher_urls or {}).items()
            if host.lower() in self.hosts
        }

    @property
    def enabled(self) -> bool:
        return bool(self.hosts)

    def netlocs(self) -> frozenset[str]:
        """Every ``host[:port]`` a followed link may be fetched from."""
        return self.hosts | {netloc(url) for url in self.publisher_urls.values()}

    def source_link(self, page: Selector, base: str) -> str | None:
        """The "read at the source" link (found as the transform finds it: by the page's
        structure), when source follow is on and its host is allowed."""
        if not self.hosts:
            return None
        content = selected_elements(page.root, self.body_selector)
        source = find_source_link(page.root, base, hint=self.selector, content=content)
        if source is None or (urlsplit(source).hostname or "").lower() not in self.hosts:
            return None
        return source

    def request_url(self, source: str) -> str:
        """Where to fetch ``source``: the same URL, or its path on the publisher's override."""
        parts = urlsplit(source)
        base = self.publisher_urls.get((parts.hostname or "").lower())
        if base is None:
            return source
        return base + urlunsplit(("", "", parts.path or "/", parts.query, ""))
