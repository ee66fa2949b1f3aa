"""HTML for the pages around the articles: the shell, home, listings, errors, robots.txt.

The selectors the spider profiles target are part of the contract (see
``profiles/maghress-fr.yaml``): ``ul.publications a``, ``li.article-item``,
``a.article-link``, ``span.article-date``, ``a.next``. Everything else is realistic clutter,
including what points off-site: ads, a tracking pixel and "sponsored" links on a third-party
host (``offsite``) whose paths look like articles, so a spider that follows them is caught.
"""

from __future__ import annotations

from datetime import date

from devsite import dates
from devsite.catalog import SiteSpec, site_spec, sites_on
from devsite.markup import attr, text
from devsite.plan import Stub
from devsite.seeds import stable_int
from devsite.textgen import snippet
from devsite.world import Listing, World

_MENU_PUBLICATIONS = 6
_SPONSORED = 3
# Where the ads point when no trap server runs (pages rendered without sockets).
DEFAULT_OFFSITE = "https://ads.maghreb-adnet.com"


def format_date(day: date) -> str:
    """v1's name for the numeric style."""
    return dates.numeric(day)


def stub_date_text(stub: Stub) -> str:
    """The date of an article as its aggregator edition writes it, from the stub alone."""
    pub = site_spec(stub.site).publication(stub.slug)
    assert pub is not None
    return dates.date_text(stub.day, pub.date_style, pub.digits)


def ad_slot(site: SiteSpec, slot: str) -> str:
    return (
        f'<div class="ad ad-{slot}"><span class="ad-label">{text(site.ui["ad_label"])}</span>'
        f'<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-0000000000000000" '
        f'data-ad-slot="{slot}"></ins>'
        "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>"
    )


def offsite_banner(offsite: str, owner: str, slot: str) -> str:
    """A third-party banner: a click-through link and an image, both on the ad server."""
    click = f"{attr(offsite)}/click?site={attr(owner)}&amp;slot={slot}"
    return (
        f'<div class="ad ad-partner ad-{slot}"><a href="{click}" rel="sponsored nofollow" target="_blank">'
        f'<img src="{attr(offsite)}/banner/{slot}.gif" width="300" height="250" alt=""></a></div>'
    )


def tracking_pixel(offsite: str, owner: str) -> str:
    src = f"{attr(offsite)}/pixel.gif?site={attr(owner)}"
    return f'<img class="tracker" src="{src}" width="1" height="1" alt="">'


def sponsored_links(site: SiteSpec, offsite: str, seed: str) -> str:
    """Native-ad links on the ad server, with paths shaped like this edition's article paths."""
    paths = (
        f"{site.prefix}/sponsored/{100 + stable_int('sponsored', seed, n) % 900}" for n in range(_SPONSORED)
    )
    items = "".join(
        f'<li><a href="{attr(offsite)}{path}">{text(site.ui["sponsored"])} {n}</a></li>'
        for n, path in enumerate(paths, start=1)
    )
    return f'<div class="sponsored"><h3>{text(site.ui["sponsored"])}</h3><ul>{items}</ul></div>'


def page(
    site: SiteSpec,
    title: str,
    content: str,
    *,
    head: str = "",
    body_class: str = "",
    offsite: str = DEFAULT_OFFSITE,
) -> str:
    """The shell shared by every page of an edition: head, header menus and search, footer."""
    ui = site.ui
    aggregator = site.display_name
    others = sorted(sites_on(site.aggregator.name), key=lambda s: s.prefix)
    editions = "".join(
        f'<li class="edition"><a href="{attr(other.home_path)}">{text(other.ui["edition_name"])}</a></li>'
        for other in others
    )
    footer_editions = " ".join(
        f'<a href="{attr(other.home_path)}">{text(other.ui["edition_name"])}</a>' for other in others
    )
    menu_publications = "".join(
        f'<li><a href="{attr(site.listing_path(pub.slug))}">{text(pub.name)}</a></li>'
        for pub in site.publications[:_MENU_PUBLICATIONS]
    )
    return f"""<!DOCTYPE html>
<html lang="{site.language}" dir="{site.direction}">
<head>
<meta charset="utf-8">
<title>{text(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}<link rel="stylesheet" href="/static/css/{site.aggregator.name}.css?v=17">
<link rel="alternate" type="application/rss+xml" title="{attr(aggregator)}" href="{attr(site.feed_path())}">
<script src="https://ajax.googleapis.com/ajax/libs/jquery/1.4.4/jquery.min.js"></script>
<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js"></script>
<script>
var _gaq = _gaq || [];
_gaq.push(['_setAccount', 'UA-2179430-1']);
_gaq.push(['_trackPageview']);
</script>
</head>
<body class="{attr(body_class)}">
<div id="header">
<a class="logo" href="{attr(site.home_path)}"><img src="/static/img/logo-{site.aggregator.name}.png" \
alt="{attr(aggregator)}"></a>
<span class="tagline">{text(ui["tagline"])}</span>
<ul class="menu">
<li class="home"><a href="{attr(site.home_path)}">{text(ui["home"])}</a></li>
{menu_publications}
</ul>
<ul class="editions">{editions}</ul>
<form class="search" action="{attr(site.search_path)}" method="get">
<input type="text" name="q" placeholder="{attr(ui["search_placeholder"])}">
<button type="submit">{text(ui["search"])}</button>
</form>
</div>
{ad_slot(site, "leaderboard")}
{offsite_banner(offsite, site.name, "header")}
<div id="main">
{content}
</div>
<div id="footer">
<p>{text(ui["footer"])}</p>
<p>{text(ui["editions"])} : {footer_editions}</p>
<p>&copy; {text(aggregator)}</p>
</div>
<script>
$(function () {{ $('.ticker ul').data('speed', 40); $('#report-image .report-link').click(function () {{
  $('#report-image .report-thanks').show(); return false; }}); }});
</script>
{tracking_pixel(offsite, site.name)}
</body>
</html>
"""


