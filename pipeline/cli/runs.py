"""Commands that run stages: `run`, `reprocess`, one stage at a time, and `demo`.

All of them go through ``pipeline.runner``, as the Airflow tasks do.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated

import typer

from core.text import one_line
from pipeline.cli.app import app
from pipeline.cli.common import (
    BaseUrlOpt,
    DateOpt,
    OverrideOpt,
    ProgressLine,
    RangeProgress,
    RunIdOpt,
    SiteOpt,
    ToOpt,
    console,
    crawlable_day,
    day_range,
    ledger_table,
    new_run_id,
    out,
    parse_day,
    report,
    settings_of,
    with_site,
)
from pipeline.runner import StageOptions


def _run_days(settings, site, days, run_id, options: StageOptions):
    from pipeline.runner import run_days

    if len(days) == 1:
        with ProgressLine(site) as progress:
            return run_days(settings, site, days, run_id, options, progress)
    with RangeProgress(site, len(days)) as progress:
        return run_days(settings, site, days, run_id, options, progress, on_day=progress.day_done)


@app.command()
def run(
    ctx: typer.Context,
    site: SiteOpt,
    day: DateOpt,
    to: ToOpt = None,
    base_url: BaseUrlOpt = None,
    override_quality: OverrideOpt = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Download again what the raw zone already holds.")
    ] = False,
    run_id: RunIdOpt = None,
) -> None:
    """All stages (crawl → transform → validate → load) for one site and one or more days.

    Example: [bold]pressetl run --site maghress-fr --date 2011-02-09 --to 2011-02-10[/bold]
    """
    settings = with_site(settings_of(ctx), site, base_url)
    days = day_range(day, to)
    options = StageOptions(refresh=refresh, override=override_quality)
    report(_run_days(settings, site, days, new_run_id(run_id), options))


@app.command()
def reprocess(
    ctx: typer.Context,
    site: SiteOpt,
    day: DateOpt,
    to: ToOpt = None,
    override_quality: OverrideOpt = False,
    run_id: RunIdOpt = None,
) -> None:
    """Rebuild days from the raw zone only (transform → validate → load), without the network.

    A day that was never crawled fails at once ("no raw zone … crawl it first"), as in
    Airflow's press_reprocess.

    Example: [bold]pressetl reprocess --site maghress-fr --date 2011-02-01 --to 2011-02-28[/bold]
    """
    settings = with_site(settings_of(ctx), site, None)
    days = day_range(day, to)
    options = StageOptions(reprocess=True, override=override_quality)
    report(_run_days(settings, site, days, new_run_id(run_id), options))


def _stage_command(name: str, doc: str):
    def command(
        ctx: typer.Context, site: SiteOpt, day: DateOpt, base_url: BaseUrlOpt = None, run_id: RunIdOpt = None
    ) -> None:
        from core.errors import LockLost, PartitionBusy
        from pipeline.runner import run_stage

        settings = with_site(settings_of(ctx), site, base_url)
        logical_day = crawlable_day(day) if name == "crawl" else parse_day(day)
        try:
            with ProgressLine(site) as progress:
                summary = run_stage(settings, name, site, logical_day, new_run_id(run_id), progress=progress)
        except Exception as exc:  # recorded in the ledger by run_stage (unless refused); one line
            refused = isinstance(exc, PartitionBusy) and not isinstance(exc, LockLost)
            console.print(f"[red]{name} {'refused' if refused else 'failed'}:[/red] {one_line(exc)}")
            raise typer.Exit(1) from None
        out.print_json(json.dumps(summary))

    command.__doc__ = doc
    command.__name__ = name
    return app.command(name=name)(command)


_stage_command(
    "crawl",
    "Crawl one site and day into the raw zone (WARC + raw items).\n\n"
    "Example: [bold]pressetl crawl --site maghress-fr --date 2011-02-09[/bold]",
)
_stage_command(
    "transform",
    "Raw zone → staged articles (Parquet), no network.\n\n"
    "Example: [bold]pressetl transform --site maghress-fr --date 2011-02-09[/bold]",
)
_stage_command(
    "validate",
    "Run the quality gate on a staged partition; quarantine bad rows.\n\n"
    "Example: [bold]pressetl validate --site maghress-fr --date 2011-02-09[/bold]",
)
_stage_command(
    "load",
    "Load a validated partition into the warehouse (idempotent upsert, one transaction).\n\n"
    "Example: [bold]pressetl load --site maghress-fr --date 2011-02-09[/bold]",
)


@app.command()
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="devsite port (0: any free port).")] = 0,
) -> None:
    """The whole pipeline, offline: devsite → crawl 3 days of maghress-fr → transform → GX → DuckDB.

    Sets up its warehouse schema first (what `pressetl db upgrade` does in production).

    Example: [bold]pressetl demo[/bold]
    """
    from core.partitions import docs_dir
    from devsite import serve
    from pipeline.demo import DEMO_DAYS, DEMO_SITE, demo_world
    from pipeline.runner import run_days
    from warehouse.migrate import upgrade

    settings = settings_of(ctx)
    upgrade(settings.warehouse_url)
    with serve(demo_world(), host="127.0.0.1", port=port) as server:
        console.print(f"devsite serving {DEMO_SITE} at {server.base_url_for(DEMO_SITE)}")
        settings = settings.with_base_url(DEMO_SITE, server.base_url_for(DEMO_SITE))
        settings = replace(settings, polite=False)  # our own devsite: no need to wait between requests
        with ProgressLine(DEMO_SITE) as progress:
            results = run_days(settings, DEMO_SITE, DEMO_DAYS, new_run_id(None), progress=progress)
    out.print(ledger_table(results))
    out.print(f"warehouse: {settings.warehouse_url}")
    out.print(f"data docs: {docs_dir(settings.data_dir) / 'index.html'}")
    report(results, table=False)
