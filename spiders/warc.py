"""Archive every HTTP response the crawl receives as a WARC record (bronze zone).

A downloader middleware rather than a signal handler: it sits between the
compression middleware and the retry middleware, so it also sees the 5xx and
429 responses that RetryMiddleware swallows, and stores bodies decompressed.
The record id is put in ``request.meta["warc_record_id"]`` so items can point
at the exact record they were built from.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core.partitions import part_path

# Scrapy's decompression already happened; these headers would now lie.
_DROP_HEADERS = {b"content-encoding", b"content-length", b"transfer-encoding"}


class WarcArchiveMiddleware:
    def __init__(self, warc_path: Path, warcinfo: dict[str, str]):
        self.warc_path = warc_path
        self.warcinfo = warcinfo
        # this run's and this process's own: another crawl of the partition never writes it
        self._tmp_path = part_path(warc_path, warcinfo.get("pressetl-run-id", ""))
        self._fh = None
        self._writer: WARCWriter | None = None
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler):
        warc_path = crawler.settings.get("PRESSETL_WARC_PATH")
        if not warc_path:
            raise NotConfigured("PRESSETL_WARC_PATH is not set")
        info = {
            "software": "pressetl (Scrapy)",
            "format": "WARC File Format 1.1",
            "pressetl-site": crawler.settings.get("PRESSETL_SITE", ""),
            "pressetl-logical-date": crawler.settings.get("PRESSETL_LOGICAL_DATE", ""),
            "pressetl-run-id": crawler.settings.get("PRESSETL_RUN_ID", ""),
        }
        middleware = cls(Path(warc_path), info)
        crawler.signals.connect(middleware.open, signal=signals.spider_opened)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def open(self, spider=None) -> None:
        self.warc_path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self._tmp_path, "wb")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(self.warc_path.name, self.warcinfo))

    def close(self, spider=None, reason: str | None = None) -> None:
        """Publish the file even after a failed crawl: what was fetched is kept."""
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        os.replace(self._tmp_path, self.warc_path)

    def process_response(self, request, response, spider=None):
        if self._writer is None:
            return response
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        headers = [
            (name.decode("latin-1"), b", ".join(values).decode("latin-1"))
            for name, values in response.headers.items()
            if name.lower() not in _DROP_HEADERS
        ]
        http_headers = StatusAndHeaders(f"{response.status} {reason}".strip(), headers, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(response.body),
            length=len(response.body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
        self._writer.write_record(record)
        self.records += 1
        request.meta["warc_record_id"] = record.rec_headers.get_header("WARC-Record-ID")
        request.meta["warc_file"] = self.warc_path.name
        return response
