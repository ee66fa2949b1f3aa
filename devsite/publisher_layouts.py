"""The publishers' own article pages, behind the aggregator's "read it at the source" link.

Five CMS looks (``catalog.LAYOUTS``), each with its clutter: header and navigation, a cookie
banner, a byline and a date, the full text, share buttons, related links, comments, a
footer, and the third-party ad server's banner and pixel. The article text is
``ExpectedArticle.full_blocks``: longer than the aggregator's copy for the articles it cut.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from devsite import dates
from devsite.catalog import PublicationSpec, SiteSpec
from devsite.markup import attr, noisy, text
from devsite.model import ExpectedArticle
from devsite.render import offsite_banner, tracking_pixel
from devsite.seeds import stable_rng


@dataclass(frozen=True)
class PublisherPage:
    site: SiteSpec
    pub: PublicationSpec
    article: ExpectedArticle
    related: tuple[tuple[str, str], ...]  # (title, href on this host)
    offsite: str


@cache
def words(language: str) -> dict:
    raw = resources.files("devsite").joinpath("data", "publisher-ui.json").read_text(encoding="utf-8")
    return json.loads(raw)[language]


def article_html(page: PublisherPage) -> str:
    return _LAYOUTS[page.pub.layout](page)


def home_html(site: SiteSpec, pub: PublicationSpec, links: list[tuple[str, str]], offsite: str) -> str:
    w = words(site.language)
    items = "".join(f'<li><a href="{attr(href)}">{text(title)}</a></li>' for title, href in links)
    body = f'<main class="home"><h1>{text(w["latest"])}</h1><ul class="latest">{items}</ul></main>'
    return _document(site, pub, pub.name, "", _nav(pub, w) + body + _footer(pub, w), offsite)


def not_found_html(site: SiteSpec, pub: PublicationSpec, offsite: str) -> str:
    w = words(site.language)
    body = f'<main class="error-404"><h1>{text(w["not_found"])}</h1></main>'
    return _document(
        site, pub, f"{w['not_found']} | {pub.name}", "", _nav(pub, w) + body + _footer(pub, w), offsite
    )


# --- shared pieces ------------------------------------------------------------------------------


def _document(site: SiteSpec, pub: PublicationSpec, title: str, head: str, body: str, offsite: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="{site.language}" dir="{site.direction}">
<head>
<meta charset="utf-8">
<title>{text(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}<link rel="stylesheet" href="/assets/css/main.css">
<script>window.dataLayer = window.dataLayer || [];</script>
</head>
<body class="{pub.layout}">
{body}
{tracking_pixel(offsite, pub.slug)}
</body>
</html>
"""


def _meta(page: PublisherPage) -> str:
    a = page.article
    lines = [
        f'<link rel="canonical" href="{attr(a.source_url)}">',
        f'<meta property="og:title" content="{attr(a.title)}">',
        f'<meta property="og:site_name" content="{attr(page.pub.name)}">',
        '<meta property="og:type" content="article">',
    ]
    if a.author:
        lines.append(f'<meta name="author" content="{attr(a.author)}">')
    if a.published_at:
        lines.append(f'<meta property="article:published_time" content="{a.published_at.isoformat()}">')
    return "\n".join(lines) + "\n"


def _cookie_banner(w: dict, css_id: str) -> str:
    return (
        f'<div id="{css_id}" class="cookie-consent">{text(w["cookie"])} '
        f'<button type="button">{text(w["accept"])}</button> '
        f'<a href="/cookies">{text(w["learn_more"])}</a></div>'
    )


def _nav(pub: PublicationSpec, w: dict) -> str:
    links = "".join(
        f'<li><a href="/section/{n}">{text(name)}</a></li>' for n, name in enumerate(w["sections"])
    )
    logo = f'<a class="logo" href="/">{text(pub.name)}</a>'
    return f'<header class="site-header">{logo}<nav><ul>{links}</ul></nav></header>'


def _footer(pub: PublicationSpec, w: dict) -> str:
    return (
        f'<footer class="site-footer"><p>&copy; {text(pub.name)}. {text(w["rights"])}</p>'
        f'<a href="/mentions">{text(w["legal"])}</a> <a href="/contact">{text(w["contact"])}</a></footer>'
    )


def _blocks(page: PublisherPage, heading: str = "h2") -> list[str]:
    a = page.article
    out = []
    for index, (kind, value) in enumerate(a.full_blocks):
        html_text = noisy(value, "publisher", a.site, a.publication_slug, a.aggregator_id, index)
        if kind == "subheading":
            out.append(f"<{heading}>{html_text}</{heading}>")
        elif kind == "question":
            out.append(f"<p><strong>{html_text}</strong></p>")
        else:
            out.append(f"<p>{html_text}</p>")
    return out


