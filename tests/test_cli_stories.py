"""`pressetl stories` through the CLI, on clusters the load made (test_warehouse_story_listing's
newsroom), on DuckDB and PostgreSQL: the listing, its JSON, the filters, the bad usages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import test_warehouse_story_listing as listing
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_story_listing import OTHER_SITE, url
from test_warehouse_support import SITE, article
from typer.testing import CliRunner

from pipeline.cli.main import app

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url
newsroom = listing.newsroom

runner = CliRunner()


def stories(wh_url: str, data_dir: Path, *args: str):
    return runner.invoke(app, ["--data-dir", str(data_dir), "--warehouse-url", wh_url, "stories", *args])


def test_the_listing_names_each_story_its_publications_and_the_likely_original(
    newsroom: Engine, wh_url: str, data_dir: Path
) -> None:
    result = stories(wh_url, data_dir, "--day", "2011-02-09", "--site", SITE, "--min-publications", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"2011-02-09: 3 stories carried by 3 or more publications on {SITE}"
    # the second story: lematin gave the earliest time of publication
    start = lines.index(f"[2] 3 publications · {SITE} · {article(5)['title']}")
    assert lines[start + 1] == f"    cluster {url('aujourdhui', 5)} · 3 copies, 2011-02-09 to 2011-02-09"
    assert [line.split() for line in lines[start + 2 : start + 5]] == [
        ["1.", "Le", "Matin", "2011-02-09", "06:30", "UTC", article(4)["url"], "←", "likely", "original"],
        ["2.", "Hespress", "2011-02-09", "08:00", "UTC", article(3)["url"]],
        ["3.", "Aujourd'hui", "le", "Maroc", "2011-02-09", article(5)["url"]],
    ]
    assert sum("likely original" in line for line in lines) == 3


def test_json_gives_every_story_with_its_carriers(newsroom: Engine, wh_url: str, data_dir: Path) -> None:
    result = stories(wh_url, data_dir, "--day", "2011-02-09", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [(s["site"], s["cluster_id"], s["publications"]) for s in found] == [
        (SITE, url("aujourdhui", 8), 3),
        (SITE, url("aujourdhui", 5), 3),
        (SITE, url("aujourdhui", 2), 3),
        (OTHER_SITE, url("aujourdhui", 2), 3),  # same story and URLs, another site: its own cluster
        (SITE, url("aujourdhui", 17), 2),
        (SITE, url("hespress", 9), 2),
    ]
    story = found[1]
    assert story["original"] == story["carriers"][0]
    assert story["original"]["publication"] == "le-matin" and story["original"]["is_original"] is True
    assert story["original"]["published_at"] == "2011-02-09T06:30:00+00:00"
    assert [c["rank"] for c in story["carriers"]] == [1, 2, 3]
    assert [c["is_original"] for c in story["carriers"]] == [True, False, False]
    assert (story["members"], story["first_seen"], story["title"]) == (3, "2011-02-09", article(5)["title"])


def test_a_day_without_stories_exits_0_saying_so(newsroom: Engine, wh_url: str, data_dir: Path) -> None:
    result = stories(wh_url, data_dir, "--day", "2012-01-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2012-01-01: no story carried by 2 or more publications"
    assert json.loads(stories(wh_url, data_dir, "--day", "2012-01-01", "--json").stdout) == []


def test_bad_usage_exits_2(newsroom: Engine, wh_url: str, data_dir: Path) -> None:
    cases = [
        (["--day", "2011-02-30"], "'2011-02-30' is not a date"),
        (["--day", "2011-02-09", "--site", "nowhere"], "unknown site 'nowhere'"),
        (["--day", "2011-02-09", "--min-publications", "0"], "Invalid value for '--min-publications'"),
    ]
    for args, message in cases:
        result = stories(wh_url, data_dir, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(re.sub("[│╭╮╰╯─]", " ", result.stderr).split()), args
