"""What a dead run leaves in the raw zone never poisons a later one: crawl files are written
under names of their run and process, readers skip them, the next crawl removes them, and a
WARC file cut or corrupted part-way gives the records before the damage, with a warning."""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from core.partitions import Partition, part_path, remove_stale_files
from core.rawzone import index_archived, iter_responses, read_archived, warc_files
from core.records import PageFailure
from spiders.pipelines import RawZoneWriter
from spiders.warc import WarcArchiveMiddleware

DAY = date(2011, 2, 9)
URLS = [f"https://www.maghress.com/fr/lesecos/{13570 + i}" for i in range(6)]


def body(i: int) -> bytes:
    return f"<html><body><h1>Article {i}</h1>{'<p>Texte du corps. </p>' * (40 + i)}</body></html>".encode()


def archive(partition: Partition, run_id: str, statuses: dict[int, int] | None = None) -> Path:
    """A WARC file as a crawl writes it: warcinfo, then one response per URL."""
    warc = WarcArchiveMiddleware(partition.warc_dir / f"{run_id}.warc.gz", {"pressetl-run-id": run_id})
    warc.open()
    for i, url in enumerate(URLS):
        status = (statuses or {}).get(i, 200)
        warc.process_response(Request(url), HtmlResponse(url, status=status, body=body(i)))
    warc.close()
    return warc.warc_path


def member_starts(path: Path) -> list[int]:
    """Offsets of the records (one gzip member each), warcinfo first, and the file's end."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh)
        starts = [iterator.get_record_offset() for _ in iterator]
    return [*starts, path.stat().st_size]


@pytest.fixture
def partition(tmp_path: Path) -> Partition:
    return Partition("maghress-fr", DAY, tmp_path / "data")


def test_crawl_files_are_named_for_their_run_and_process_and_readers_skip_them(partition, tmp_path):
    target = partition.warc_dir / "run-1.warc.gz"
    assert part_path(target, "run-1").name == f".run-1.warc.gz.run-1.{os.getpid()}.part"
    assert part_path(target, "scheduled__2011-02-10T01:00:00+00:00", 7).name == (
        ".run-1.warc.gz.scheduled__2011-02-10T01_00_00_00_00.7.part"
    )

    # Two crawls of one partition at once write two files each, never the same one.
    first = RawZoneWriter(partition.raw_items, partition.failures, "run-1")
    second = RawZoneWriter(partition.raw_items, partition.failures, "run-2")
    first.open_spider()
    second.open_spider()
    assert len({first.items.tmp, first.failures.tmp, second.items.tmp, second.failures.tmp}) == 4
    failure = PageFailure(
        site=partition.site,
        logical_date=DAY,
        url=URLS[0],
        kind="article",
        status=503,
        reason="503",
        failed_at="2011-02-10T01:00:00Z",
    )
    first.process_item(failure)
    first.close_spider()
    assert partition.failures.read_text().count("\n") == 1
    assert not partition.raw_items.read_text()  # published, empty: nothing was found

    warc = WarcArchiveMiddleware(partition.warc_dir / "run-2.warc.gz", {"pressetl-run-id": "run-2"})
    warc.open()
    warc.process_response(Request(URLS[0]), HtmlResponse(URLS[0], body=body(0)))
    assert warc._tmp_path.name.endswith(f".run-2.{os.getpid()}.part")
    assert warc_files(partition) == [] and list(iter_responses(partition)) == []  # nothing published yet
    archive(partition, "run-1")
    assert [p.name for p in warc_files(partition)] == ["run-1.warc.gz"]
    assert [r.url for r in iter_responses(partition)] == URLS

    # The next crawl removes what the dead ones left, and says so.
    names = sorted(p.name for p in [second.items.tmp, second.failures.tmp, warc._tmp_path])
    removed = remove_stale_files(partition, "crawl")
    assert sorted(p.name for p in removed) == names
    assert not [p for p in partition.raw_dir.rglob("*.part")]
    assert partition.failures.is_file() and (partition.warc_dir / "run-1.warc.gz").is_file()
    assert remove_stale_files(partition, "crawl") == []


def test_a_warc_cut_anywhere_gives_the_whole_records_before_the_cut(partition, caplog):
    path = archive(partition, "run-1")
    whole = path.read_bytes()
    starts = member_starts(path)  # warcinfo, 6 responses, end
    assert len(starts) == len(URLS) + 2
    cuts = sorted({*range(0, len(whole), 97), *(s + d for s in starts[:-1] for d in (1, 30, -9, -1))})
    for cut in cuts:
        if not 0 <= cut < len(whole):
            continue
        path.write_bytes(whole[:cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="core.rawzone"):
            responses = list(iter_responses(partition))
            index = index_archived(partition)
        got = [r.url for r in responses]
        assert got == URLS[: len(got)], cut  # a prefix, in order
        assert all(r.body == body(i) for i, r in enumerate(responses)), cut  # every body whole
        assert sorted(index) == sorted(got), cut
        for ref in index.values():
            assert read_archived(partition, ref).body == body(URLS.index(ref.url))
        # the records that ended before the cut are all there
        ended = sum(1 for s in starts[2:] if s <= cut)
        assert len(got) >= ended, cut
        # a cut inside a record's data (not in the gzip trailer after it) is damage, and said
        if any(start < cut < end - 16 for start, end in zip(starts, starts[1:], strict=False)):
            assert f"{path}: damaged WARC file" in caplog.text, cut


def test_a_corrupt_record_ends_the_file_and_the_other_files_still_count(partition, caplog):
    older = archive(partition, "run-0", statuses={5: 503})
    path = archive(partition, "run-1")
    os.utime(older, (1, 1))  # run-1 is the newer file
    starts = member_starts(path)
    damaged = bytearray(path.read_bytes())
    for k in range(starts[3] + 20, starts[3] + 40):  # inside the third response
        damaged[k] ^= 0xFF
    path.write_bytes(bytes(damaged))

    with caplog.at_level(logging.WARNING, logger="core.rawzone"):
        responses = list(iter_responses(partition))
        index = index_archived(partition)
    # run-0's file whole, then run-1's first two responses
    assert [r.url for r in responses] == URLS + URLS[:2]
    reused = {url: ref.run_id for url, ref in index.items()}
    # run-0's 503 is not reusable; run-1's first two, newer, win
    assert reused == {**dict.fromkeys(URLS[:5], "run-0"), **dict.fromkeys(URLS[:2], "run-1")}
    assert f"{path}: damaged WARC file after 3 whole record(s)" in caplog.text

    path.write_bytes(b"not a WARC file at all")  # garbage from the first byte: nothing of it
    assert [r.url for r in iter_responses(partition)] == URLS
    path.write_bytes(b"")
    assert set(index_archived(partition)) == set(URLS[:5])
