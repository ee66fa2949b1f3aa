"""No request leaves the hosts the profile allows.

Scrapy's ``OffsiteMiddleware`` compares host names only; on devsite every server is
127.0.0.1 and only the port tells the aggregator from an ad server or a publisher.
This downloader middleware compares ``host[:port]`` with the spider's
``allowed_netlocs`` (the profile's hosts, plus the publisher hosts that source follow
may reach, and where they are served) and drops anything else before it is sent —
robots.txt fetches included.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured


def netloc(url: str) -> str:
    """``host`` or ``host:port`` (port only when written), lower-cased."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return host
    return f"{host}:{port}" if port else host


def request_allowed(url: str, allowed_netlocs: frozenset[str]) -> bool:
    if urlsplit(url).scheme not in {"http", "https"}:
        return False
    return netloc(url) in allowed_netlocs


class AllowedHostsMiddleware:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PRESSETL_ALLOWED_HOSTS_ENABLED", True):
            raise NotConfigured
        middleware = cls(crawler.stats)
        middleware.crawler = crawler
        return middleware

    def process_request(self, request):
        allowed = getattr(self.crawler.spider, "allowed_netlocs", None)
        if allowed is None:
            raise IgnoreRequest(f"spider declares no allowed_netlocs; refusing {request.url}")
        if not request_allowed(request.url, allowed):
            self.stats.inc_value("pressetl/offsite_blocked")
            raise IgnoreRequest(f"off-site request refused: {request.url}")
        return None