def home_page(world: World, site: SiteSpec, offsite: str = DEFAULT_OFFSITE) -> str:
    ui = site.ui
    names = {pub.slug: pub.name for pub in site.publications}
    headlines = "\n".join(
        f'<li><a href="{attr(site.article_path(s.slug, s.aggregator_id))}">{text(s.title)}</a> '
        f'<span class="source">{text(names[s.slug])}</span> '
        f'<span class="date">{stub_date_text(s)}</span></li>'
        for s in world.latest_stubs(site.name, 20)
    )
    publications = "".join(
        f'<li><a href="{attr(site.listing_path(pub.slug))}">{text(pub.name)}</a></li>'
        for pub in site.publications
    )
    content = f"""<div class="home">
<h2>{text(ui["latest"])}</h2>
<ul class="headlines">
{headlines}
</ul>
{ad_slot(site, "home")}
<h2>{text(ui["publications"])}</h2>
<ul class="publications">{publications}</ul>
{sponsored_links(site, offsite, site.home_path)}
</div>"""
    return page(site, f"{site.display_name} - {ui['tagline']}", content, body_class="home", offsite=offsite)


def listing_page(site: SiteSpec, listing: Listing, offsite: str = DEFAULT_OFFSITE) -> str:
    ui = site.ui
    pub = site.publication(listing.slug)
    assert pub is not None
    items = "\n".join(
        f'<li class="article-item"><a class="article-link" href="{attr(a.path)}">{text(a.title)}</a> '
        f'<span class="article-date">{text(a.date_text)}</span>'
        f"<p>{text(snippet(a.body))}</p></li>"
        for a in listing.articles
    )
    pagination = []
    if listing.page > 1:
        previous = site.listing_path(listing.slug, listing.page - 1)
        pagination.append(f'<a class="prev" href="{attr(previous)}">{text(ui["previous"])}</a>')
    pagination.append(f'<span class="current">{text(ui["page"].format(page=listing.page))}</span>')
    if listing.has_next:
        following = site.listing_path(listing.slug, listing.page + 1)
        pagination.append(f'<a class="next" href="{attr(following)}">{text(ui["next"])}</a>')
    feed = site.feed_path(listing.slug)
    content = f"""<div class="listing">
<h1 class="publication-name">{text(pub.name)}</h1>
<a class="feed" href="{attr(feed)}">RSS</a>
<ul class="articles">
{items}
</ul>
<div class="pagination">{" ".join(pagination)}</div>
{sponsored_links(site, offsite, f"{listing.slug}/{listing.page}")}
</div>"""
    title = f"{pub.name} - {site.display_name}"
    if listing.page > 1:
        title += f" - {ui['page'].format(page=listing.page)}"
    head = f'<link rel="alternate" type="application/rss+xml" title="{attr(pub.name)}" href="{attr(feed)}">\n'
    return page(site, title, content, head=head, body_class="listing", offsite=offsite)


def not_found_page(site: SiteSpec, offsite: str = DEFAULT_OFFSITE) -> str:
    heading, explanation = site.ui["not_found_title"], site.ui["not_found_text"]
    content = f'<div class="error"><h1>{text(heading)}</h1><p>{text(explanation)}</p></div>'
    return page(site, f"{heading} - {site.display_name}", content, body_class="error", offsite=offsite)


def bare_error_page(status: int, reason: str) -> str:
    """For answers that come before any routing (site down, forced status): no menus, like a proxy's page."""
    line = f"{status} {text(reason)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{line}</title></head><body><h1>{line}</h1></body></html>\n"
    )


def index_page(aggregator: str) -> str:
    """The root of a host that has no edition at ``/``: links to the editions it serves."""
    sites = sites_on(aggregator)
    links = "".join(
        f'<li><a href="{attr(s.home_path)}">{text(s.ui["edition_name"])}</a></li>'
        for s in sorted(sites, key=lambda s: s.prefix)
    )
    name = sites[0].aggregator.display_name
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{text(name)}</title></head>'
        f'<body><h1>{text(name)}</h1><ul class="editions">{links}</ul></body></html>\n'
    )


def robots_txt(aggregator: str) -> str:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {s.search_path}" for s in sorted(sites_on(aggregator), key=lambda s: s.prefix)]
    lines.append("Disallow: /admin/")
    return "\n".join(lines) + "\n"
