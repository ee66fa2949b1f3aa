"""Report crawl progress as JSON lines on stdout, for the parent process to show.

The crawl runs in a child process (Twisted's reactor cannot restart in one
process); the parent turns these lines into a progress bar or task-log lines.
"""

from __future__ import annotations

import json
import sys

from scrapy import signals
from twisted.internet import task


class ProgressReporter:
    def __init__(self, stats, interval: float):
        self.stats = stats
        self.interval = interval
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        reporter = cls(crawler.stats, crawler.settings.getfloat("PRESSETL_PROGRESS_INTERVAL", 1.0))
        crawler.signals.connect(reporter.opened, signal=signals.spider_opened)
        crawler.signals.connect(reporter.closed, signal=signals.spider_closed)
        return reporter

    def opened(self, spider=None) -> None:
        self._loop = task.LoopingCall(self.report)
        self._loop.start(self.interval, now=False)

    def closed(self, spider=None, reason=None) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.report()

    def report(self) -> None:
        payload = {
            "pages": self.stats.get_value("response_received_count", 0),
            "articles": self.stats.get_value("item_scraped_count", 0),
        }
        sys.stdout.write(json.dumps({"progress": payload}) + "\n")
        sys.stdout.flush()
