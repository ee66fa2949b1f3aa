"""Story clusters from the links: connected components, a deterministic id, their summary rows.

A story cluster is a connected component of ``story_links``. Its id is the
canonical URL of its earliest member by (published date, canonical URL), the
published date being the signature's (the article's, or its logical day when it
has none); that member ``is_representative``. An article without a signature
has no cluster (NULL). Nothing here depends on the order loads come in: the
components are a function of the links, the id a function of the members.

``recompute_clusters`` is given the articles a load may have moved (its own and
both ends of every link it added or removed), walks the links from them to the
whole of their components, on any day (a later day's copy may join two earlier
clusters; a changed text may split one), and writes what changed: the members'
``cluster_id``/``is_representative``, and the ``story_clusters`` rows of every
cluster id involved before or after.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, case, delete, exists, func, literal, or_, select, text, union
from sqlalchemy.dialects.postgresql import insert

from warehouse import temporary
from warehouse.models import Article, StoryCluster, StoryLink, StorySignature

NODES = "pressetl_story_nodes"
CHANGES = "pressetl_story_changes"
TOUCHED = "pressetl_touched_clusters"

Assignment = tuple[str | None, bool | None]  # (cluster_id, is_representative)


def recompute_clusters(conn: Connection, site: str, seeds: Iterable[str]) -> int:
    """Recompute the clusters of ``seeds``' components; the number of articles whose cluster changed."""
    nodes = _reach(conn, site, seeds)
    if nodes is None:
        return 0
    articles, signatures, links = Article.__table__, StorySignature.__table__, StoryLink.__table__
    members = conn.execute(
        select(
            nodes.c.canonical_url,
            signatures.c.published_date,
            articles.c.cluster_id,
            articles.c.is_representative,
        )
        .select_from(nodes)
        .join(articles, (articles.c.site == site) & (articles.c.canonical_url == nodes.c.canonical_url))
        .outerjoin(
            signatures, (signatures.c.site == site) & (signatures.c.canonical_url == nodes.c.canonical_url)
        )
    ).all()
    edges = conn.execute(
        select(links.c.url_a, links.c.url_b)
        .select_from(links)
        .join(nodes, links.c.url_a == nodes.c.canonical_url)
        .where(links.c.site == site)
    ).all()
    current = {url: (cluster_id, representative) for url, _, cluster_id, representative in members}
    wanted = assignments({url: published for url, published, _, _ in members}, edges)
    changed = [
        {"canonical_url": url, "cluster_id": found[0], "is_representative": found[1]}
        for url, found in sorted(wanted.items())
        if current[url] != found
    ]
    touched = {cluster for cluster, _ in (*current.values(), *wanted.values()) if cluster is not None}
    if changed:
        _write_assignments(conn, site, changed)
    _rebuild_story_clusters(conn, site, touched)
    temporary.drop(conn, NODES)
    return len(changed)


def assignments(published: dict[str, date | None], edges: Iterable[tuple[str, str]]) -> dict[str, Assignment]:
    """Each article's (cluster id, is representative) from the links among them: ``published``
    holds every article of the components (None: no signature, no cluster)."""
    parent = {url: url for url, day in published.items() if day is not None}

    def find(url: str) -> str:
        root = url
        while parent[root] != root:
            root = parent[root]
        while parent[url] != root:
            parent[url], url = root, parent[url]
        return root

    for a, b in edges:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    earliest: dict[str, tuple[date, str]] = {}
    for url in parent:
        root = find(url)
        key = (published[url], url)
        if root not in earliest or key < earliest[root]:
            earliest[root] = key  # type: ignore[assignment]
    out: dict[str, Assignment] = {url: (None, None) for url, day in published.items() if day is None}
    for url in parent:
        representative = earliest[find(url)][1]
        out[url] = (representative, representative == url)
    return out


