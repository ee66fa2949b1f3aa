"""The raw archive: every response kept per (site, date); a re-run reuses it; --refresh does not;
reprocess rebuilds a day from it alone."""

from __future__ import annotations

from datetime import date

from conftest import SITE, make_settings
from warcio.archiveiterator import ArchiveIterator

from core.partitions import Partition
from core.rawzone import index_archived, read_archived, read_raw_items
from devsite import serve
from pipeline.runner import StageOptions, run_days
from pipeline.stages import crawl

DAY = date(2011, 2, 8)


def _fetched_uris(partition: Partition, run_id: str) -> list[str]:
    with (partition.warc_dir / f"{run_id}.warc.gz").open("rb") as fh:
        return [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        ]


def _is_article(url: str) -> bool:
    parts = url.split("/")
    return parts[-1].isdigit()


def test_rerun_reuses_archived_article_pages_and_refresh_downloads_again(tmp_path, world):
    expected = {a.path for a in world.articles_for_day(SITE, DAY)}
    with serve(world) as server:
        settings = make_settings(tmp_path / "data", server.base_url_for(SITE))
        partition = Partition(SITE, DAY, settings.data_dir)

        first = crawl(settings, SITE, DAY, "r1")
        assert first["discovered"] == len(expected) and first["reused"] == 0
        assert expected <= set(server.request_log(SITE))

        server.clear_request_logs()
        second = crawl(settings, SITE, DAY, "r2")
        asked = server.request_log(SITE)
        assert second["discovered"] == len(expected) and second["failed"] == 0
        assert second["reused"] == len(expected)
        assert not expected & set(asked)  # devsite saw no article page requested again
        assert "/fr/" in asked and "/fr/lesecos" in asked  # discovery pages are (they change)
        assert not [u for u in _fetched_uris(partition, "r2") if _is_article(u)]
        items = list(read_raw_items(partition))
        assert {item.reused_from_run for item in items} == {"r1"}
        assert {item.warc_file for item in items} == {"r1.warc.gz"}
        # every pointer resolves to the archived page it names
        index = index_archived(partition)
        for item in items[:5]:
            archived = read_archived(partition, index[item.url])
            assert archived.record_id == item.warc_record_id and archived.status == 200

        server.clear_request_logs()
        third = crawl(settings, SITE, DAY, "r3", refresh=True)
        assert third["reused"] == 0 and third["discovered"] == len(expected)
        assert expected <= set(server.request_log(SITE))  # --refresh: downloaded again
        assert {item.warc_file for item in read_raw_items(partition)} == {"r3.warc.gz"}


def test_rerunning_the_same_run_id_does_not_point_into_the_file_it_replaces(settings, world):
    crawl(settings, SITE, DAY, "same")
    again = crawl(settings, SITE, DAY, "same")
    assert again["reused"] == 0  # its own old WARC is being replaced: downloaded again
    partition = Partition(SITE, DAY, settings.data_dir)
    assert {item.warc_file for item in read_raw_items(partition)} == {"same.warc.gz"}


def test_reprocess_rebuilds_a_day_from_the_raw_zone_without_the_network(tmp_path, world):
    with serve(world) as server:
        settings = make_settings(tmp_path / "data", server.base_url_for(SITE))
        [first] = run_days(settings, SITE, [DAY], "online")
    assert first.status == "succeeded", first.error
    # the server is gone: only the raw zone is left
    [again] = run_days(settings, SITE, [DAY], "offline", StageOptions(reprocess=True))
    assert again.status == "succeeded", again.error
    assert again.counts == first.counts
    assert again.counts["discovered"] == len(world.articles_for_day(SITE, DAY))