def _comments(page: PublisherPage) -> list[tuple[str, str]]:
    a = page.article
    w = words(a.language)
    rng = stable_rng("comments", a.site, a.publication_slug, a.aggregator_id)
    count = rng.choice((0, 0, 1, 2, 3, 4))
    return [(rng.choice(w["commenters"]), rng.choice(w["comment_texts"])) for _ in range(count)]


def _related_list(page: PublisherPage) -> str:
    return "".join(f'<li><a href="{attr(href)}">{text(title)}</a></li>' for title, href in page.related)


def _share(w: dict) -> str:
    return (
        f'<div class="share-buttons">{text(w["share"])} '
        '<a href="https://www.facebook.com/sharer.php">Facebook</a> '
        '<a href="https://twitter.com/intent/tweet">Twitter</a> <a href="https://www.linkedin.com/shareArticle">LinkedIn</a></div>'
    )


def _time_of_day(page: PublisherPage) -> str:
    moment = page.article.published_at
    return f"{moment:%H:%M}" if moment else ""


# --- the five looks -----------------------------------------------------------------------------


def _menu(w: dict, item: str) -> str:
    """The section menu; ``item`` is one <li> with {n} (position) and {name}."""
    return "".join(item.format(n=n, name=text(name)) for n, name in enumerate(w["sections"]))


def _iso(article: ExpectedArticle) -> str:
    return article.published_at.isoformat() if article.published_at else article.published_date.isoformat()


def _wordpress(page: PublisherPage) -> str:
    a, pub = page.article, page.pub
    w = words(a.language)
    byline = ""
    if a.author:
        byline = (
            f'<span class="byline">{text(w["by"])} <span class="author vcard">'
            f'<a class="url fn n" href="/author/">{text(a.author)}</a></span></span> '
        )
    comments = "".join(
        '<li class="comment"><article class="comment-body">'
        f'<footer class="comment-meta"><b class="fn">{text(name)}</b></footer>'
        f'<div class="comment-content"><p>{text(body)}</p></div></article></li>'
        for name, body in _comments(page)
    )
    menu = _menu(w, '<li class="menu-item"><a href="/category/{n}/">{name}</a></li>')
    shown = text(dates.long_date(a.published_date, a.language))
    body = f"""{_cookie_banner(w, "cookie-notice")}
<header id="masthead" class="site-header">
<div class="site-branding"><a class="site-title" href="/">{text(pub.name)}</a></div>
<nav class="main-navigation"><ul class="menu">{menu}</ul></nav></header>
<div id="content" class="site-content"><main id="main" class="site-main">
<article class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{text(a.title)}</h1>
<div class="entry-meta">{byline}<span class="posted-on">
<time class="entry-date published" datetime="{_iso(a)}">{shown}</time></span></div></header>
<div class="entry-content">
{chr(10).join(_blocks(page))}
</div>
<footer class="entry-footer">{_share(w)}</footer>
</article>
<section class="related-posts"><h3>{text(w["related"])}</h3><ul>{_related_list(page)}</ul></section>
<div id="comments" class="comments-area"><h2 class="comments-title">{text(w["comments"])}</h2>
<ol class="comment-list">{comments}</ol>
<div id="respond"><h3>{text(w["leave_comment"])}</h3>
<form action="/wp-comments-post.php" method="post"><textarea name="comment"></textarea></form></div></div>
</main>
<aside id="secondary" class="widget-area">{offsite_banner(page.offsite, pub.slug, "sidebar")}
<section class="widget"><h2 class="widget-title">{text(w["newsletter"])}</h2>
<form><input type="email"><button>{text(w["subscribe"])}</button></form></section></aside>
</div>
<footer id="colophon" class="site-footer">
<div class="site-info">&copy; {text(pub.name)} {a.published_date.year}. {text(w["rights"])}</div></footer>"""
    return _document(page.site, pub, f"{a.title} | {pub.name}", _meta(page), body, page.offsite)


