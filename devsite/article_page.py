"""HTML for one article page, in the classic layout or the drifted one, whole or broken.

Classic: ``span.articletitle``, ``span.articlenewspaper``, ``img.articleimage`` and one or
two ``span.articlecontent`` (a long body is cut in two around an ad). Drift renames
them all, content unchanged. A broken article keeps the page but loses title and body.
The same structure serves every language; only the words (``ui.json``) and the date
style of the publication change.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlsplit

from devsite.catalog import SiteSpec, source_wordings
from devsite.markup import attr, noisy, text
from devsite.model import ExpectedArticle
from devsite.render import DEFAULT_OFFSITE, ad_slot, offsite_banner, page, sponsored_links, stub_date_text
from devsite.seeds import stable_int, stable_rng
from devsite.textgen import snippet, vocabulary
from devsite.world import World

_SPLIT_FROM_BLOCKS = 6
_TICKER_LOCAL = 14
_TICKER_FOREIGN = 4
_RELATED = 5


def published_line(site: SiteSpec, article: ExpectedArticle) -> str:
    """ "Publié dans <a>Les ECO</a> le 09 - 02 - 2011" (or its Arabic / English wording), as HTML."""
    listing = site.listing_path(article.publication_slug)
    pub_link = f'<a href="{attr(listing)}">{text(article.publication_name)}</a>'
    return (
        text(site.ui["published_line"])
        .replace("{publication}", pub_link)
        .replace("{date}", text(article.date_text))
    )


def article_page(
    world: World, site: SiteSpec, article: ExpectedArticle, offsite: str = DEFAULT_OFFSITE
) -> str:
    drift = world.faults.drifted(site.name)
    key = (article.site, article.publication_slug, article.aggregator_id)
    published = published_line(site, article)
    title_html = noisy(article.title, *key, "title")
    body_parts = _body_parts(article)
    inner_ad = "\n" + ad_slot(site, "inarticle") + "\n"
    image_src = attr(article.thumbnail_url)
    if drift:
        title_line = f'<h1 class="post-title">{title_html}</h1>'
        meta_line = f'<div class="post-meta">{published}</div>'
        image = f'<figure class="post-figure"><img class="post-image" src="{image_src}" alt=""></figure>'
        body = inner_ad.join(f'<div class="post-body">\n{part}\n</div>' for part in body_parts)
    else:
        title_line = f'<h1><span class="articletitle">{title_html}</span></h1>'
        meta_line = f'<span class="articlenewspaper">{published}</span>'
        image = f'<img class="articleimage" src="{image_src}" alt="">'
        body = inner_ad.join(f'<span class="articlecontent">\n{part}\n</span>' for part in body_parts)
    if article.broken:
        title_line, body = "", ""
    content = "\n".join(
        [
            _ticker(world, site, article.published_date, exclude=article.path),
            _report_widget(site),
            f'<div class="{"post" if drift else "article"}">',
            title_line,
            meta_line,
            image,
            body,
            _share(site, article),
            _source_paragraph(site, article),
            "</div>",
            offsite_banner(offsite, site.name, "article"),
            _related(world, site, article),
            sponsored_links(site, offsite, article.path),
        ]
    )
    return page(
        site, _head_title(site, article), content, head=_head(article), body_class="article", offsite=offsite
    )


def _source_paragraph(site: SiteSpec, article: ExpectedArticle) -> str:
    """The "read at the source" link: the site's wording, or (source-wording fault) another."""
    wording, attributes = site.ui["source_link"], True
    if article.other_source_wording:
        variants = source_wordings(site.language)
        pick = variants[stable_int("source-wording", article.site, article.aggregator_id) % len(variants)]
        wording = pick["text"].replace("{publication}", article.publication_name)
        attributes = pick["attributes"]
    extra = ' rel="nofollow" target="_blank"' if attributes else ""
    return f'<p class="source"><a href="{attr(_source_link(article))}"{extra}>{text(wording)}</a></p>'


def _source_link(article: ExpectedArticle) -> str:
    """The article's own URL at its publisher, or (shared-source fault) the publisher's home."""
    if article.shared_source:
        parts = urlsplit(article.source_url)
        return f"{parts.scheme}://{parts.netloc}/"
    return article.source_url


