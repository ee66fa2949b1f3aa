"""`pressetl search`: full-text search over the loaded articles, ranked, with a snippet."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pipeline.cli.app import app
from pipeline.cli.common import console, out, parse_day, settings_of

MATCH_STYLE = "bold yellow"


def _highlighted(snippet: str) -> Text:
    """The snippet with its ``<b>…</b>`` matches styled (never read as rich markup)."""
    from warehouse.search import HIT_END, HIT_START

    text = Text()
    for n, part in enumerate(snippet.replace(HIT_END, HIT_START).split(HIT_START)):
        text.append(part, style=MATCH_STYLE if n % 2 else None)
    return text


def _table(query: str, hits) -> Table:
    table = Table(title=f"pressetl search: {len(hits)} best for {query!r}", show_lines=True)
    for column in ("#", "score", "day", "site", "publication"):
        table.add_column(column, justify="right" if column in ("#", "score") else "left", no_wrap=True)
    table.add_column("title · snippet · url", ratio=1)
    for n, hit in enumerate(hits, 1):
        cell = Text(hit.title or "(no title)", style="bold")
        cell.append("\n").append_text(_highlighted(hit.snippet)).append("\n")
        cell.append(hit.canonical_url, style="dim")
        table.add_row(str(n), f"{hit.score:.3f}", hit.day.isoformat(), hit.site, hit.publication or "", cell)
    return table


def _json_line(hit) -> str:
    return json.dumps(
        {
            "site": hit.site,
            "canonical_url": hit.canonical_url,
            "title": hit.title,
            "publication": hit.publication,
            "day": hit.day.isoformat(),
            "language": hit.language,
            "score": round(hit.score, 6),
            "snippet": hit.snippet,
        },
        ensure_ascii=False,
    )


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words to find: all of them; "a phrase", -word, a or b.')],
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site.")] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Only articles in this language (fr, ar, en…), matched in its configuration."
        ),
    ] = None,
    day_from: Annotated[
        str | None,
        typer.Option("--from", help="First day (YYYY-MM-DD): the published date, else the logical."),
    ] = None,
    day_to: Annotated[str | None, typer.Option("--to", help="Last day (inclusive).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many hits, best first.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line (matches in the snippet as <b>…</b>).")
    ] = False,
) -> None:
    """Search the titles and bodies of the loaded articles: the best hits, with a snippet.

    Each article is matched in its own language's configuration (French, Arabic, English
    stemming; other languages word for word), a title match weighing more than a body match.
    No match prints so and exits 0; an empty query exits 2.

    Example: [bold]pressetl search "gouvernement -rabat" --site maghress-fr --from 2011-02-01 --limit 5[/bold]
    """
    from core.errors import WarehouseSchemaError
    from warehouse.engine import make_engine
    from warehouse.schema import require_current
    from warehouse.search import EmptyQuery, SearchRequest
    from warehouse.search import search as run_search

    first = parse_day(day_from, "--from") if day_from else None
    last = parse_day(day_to, "--to") if day_to else None
    if first and last and last < first:
        raise typer.BadParameter(f"{last} is before --from {first}", param_hint="--to")
    request = SearchRequest(query, site=site, lang=lang, day_from=first, day_to=last, limit=limit)
    engine = make_engine(settings_of(ctx).warehouse_url)
    try:
        require_current(engine)
        hits = run_search(engine, request)
    except (EmptyQuery, WarehouseSchemaError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if not hits:
        # stdout stays valid JSON Lines (empty) for scripts
        (console if as_json else out).print(f"no match for {query!r}", markup=False, highlight=False)
        return
    if as_json:
        for hit in hits:
            out.print(_json_line(hit), soft_wrap=True, markup=False, highlight=False)
    else:
        out.print(_table(query, hits))
