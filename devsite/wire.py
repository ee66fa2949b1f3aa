"""Near-duplicate wire stories: one agency dispatch republished by 2 to 5 publications.

A story is born on a day of an edition; its copies go to publications of that edition on
the same day or the next two. Each copy takes the place of one generated article (its id,
its time), so the schedule and v1's ids never move. A copy is the dispatch with realistic
edits: another title wording, a dateline or not, the agency credit or not, a new intro, a
sentence added, dropped or reworded.

Placement is decided from the schedule alone (counts, not text), so any day can be planned
without planning its neighbours' text. A publication-day takes at most half its articles
as copies; a copy that does not fit is dropped, and a story left with one copy is an
ordinary article (``story_id`` None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from random import Random

from devsite import textgen
from devsite.catalog import SiteSpec, site_spec
from devsite.reference import pinned_days
from devsite.schedule import EPOCH, Volume, daily_count
from devsite.seeds import stable_rng

RATE = 0.05  # stories born per article of the day: with ~3 copies each, ~15% of articles
_COPIES = (2, 2, 3, 3, 3, 4, 4, 5)
_DAY_OFFSETS = (0, 1, 2)
_DAY_WEIGHTS = (5, 3, 1)  # most copies run the same day, a few two days later
_EDITS = ("intro", "drop", "add", "reword")
_TITLE_SEPARATOR = {"fr": " : ", "ar": ": ", "en": ": "}


@dataclass(frozen=True)
class Story:
    site: str
    born: date
    index: int
    targets: tuple[tuple[str, date], ...]  # (publication slug, day) of each copy, in copy order

    @property
    def story_id(self) -> str:
        return f"{self.site}:{self.born:%Y%m%d}:{self.index:03d}"


@dataclass(frozen=True)
class Copy:
    story: Story
    copy: int  # index into story.targets
    clustered: bool  # at least two copies were placed: the copies share story.story_id


@dataclass(frozen=True)
class Master:
    """The agency's dispatch: a title and paragraphs of (template, sentence)."""

    title: str
    paragraphs: tuple[tuple[tuple[str, str], ...], ...]


@lru_cache(maxsize=4096)
def stories_born(site_name: str, day: date, volume: Volume) -> tuple[Story, ...]:
    if day < EPOCH:
        return ()
    site = site_spec(site_name)
    slugs = [pub.slug for pub in site.publications]
    agency = site.agency.slug if site.agency else None
    total = sum(daily_count(site_name, slug, day, volume) for slug in slugs)
    rng = stable_rng("wire", site_name, day.isoformat())
    stories = []
    for index in range(int(total * RATE + rng.random())):
        size = min(rng.choice(_COPIES), len(slugs))
        if agency and rng.random() < 0.6:  # the agency's own site usually runs its dispatch first
            chosen = [agency, *rng.sample([s for s in slugs if s != agency], size - 1)]
        else:
            chosen = rng.sample(slugs, size)
        offsets = [0] + rng.choices(_DAY_OFFSETS, weights=_DAY_WEIGHTS, k=size - 1)
        targets = tuple((slug, day + timedelta(days=off)) for slug, off in zip(chosen, offsets, strict=True))
        stories.append(Story(site_name, day, index, targets))
    return tuple(stories)


