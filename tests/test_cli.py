"""The CLI drives the library; results are checked through the library, not the output."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import typer
from conftest import SITE, make_settings
from typer.testing import CliRunner

from pipeline.cli.main import app

PAGES = Path(__file__).parent / "pages"
runner = CliRunner()


def _all_commands(command, path=()):
    # Typer ships its own fork of Click: duck-type groups by their `commands`.
    yield path, command
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _all_commands(sub, (*path, name))


def test_every_command_has_help_with_an_example():
    root = typer.main.get_command(app)
    commands = [(path, cmd) for path, cmd in _all_commands(root) if path]
    names = {" ".join(path) for path, _ in commands}
    assert {
        "demo",
        "run",
        "reprocess",
        "crawl",
        "transform",
        "validate",
        "load",
        "extract",
        "devsite",
        "sites",
        "status",
        "db upgrade",
        "db current",
        "db history",
    } <= names
    for path, command in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        if not hasattr(command, "commands"):
            assert "Example:" in result.output, f"`pressetl {' '.join(path)} --help` lacks an example"


def test_sites_lists_the_profiles(tmp_path):
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "sites"])
    assert result.exit_code == 0, result.output
    assert "maghress-fr" in result.output and "Africa/Casablanca" in result.output


def test_extract_with_profile_prints_one_object_per_page_and_survives_bad_pages(tmp_path):
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(b"\x00\x01 not a page at all")
    result = runner.invoke(
        app,
        [
            "extract",
            "--site",
            SITE,
            "--url",
            "https://www.maghress.com/fr/lesecos/13572",
            str(PAGES / "maghress-fr-article.html"),
            str(garbage),
            str(PAGES / "maghress-fr-article.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 3
    first, bad, third = lines
    assert first == third
    assert list(first)[:7] == [
        "url",
        "title",
        "publication",
        "published_at",
        "body",
        "language",
        "source_url",
    ]
    assert first["title"] == "Maroc Numeric : Sur les traces de la France"
    assert first["publication"] == "Les ECO"
    assert first["published_at"] == "2011-02-09"
    assert first["body"].startswith("Après un an et quelques mois")
    assert "Cliquez ici" not in first["body"] and "Merci d'avoir signalé" not in first["body"]
    assert first["language"] == "fr"
    assert first["source_url"].startswith("http")
    assert "error" in bad


def test_extract_without_site_uses_the_generic_extractor():
    result = runner.invoke(app, ["extract", str(PAGES / "publisher-article.html")])
    assert result.exit_code == 0, result.output
    (page,) = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert page["title"] and page["body"] and "error" not in page


def test_run_then_status_through_the_cli(tmp_path, world, devsite_url):
    from warehouse.engine import make_engine
    from warehouse.ledger import ledger

    data_dir = tmp_path / "data"
    upgrade = runner.invoke(app, ["--data-dir", str(data_dir), "db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(data_dir),
            "run",
            "--site",
            SITE,
            "--date",
            "2011-02-10",
            "--base-url",
            devsite_url,
            "--run-id",
            "cli-test",
        ],
        env={"PRESSETL_POLITE": "0"},
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
    try:
        (row,) = ledger(engine, site=SITE, day=date(2011, 2, 10))
    finally:
        engine.dispose()
    expected = len(world.articles_for_day(SITE, date(2011, 2, 10)))
    assert (row["status"], row["loaded"], row["reconciles"]) == ("succeeded", expected, True)

    status = runner.invoke(app, ["--data-dir", str(data_dir), "status", "--site", SITE])
    assert status.exit_code == 0, status.output
    assert "2011-02-10" in status.output

    from warehouse.migrate import head

    current = runner.invoke(app, ["--data-dir", str(data_dir), "db", "current"])
    assert current.exit_code == 0 and head() in current.output


def test_status_exits_non_zero_when_the_last_run_failed(tmp_path):
    data_dir = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(data_dir), "db", "upgrade"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(data_dir),
            "run",
            "--site",
            SITE,
            "--date",
            "2011-02-10",
            "--base-url",
            "http://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 1
    assert "http://127.0.0.1:9/fr/" in result.output
    status = runner.invoke(app, ["--data-dir", str(data_dir), "status"])
    assert status.exit_code == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--site", "nosuch", "--date", "2011-02-10"], "nosuch"),
        (["run", "--site", SITE, "--date", "10/02/2011"], "not a date"),
        (["run", "--site", SITE, "--date", "2011-02-10", "--to", "2011-02-08"], "is before --date"),
        (["reprocess", "--site", SITE, "--date", "2011-02-10", "--to", "2011-02-08"], "is before --date"),
        (["run", "--site", SITE, "--date", "9999-12-31"], "9999-12-31 is in the future"),
        (["run", "--site", SITE, "--date", "2011-02-10", "--to", "9999-12-31"], "nothing to crawl yet"),
        (["crawl", "--site", SITE, "--date", "9999-12-31"], "9999-12-31 is in the future"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(args, says, tmp_path):
    result = runner.invoke(app, ["--data-dir", str(tmp_path), *args])
    assert result.exit_code == 2
    assert says in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "raw").exists()  # nothing crawled


def test_the_crawl_stage_refuses_a_day_that_has_begun_nowhere(tmp_path, devsite_url):
    """Whoever asks (an Airflow run with a wrong clock): refused before any request."""
    from datetime import UTC, datetime, timedelta

    from core.dates import future_day_error
    from core.errors import CrawlError
    from pipeline.stages import crawl

    settings = make_settings(tmp_path / "data", devsite_url)
    tomorrow_everywhere = (datetime.now(UTC) + timedelta(days=2)).date()
    with pytest.raises(CrawlError, match="is in the future"):
        crawl(settings, SITE, tomorrow_everywhere, "future")
    assert not (tmp_path / "data" / "raw").exists()
    # a day begun in the earliest time zone (UTC+14) is not refused
    late_evening = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    assert future_day_error(date(2026, 12, 5), late_evening) is None
    assert future_day_error(date(2026, 12, 6), late_evening) is not None


def test_a_stage_never_migrates_the_warehouse_and_says_what_to_run(tmp_path, devsite_url):
    """Without `pressetl db upgrade` the run stops before it crawls (the partition's lock lives in
    the warehouse) with the command to run; nothing was migrated behind the operator's back."""
    data_dir = tmp_path / "data"
    args = [
        "--data-dir",
        str(data_dir),
        "run",
        "--site",
        SITE,
        "--date",
        "2011-02-10",
        "--base-url",
        devsite_url,
    ]
    result = runner.invoke(app, args, env={"PRESSETL_POLITE": "0"})
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "crawl failed: warehouse schema at no revision (empty database), code expects" in output
    assert "run `pressetl db upgrade`" in output
    assert not (data_dir / "raw").exists()  # refused before the crawl: nothing fetched
    current = runner.invoke(app, ["--data-dir", str(data_dir), "db", "current"])
    assert "no revision applied" in current.output
    status = runner.invoke(app, ["--data-dir", str(data_dir), "status"])
    assert status.exit_code == 2 and "pressetl db upgrade" in status.output

    # After the upgrade, the same run loads the day.
    assert runner.invoke(app, ["--data-dir", str(data_dir), "db", "upgrade"]).exit_code == 0
    again = runner.invoke(app, args, env={"PRESSETL_POLITE": "0"})
    assert again.exit_code == 0, again.output


def test_reprocess_of_a_day_never_crawled_fails_at_once(tmp_path):
    data_dir = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(data_dir), "db", "upgrade"]).exit_code == 0
    result = runner.invoke(
        app, ["--data-dir", str(data_dir), "reprocess", "--site", SITE, "--date", "2011-02-10"]
    )
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "failed (crawl)" in output and "no raw zone" in output and "crawl it first" in output


def test_a_range_shows_days_done_requests_and_time_left(tmp_path, world, devsite_url):
    data_dir = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(data_dir), "db", "upgrade"]).exit_code == 0
    args = ["--data-dir", str(data_dir), "run", "--site", SITE, "--date", "2011-02-08", "--to", "2011-02-09"]
    result = runner.invoke(
        app, [*args, "--base-url", devsite_url], env={"PRESSETL_POLITE": "0", "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "2/2 days" in output and "requests" in output and "ETA" in output
    requests = int(output.split("2/2 days · ")[1].split(" requests")[0].replace(",", ""))
    expected = sum(len(world.articles_for_day(SITE, date(2011, 2, d))) for d in (8, 9))
    assert requests >= expected  # every article page at least, plus discovery
