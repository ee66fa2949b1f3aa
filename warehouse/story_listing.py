"""The stories of a day (``pressetl stories``): the near-duplicate clusters with a member
published that day, each with the publications that carried it, earliest first.

A story is a cluster of ``articles.cluster_id`` (``warehouse.clusters``); its publications
and their ranks come from the view ``v_story_publications`` (migration 0007, where the
rule for "earliest" is written: the day, then the time of publication, then the fetch
time, then the URL). The publication ranked first is the likely original source. A
member is "of the day" by its published date, or its logical day when the page gave none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text


@dataclass(frozen=True)
class Carrier:
    """A publication that carried the story, by its first copy of it."""

    publication: str  # publication key, else slug
    publication_name: str | None
    rank: int  # 1: the earliest, the likely original
    canonical_url: str
    url: str
    title: str | None
    published_date: date | None
    published_at: datetime | None
    fetched_at: datetime | None
    copies: int  # its copies of the story (usually one)
    day: date  # published_date, else the logical day

    @property
    def is_original(self) -> bool:
        return self.rank == 1


@dataclass(frozen=True)
class Story:
    site: str
    cluster_id: str  # the canonical URL of the cluster's representative
    title: str | None  # the representative's title
    publications: int
    members: int | None  # every copy, on any day (story_clusters)
    first_seen: date | None
    last_seen: date | None
    carriers: tuple[Carrier, ...]  # earliest first

    @property
    def original(self) -> Carrier:
        return self.carriers[0]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (ISO dates and times)."""

        def plain(value: Any) -> Any:
            return value.isoformat() if isinstance(value, date) else value

        carriers = [
            {**{k: plain(v) for k, v in vars(c).items()}, "is_original": c.is_original} for c in self.carriers
        ]
        story = {k: plain(v) for k, v in vars(self).items() if k != "carriers"}
        return {**story, "original": carriers[0], "carriers": carriers}


DAY_STORIES = """
    SELECT p.site, p.cluster_id, p.publication, p.publication_name, p.publication_rank,
           p.canonical_url, p.url, p.title, p.published_date, p.published_at, p.fetched_at,
           p.copies, p.day, p.publications, c.members, c.first_seen, c.last_seen, r.title AS story_title
    FROM v_story_publications p
    JOIN (
        SELECT DISTINCT site, cluster_id FROM articles
        WHERE cluster_id IS NOT NULL AND COALESCE(published_date, logical_date) = :day {site_filter}
    ) of_the_day ON of_the_day.site = p.site AND of_the_day.cluster_id = p.cluster_id
    LEFT JOIN story_clusters c ON c.site = p.site AND c.cluster_id = p.cluster_id
    LEFT JOIN articles r ON r.site = p.site AND r.canonical_url = p.cluster_id
    WHERE p.publications >= :min_publications
"""


def day_stories(
    bind: Engine | Connection, day: date, *, site: str | None = None, min_publications: int = 2
) -> list[Story]:
    """The day's stories carried by at least ``min_publications`` publications: the most
    carried first, then by their originals, earliest first (the view's rule), then by site
    and cluster id."""
    sql = text(DAY_STORIES.format(site_filter="AND site = :site" if site else ""))
    params: dict[str, Any] = {"day": day, "min_publications": min_publications}
    if site:
        params["site"] = site
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            found = conn.execute(sql, params).mappings().all()
    else:
        found = bind.execute(sql, params).mappings().all()
    by_cluster: dict[tuple[str, str], list[Any]] = {}
    for row in found:
        by_cluster.setdefault((row["site"], row["cluster_id"]), []).append(row)
    stories = [_story(sorted(group, key=lambda r: r["publication_rank"])) for group in by_cluster.values()]
    return sorted(stories, key=lambda s: (-s.publications, *_earliest(s.original), s.site, s.cluster_id))


def _story(rows: list[Any]) -> Story:
    first = rows[0]
    carriers = tuple(
        Carrier(
            publication=r["publication"],
            publication_name=r["publication_name"],
            rank=int(r["publication_rank"]),
            canonical_url=r["canonical_url"],
            url=r["url"],
            title=r["title"],
            published_date=r["published_date"],
            published_at=_utc(r["published_at"]),
            fetched_at=_utc(r["fetched_at"]),
            copies=int(r["copies"]),
            day=r["day"],
        )
        for r in rows
    )
    return Story(
        site=first["site"],
        cluster_id=first["cluster_id"],
        title=first["story_title"],
        publications=int(first["publications"]),
        members=first["members"],
        first_seen=first["first_seen"],
        last_seen=first["last_seen"],
        carriers=carriers,
    )


def _earliest(carrier: Carrier) -> tuple[date, datetime, datetime]:
    """The view's order in Python (unknown times last); the URL is in the caller's key."""
    never = datetime.max.replace(tzinfo=UTC)
    return (carrier.day, carrier.published_at or never, carrier.fetched_at or never)


def _utc(value: datetime | None) -> datetime | None:
    """DuckDB gives timestamps in the machine's zone, PostgreSQL in the session's: say UTC."""
    return value.astimezone(UTC) if value is not None else None
