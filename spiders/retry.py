"""Retries with exponential backoff (and ``Retry-After``) for 429, 5xx and network errors.

Scrapy's ``RetryMiddleware`` re-queues a failed request at once, which is what a
rate-limited or overloaded site least needs. This subclass waits before handing the
retry back: ``base * 2**(attempt-1)`` seconds with jitter, or the server's
``Retry-After`` when it asks for longer, capped at ``max``. The wait is an awaited
timer inside ``process_response`` (Scrapy runs coroutine middleware methods), so the
reactor keeps serving every other request meanwhile; the waiting request keeps its
place among the downloader's active requests, which slows the crawl as a whole while
the site is unhappy — the point of backing off.

Settings: ``RETRY_TIMES`` (from ``profile.crawl.retry_times``), ``RETRY_HTTP_CODES``,
``PRESSETL_RETRY_BACKOFF_BASE`` and ``PRESSETL_RETRY_BACKOFF_MAX`` (seconds).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None, jitter: float) -> float:
    """Seconds to wait before retry number ``attempt`` (from 1); ``jitter`` in [0, 1)."""
    exponential = base * (2 ** (attempt - 1)) * (0.5 + jitter / 2)  # "equal jitter": no herd
    wanted = max(exponential, retry_after or 0.0)
    return min(wanted, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("PRESSETL_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("PRESSETL_RETRY_BACKOFF_MAX", 60.0)
        self._random = random.Random()

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(retry, retry_after_seconds(response.headers.get(b"Retry-After")))
        return retry

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self._wait(retry, None)
        return retry

    async def _wait(self, retry, retry_after: float | None) -> None:
        delay = backoff_delay(
            retry.meta["retry_times"], self.base, self.cap, retry_after, self._random.random()
        )
        stats = self.crawler.stats
        stats.inc_value("pressetl/retry/backoff_seconds", delay)
        if delay > 0:
            from twisted.internet import reactor  # the one Scrapy installed; importing earlier installs one

            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
