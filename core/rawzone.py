"""Read the bronze zone: raw items and the archived responses they point to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from core.decoding import Decoded, decode_html
from core.partitions import Partition
from core.records import RawItem


@dataclass(frozen=True)
class ArchivedResponse:
    record_id: str
    url: str
    status: int
    content_type: str | None
    body: bytes

    @property
    def decoded(self) -> Decoded:
        """The body decoded (``core.decoding``: the header and the page's own declaration
        checked against the bytes), with the encoding used and the rule that chose it."""
        return decode_html(self.body, self.content_type)

    @property
    def text(self) -> str:
        return self.decoded.text


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


@dataclass(frozen=True)
class ArchivedRef:
    """Where an earlier run archived a successful response: enough to reuse it without the network."""

    url: str
    record_id: str
    warc_file: str  # file name inside the partition's warc dir, as RawItem.warc_file
    offset: int
    run_id: str


def warc_run_id(path: Path) -> str:
    """``warc/<run_id>.warc.gz`` → run_id."""
    return path.name.removesuffix(".warc.gz")


def index_archived(partition: Partition, exclude_run: str | None = None) -> dict[str, ArchivedRef]:
    """URL → the newest archived 200 response for it, over every WARC file of the partition.

    ``exclude_run``: the run about to write ``<run_id>.warc.gz``; its old file is being replaced,
    so nothing may point into it.
    """
    index: dict[str, ArchivedRef] = {}
    paths = [p for p in warc_files(partition) if warc_run_id(p) != exclude_run]
    for path in sorted(paths, key=lambda p: (p.stat().st_mtime, p.name)):  # newer files win
        with path.open("rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                index[url] = ArchivedRef(
                    url=url,
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    warc_file=path.name,
                    offset=iterator.get_record_offset(),
                    run_id=warc_run_id(path),
                )
    return index


def read_archived(partition: Partition, ref: ArchivedRef) -> ArchivedResponse:
    """The one response ``ref`` points at (each gzip member of a WARC is one record: seek, read)."""
    with (partition.warc_dir / ref.warc_file).open("rb") as fh:
        fh.seek(ref.offset)
        record = next(iter(ArchiveIterator(fh)))
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if record_id != ref.record_id:
            raise ValueError(
                f"{ref.warc_file}@{ref.offset}: expected record {ref.record_id}, found {record_id}"
            )
        return ArchivedResponse(
            record_id=record_id,
            url=record.rec_headers.get_header("WARC-Target-URI"),
            status=int(record.http_headers.get_statuscode()),
            content_type=record.http_headers.get_header("Content-Type"),
            body=record.content_stream().read(),
        )
