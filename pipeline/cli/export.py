"""`pressetl export`: a range of days as Hive-partitioned Parquet, JSON Lines or CSV files
(``warehouse.export``), with a progress bar over the partitions on a terminal."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.analyst_common import check_site, warehouse_at_head
from pipeline.cli.app import app
from pipeline.cli.common import console, out, parse_day, settings_of


class ExportFormat(enum.StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"
    csv = "csv"


class ExportBar:
    """Partitions done / to do, articles written and articles per second, on stderr; nothing
    when stderr is not a terminal (logs, pipes)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("export"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "partitions · {task.fields[articles]:,} articles · {task.fields[rate]:,.0f} articles/s"
            ),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self.task = self.progress.add_task("export", total=None, articles=0, rate=0.0)

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def planned(self, partitions) -> None:
        self.progress.update(self.task, total=len(partitions))

    def rows(self, count: int) -> None:
        task = self.progress.tasks[0]
        articles = task.fields["articles"] + count
        elapsed = task.elapsed or 0.0
        self.progress.update(self.task, articles=articles, rate=articles / elapsed if elapsed else 0.0)

    def partition_done(self, partition) -> None:
        self.progress.update(self.task, advance=1)


@app.command()
def export(
    ctx: typer.Context,
    first: Annotated[str, typer.Option("--from", help="First logical day (YYYY-MM-DD), inclusive.")],
    last: Annotated[str, typer.Option("--to", help="Last logical day (YYYY-MM-DD), inclusive.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory of the dataset (site=…/day=…/part-0.*).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.parquet,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site.")] = None,
) -> None:
    """Export the articles of a range of days: one file per site and logical day under
    OUT/site=<site>/day=<day>/, ZSTD Parquet (read it with DuckDB's read_parquet(…,
    hive_partitioning=true), pyarrow.dataset or pandas), JSON Lines or CSV. Re-exporting a
    range replaces its files; days without articles get none.

    Example: [bold]pressetl export --from 2011-02-08 --to 2011-02-10 --format parquet --out export/[/bold]
    """
    from warehouse.export import export as run_export

    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    if start > end:
        raise typer.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
    settings = settings_of(ctx)
    with warehouse_at_head(settings) as engine:
        check_site(settings, engine, site)
        with ExportBar() as bar:
            summary = run_export(engine, out_dir, start, end, fmt.value, site=site, progress=bar)
    scope = f" for {site}" if site else ""
    removed = f"; {len(summary.removed)} files of an older export removed" if summary.removed else ""
    if not summary.articles:
        out.print(f"no articles from {start} to {end}{scope}: nothing written{removed}", markup=False)
        return
    rate = summary.articles / summary.seconds if summary.seconds else 0.0
    out.print(
        f"exported {summary.partitions} partitions, {summary.articles:,} articles, "
        f"{summary.bytes:,} bytes in {summary.seconds:.1f} s ({rate:,.0f} articles/s) to {out_dir} "
        f"as {summary.format}{scope}; {summary.empty_days} site-days with no articles (nothing written)"
        f"{removed}",
        markup=False,
        highlight=False,
    )
