"""Near-duplicate stories, linked at load time: the same clusters whatever order days load in.

The transform signs each article's text (``staged/…/minhash.parquet``); the
load, inside its one transaction and holding the site's lock (``lock_site``):

1. writes the signatures of the partition's articles whose current row is this
   day's (``story_signatures``; a re-run of an older day does not roll back a
   newer day's signature, as it does not roll back its row; an article that lost
   its signature loses the row);
2. finds their links: the matcher it is given (``StoryLinking.find_links``, the
   LSH banding and threshold of ``transforms.near_duplicates``: the warehouse
   knows no MinHash) compares them with each other and with every signature
   already loaded whose published date is at most ``span_days`` away;
3. replaces the links of those articles in ``story_links`` by what it found
   (a link is a property of its two signatures alone, so every link is found by
   the load of whichever of its two articles comes second, in any order);
4. recomputes the clusters of every component it touched (``clusters``).

Loads of one site are serialised (PostgreSQL: a transaction-level advisory lock;
DuckDB takes one writer at a time), so two loads of neighbouring days running at
once cannot miss each other's signatures. A re-run with the same content writes
nothing. Memory: the partition's and its window's signatures (~0.6 KB an article).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, delete, exists, literal, or_, select, text, union
from sqlalchemy.dialects.postgresql import insert

from core.partitions import Partition
from warehouse import temporary
from warehouse.clusters import recompute_clusters
from warehouse.models import Article, StoryLink, StorySignature

OWNED = "pressetl_story_owned"
CHANGED_LINKS = "pressetl_story_changed_links"

# (canonical URL, published date, signature bytes) of a partition's articles
SignatureRows = Iterable[tuple[str, date, bytes]]
# (signatures, published days as day numbers, fresh flags) → linked pairs (i, j) of indexes
FindLinks = Callable[[list[bytes], list[int], list[bool]], Iterable[tuple[int, int]]]


@dataclass(frozen=True)
class StoryLinking:
    """How a load links its stories; the load stage builds it from ``transforms``.

    ``scheme``: the signatures' fingerprint (signatures of another scheme are never
    compared); ``span_days``: copies of one story are published at most this many days
    apart; ``signatures``: a partition's signatures; ``find_links``: the pure matcher,
    which must only pair signatures at most ``span_days`` apart with a fresh one among them.
    """

    scheme: str
    span_days: int
    signatures: Callable[[Partition], SignatureRows]
    find_links: FindLinks


@dataclass(frozen=True)
class StoryCounts:
    signed: int = 0  # the partition's articles with a signature (those whose row is this day's)
    links_added: int = 0
    links_removed: int = 0
    reassigned: int = 0  # articles whose cluster changed, on any day


def lock_site(conn: Connection, site: str) -> None:
    """Serialise the loads of ``site`` until the transaction ends (PostgreSQL; DuckDB has one writer)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"pressetl.load:{site}"})


def link_stories(
    conn: Connection, partition: Partition, loaded: set[str], linking: StoryLinking
) -> StoryCounts:
    """Signatures, links and clusters of ``partition``'s ``loaded`` articles (canonical URLs)."""
    site = partition.site
    owned = _owned(conn, site, partition.day, loaded)
    signed: dict[str, tuple[date, bytes]] = {}
    for url, published, value in linking.signatures(partition):
        if url in owned:
            signed[url] = (published, bytes(value))
    columns = {"canonical_url": "text", "published_date": "date", "signature": "bytes"}
    table = temporary.create(conn, OWNED, columns, key="canonical_url")
    unsigned = (None, None)
    temporary.fill(
        conn,
        table,
        (dict(zip(columns, (url, *signed.get(url, unsigned)), strict=True)) for url in sorted(owned)),
    )
    _write_signatures(conn, site, linking.scheme, table)
    found = _find_links(conn, site, signed, linking)
    old = _links_of(conn, site, table)
    removed, added = old - found, found - old
    _replace_links(conn, site, removed, added)
    temporary.drop(conn, OWNED)
    seeds = set(owned).union(*old, *found)
    reassigned = recompute_clusters(conn, site, seeds)
    return StoryCounts(len(signed), len(added), len(removed), reassigned)


