"""`pressetl plan`: a backfill's cost from the sites' own history, per aggregator host."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from conftest import make_settings
from typer.testing import CliRunner

from core.manifests import CrawlManifest, write_manifest
from core.partitions import Partition
from core.profiles import load_profiles
from pipeline.cli.main import app
from pipeline.plan import TYPICAL_ARTICLES, plan_range

TODAY = date(2011, 2, 11)
NOW = datetime(2011, 2, 11, 2, tzinfo=UTC)


def _crawled(settings, site: str, day: date, pages: int, discovered: int) -> None:
    manifest = CrawlManifest(
        site=site, logical_date=day, run_id="r", status="complete", discovered=discovered, fetched=discovered,
        failed=0, pages_fetched=pages, warc_file="warc/r.warc.gz", log_file="logs/r.log", started_at=NOW,
        finished_at=NOW,
    )  # fmt: skip
    write_manifest(Partition(site, day, settings.data_dir).crawl_manifest, manifest)


def test_requests_come_from_the_crawled_days_and_the_host_adds_its_sites(tmp_path):
    settings = make_settings(tmp_path / "data", None, migrate=False)
    for n, pages in enumerate((100, 120, 110)):
        _crawled(settings, "maghress-fr", TODAY - timedelta(days=2 + n), pages, 90)
    profiles = load_profiles(settings.profiles_dir)
    chosen = [profiles["maghress-fr"], profiles["maghress-ar"], profiles["turess-fr"]]

    # The ten days just before the collected ones: no locating from afar.
    near = plan_range(settings, chosen, TODAY - timedelta(days=14), TODAY - timedelta(days=5), TODAY)
    hosts = {host.aggregator: host for host in near}
    assert set(hosts) == {"maghress", "turess"}
    fr = next(s for s in hosts["maghress"].sites if s.site == "maghress-fr")
    assert (fr.days, fr.requests_per_day, fr.articles_per_day, fr.locate_requests) == (10, 110, 90, 0)
    assert fr.requests == 1100
    assert fr.seconds == 1100 * profiles["maghress-fr"].crawl.download_delay
    assert "median of 3 crawled day(s)" in fr.basis
    ar = next(s for s in hosts["maghress"].sites if s.site == "maghress-ar")
    assert ar.articles_per_day == TYPICAL_ARTICLES and "no crawl yet" in ar.basis
    assert hosts["maghress"].requests == fr.requests + ar.requests

    # Four years back: the first day is located once, at a cost that grows with the log of the distance.
    far = plan_range(settings, [profiles["maghress-fr"]], date(2007, 1, 1), date(2007, 1, 10), TODAY)
    farther = plan_range(settings, [profiles["maghress-fr"]], date(1999, 1, 1), date(1999, 1, 10), TODAY)
    locate, further = far[0].sites[0].locate_requests, farther[0].sites[0].locate_requests
    assert 0 < locate < further < 2 * locate


def test_the_command_prints_the_plan_and_refuses_bad_ranges(tmp_path):
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data"), "plan", "--site", "maghress-fr", "--today", "2011-02-11"]
    result = runner.invoke(app, [*base, "--from", "2010-01-01", "--to", "2010-12-31"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "maghress-fr" in result.output and "365" in result.output
    reversed_range = runner.invoke(app, [*base, "--from", "2010-12-31", "--to", "2010-01-01"])
    assert reversed_range.exit_code == 2 and "is before --from" in reversed_range.output
    unknown = runner.invoke(app, [*base, "--site", "nosuch", "--from", "2010-01-01", "--to", "2010-01-02"])
    assert unknown.exit_code == 2 and "nosuch" in unknown.output
