"""Read the bronze zone: raw items and the archived responses they point to.

Readers see published files only, never a crawl's ``.part`` files; a WARC file damaged
part-way (truncated, corrupt) gives the records before the damage, with a warning naming
the file, and never stops the reader.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader

from core.decoding import Decoded, decode_html
from core.partitions import Partition, is_part
from core.records import RawItem

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    """The partition's published WARC files (a crawl's ``.<name>.<run>.<pid>.part`` is not one)."""
    return sorted(
        p
        for p in partition.warc_dir.glob("*.warc.gz")
        if not p.name.startswith(".") and not is_part(p) and p.is_file()
    )


# What a damaged WARC file raises in warcio: a cut or corrupt gzip member (zlib), a bad record
# header (ArchiveLoadFailed; AttributeError when the header itself is cut), a bad digest.
_DAMAGE = (ArchiveLoadFailed, EOFError, OSError, ValueError, AttributeError, zlib.error)


def _intact(path: Path, take: Callable[[ArchiveIterator, Any], T | None]) -> Iterator[T]:
    """``take(iterator, record)`` of each record of one WARC file, given once the record is
    known whole (its length and digests checked): a damaged record ends the file, the records
    before it count, and a warning names the file."""
    good = 0
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh, check_digests="raise")
        records = iter(iterator)
        while True:
            try:
                record = next(records)
                value = take(iterator, record)
                iterator.read_to_end(record)  # what is left of it, through its digests
                if not isinstance(record.raw_stream, LimitReader):  # its header cut before its length
                    raise ArchiveLoadFailed("record header without Content-Length")
                if record.raw_stream.limit:  # the file ends inside this record
                    raise ArchiveLoadFailed(f"record truncated, {record.raw_stream.limit} bytes missing")
            except StopIteration:
                if iterator.offset < path.stat().st_size:  # a cut record that decompresses to nothing
                    _damaged(path, good, f"{path.stat().st_size - iterator.offset} trailing bytes")
                return
            except _DAMAGE as exc:
                _damaged(path, good, f"{type(exc).__name__}: {exc}")
                return
            good += 1
            if value is not None:
                yield value


def _damaged(path: Path, good: int, why: str) -> None:
    why = "".join(c if c.isascii() and c.isprintable() else "?" for c in " ".join(why.split()))[:160]
    log.warning("%s: damaged WARC file after %d whole record(s) (%s): keeping those", path, good, why)


Take = Callable[[ArchiveIterator, Any], T | None]


def _wanted_response(record_ids: set[str] | None) -> Take[ArchivedResponse]:
    def take(iterator: ArchiveIterator, record) -> ArchivedResponse | None:
        if record.rec_type != "response" or record.http_headers is None:
            return None
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if record_ids is not None and record_id not in record_ids:
            return None
        return _response(record)

    return take


def _response(record) -> ArchivedResponse:
    return ArchivedResponse(
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(record.http_headers.get_statuscode()),
        content_type=record.http_headers.get_header("Content-Type"),
        body=record.content_stream().read(),
    )


def iter_responses(partition: Partition, record_ids: set[str] | None = None) -> Iterator[ArchivedResponse]:
    """Stream response records of every WARC file in the partition (optionally only some ids);
    only whole records (a damaged file gives those before the damage)."""
    take = _wanted_response(record_ids)
    for path in warc_files(partition):
        yield from _intact(path, take)


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
        for ref in _intact(path, _archived_ok(path)):
            index[ref.url] = ref
    return index


def _archived_ok(path: Path) -> Take[ArchivedRef]:
    def take(iterator: ArchiveIterator, record) -> ArchivedRef | None:
        if record.rec_type != "response" or record.http_headers is None:
            return None
        if record.http_headers.get_statuscode() != "200":
            return None
        return ArchivedRef(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            warc_file=path.name,
            offset=iterator.get_record_offset(),
            run_id=warc_run_id(path),
        )

    return take


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
        return _response(record)
