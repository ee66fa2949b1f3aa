"""RSS 2.0 feeds: one per publication (``/<prefix>/<slug>/rss``) and one per edition
(``/<prefix>/rss``), the 50 newest articles up to ``today``.

``link`` points at the article on the host serving the feed (the devsite port, or the real
aggregator when rendered without sockets); ``guid`` is the canonical URL, which is what the
article is on the real site whatever host served the feed.
"""

from __future__ import annotations

from devsite.catalog import SiteSpec
from devsite.dates import rfc822
from devsite.markup import text
from devsite.model import ExpectedArticle
from devsite.textgen import snippet
from devsite.world import World

FEED_SIZE = 50
CONTENT_TYPE = "application/rss+xml; charset=utf-8"


def publication_feed(world: World, site: SiteSpec, slug: str, base_url: str) -> str | None:
    pub = site.publication(slug)
    if pub is None:
        return None
    articles = world.newest(site.name, slug, FEED_SIZE)
    description = site.ui["feed_description"].replace("{publication}", pub.name)
    title = f"{pub.name} - {site.display_name}"
    return _rss(site, title, site.listing_path(slug), site.feed_path(slug), description, articles, base_url)


def edition_feed(world: World, site: SiteSpec, base_url: str) -> str:
    articles = world.latest(site.name, FEED_SIZE)
    return _rss(
        site,
        site.display_name,
        site.home_path,
        site.feed_path(),
        site.ui["tagline"],
        articles,
        base_url,
        True,
    )


def _rss(
    site: SiteSpec,
    title: str,
    path: str,
    feed_path: str,
    description: str,
    articles: list[ExpectedArticle],
    base_url: str,
    category: bool = False,
) -> str:
    base = base_url.rstrip("/")
    items = "\n".join(_item(a, base, category) for a in articles)
    built = f"<lastBuildDate>{rfc822(articles[0].published_at)}</lastBuildDate>\n" if articles else ""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{text(title)}</title>
<link>{text(base + path)}</link>
<atom:link href="{text(base + feed_path)}" rel="self" type="application/rss+xml"/>
<description>{text(description)}</description>
<language>{site.language}</language>
{built}<ttl>15</ttl>
<generator>{text(site.aggregator.display_name)}</generator>
{items}
</channel>
</rss>
"""


def _item(article: ExpectedArticle, base: str, category: bool) -> str:
    assert article.published_at is not None
    extra = f"<category>{text(article.publication_name)}</category>\n" if category else ""
    return (
        "<item>\n"
        f"<title>{text(article.title)}</title>\n"
        f"<link>{text(base + article.path)}</link>\n"
        f'<guid isPermaLink="false">{text(article.canonical_url)}</guid>\n'
        f"<pubDate>{rfc822(article.published_at)}</pubDate>\n"
        f"{extra}<description>{text(snippet(article.body))}</description>\n"
        "</item>"
    )
