"""Read the bronze zone: raw items and the archived responses they point to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator

from pipeline.partitions import Partition
from pipeline.records import RawItem


@dataclass(frozen=True)
class ArchivedResponse:
    record_id: str
    url: str
    status: int
    content_type: str | None
    body: bytes

    @property
    def text(self) -> str:
        """Decoded with the HTTP charset, then the page's own declaration, then sniffing."""
        _, text = html_to_unicode(self.content_type, self.body)
        return text


def read_raw_items(partition: Partition) -> Iterator[RawItem]:
    with partition.raw_items.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield RawItem.model_validate_json(line)


def warc_files(partition: Partition) -> list[Path]:
    return sorted(partition.warc_dir.glob("*.warc.gz"))


def iter_responses(partition: Partition, record_ids: set[str] | None = None) -> Iterator[ArchivedResponse]:
    """Stream response records of every WARC file in the partition (optionally only some ids)."""
    for path in warc_files(partition):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response":
                    continue
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                if record_ids is not None and record_id not in record_ids:
                    continue
                yield ArchivedResponse(
                    record_id=record_id,
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    status=int(record.http_headers.get_statuscode()),
                    content_type=record.http_headers.get_header("Content-Type"),
                    body=record.content_stream().read(),
                )
