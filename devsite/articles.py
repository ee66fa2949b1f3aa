"""Whole articles from day-plan stubs: bodies, the publisher's fuller text, bylines.

Bodies are drawn from the same seeds as in v1 (a unique article's text depends only on its
site, publication and id), so maghress-fr reads exactly as before. What is new draws from
seeds of its own and never disturbs v1's draws: the extra paragraphs only the publisher's
page carries (for ~30% of articles) and the author.
"""

from __future__ import annotations

from functools import lru_cache

from devsite import textgen, wire
from devsite.catalog import site_spec
from devsite.dates import date_text
from devsite.model import Blocks, ExpectedArticle
from devsite.plan import Stub
from devsite.reference import pinned_article
from devsite.seeds import stable_fraction, stable_rng

EXCERPT_SHARE = 0.3  # articles the aggregator shows only in part
_NO_BYLINE = 0.15


@lru_cache(maxsize=16384)
def build(stub: Stub) -> ExpectedArticle:
    site = site_spec(stub.site)
    pub = site.publication(stub.slug)
    assert pub is not None
    vocab = textgen.vocabulary(site.language, site.country)
    story_id = None
    author = None
    if stub.pinned:
        pinned = pinned_article(stub.site, stub.day, stub.slug, stub.position)
        assert pinned is not None
        blocks, author = pinned.blocks, pinned.author
    elif stub.copy is not None:
        blocks = wire.copy_blocks(stub.copy.story, stub.copy.copy)
        story_id = stub.copy.story.story_id if stub.copy.clustered else None
    else:
        rng = stable_rng("article", stub.site, stub.slug, stub.aggregator_id)
        textgen.title(vocab, rng, stub.day.year)  # v1 drew the title first from this generator
        blocks = textgen.blocks(vocab, rng, stub.day.year)
    if pub.digits == "eastern":
        blocks = tuple((kind, textgen.eastern_digits(text)) for kind, text in blocks)
    full = blocks + _publisher_extra(stub, vocab, eastern=pub.digits == "eastern")
    if author is None and not stub.pinned:
        author = _author(stub, vocab, agency=pub.agency or stub.copy is not None)
    path = site.article_path(stub.slug, stub.aggregator_id)
    return ExpectedArticle(
        site=stub.site,
        publication_slug=stub.slug,
        publication_name=pub.name,
        aggregator_id=stub.aggregator_id,
        path=path,
        canonical_url=site.aggregator.real_base_url + path,
        title=stub.title,
        published_date=stub.day,
        blocks=blocks,
        source_url=stub.source_url,
        thumbnail_url=f"https://{site.aggregator.image_host}/{stub.slug}/{stub.aggregator_id}/thumb",
        language=site.language,
        date_text=date_text(stub.day, pub.date_style, pub.digits),
        published_at=stub.published_at,
        full_blocks=full,
        author=author,
        story_id=story_id,
    )


def _publisher_extra(stub: Stub, vocab: textgen.Vocabulary, eastern: bool) -> Blocks:
    """The paragraphs the aggregator left out: its copy stops where the publisher's goes on."""
    if stub.pinned or stable_fraction("excerpt", stub.site, stub.slug, stub.aggregator_id) >= EXCERPT_SHARE:
        return ()
    rng = stable_rng("full", stub.site, stub.slug, stub.aggregator_id)
    filler = textgen.Filler(vocab, rng, stub.day.year)
    extra = []
    for _ in range(rng.randint(1, 3)):
        text = " ".join(textgen.sentence(filler) for _ in range(rng.randint(2, 3)))
        extra.append(("paragraph", textgen.eastern_digits(text) if eastern else text))
    return tuple(extra)


def _author(stub: Stub, vocab: textgen.Vocabulary, agency: bool) -> str | None:
    draw = stable_fraction("author", stub.site, stub.slug, stub.aggregator_id)
    if agency and draw < 0.6:  # dispatches are signed by the agency, if at all
        return vocab.wire.get("agency")
    if draw < _NO_BYLINE or not vocab.authors:
        return None
    rng = stable_rng("author", stub.site, stub.slug, stub.aggregator_id)
    return rng.choice(vocab.authors)
