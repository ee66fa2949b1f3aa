"""Item pipeline writing the crawl's raw items and page failures as JSON Lines.

Files are written under a temporary name of their run and process
(``core.partitions.part_path``) and published when the spider closes, whatever the close
reason: a crawl that dies halfway still keeps what it got, and two crawls of one partition
never write the same file.
"""

from __future__ import annotations

import os
from pathlib import Path

from scrapy.exceptions import NotConfigured

from core.partitions import part_path
from core.records import PageFailure, RawItem


class _JsonLinesFile:
    def __init__(self, path: Path, run_id: str = ""):
        self.path = path
        self.tmp = part_path(path, run_id)
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115 - closed in publish()

    def write(self, record) -> None:
        self._fh.write(record.model_dump_json() + "\n")
        self.count += 1

    def publish(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.tmp, self.path)


class RawZoneWriter:
    def __init__(self, items_path: Path, failures_path: Path, run_id: str = ""):
        self.items_path = items_path
        self.failures_path = failures_path
        self.run_id = run_id
        self.items: _JsonLinesFile | None = None
        self.failures: _JsonLinesFile | None = None

    @classmethod
    def from_crawler(cls, crawler):
        items = crawler.settings.get("PRESSETL_ITEMS_PATH")
        failures = crawler.settings.get("PRESSETL_FAILURES_PATH")
        if not items or not failures:
            raise NotConfigured("PRESSETL_ITEMS_PATH and PRESSETL_FAILURES_PATH must be set")
        return cls(Path(items), Path(failures), crawler.settings.get("PRESSETL_RUN_ID", ""))

    def open_spider(self, spider=None) -> None:
        self.items = _JsonLinesFile(self.items_path, self.run_id)
        self.failures = _JsonLinesFile(self.failures_path, self.run_id)

    def close_spider(self, spider=None) -> None:
        for file in (self.items, self.failures):
            if file is not None:
                file.publish()

    def process_item(self, item, spider=None):
        if isinstance(item, RawItem):
            assert self.items is not None
            self.items.write(item)
        elif isinstance(item, PageFailure):
            assert self.failures is not None
            self.failures.write(item)
        return item
