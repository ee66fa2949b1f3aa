"""The site and publication dimensions: what the profiles and the publications registry
say about them, written on the caller's connection (the load's transaction) or, for a
reviewer's corrections, in a transaction of their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, select

from warehouse.models import Publication, Site
from warehouse.upsert import upsert

PUBLICATION_FIELDS = ("name", "publication_key", "country", "language", "home_url", "aliases")


def write_site(
    conn: Connection, site: str, aggregator: str | None = None, display_name: str | None = None
) -> None:
    """A ``sites`` row; with its profile's names when given, else a bare row that never
    overwrites what a registration wrote."""
    if aggregator is None and display_name is None:
        upsert(conn, Site.__table__, [{"site": site}], key=("site",), update=[])
        return
    row = {"site": site, "aggregator": aggregator, "display_name": display_name}
    upsert(conn, Site.__table__, [row], key=("site",))


def register_site(engine: Engine, site: str, aggregator: str, display_name: str) -> None:
    """Fill in (or correct) a ``sites`` row from the site's profile."""
    with engine.begin() as conn:
        write_site(conn, site, aggregator, display_name)


def write_publications(conn: Connection, site: str, publications: list[dict[str, Any]]) -> int:
    """Fill in the publication dimension of ``site`` (from a registry, or a reviewer).

    Each item: ``slug`` and any of ``name``, ``publication_key``, ``country``,
    ``language``, ``home_url``, ``aliases`` (a list). Given fields replace the
    stored ones, others are kept; the publication no longer ``needs_review``.
    Returns the number of publications written.
    """
    table = Publication.__table__
    for item in publications:
        unknown = set(item) - {"slug", *PUBLICATION_FIELDS}
        if unknown:
            raise ValueError(f"publication {item.get('slug')!r}: unknown fields {sorted(unknown)}")
        given = {name: item[name] for name in PUBLICATION_FIELDS if name in item}
        row = {"site": site, "slug": item["slug"], **given, "needs_review": False}
        upsert(conn, table, [row], key=("site", "slug"))
    return len(publications)


def register_publications(engine: Engine, site: str, publications: list[dict[str, Any]]) -> int:
    """``write_publications`` in a transaction of its own (a reviewer's corrections)."""
    with engine.begin() as conn:
        return write_publications(conn, site, publications)


def describe_known_publications(conn: Connection, site: str, known: Mapping[str, Mapping[str, Any]]) -> int:
    """Give the site's publications that the registry describes (publication key → name,
    country, language, home URL, aliases) their dimension; they leave review.

    Idempotent. Returns how many publications of the site the registry describes.
    """
    table = Publication.__table__
    query = select(table.c.slug, table.c.publication_key).where(
        table.c.site == site, table.c.publication_key.is_not(None)
    )
    details = [
        {"slug": slug, "publication_key": key, **known[key]}
        for slug, key in conn.execute(query)
        if key in known
    ]
    return write_publications(conn, site, details)