def _drupal(page: PublisherPage) -> str:
    a, pub = page.article, page.pub
    w = words(a.language)
    shown = f"{a.published_date:%d/%m/%Y} - {_time_of_day(page)}"
    author = f'<span class="username">{text(a.author)}</span> — ' if a.author else ""
    comments = "".join(
        f'<div class="comment"><div class="submitted">{text(name)}</div>'
        f'<div class="content"><p>{text(body)}</p></div></div>'
        for name, body in _comments(page)
    )
    menu = _menu(w, '<li class="leaf"><a href="/taxonomy/term/{n}">{name}</a></li>')
    body = f"""<div id="page"><header id="header" role="banner">
<div id="logo"><a href="/">{text(pub.name)}</a></div>
<nav id="main-menu"><ul class="menu">{menu}</ul></nav></header>
<div class="eu-cookie-compliance-banner">{_cookie_banner(w, "eu-cookie")}</div>
<div id="main"><div id="content" class="column" role="main">
<h1 class="page-title">{text(a.title)}</h1>
<div class="node node-article node-promoted view-mode-full">
<div class="submitted">{author}<span class="date-display-single" property="dc:date" \
content="{_iso(a)}">{shown}</span></div>
<div class="field field-name-body field-type-text-with-summary field-label-hidden">
<div class="field-items"><div class="field-item even" property="content:encoded">
{chr(10).join(_blocks(page, "h3"))}
</div></div></div>
<div class="field field-name-field-tags"><div class="field-label">{text(w["tags"])}:</div>
<div class="field-items"><a href="/taxonomy/term/2">{text(w["sections"][2])}</a></div></div>
</div>
<section id="comments" class="comment-wrapper">
<h2 class="title">{text(w["comments"])}</h2>{comments}</section>
</div>
<aside class="sidebars"><div id="block-views-related" class="block"><h2>{text(w["related"])}</h2>
<div class="view-content"><ul>{_related_list(page)}</ul></div></div>
{offsite_banner(page.offsite, pub.slug, "sidebar")}</aside></div>
<footer id="footer">{_footer(pub, w)}</footer></div>"""
    return _document(page.site, pub, f"{a.title} | {pub.name}", _meta(page), body, page.offsite)


def _joomla(page: PublisherPage) -> str:
    a, pub = page.article, page.pub
    w = words(a.language)
    hits = 100 + stable_rng("hits", a.site, a.publication_slug, a.aggregator_id).randint(0, 20000)
    author = ""
    if a.author:
        author = (
            '<dd class="createdby" itemprop="author" itemscope itemtype="https://schema.org/Person">'
            f'{text(w["written_by"])} <span itemprop="name">{text(a.author)}</span></dd>'
        )
    comments = "".join(
        f'<div class="comment-box"><span class="comment-author">{text(name)}</span>'
        f'<div class="comment-body">{text(body)}</div></div>'
        for name, body in _comments(page)
    )
    comments = comments or f'<p class="jc-empty">{text(w["no_comments"])}</p>'
    menu = _menu(w, '<li class="item-1{n:02d}"><a href="/index.php?Itemid=1{n:02d}">{name}</a></li>')
    shown = f"{text(w['published'])}: {text(dates.long_date(a.published_date, a.language))}"
    body = f"""<div class="body"><div class="container">
<header class="header" role="banner"><a class="brand pull-left" href="/">{text(pub.name)}</a>
<nav class="navigation" role="navigation"><ul class="nav menu">{menu}</ul></nav></header>
<div id="cookieNotice">{_cookie_banner(w, "cookie-joomla")}</div>
<main id="content" role="main">
<div class="item-page" itemscope itemtype="https://schema.org/Article">
<div class="page-header"><h2 itemprop="headline">{text(a.title)}</h2></div>
<dl class="article-info muted"><dt class="article-info-term">{text(w["details"])}</dt>{author}
<dd class="published"><time datetime="{_iso(a)}" itemprop="datePublished">{shown}</time></dd>
<dd class="hits"><meta itemprop="interactionCount" content="UserPageVisits:{hits}">
{text(w["hits"])}: {hits}</dd></dl>
<div itemprop="articleBody">
{chr(10).join(_blocks(page, "h3"))}
</div>
<ul class="pager pagenav"><li class="previous"><a href="#prev" rel="prev">{text(w["previous"])}</a></li>
<li class="next"><a href="#next" rel="next">{text(w["next"])}</a></li></ul>
</div>
<div class="moduletable related-items"><h3>{text(w["related"])}</h3>
<ul class="relateditems">{_related_list(page)}</ul></div>
<div id="jc"><div id="comments"><h4>{text(w["comments"])}</h4>{comments}</div></div>
{offsite_banner(page.offsite, pub.slug, "bottom")}
</main></div></div>
<footer class="footer" role="contentinfo">
<div class="container"><p>&copy; {a.published_date.year} {text(pub.name)}</p></div></footer>"""
    return _document(page.site, pub, f"{a.title} - {pub.name}", _meta(page), body, page.offsite)


