"""The coverage heatmap of the Data Docs index (``quality.coverage_page``), opened by headless
Chromium: one row per site, a cell per day with its state and counts, a sparkline; and,
through real partition runs against devsite, redrawn after a load and after a failure."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import test_quality_docs
from conftest import SITE, make_settings

from core.coverage import FAILED, LOADED, MISSING, QUARANTINED_HEAVY, Coverage, SiteCoverage, day_coverage
from core.partitions import docs_dir
from pipeline.coverage import PAGE_WINDOW_DAYS, refresh_coverage_page
from pipeline.runner import StageOptions, run_partition
from quality import coverage_page
from quality.docs import write_root_index

chromium = test_quality_docs.chromium  # the fixture: headless Chromium, offline
FIRST = date(2024, 4, 1)


def run(n: int, status: str = "succeeded", **counts) -> dict:
    row = {"discovered": 0, "fetched": 0, "failed": 0, "duplicates": 0, "quarantined": 0, "loaded": 0}
    row.update(counts, status=status, run_id=f"run-{n}", quality_overridden=counts.get("overridden", False))
    row["discovered"] = row["loaded"] + row["duplicates"] + row["quarantined"] + row["failed"]
    row["fetched"] = row["discovered"] - row["failed"]
    return row


def sample() -> Coverage:
    """Two sites over five days, every state."""
    days = [FIRST + timedelta(days=n) for n in range(5)]
    mine = [
        run(1, loaded=100, quarantined=2),
        run(2, loaded=50, quarantined=50, overridden=True),
        run(3, "failed", failed_stage="validate", error="quality gate failed: 60% fallback"),
        None,
        run(5, loaded=20),
    ]
    cells = [
        day_coverage(d, r, 0.2, running="backfill__x" if n == 3 else None)
        for n, (d, r) in enumerate(zip(days, mine, strict=True))
    ]
    other = [
        day_coverage(d, run(9, loaded=30), 0.2) if n < 2 else day_coverage(d, None, 0.2)
        for n, d in enumerate(days)
    ]
    return Coverage(
        first=days[0],
        last=days[-1],
        sites=(SiteCoverage(site=SITE, days=tuple(cells)), SiteCoverage(site="turess-fr", days=tuple(other))),
        generated_at=datetime(2024, 4, 6, 7, 0, tzinfo=UTC),
    )


def cells_of(dom: str, site: str) -> list[tuple[str, str, str]]:
    """(day, state, title) of each cell of ``site``'s row in the rendered DOM."""
    row = re.search(rf'<tr data-site="{re.escape(site)}">(.*?)</tr>', dom, re.S).group(1)
    return re.findall(r'data-day="([^"]+)" data-state="([^"]+)" data-loaded="\d+" title="([^"]*)"', row)


def test_the_index_shows_one_row_per_site_and_each_day_s_state(tmp_path: Path, chromium) -> None:
    docs = tmp_path / "docs"
    coverage_page.save(docs, sample())
    index = write_root_index(docs)

    dom = chromium("--dump-dom", index.as_uri())

    assert re.findall(r'<tr data-site="([^"]+)">', dom) == [SITE, "turess-fr"]
    mine = cells_of(dom, SITE)
    assert [(d, s) for d, s, _ in mine] == [
        ("2024-04-01", LOADED),
        ("2024-04-02", QUARANTINED_HEAVY),
        ("2024-04-03", FAILED),
        ("2024-04-04", MISSING),
        ("2024-04-05", LOADED),
    ]
    assert mine[0][2] == (
        "maghress-fr 2024-04-01: loaded, 100 loaded of 102 discovered, 0 duplicates, 2 quarantined "
        "(2%, gate max 20%), 0 failed"
    )
    assert mine[2][2] == "maghress-fr 2024-04-03: failed at validate: quality gate failed: 60% fallback"
    assert mine[3][2].endswith("being processed now by run backfill__x")
    assert 'class="cell quarantined-heavy" data-day="2024-04-02"' in dom
    assert 'class="cell missing running" data-day="2024-04-04"' in dom
    assert [s for _, s, _ in cells_of(dom, "turess-fr")] == [LOADED, LOADED, MISSING, MISSING, MISSING]
    # the sparkline: an SVG per site, its line breaking on the gap, the figures in its title
    spark = re.search(rf'<tr data-site="{SITE}">.*?<svg(.*?)</svg>', dom, re.S).group(1)
    assert spark.count("<polyline") == 1 and spark.count("<circle") == 1 and spark.count("<rect") == 2
    assert "maghress-fr: articles loaded per day, min 20, median 50, max 100, last loaded day 20" in spark
    # a text legend; nothing fetched from anywhere
    for words in (
        "loaded (the latest run succeeded)",
        "missing (no run in the ledger)",
        "quality gate overridden",
    ):
        assert words in dom
    assert "<script" not in index.read_text() and "http" not in re.sub(
        r'xmlns="[^"]+"', "", coverage_page.render(sample())
    )


