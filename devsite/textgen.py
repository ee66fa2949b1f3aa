"""Plausible news text from a per-language vocabulary of templates (``data/vocab-<lang>.json``).

A vocabulary file holds the language's templates and, under ``countries``, what differs per
country (places, people, institutions, currency): ``vocabulary("ar", "eg")`` is the Arabic base
with the Egyptian overlay. Everything is drawn from the ``random.Random`` it is given, so the
caller's seed fixes the text. The output is clean text (NFC, single spaces, no markup): noise is
added only when rendering.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from random import Random
from typing import Any

MIN_WORDS = 60
MAX_WORDS = 800
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Vocabulary:
    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    subheadings: tuple[str, ...]
    interview_headings: tuple[str, ...]
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    slots: dict[str, tuple[str, ...]]
    ticker_foreign: tuple[tuple[str, str], ...]  # (headline, url) in other languages
    numbers: dict[str, str]  # how amounts, percentages and counts are written
    authors: tuple[str, ...]  # journalists' bylines on publishers' pages
    wire: dict[str, Any]  # agency name, credits, datelines: see devsite.wire


# v1 wrote French numbers in code; these are the same strings as templates.
_DEFAULT_NUMBERS = {
    "billions": "{a},{b} milliards de dirhams",
    "millions": "{n} millions de dirhams",
    "pct": "{a},{b} %",
    "thousands": " ",
}
_MERGED = ("slots", "numbers", "wire")  # an overlay adds to these; it replaces any other key


@cache
def vocabulary(language: str, country: str | None = None) -> Vocabulary:
    path = resources.files("devsite").joinpath("data", f"vocab-{language}.json")
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    overlay = raw.get("countries", {}).get(country, {}) if country else {}
    for key, value in overlay.items():
        raw[key] = {**raw.get(key, {}), **value} if key in _MERGED else value
    return Vocabulary(
        titles=tuple(raw["titles"]),
        sentences=tuple(raw["sentences"]),
        subheadings=tuple(raw["subheadings"]),
        interview_headings=tuple(raw["interview_headings"]),
        questions=tuple(raw["questions"]),
        answers=tuple(raw["answers"]),
        slots={name: tuple(values) for name, values in raw["slots"].items()},
        ticker_foreign=tuple((item["text"], item["url"]) for item in raw["ticker_foreign"]),
        numbers={**_DEFAULT_NUMBERS, **raw.get("numbers", {})},
        authors=tuple(raw.get("authors", raw["slots"].get("person", ()))),
        wire=raw.get("wire", {}),
    )


class Filler:
    """Expands ``{slot}`` templates; ``year`` anchors the numbers that are years."""

    def __init__(self, vocab: Vocabulary, rng: Random, year: int) -> None:
        self.vocab = vocab
        self.rng = rng
        self.year = year
        self._decks: dict[str, list[str]] = {}

    def draw(self, name: str, pool: tuple[str, ...]) -> str:
        """Templates dealt like cards, so an article repeats a sentence only once the pool is used up."""
        deck = self._decks.get(name)
        if not deck:
            deck = self._decks[name] = self.rng.sample(pool, k=len(pool))
        return self.fill(deck.pop())

    def fill(self, template: str) -> str:
        return _SLOT.sub(self._expand, template)

    def _expand(self, match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("_"):
            return self._number(name)
        capitalise = name[0].isupper()
        key = name[0].lower() + name[1:]
        value = self.fill(self.rng.choice(self.vocab.slots[key]))
        return value[0].upper() + value[1:] if capitalise else value

    def _number(self, name: str) -> str:
        # The draws are v1's, in v1's order: only the wording comes from the vocabulary.
        rng, numbers = self.rng, self.vocab.numbers
        if name == "_amount":
            if rng.random() < 0.3:
                whole, tenth = rng.randint(1, 12), rng.randint(1, 9)
                return numbers["billions"].format(a=whole, b=tenth)
            return numbers["millions"].format(n=rng.randint(5, 950))
        if name == "_pct":
            whole, tenth = rng.randint(1, 24), rng.randint(0, 9)
            return numbers["pct"].format(a=whole, b=tenth)
        if name == "_count":
            count = rng.choice((rng.randint(40, 999), rng.randint(1000, 60000)))
            return _group_thousands(count, numbers["thousands"])
        if name == "_year":
            return str(self.year + rng.randint(1, 5))
        raise KeyError(f"unknown number slot {name}")


def _group_thousands(number: int, separator: str) -> str:
    # French groups thousands with a space; the renderer may turn it into a no-break space.
    return f"{number:,}".replace(",", separator)


def _paragraph(filler: Filler, sentences: int) -> str:
    return " ".join(filler.draw("sentences", filler.vocab.sentences) for _ in range(sentences))


def title(vocab: Vocabulary, rng: Random, year: int) -> str:
    return Filler(vocab, rng, year).fill(rng.choice(vocab.titles))


def blocks(vocab: Vocabulary, rng: Random, year: int) -> tuple[tuple[str, str], ...]:
    """3 to 10 blocks, MIN_WORDS to MAX_WORDS words: plain, with subheadings, or with an interview."""
    filler = Filler(vocab, rng, year)
    target = rng.randint(3, 10)
    shape = rng.random()
    out: list[tuple[str, str]] = [("paragraph", _paragraph(filler, rng.randint(2, 4)))]
    if shape < 0.15 and target >= 5:
        while len(out) < target - 3 and len(out) < 3:
            out.append(("paragraph", _paragraph(filler, rng.randint(2, 4))))
        out.append(("subheading", filler.fill(rng.choice(vocab.interview_headings))))
        questions = rng.sample(vocab.questions, k=min(len(vocab.questions), (target - len(out)) // 2))
        for question in questions:
            out.append(("question", filler.fill(question)))
            answer = " ".join(filler.draw("answers", vocab.answers) for _ in range(rng.randint(1, 3)))
            out.append(("answer", answer))
    elif shape < 0.5:
        headings = iter(rng.sample(vocab.subheadings, k=len(vocab.subheadings)))
        while len(out) < target:
            if len(out) <= target - 2 and rng.random() < 0.4:
                out.append(("subheading", next(headings)))
            out.append(("paragraph", _paragraph(filler, rng.randint(1, 4))))
    else:
        while len(out) < target:
            out.append(("paragraph", _paragraph(filler, rng.randint(1, 4))))
    return _fit(filler, out)


def _words(blocks_: list[tuple[str, str]]) -> int:
    return sum(len(text.split()) for _, text in blocks_)


def _fit(filler: Filler, out: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    while _words(out) > MAX_WORDS and len(out) > 3:
        out.pop()
    while out and out[-1][0] in ("subheading", "question"):
        out.pop()  # a heading or a question with nothing after it reads as a cut-off page
    while _words(out) < MIN_WORDS:
        kind, text = out[0]
        out[0] = (kind, f"{text} {filler.draw('sentences', filler.vocab.sentences)}")
    return tuple((kind, unicodedata.normalize("NFC", text)) for kind, text in out)


def snippet(text: str, words: int = 25) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + "…"


def sentence(filler: Filler) -> str:
    """One body sentence, dealt from the same deck as the paragraphs'."""
    return filler.draw("sentences", filler.vocab.sentences)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-")


_ARABIC_WORD = re.compile(r"[\w\u0600-\u06ff]+")


def slugify_words(text: str, words: int = 8) -> str:
    """A URL slug that keeps non-Latin letters (``اليوم-السابع-...``), as Arabic sites write them;
    the caller percent-encodes it."""
    found = _ARABIC_WORD.findall(unicodedata.normalize("NFC", text))
    return "-".join(found[:words])


_EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def eastern_digits(text: str) -> str:
    return text.translate(_EASTERN)
