"""The `pressetl` command line: a thin layer over the stage functions."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipeline.profiles import ProfileError, load_profile, load_profiles
from pipeline.settings import ENV_DATA_DIR, ENV_PROFILES_DIR, ENV_WAREHOUSE_URL, Settings

app = typer.Typer(
    help="pressetl: crawl press aggregators, transform, validate and load a warehouse.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Warehouse schema migrations (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console(stderr=True)
# Summary tables are read in logs too: don't squeeze them to 80 columns there.
out = Console(width=None if sys.stdout.isatty() else 140)

SiteOpt = Annotated[str, typer.Option("--site", "-s", help="Site profile name, e.g. maghress-fr.")]
DateOpt = Annotated[str, typer.Option("--date", "-d", help="Logical date (YYYY-MM-DD), site-local day.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last logical date of a range (inclusive).")]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="Serve the site from here instead (e.g. a devsite URL).")
]
RunIdOpt = Annotated[
    str | None, typer.Option("--run-id", help="Run id for the ledger (default: cli_<time>).")
]


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _run_id(run_id: str | None) -> str:
    return run_id or "cli_" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _with_site(settings: Settings, site: str, base_url: str | None) -> Settings:
    settings = settings.with_base_url(site, base_url) if base_url else settings
    try:
        load_profile(settings.profiles_dir, site, settings.base_url_overrides.get(site))
    except ProfileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    return settings


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[
        Path, typer.Option(envvar=ENV_DATA_DIR, help="Data directory (raw, staged, docs, DuckDB).")
    ] = Path("data"),
    warehouse_url: Annotated[
        str | None,
        typer.Option(
            envvar=ENV_WAREHOUSE_URL, help="SQLAlchemy URL [default: duckdb:///<data-dir>/warehouse.duckdb]."
        ),
    ] = None,
    profiles_dir: Annotated[
        Path | None, typer.Option(envvar=ENV_PROFILES_DIR, help="Directory of site profiles (YAML).")
    ] = None,
) -> None:
    """Settings come from options, else environment variables, else defaults."""
    env = dict(os.environ)
    env[ENV_DATA_DIR] = str(data_dir)
    if warehouse_url:
        env[ENV_WAREHOUSE_URL] = warehouse_url
    if profiles_dir:
        env[ENV_PROFILES_DIR] = str(profiles_dir)
    ctx.obj = Settings.from_env(env)


# -- progress and summaries ---------------------------------------------------------


class ProgressLine:
    """One live status line: pages fetched, articles transformed, rows loaded."""

    def __init__(self, label: str):
        self.label = label
        self.status = console.status(f"{label}: starting")

    def __enter__(self):
        self.status.__enter__()
        return self

    def __exit__(self, *exc):
        self.status.__exit__(*exc)

    def __call__(self, stage: str, counters: dict[str, int]) -> None:
        text = ", ".join(f"{value} {name}" for name, value in counters.items())
        self.status.update(f"{self.label}: {stage} — {text}")


def ledger_table(results) -> Table:
    table = Table(title="pressetl run")
    for column in ("site", "day", "status", "discovered", "loaded", "duplicates", "quarantined", "failed"):
        table.add_column(column, justify="right" if column not in ("site", "day", "status") else "left")
    for r in results:
        c = r.counts
        status = "[green]ok[/green]" if r.status == "succeeded" else f"[red]failed ({r.failed_stage})[/red]"
        table.add_row(
            r.site,
            r.day.isoformat(),
            status,
            *(str(c.get(k, 0)) for k in ("discovered", "loaded", "duplicates", "quarantined", "failed")),
        )
    return table


def _report(results, table: bool = True) -> None:
    if table:
        out.print(ledger_table(results))
    for r in results:
        if r.error:
            console.print(f"[red]{r.site} {r.day} {r.failed_stage} failed:[/red] {r.error}")
    if any(r.status != "succeeded" for r in results):
        raise typer.Exit(1)


def _run(settings, site, days, run_id, *, do_crawl, override, refresh=False):
    from pipeline.runner import run_days

    with ProgressLine(site) as progress:
        return run_days(
            settings,
            site,
            days,
            run_id,
            do_crawl=do_crawl,
            refresh=refresh,
            override=override,
            progress=progress,
        )


# -- commands ---------------------------------------------------------------------------


@app.command()
def run(
    ctx: typer.Context,
    site: SiteOpt,
    day: DateOpt,
    to: ToOpt = None,
    base_url: BaseUrlOpt = None,
    override_quality: Annotated[
        bool, typer.Option("--override-quality", help="Load even if the quality gate fails (recorded).")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Download again what the raw zone already holds.")
    ] = False,
    run_id: RunIdOpt = None,
) -> None:
    """All stages (crawl → transform → validate → load) for one site and one or more days.

    Example: [bold]pressetl run --site maghress-fr --date 2011-02-09 --to 2011-02-10[/bold]
    """
    from pipeline.runner import days_between

    settings = _with_site(_settings(ctx), site, base_url)
    days = days_between(_day(day), _day(to) if to else None)
    _report(
        _run(settings, site, days, _run_id(run_id), do_crawl=True, override=override_quality, refresh=refresh)
    )


@app.command()
def reprocess(
    ctx: typer.Context,
    site: SiteOpt,
    day: DateOpt,
    to: ToOpt = None,
    override_quality: Annotated[bool, typer.Option("--override-quality")] = False,
    run_id: RunIdOpt = None,
) -> None:
    """Rebuild days from the raw zone only (transform → validate → load), without the network.

    Example: [bold]pressetl reprocess --site maghress-fr --date 2011-02-01 --to 2011-02-28[/bold]
    """
    from pipeline.runner import days_between

    settings = _with_site(_settings(ctx), site, None)
    days = days_between(_day(day), _day(to) if to else None)
    _report(_run(settings, site, days, _run_id(run_id), do_crawl=False, override=override_quality))


def _stage_command(name: str, doc: str):
    def command(
        ctx: typer.Context, site: SiteOpt, day: DateOpt, base_url: BaseUrlOpt = None, run_id: RunIdOpt = None
    ) -> None:
        from pipeline import stages
        from pipeline.ledger import one_line, recorded

        settings = _with_site(_settings(ctx), site, base_url)
        stage = getattr(stages, name)
        try:
            with ProgressLine(site) as progress, recorded(settings, site, _day(day), _run_id(run_id), name):
                summary = stage(settings, site, _day(day), _run_id(run_id), progress=progress)
        except Exception as exc:
            console.print(f"[red]{name} failed:[/red] {one_line(exc)}")
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
    "Load a validated partition into the warehouse (idempotent upsert).\n\n"
    "Example: [bold]pressetl load --site maghress-fr --date 2011-02-09[/bold]",
)


@app.command()
def extract(
    ctx: typer.Context,
    pages: Annotated[list[Path], typer.Argument(help="HTML files to extract, in order.")],
    site: Annotated[
        str | None, typer.Option("--site", "-s", help="Use this site profile's selectors.")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="The URL the page(s) came from.")] = None,
) -> None:
    """Print one JSON object per page: url, title, publication, published_at, body, language, source_url.

    Without --site a generic extractor handles any news page. A page that cannot be
    parsed prints an object with an "error" field and the command goes on.

    Example: [bold]pressetl extract --site maghress-fr page.html[/bold]
    """
    from pipeline.extract import extract_page

    profile = None
    if site:
        profile = load_profile(_settings(ctx).profiles_dir, site)
    for page in pages:
        out.print(
            json.dumps(extract_page(page, url, profile), ensure_ascii=False),
            soft_wrap=True,
            markup=False,
            highlight=False,
        )


@app.command()
def devsite(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8000,
    today: Annotated[
        str, typer.Option(help="The devsite's clock: listings stop at this day.")
    ] = "2011-02-11",
) -> None:
    """Serve the local stand-in for the aggregators (Maghress French) until Ctrl-C.

    Example: [bold]pressetl devsite --port 8000[/bold], then
    [bold]pressetl run --site maghress-fr --date 2011-02-09 --base-url http://127.0.0.1:8000[/bold]
    """
    from devsite import World
    from devsite.server import serve_forever

    serve_forever(World(today=_day(today)), host="127.0.0.1", port=port)


@app.command()
def sites(ctx: typer.Context) -> None:
    """List the site profiles.

    Example: [bold]pressetl sites[/bold]
    """
    settings = _settings(ctx)
    try:
        profiles = load_profiles(settings.profiles_dir)
    except ProfileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    table = Table(title=f"site profiles ({settings.profiles_dir})")
    for column in ("site", "name", "base URL", "languages", "time zone", "discovery", "enabled"):
        table.add_column(column)
    for p in profiles.values():
        table.add_row(
            p.site,
            p.display_name,
            p.base_url,
            ",".join(p.languages),
            p.timezone,
            ",".join(p.discovery.strategies),
            "yes" if p.enabled else "no",
        )
    out.print(table)


@app.command()
def status(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", "-d", help="Only this logical date.")] = None,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site.")] = None,
) -> None:
    """Print the ledger (latest run per site and day); exit 1 if a partition failed or does not reconcile.

    Example: [bold]pressetl status --date 2011-02-09[/bold]
    """
    from warehouse.engine import make_engine
    from warehouse.ledger import ledger
    from warehouse.migrate import upgrade

    settings = _settings(ctx)
    upgrade(settings.warehouse_url)
    engine = make_engine(settings.warehouse_url)
    try:
        rows = ledger(engine, site=site, day=_day(day) if day else None)
    finally:
        engine.dispose()
    table = Table(title="pressetl ledger")
    columns = (
        "site",
        "logical_date",
        "status",
        "discovered",
        "loaded",
        "duplicates",
        "quarantined",
        "failed",
        "reconciles",
        "error",
    )
    for column in columns:
        table.add_column(column)
    bad = False
    for row in rows:
        bad |= row["status"] != "succeeded" or not row["reconciles"]
        table.add_row(*(str(row.get(c, "")) if row.get(c) is not None else "" for c in columns))
    out.print(table)
    if bad:
        raise typer.Exit(1)


@app.command()
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="devsite port (0: any free port).")] = 0,
) -> None:
    """The whole pipeline, offline: devsite → crawl 3 days of maghress-fr → transform → GX → DuckDB.

    Example: [bold]pressetl demo[/bold]
    """
    from devsite import serve
    from pipeline.demo import DEMO_DAYS, DEMO_SITE, demo_world
    from pipeline.partitions import docs_dir
    from pipeline.runner import run_days

    settings = _settings(ctx)
    with serve(demo_world(), host="127.0.0.1", port=port) as server:
        console.print(f"devsite serving {DEMO_SITE} at {server.base_url_for(DEMO_SITE)}")
        settings = settings.with_base_url(DEMO_SITE, server.base_url_for(DEMO_SITE))
        from dataclasses import replace

        settings = replace(settings, polite=False)  # our own devsite: no need to wait between requests
        with ProgressLine(DEMO_SITE) as progress:
            results = run_days(settings, DEMO_SITE, DEMO_DAYS, _run_id(None), progress=progress)
    out.print(ledger_table(results))
    out.print(f"warehouse: {settings.warehouse_url}")
    out.print(f"data docs: {docs_dir(settings.data_dir) / 'index.html'}")
    _report(results, table=False)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the warehouse schema (default: to the latest revision).

    Example: [bold]pressetl db upgrade[/bold]
    """
    from warehouse.migrate import current, upgrade

    upgrade(_settings(ctx).warehouse_url, revision)
    out.print(f"warehouse at revision {current(_settings(ctx).warehouse_url)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the warehouse's current schema revision.

    Example: [bold]pressetl db current[/bold]
    """
    from warehouse.migrate import current

    out.print(current(_settings(ctx).warehouse_url) or "(empty: no revision applied)")


@db_app.command("history")
def db_history(ctx: typer.Context) -> None:
    """List the migration history.

    Example: [bold]pressetl db history[/bold]
    """
    from warehouse.migrate import history

    for line in history(_settings(ctx).warehouse_url):
        out.print(line)


def main() -> None:
    app(prog_name="pressetl")


if __name__ == "__main__":
    sys.exit(main())