def test_a_screenshot_draws_the_heatmap(tmp_path: Path, chromium) -> None:
    docs = tmp_path / "docs"
    coverage_page.save(docs, sample())
    index = write_root_index(docs)
    shot = tmp_path / "coverage.png"

    chromium(f"--screenshot={shot}", index.as_uri())

    assert shot.is_file() and shot.stat().st_size > 10_000


def test_without_coverage_the_index_says_so(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    index = write_root_index(tmp_path / "docs")
    assert "No coverage yet: drawn after the first load or failure in the ledger." in index.read_text()
    (tmp_path / "docs" / "coverage.json").write_text("{not json")
    assert "Coverage unreadable" in write_root_index(tmp_path / "docs").read_text()


def test_a_picture_that_cannot_be_drawn_fails_nothing_and_says_why(tmp_path: Path, caplog) -> None:
    settings = make_settings(
        tmp_path / "data", None, f"duckdb:///{tmp_path / 'unmigrated.duckdb'}", migrate=False
    )
    with caplog.at_level(logging.WARNING, logger="pipeline.coverage"):
        assert refresh_coverage_page(settings) is None
    [record] = caplog.records
    assert "could not redraw the coverage heatmap of" in record.getMessage()
    assert "crawl_runs" in record.getMessage() or "schema" in record.getMessage()


def test_a_real_run_redraws_the_picture_after_its_load_and_after_a_failure(
    tmp_path: Path, devsite_url, chromium
) -> None:
    settings = make_settings(tmp_path / "data", devsite_url)
    day = date(2011, 2, 9)
    assert run_partition(settings, SITE, day, "run-load").status == "succeeded"
    index = docs_dir(settings.data_dir) / "index.html"
    [(_, state, title)] = [
        c for c in cells_of(chromium("--dump-dom", index.as_uri()), SITE) if c[0] == "2011-02-09"
    ]
    assert state == LOADED and re.match(
        r"maghress-fr 2011-02-09: loaded, \d+ loaded of \d+ discovered", title
    )
    assert "being processed" not in title  # the run's own lock is not "running"

    failed = run_partition(settings, SITE, day + timedelta(days=1), "run-fail", StageOptions(reprocess=True))
    assert failed.status == "failed"  # never crawled: "no raw zone … crawl it first"

    dom = chromium("--dump-dom", index.as_uri())
    cells = cells_of(dom, SITE)
    assert len(cells) == PAGE_WINDOW_DAYS and cells[-1][0] == "2011-02-10"
    assert [(d, s) for d, s, _ in cells[-2:]] == [("2011-02-09", LOADED), ("2011-02-10", FAILED)]
    assert "failed at crawl: reprocess of maghress-fr 2011-02-10: no raw zone" in cells[-1][2]
    assert {s for _, s, _ in cells[:-2]} == {MISSING}
    # every enabled profile has its row, a site that never ran shows all-missing
    assert len(re.findall(r"<tr data-site=", dom)) >= 2
    assert {s for _, s, _ in cells_of(dom, "turess-fr")} == {MISSING}
