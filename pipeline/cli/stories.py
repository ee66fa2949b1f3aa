"""`pressetl stories`: a day's near-duplicate stories, who carried each and who had it first
(``warehouse.story_listing``)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipeline.cli.analyst_common import check_site, warehouse_at_head
from pipeline.cli.app import app
from pipeline.cli.common import out, parse_day, settings_of


@app.command()
def stories(
    ctx: typer.Context,
    day: Annotated[str, typer.Option("--day", "-d", help="Day (YYYY-MM-DD) a copy was published.")],
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site.")] = None,
    min_publications: Annotated[
        int, typer.Option("--min-publications", min=1, help="Only stories this many publications carried.")
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of the stories instead.")] = False,
) -> None:
    """List the stories (near-duplicate clusters) with a copy published that day: the
    publications that carried each, earliest first, the earliest marked as the likely
    original source, and how many publications carried it. Earliest: the published day
    (else the logical day), then the time of publication when the page gives one, then the
    fetch time, then the URL.

    Example: [bold]pressetl stories --day 2011-02-09 --min-publications 3[/bold]
    """
    from warehouse.story_listing import day_stories

    the_day = parse_day(day, "--day")
    settings = settings_of(ctx)
    with warehouse_at_head(settings) as engine:
        check_site(settings, engine, site)
        found = day_stories(engine, the_day, site=site, min_publications=min_publications)
    if as_json:
        out.print(
            json.dumps([s.as_dict() for s in found], ensure_ascii=False, indent=2),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return
    out.print(
        "\n".join(story_lines(found, the_day, site, min_publications)),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def story_lines(found, day, site: str | None, min_publications: int) -> list[str]:
    """The listing as text: a heading, then each story and its publications, earliest first."""
    scope = f" on {site}" if site else ""
    if not found:
        return [f"{day}: no story carried by {min_publications} or more publications{scope}"]
    lines = [f"{day}: {len(found)} stories carried by {min_publications} or more publications{scope}"]
    for number, story in enumerate(found, 1):
        lines += [
            "",
            f"[{number}] {story.publications} publications · {story.site} · {story.title or '(no title)'}",
            f"    cluster {story.cluster_id} · {story.members} copies, "
            f"{story.first_seen} to {story.last_seen}",
        ]
        width = max(len(c.publication_name or c.publication) for c in story.carriers)
        for c in story.carriers:
            when = c.published_at.strftime("%Y-%m-%d %H:%M UTC") if c.published_at else str(c.published_date)
            mark = "   ← likely original" if c.is_original else ""
            name = c.publication_name or c.publication
            lines.append(f"    {c.rank}. {name:<{width}}  {when:<20}  {c.url}{mark}")
    return lines
