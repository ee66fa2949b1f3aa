"""Every URL a crawl discovers ends with one outcome in the warehouse (``url_outcomes``): loaded,
a duplicate, quarantined or failed, each with its reason; the ledger's counts are tallied from
them, so a URL some stage dropped can never reconcile."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from conftest import SITE, TODAY, make_settings
from typer.testing import CliRunner

from core.outcomes import read_discovered
from core.partitions import Partition
from devsite import Faults, World
from pipeline.cli.main import app
from pipeline.runner import STAGES, run_partition, run_stage

DAY = date(2011, 2, 9)
FAULTS = Faults(
    broken_share=0.1,
    truncated_share=0.1,
    wrong_charset_share=0.15,
    slow_share=0.05,
    slow_seconds=0.2,
    rate_limit=17,
)


def _outcomes(settings) -> dict[str, tuple[str, str | None]]:
    engine = sa.create_engine(settings.warehouse_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT url, outcome, reason FROM url_outcomes WHERE site = :s AND logical_date = :d"
                ),
                {"s": SITE, "d": DAY},
            ).all()
    finally:
        engine.dispose()
    urls = [row.url for row in rows]
    assert len(urls) == len(set(urls)), "one outcome per URL"
    return {row.url: (row.outcome, row.reason) for row in rows}


def test_every_discovered_url_has_one_outcome_with_its_reason(tmp_path, served):
    world = World(today=TODAY, faults=FAULTS)
    url = served(world)
    settings = make_settings(tmp_path / "data", url)
    result = run_partition(settings, SITE, DAY, "faults")
    assert result.status == "succeeded", result.error

    discovered = set(read_discovered(Partition(SITE, DAY, settings.data_dir).discovered_urls))
    outcomes = _outcomes(settings)
    # the test that fails if any discovered URL has no outcome
    assert set(outcomes) == discovered, f"no outcome for {sorted(discovered - set(outcomes))[:5]}"
    assert {url + a.path for a in world.articles_for_day(SITE, DAY)} <= discovered
    assert "unaccounted" not in {outcome for outcome, _ in outcomes.values()}
    for outcome, reason in outcomes.values():
        assert (reason is None) == (outcome == "loaded")
    by = {
        name: sum(1 for o, _ in outcomes.values() if o == name)
        for name in ("loaded", "failed", "quarantined")
    }
    assert by["failed"] + by["quarantined"] > 0, "the faults reached some articles"
    assert result.counts == {
        "discovered": len(discovered),
        "fetched": len(discovered) - by["failed"],
        "failed": by["failed"],
        "duplicates": sum(1 for o, _ in outcomes.values() if o == "duplicate"),
        "quarantined": by["quarantined"],
        "loaded": by["loaded"],
    }


def test_a_url_dropped_between_crawl_and_transform_never_reconciles(tmp_path, devsite_url):
    settings = make_settings(tmp_path / "data", devsite_url)
    run_stage(settings, "crawl", SITE, DAY, "dropped")
    partition = Partition(SITE, DAY, settings.data_dir)
    # a raw item lost (a request dropped, an item never written): the crawl's list still names it
    lines = partition.raw_items.read_text(encoding="utf-8").splitlines(keepends=True)
    partition.raw_items.write_text("".join(lines[1:]), encoding="utf-8")
    lost = next(u for u in read_discovered(partition.discovered_urls) if u not in "".join(lines[1:]))
    for stage in STAGES[1:]:
        run_stage(settings, stage, SITE, DAY, "dropped")

    assert _outcomes(settings)[lost] == ("unaccounted", "discovered, but the crawl recorded no fetch of it")
    status = CliRunner().invoke(
        app, ["--data-dir", str(settings.data_dir), "--warehouse-url", settings.warehouse_url, "status"]
    )
    assert status.exit_code == 1, status.output  # the day does not reconcile
    assert "False" in status.output
