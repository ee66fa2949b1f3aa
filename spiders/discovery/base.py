"""The interface every discovery strategy shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

from spiders.articles import ArticleFetcher
from spiders.crawl_day import CrawlDay


class DiscoveryStrategy(ABC):
    """One way of finding a publication's articles of the day.

    ``start(slug)`` yields the first requests for one publication. The strategy's own
    callbacks then yield further discovery requests, the article requests that
    ``ArticleFetcher.article`` makes, and RawItem / PageFailure records. A discovery page
    that fails, or a search that cannot finish, is added to ``crawl.discovery_failures``:
    the day is then incomplete.
    """

    name: ClassVar[str]  # as written in a profile's discovery.strategies

    def __init__(self, crawl: CrawlDay, articles: ArticleFetcher):
        self.crawl = crawl
        self.articles = articles

    @abstractmethod
    def start(self, slug: str) -> Iterator[Any]:
        """The first requests (or, for pages an earlier run archived, the items) for one publication."""