def _reach(conn: Connection, site: str, seeds: Iterable[str]):
    """The temporary table of ``seeds`` and every article linked to them, however far.

    Each step follows the links of the last step's articles, and jumps to every signed article
    holding the same cluster id as one of them: the members of a cluster are connected by links
    anyway, so the jump changes nothing in what is reached, only how fast (a story that
    recurs day after day is walked in a few steps, not one step a day). Articles without a
    signature keep whatever id they hold (loaded before revision 0003)."""
    start = [{"canonical_url": url, "level": 0} for url in sorted(set(seeds))]
    if not start:
        return None
    nodes = temporary.create(conn, NODES, {"canonical_url": "text", "level": "int"}, key="canonical_url")
    temporary.fill(conn, nodes, start)
    links, articles, signatures = StoryLink.__table__, Article.__table__, StorySignature.__table__
    level = 0
    while True:
        frontier = select(nodes.c.canonical_url).where(nodes.c.level == level).subquery()
        clusters = (
            select(articles.c.cluster_id)
            .join(frontier, articles.c.canonical_url == frontier.c.canonical_url)
            .where(articles.c.site == site, articles.c.cluster_id.is_not(None))
            .subquery()
        )
        signed = exists().where(
            signatures.c.site == site, signatures.c.canonical_url == articles.c.canonical_url
        )
        neighbours = union(
            select(links.c.url_b.label("url"))
            .join(frontier, links.c.url_a == frontier.c.canonical_url)
            .where(links.c.site == site),
            select(links.c.url_a.label("url"))
            .join(frontier, links.c.url_b == frontier.c.canonical_url)
            .where(links.c.site == site),
            select(articles.c.canonical_url.label("url")).where(
                articles.c.site == site, articles.c.cluster_id.in_(select(clusters.c.cluster_id)), signed
            ),
        ).subquery()
        seen = nodes.alias("seen")
        known = select(literal(1)).where(seen.c.canonical_url == neighbours.c.url).correlate_except(seen)
        conn.execute(
            nodes.insert().from_select(
                ["canonical_url", "level"],
                select(neighbours.c.url, literal(level + 1)).where(~exists(known)),
            )
        )
        level += 1
        found = conn.execute(select(func.count()).select_from(nodes).where(nodes.c.level == level)).scalar()
        if not found:
            return nodes


def _write_assignments(conn: Connection, site: str, changed: list[dict]) -> None:
    columns = {"canonical_url": "text", "cluster_id": "text", "is_representative": "bool"}
    changes = temporary.create(conn, CHANGES, columns)
    temporary.fill(conn, changes, changed)
    conn.execute(
        text(
            f"UPDATE articles SET cluster_id = c.cluster_id, is_representative = c.is_representative "
            f"FROM {CHANGES} c WHERE articles.site = :site AND articles.canonical_url = c.canonical_url"
        ),
        {"site": site},
    )
    temporary.drop(conn, CHANGES)


def _rebuild_story_clusters(conn: Connection, site: str, cluster_ids: set[str]) -> None:
    """The ``story_clusters`` rows of ``cluster_ids``: rewritten where their members changed,
    deleted where no article holds the id any more."""
    if not cluster_ids:
        return
    touched_table = temporary.create(conn, TOUCHED, {"cluster_id": "text"})
    temporary.fill(conn, touched_table, [{"cluster_id": c} for c in sorted(cluster_ids)])
    articles = Article.__table__
    clusters = StoryCluster.__table__
    touched = select(touched_table.c.cluster_id)
    conn.execute(
        delete(clusters).where(
            clusters.c.site == site,
            clusters.c.cluster_id.in_(touched),
            ~exists().where(
                articles.c.site == clusters.c.site, articles.c.cluster_id == clusters.c.cluster_id
            ),
        )
    )
    publication = func.coalesce(articles.c.publication_key, articles.c.publication_slug)
    fresh = (
        select(
            articles.c.site,
            articles.c.cluster_id,
            func.coalesce(
                func.min(case((articles.c.is_representative, articles.c.canonical_url))),
                articles.c.cluster_id,
            ),
            func.min(articles.c.logical_date),
            func.max(articles.c.logical_date),
            func.count(),
            func.count(publication.distinct()),
        )
        .where(articles.c.site == site, articles.c.cluster_id.in_(touched))
        .group_by(articles.c.site, articles.c.cluster_id)
    )
    names = [c.name for c in clusters.columns]
    stmt = insert(clusters).from_select(names, fresh)
    values = names[2:]
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["site", "cluster_id"],
            set_={name: stmt.excluded[name] for name in values},
            where=or_(*(clusters.c[name].is_distinct_from(stmt.excluded[name]) for name in values)),
        )
    )
    temporary.drop(conn, TOUCHED)
