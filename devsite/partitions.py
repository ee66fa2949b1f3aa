"""devsite content written straight into a raw zone, no crawl: for benchmarks and tests.

``devsite_pages`` renders a (site, day)'s article pages as a crawl of them
would archive them; ``write_partition`` writes any pages as a raw partition.
The files are what the spider writes (a gzipped WARC of HTTP responses and
``items.jsonl`` of raw items pointing into it), so the transform stage reads
them exactly as it reads a crawl, without a server or Scrapy. Nothing in the
pipeline imports this module; like the rest of devsite it imports only ``core``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core.partitions import Partition
from core.records import RawItem
from devsite.article_page import article_page
from devsite.walls import wall_page
from devsite.world import World

FETCHED_AT = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    """One article page to archive, and optionally the publisher's page behind its source link."""

    url: str
    html: str | None  # None: the fetch failed (no record, an error in the raw item)
    publication_slug: str | None = None
    publisher_url: str | None = None
    publisher_html: str | None = None
    fetched_at: datetime = FETCHED_AT
    charset: str = "utf-8"


def write_partition(partition: Partition, pages: Iterable[Page], run_id: str = "synthetic") -> int:
    """Write ``pages`` as the raw zone of ``partition`` (replacing what is there); the number of items."""
    partition.warc_dir.mkdir(parents=True, exist_ok=True)
    warc_name = f"{run_id}.warc.gz"
    count = 0
    with (
        (partition.warc_dir / warc_name).open("wb") as fh,
        partition.raw_items.open("w", encoding="utf-8") as items,
    ):
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        for page in pages:
            fields: dict = {
                "site": partition.site,
                "logical_date": partition.day,
                "url": page.url,
                "publication_slug": page.publication_slug,
                "fetched_at": page.fetched_at,
            }
            if page.html is None:
                fields.update(status=None, error="timeout after 30 s")
            else:
                record_id = _write_response(writer, page.url, page.html, page.charset, page.fetched_at)
                fields.update(status=200, warc_file=warc_name, warc_record_id=record_id)
                if page.publisher_url and page.publisher_html is not None:
                    source_id = _write_response(
                        writer, page.publisher_url, page.publisher_html, "utf-8", page.fetched_at
                    )
                    fields.update(
                        source_url=page.publisher_url,
                        source_status=200,
                        source_warc_file=warc_name,
                        source_warc_record_id=source_id,
                    )
            items.write(RawItem(**fields).model_dump_json() + "\n")
            count += 1
    return count


def _write_response(writer: WARCWriter, url: str, html: str, charset: str, when: datetime) -> str:
    body = html.encode(charset, "replace")
    headers = StatusAndHeaders(
        "200 OK",
        [("Content-Type", f"text/html; charset={charset}"), ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    writer.write_record(record)
    return record.rec_headers.get_header("WARC-Record-ID")


def devsite_pages(world: World, site: str, day: date, base_url: str) -> list[Page]:
    """devsite's article pages of (site, day), as a crawl of ``base_url`` would archive them."""
    spec = world.site(site)
    return [
        Page(
            url=base_url.rstrip("/") + article.path,
            html=wall_page(spec, article) if article.blocked else article_page(world, spec, article),
            publication_slug=article.publication_slug,
        )
        for article in world.articles_for_day(site, day)
    ]