def _head_title(site: SiteSpec, article: ExpectedArticle) -> str:
    if article.broken:
        return site.display_name
    return f"{article.title} - {site.display_name}"


def _head(article: ExpectedArticle) -> str:
    lines = [f'<link rel="canonical" href="{attr(article.canonical_url)}">']
    if not article.broken:
        lines.append(f'<meta property="og:title" content="{attr(article.title)}">')
        lines.append(f'<meta name="description" content="{attr(snippet(article.body))}">')
    lines.append(f'<meta property="og:image" content="{attr(article.thumbnail_url)}">')
    return "\n".join(lines) + "\n"


def _block_html(article: ExpectedArticle, index: int, kind: str, value: str) -> str:
    html_text = noisy(value, article.site, article.publication_slug, article.aggregator_id, index)
    if kind == "subheading":
        return f"<h3>{html_text}</h3>"
    if kind == "question":
        return f'<p class="question"><strong>{html_text}</strong></p>'
    return f"<p>{html_text}</p>"


def _body_parts(article: ExpectedArticle) -> list[str]:
    rendered = [_block_html(article, i, kind, value) for i, (kind, value) in enumerate(article.blocks)]
    if len(rendered) < _SPLIT_FROM_BLOCKS:
        return ["\n".join(rendered)]
    cut = len(rendered) // 2
    # Keep an interview answer next to its question.
    while cut < len(rendered) - 1 and article.blocks[cut][0] == "answer":
        cut += 1
    return ["\n".join(rendered[:cut]), "\n".join(rendered[cut:])]


def _ticker(world: World, site: SiteSpec, day: date, exclude: str) -> str:
    """Headlines of the day from many publications, mixed with foreign-language ones, as real tickers are."""
    rng = stable_rng("ticker", site.name, day.isoformat())
    local = world.plan(site.name, day).stubs if day <= world.today else ()
    picked = rng.sample(local, k=min(_TICKER_LOCAL, len(local)))
    entries = [(s.title, site.article_path(s.slug, s.aggregator_id)) for s in picked]
    foreign = vocabulary(site.language, site.country).ticker_foreign
    entries += rng.sample(foreign, k=min(_TICKER_FOREIGN, len(foreign)))
    rng.shuffle(entries)
    items = "".join(
        f'<li><a href="{attr(href)}">{text(headline)}</a></li>'
        for headline, href in entries
        if href != exclude
    )
    label = text(site.ui["ticker"])
    return f'<div class="ticker"><span class="ticker-label">{label}</span><ul>{items}</ul></div>'


def _report_widget(site: SiteSpec) -> str:
    ui = site.ui
    return (
        '<div id="report-image" class="report-image">'
        f'<a href="#" class="report-link">{text(ui["report_image"])}</a>'
        f'<div class="report-thanks" style="display:none"><p>{text(ui["report_thanks"])}</p>'
        f"<p>{text(ui['report_note'])}</p></div></div>"
    )


def _share(site: SiteSpec, article: ExpectedArticle) -> str:
    url = quote(article.canonical_url, safe="")
    targets = (
        ("facebook", "Facebook", f"https://www.facebook.com/sharer.php?u={url}"),
        ("twitter", "Twitter", f"https://twitter.com/intent/tweet?url={url}"),
        ("whatsapp", "WhatsApp", f"https://api.whatsapp.com/send?text={url}"),
    )
    buttons = " ".join(
        f'<a class="share-{name}" href="{attr(href)}" rel="nofollow">{label}</a>'
        for name, label, href in targets
    )
    return f'<div class="share"><span class="share-label">{text(site.ui["share"])}</span> {buttons}</div>'


def _related(world: World, site: SiteSpec, article: ExpectedArticle) -> str:
    """Earlier articles of the same publication: they always exist when this one does."""
    earlier = (
        world.stub(site.name, article.publication_slug, article.aggregator_id - step)
        for step in range(1, _RELATED + 1)
    )
    items = "".join(
        f'<li><a href="{attr(site.article_path(other.slug, other.aggregator_id))}">{text(other.title)}</a> '
        f'<span class="date">{text(stub_date_text(other))}</span></li>'
        for other in earlier
        if other is not None
    )
    return f'<div class="related"><h3>{text(site.ui["related"])}</h3><ul>{items}</ul></div>'