def _owned(conn: Connection, site: str, day: date, loaded: set[str]) -> set[str]:
    """The loaded articles whose current row is this day's: their signature is this load's to write
    (an older day re-run after a newer one rolls back neither the row nor the signature)."""
    articles = Article.__table__
    query = select(articles.c.canonical_url).where(articles.c.site == site, articles.c.logical_date == day)
    return {url for (url,) in conn.execute(query) if url in loaded}


def _write_signatures(conn: Connection, site: str, scheme: str, owned) -> None:
    signatures = StorySignature.__table__
    rows = select(
        literal(site), owned.c.canonical_url, owned.c.published_date, literal(scheme), owned.c.signature
    ).where(owned.c.signature.is_not(None))
    names = ["site", "canonical_url", "published_date", "scheme", "signature"]
    stmt = insert(signatures).from_select(names, rows)
    values = names[2:]
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["site", "canonical_url"],
            set_={name: stmt.excluded[name] for name in values},
            where=_distinct(signatures, stmt.excluded, values),
        )
    )
    unsigned = select(owned.c.canonical_url).where(owned.c.signature.is_(None))
    conn.execute(
        delete(signatures).where(signatures.c.site == site, signatures.c.canonical_url.in_(unsigned))
    )


def _distinct(table, excluded, names: list[str]):
    return or_(*(table.c[name].is_distinct_from(excluded[name]) for name in names))


def _find_links(
    conn: Connection, site: str, signed: dict[str, tuple[date, bytes]], linking: StoryLinking
) -> set[tuple[str, str]]:
    """The links of the ``signed`` articles: with each other, and with the signatures loaded
    for the days around them (``span_days`` either side of each published date)."""
    if not signed:
        return set()
    span = range(-linking.span_days, linking.span_days + 1)
    days = sorted({published + timedelta(days=offset) for published, _ in signed.values() for offset in span})
    signatures = StorySignature.__table__
    window = conn.execute(
        select(signatures.c.canonical_url, signatures.c.published_date, signatures.c.signature)
        .where(
            signatures.c.site == site,
            signatures.c.scheme == linking.scheme,
            signatures.c.published_date.in_(days),
        )
        .order_by(signatures.c.canonical_url)
    ).all()
    urls = [url for url, _, _ in window]
    found = linking.find_links(
        [bytes(value) for _, _, value in window],
        [published.toordinal() for _, published, _ in window],
        [url in signed for url in urls],
    )
    return {(min(urls[i], urls[j]), max(urls[i], urls[j])) for i, j in found if i != j}


def _links_of(conn: Connection, site: str, owned) -> set[tuple[str, str]]:
    links = StoryLink.__table__
    query = union(
        select(links.c.url_a, links.c.url_b)
        .join(owned, links.c.url_a == owned.c.canonical_url)
        .where(links.c.site == site),
        select(links.c.url_a, links.c.url_b)
        .join(owned, links.c.url_b == owned.c.canonical_url)
        .where(links.c.site == site),
    )
    return {(a, b) for a, b in conn.execute(query)}


def _replace_links(
    conn: Connection, site: str, removed: set[tuple[str, str]], added: set[tuple[str, str]]
) -> None:
    if not removed and not added:
        return
    columns = {"url_a": "text", "url_b": "text", "added": "bool"}
    changes = temporary.create(conn, CHANGED_LINKS, columns)
    changed = [(pair, False) for pair in sorted(removed)] + [(pair, True) for pair in sorted(added)]
    temporary.fill(conn, changes, ({"url_a": a, "url_b": b, "added": new} for (a, b), new in changed))
    links = StoryLink.__table__
    if removed:
        stale = exists().where(
            changes.c.url_a == links.c.url_a, changes.c.url_b == links.c.url_b, ~changes.c.added
        )
        conn.execute(delete(links).where(links.c.site == site, stale))
    if added:
        fresh = select(literal(site), changes.c.url_a, changes.c.url_b).where(changes.c.added)
        conn.execute(links.insert().from_select(["site", "url_a", "url_b"], fresh))
    temporary.drop(conn, CHANGED_LINKS)


__all__ = ["StoryCounts", "StoryLinking", "link_stories", "lock_site"]
