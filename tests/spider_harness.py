"""Drive the spider's callbacks in-process against devsite's ``HostApp``: no sockets, no reactor.

For unit tests of the spider's modules: which requests a callback makes, which items it
emits, where a walk stops. Scrapy's own layers are stood in for by the little they do here:
the duplicate filter (by URL, unless ``dont_filter``) and HttpErrorMiddleware (a status
>= 400 goes to the errback unless the request handles it).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from core.profiles import load_profile
from core.records import PageFailure, RawItem
from core.settings import REPO_ROOT
from devsite.app import HostApp
from spiders.aggregator import AggregatorSpider
from spiders.warc import WarcArchiveMiddleware


def make_spider(
    site: str,
    day: date,
    strategies: list[str] | None = None,
    *,
    discovery: dict | None = None,
    source_follow: dict | None = None,
    base_url: str | None = None,
    **kwargs,
) -> AggregatorSpider:
    """The spider for the profile as shipped (real hosts: what HostApp serves by default), with
    ``discovery`` / ``source_follow`` keys changed; ``kwargs`` go to the spider."""
    profile = load_profile(REPO_ROOT / "profiles", site, base_url)
    discovery = {**(discovery or {}), **({"strategies": strategies} if strategies is not None else {})}
    profile = profile.model_copy(
        update={
            "discovery": profile.discovery.model_copy(update=discovery),
            "source_follow": profile.source_follow.model_copy(update=source_follow or {}),
        }
    )
    return AggregatorSpider.from_crawler(get_crawler(AggregatorSpider), profile=profile, day=day, **kwargs)


def start_requests(spider: AggregatorSpider) -> list[scrapy.Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def response_for(app: HostApp, request: scrapy.Request, status: int | None = None):
    """The Scrapy response devsite gives to ``request`` (``status`` forces an error page)."""
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    answer = app.respond(target)
    headers = Headers({"Content-Type": answer.content_type, **dict(answer.headers)})
    cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
    return cls(
        url=request.url, status=status or answer.status, headers=headers, body=answer.body, request=request
    )


def http_failure(response) -> Failure:
    failure = Failure(HttpError(response, "Ignoring non-200 response"))
    failure.request = response.request
    return failure


def answer(
    app: HostApp,
    request: scrapy.Request,
    status: int | None = None,
    warc: WarcArchiveMiddleware | None = None,
) -> list:
    """Everything the request's callback (or errback) yields for devsite's answer."""
    response = response_for(app, request, status)
    if warc is not None:
        warc.process_response(request, response)
    if response.status >= 400 and response.status not in request.meta.get("handle_httpstatus_list", ()):
        return list(request.errback(http_failure(response)) or ())
    return list(request.callback(response) or ())


@dataclass
class CrawlResult:
    requests: list[scrapy.Request] = field(default_factory=list)  # in the order they were answered
    items: list[RawItem] = field(default_factory=list)
    failures: list[PageFailure] = field(default_factory=list)

    def urls(self, kind: str | None = None) -> list[str]:
        return [r.url for r in self.requests if kind is None or r.meta.get("kind") == kind]


def run(
    app: HostApp,
    outputs: Iterable,
    statuses: dict[str, int] | None = None,
    warc_path: Path | None = None,
    limit: int = 5000,
) -> CrawlResult:
    """Answer every request (breadth first) until none is left; ``statuses``: forced, by path;
    ``warc_path``: every response archived there, as the crawl's WARC middleware does."""
    warc = WarcArchiveMiddleware(warc_path, {}) if warc_path else None
    if warc is not None:
        warc.open()
    try:
        return _run(app, outputs, statuses or {}, warc, limit)
    finally:
        if warc is not None:
            warc.close()


def _run(app, outputs, statuses, warc, limit) -> CrawlResult:
    result, seen, queue = CrawlResult(), set(), deque(outputs)
    while queue:
        out = queue.popleft()
        if isinstance(out, RawItem):
            result.items.append(out)
        elif isinstance(out, PageFailure):
            result.failures.append(out)
        elif isinstance(out, scrapy.Request):
            if not out.dont_filter and out.url in seen:
                continue
            seen.add(out.url)
            result.requests.append(out)
            assert len(result.requests) <= limit, "the crawl does not end"
            queue.extend(answer(app, out, statuses.get(urlsplit(out.url).path), warc))
        else:
            raise AssertionError(f"unexpected output {out!r}")
    return result
