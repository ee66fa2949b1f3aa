"""`pressetl export` through the CLI: the files written and read back, the summary line, the
bad usages (exit 2) and an empty range (exit 0), on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import test_warehouse_export as exported
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import SITE
from typer.testing import CliRunner

from pipeline.cli.main import app

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url
loaded = exported.loaded

runner = CliRunner()


def pressetl(wh_url: str, data_dir: Path, *args: str):
    return runner.invoke(app, ["--data-dir", str(data_dir), "--warehouse-url", wh_url, *args])


def words(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines at the terminal's width


def test_export_writes_the_dataset_and_says_what_it_wrote(
    loaded: Engine, wh_url: str, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    args = ["export", "--from", "2011-02-09", "--to", "2011-02-11", "--out", str(out)]
    result = pressetl(wh_url, data_dir, *args)
    assert result.exit_code == 0, result.output
    summary = words(result.stdout)
    assert summary.startswith("exported 2 partitions, 12 articles, ")
    assert f"to {out} as parquet; 1 site-days with no articles (nothing written)" in summary
    size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    assert f"{size:,} bytes in " in summary and " articles/s)" in summary
    assert result.stderr == ""  # no bar when stderr is not a terminal
    found = duckdb.sql(
        f"SELECT day, count(*) FROM read_parquet('{out}/**/*.parquet', hive_partitioning = true) "
        "GROUP BY day ORDER BY day"
    ).fetchall()
    assert [(str(day), n) for day, n in found] == [("2011-02-09", 7), ("2011-02-10", 5)]

    result = pressetl(wh_url, data_dir, *args[:-2], "--out", str(tmp_path / "j"), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for p in sorted((tmp_path / "j").rglob("*.jsonl")) for line in p.open()]
    assert sorted(r["canonical_url"] for r in lines) == sorted(
        r["canonical_url"] for r in exported.expected(loaded)
    )

    result = pressetl(
        wh_url, data_dir, *args[:-2], "--out", str(tmp_path / "c"), "--format", "csv", "-s", SITE
    )
    assert result.exit_code == 0, result.output
    assert f"as csv for {SITE};" in words(result.stdout)
    assert len(list((tmp_path / "c").rglob("part-0.csv"))) == 2


def test_an_empty_range_exits_0_saying_so(
    loaded: Engine, wh_url: str, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = pressetl(
        wh_url, data_dir, "export", "--from", "2012-01-01", "--to", "2012-01-31", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert words(result.stdout) == "no articles from 2012-01-01 to 2012-01-31: nothing written"
    assert not out.exists()
    # a site with a profile but nothing loaded yet: no articles, not an error
    args = ["export", "--from", "2011-02-09", "--to", "2011-02-10", "--site", "turess-fr", "--out", str(out)]
    result = pressetl(wh_url, data_dir, *args)
    assert result.exit_code == 0, result.output
    assert words(result.stdout) == "no articles from 2011-02-09 to 2011-02-10 for turess-fr: nothing written"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2011-02-10", "--to", "2011-02-09"], "--from 2011-02-10 is after --to 2011-02-09"),
        (["--from", "2011-02-09", "--to", "2011-02-10", "--format", "xml"], "'xml' is not one of"),
        (["--from", "2011-02-31", "--to", "2011-02-10"], "'2011-02-31' is not a date"),
        (
            ["--from", "2011-02-09", "--to", "2011-02-10", "--site", "maghres-fr"],
            "error: unknown site 'maghres-fr': neither a profile",
        ),
    ],
)
def test_bad_usage_exits_2_with_a_clear_message(
    loaded: Engine, wh_url: str, data_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = pressetl(wh_url, data_dir, "export", *args, "--out", str(tmp_path / "export"))
    assert result.exit_code == 2, result.output
    assert message in words(result.stderr)
    assert not (tmp_path / "export").exists()


def test_an_unmigrated_warehouse_exits_2_with_the_command_to_run(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    result = pressetl(
        url, tmp_path, "export", "--from", "2011-02-09", "--to", "2011-02-09", "--out", str(tmp_path)
    )
    assert result.exit_code == 2, result.output
    assert "run `pressetl db upgrade`" in words(result.stderr)


def test_on_a_terminal_a_bar_shows_the_partitions_and_articles_per_second(
    loaded: Engine, wh_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    import pipeline.cli.export as cli_export

    screen = io.StringIO()
    monkeypatch.setattr(cli_export, "console", Console(file=screen, force_terminal=True, width=200))
    result = pressetl(
        wh_url, data_dir, "export", "--from", "2011-02-09", "--to", "2011-02-10", "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # no colours
    assert re.search(r"export ━+ 2/2 partitions · 12 articles · [0-9,]+ articles/s", shown), shown