def _newsroom(page: PublisherPage) -> str:
    a, pub = page.article, page.pub
    w = words(a.language)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": _iso(a),
        "inLanguage": a.language,
        "publisher": {"@type": "Organization", "name": pub.name},
        "mainEntityOfPage": a.source_url,
    }
    if a.author:
        data["author"] = {"@type": "Person", "name": a.author}
    ld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    head = _meta(page) + f'<script type="application/ld+json">{ld}</script>\n'
    blocks = _blocks(page)
    if page.related and len(blocks) > 2:  # an inline "read also" box inside the story, as news sites do
        title, href = page.related[0]
        blocks.insert(
            2,
            f'<aside class="inline-related"><span>{text(w["read_also"])}</span> '
            f'<a href="{attr(href)}">{text(title)}</a></aside>',
        )
    at = f" {w['at']} " if a.language == "fr" else " "
    shown = f"{a.published_date:%d/%m/%Y}{at}{_time_of_day(page)}"
    author = f'<span class="story-author">{text(w["by"])} {text(a.author)}</span> ' if a.author else ""
    comments = "".join(
        f'<div class="comment"><strong>{text(name)}</strong><p>{text(body)}</p></div>'
        for name, body in _comments(page)
    )
    sections = " ".join(f'<a href="/{n}">{text(name)}</a>' for n, name in enumerate(w["sections"]))
    body = f"""<div class="gdpr-consent">{_cookie_banner(w, "gdpr")}</div>
<header class="masthead"><a class="brand" href="/">{text(pub.name)}</a><nav class="sections">{sections}</nav>
<form class="search" action="/search"><input name="q" placeholder="{attr(w["search"])}"></form></header>
<div class="breaking-bar">{offsite_banner(page.offsite, pub.slug, "top")}</div>
<main class="layout">
<article class="story">
<header class="story-header"><span class="kicker">{text(w["sections"][2])}</span>
<h1 class="headline">{text(a.title)}</h1>
<div class="story-meta">{author}<time datetime="{_iso(a)}">{text(shown)}</time></div></header>
<div class="story-body">
{chr(10).join(blocks)}
</div>
{_share(w)}
</article>
<section class="more-stories"><h2>{text(w["most_read"])}</h2><ol>{_related_list(page)}</ol></section>
<section id="comments" class="comments"><h2>{text(w["comments"])}</h2>{comments}</section>
</main>
{_footer(pub, w)}"""
    return _document(page.site, pub, f"{a.title} – {pub.name}", head, body, page.offsite)


def _legacy(page: PublisherPage) -> str:
    """An old table layout: paragraphs as <br><br>-separated text, subheadings in <b>."""
    a, pub = page.article, page.pub
    w = words(a.language)
    parts = []
    for index, (kind, value) in enumerate(a.full_blocks):
        html_text = noisy(value, "publisher", a.site, a.publication_slug, a.aggregator_id, index)
        parts.append(f"<b>{html_text}</b>" if kind in ("subheading", "question") else html_text)
    author = f'<font class="author">{text(w["by"])}: {text(a.author)}</font>' if a.author else ""
    comments = "".join(
        f'<tr><td class="comment"><b>{text(name)}</b><br>{text(body)}</td></tr>'
        for name, body in _comments(page)
    )
    nav = " | ".join(
        f'<a href="/default.asp?cat={n}">{text(name)}</a>' for n, name in enumerate(w["sections"])
    )
    body = f"""<div class="cookies" id="cookies">{_cookie_banner(w, "cookie-legacy")}</div>
<table width="100%" border="0" cellspacing="0" cellpadding="0" class="main">
<tr><td colspan="2" class="top">
<a href="/"><img src="/images/logo.gif" alt="{attr(pub.name)}"></a><br>{nav}</td></tr>
<tr><td valign="top" class="content">
<font class="title">{text(a.title)}</font><br>
<font class="date">{a.published_date:%d/%m/%Y}</font> {author}<br><br>
<div class="news_text">{"<br><br>".join(parts)}</div>
<br><table class="comments" width="100%"><tr><th>{text(w["comments"])}</th></tr>{comments}</table>
</td><td valign="top" width="220" class="side"><b>{text(w["related"])}</b><ul>{_related_list(page)}</ul>
{offsite_banner(page.offsite, pub.slug, "side")}</td></tr>
<tr><td colspan="2" class="footer">&copy; {text(pub.name)} - {text(w["rights"])} |
<a href="/contact.asp">{text(w["contact"])}</a> | <a href="/terms.asp">{text(w["legal"])}</a></td></tr>
</table>"""
    return _document(page.site, pub, f"{pub.name} - {a.title}", _meta(page), body, page.offsite)


_LAYOUTS = {
    "wordpress": _wordpress,
    "drupal": _drupal,
    "joomla": _joomla,
    "newsroom": _newsroom,
    "legacy": _legacy,
}