@lru_cache(maxsize=16384)
def _accepted(site_name: str, slug: str, day: date, volume: Volume) -> tuple[tuple[Story, int], ...]:
    """The copies placed in one publication-day, in placement order."""
    wanted = [
        (story, copy)
        for born in (day - timedelta(days=2), day - timedelta(days=1), day)
        for story in stories_born(site_name, born, volume)
        for copy, target in enumerate(story.targets)
        if target == (slug, day)
    ]
    free = len(_free_positions(site_name, slug, day, volume))
    capacity = min(daily_count(site_name, slug, day, volume) // 2, free)
    return tuple(wanted[:capacity])


def _free_positions(site_name: str, slug: str, day: date, volume: Volume) -> list[int]:
    pinned = {position for d, s, position in pinned_days(site_name) if d == day and s == slug}
    return [p for p in range(daily_count(site_name, slug, day, volume)) if p not in pinned]


@lru_cache(maxsize=8192)
def placed_copies(story: Story, volume: Volume) -> tuple[int, ...]:
    return tuple(
        copy
        for copy, (slug, day) in enumerate(story.targets)
        if (story, copy) in _accepted(story.site, slug, day, volume)
    )


def placements(site_name: str, slug: str, day: date, volume: Volume) -> dict[int, Copy]:
    """Position within the publication-day -> the wire copy that takes it."""
    accepted = _accepted(site_name, slug, day, volume)
    if not accepted:
        return {}
    positions = _free_positions(site_name, slug, day, volume)
    stable_rng("wire-slots", site_name, slug, day.isoformat()).shuffle(positions)
    return {
        position: Copy(story, copy, len(placed_copies(story, volume)) >= 2)
        for position, (story, copy) in zip(positions, accepted, strict=False)
    }


# --- text ---------------------------------------------------------------------------------------


def _vocab(site: SiteSpec) -> textgen.Vocabulary:
    return textgen.vocabulary(site.language, site.country)


@lru_cache(maxsize=4096)
def master(story: Story) -> Master:
    site = site_spec(story.site)
    vocab = _vocab(site)
    rng = stable_rng("wire-story", story.story_id)
    filler = textgen.Filler(vocab, rng, story.born.year)
    title = textgen.title(vocab, rng, story.born.year)
    intro = rng.choice(vocab.wire["intros"])
    shape = [rng.randint(2, 3) for _ in range(rng.randint(5, 7))]
    templates = iter(rng.sample(vocab.sentences, k=min(len(vocab.sentences), sum(shape))))
    paragraphs: list[tuple[tuple[str, str], ...]] = []
    for number, size in enumerate(shape):
        sentences = [(intro, filler.fill(intro))] if number == 0 else []
        for template in templates:
            if len(sentences) >= size:
                break
            sentences.append((template, filler.fill(template)))
        if sentences:
            paragraphs.append(tuple(sentences))
    return Master(title, tuple(paragraphs))


def copy_title(story: Story, copy: int, attempt: int = 0) -> str:
    """The copy's title; ``attempt`` walks through other wordings when one is taken that day."""
    site = site_spec(story.site)
    vocab = _vocab(site)
    base = master(story).title
    rng = stable_rng("wire-titles", story.story_id)
    filler = textgen.Filler(vocab, rng, story.born.year)
    prefix, other_prefix = (filler.fill(p) for p in rng.sample(vocab.wire["title_prefixes"], k=2))
    suffix = rng.choice(vocab.wire["title_suffixes"]).replace("{agency}", vocab.wire["agency"])
    separator = _TITLE_SEPARATOR.get(site.language, ": ")
    head, found, rest = base.partition(separator)
    core = _capitalise(rest) if found else base
    candidates = [
        base,
        prefix + core,
        base + suffix,
        core,
        prefix + core + suffix,
        core + suffix,
        other_prefix + core,
    ]
    variants = list(dict.fromkeys(candidates))  # distinct wordings, so copies of a story differ
    order = rng.sample(range(len(variants)), k=len(variants))
    choice = order[(copy + attempt) % len(order)]
    title = variants[choice]
    if attempt >= len(variants):  # every wording taken: say where it comes from
        title = f"{title} ({vocab.wire['agency']}, {attempt - len(variants) + 2})"
    return title


def copy_blocks(story: Story, copy: int) -> tuple[tuple[str, str], ...]:
    site = site_spec(story.site)
    vocab = _vocab(site)
    wire = vocab.wire
    dispatch = master(story)
    rng = stable_rng("wire-copy", story.story_id, copy)
    filler = textgen.Filler(vocab, rng, story.born.year)
    paragraphs = [list(p) for p in dispatch.paragraphs]
    used = {template for p in dispatch.paragraphs for template, _ in p}
    if copy > 0 or rng.random() < 0.5:  # the first copy is often the dispatch as sent
        for edit in rng.sample(_EDITS, k=rng.choice((1, 1, 1, 2, 2))):
            _edit(edit, paragraphs, rng, filler, vocab, used)
    texts = [" ".join(text for _, text in p) for p in paragraphs if p]
    if rng.random() < 0.6:
        texts[0] = _dateline(site, story.born, wire, rng) + texts[0]
    # The credit ends the last paragraph: a line of its own would read as page furniture.
    credit = rng.choice(("none", "credit", "source"))
    if credit == "credit":
        texts[-1] = f"{texts[-1]} ({wire['credit']})"
    elif credit == "source":
        texts[-1] = f"{texts[-1]} {wire['source']}."
    return tuple(("paragraph", text) for text in texts)


def _edit(
    edit: str,
    paragraphs: list[list[tuple[str, str]]],
    rng: Random,
    filler: textgen.Filler,
    vocab: textgen.Vocabulary,
    used: set[str],
) -> None:
    if edit == "intro":  # the desk rewrites the lead
        intro = rng.choice([t for t in vocab.wire["intros"] if t != paragraphs[0][0][0]])
        paragraphs[0][0] = (intro, filler.fill(intro))
        return
    if edit == "add":
        fresh = [t for t in vocab.sentences if t not in used]
        template = rng.choice(fresh or list(vocab.sentences))
        target = paragraphs[rng.randrange(len(paragraphs))]
        first = 1 if target is paragraphs[0] else 0  # the lead stays first
        target.insert(rng.randint(first, len(target)), (template, filler.fill(template)))
        return
    # drop / reword: any sentence but the lead
    candidates = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p)) if (i, j) != (0, 0)]
    if not candidates:
        return
    i, j = rng.choice(candidates)
    if edit == "drop":
        del paragraphs[i][j]
        if not paragraphs[i]:
            del paragraphs[i]
    else:  # the same sentence with other names and figures
        template = paragraphs[i][j][0]
        paragraphs[i][j] = (template, filler.fill(template))


def _dateline(site: SiteSpec, day: date, wire: dict, rng: Random) -> str:
    vocab = _vocab(site)
    city = rng.choice(vocab.slots["city"])
    month_index = day.month - 1
    values = {
        "city": city,
        "City": city,
        "CITY": city.upper(),
        "day": str(day.day),
        "month": wire.get("months", ("",) * 12)[month_index],
        "month_short": wire.get("months_short", ("",) * 12)[month_index],
        "credit": wire["credit"],
        "agency": wire["agency"],
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], wire["dateline"])


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
