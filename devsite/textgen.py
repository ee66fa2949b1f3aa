"""Plausible news text from a per-language vocabulary of templates (``data/vocab-<lang>.json``).

Everything is drawn from the ``random.Random`` it is given, so the caller's seed fixes the text.
The output is clean text (NFC, single spaces, no markup): noise is added only when rendering.
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


@cache
def vocabulary(language: str) -> Vocabulary:
    path = resources.files("devsite").joinpath("data", f"vocab-{language}.json")
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return Vocabulary(
        titles=tuple(raw["titles"]),
        sentences=tuple(raw["sentences"]),
        subheadings=tuple(raw["subheadings"]),
        interview_headings=tuple(raw["interview_headings"]),
        questions=tuple(raw["questions"]),
        answers=tuple(raw["answers"]),
        slots={name: tuple(values) for name, values in raw["slots"].items()},
        ticker_foreign=tuple((item["text"], item["url"]) for item in raw["ticker_foreign"]),
    )


class _Filler:
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
        rng = self.rng
        if name == "_amount":
            if rng.random() < 0.3:
                return f"{rng.randint(1, 12)},{rng.randint(1, 9)} milliards de dirhams"
            return f"{rng.randint(5, 950)} millions de dirhams"
        if name == "_pct":
            return f"{rng.randint(1, 24)},{rng.randint(0, 9)} %"
        if name == "_count":
            return _group_thousands(rng.choice((rng.randint(40, 999), rng.randint(1000, 60000))))
        if name == "_year":
            return str(self.year + rng.randint(1, 5))
        raise KeyError(f"unknown number slot {name}")


def _group_thousands(number: int) -> str:
    # French groups thousands with a space; the renderer may turn it into a no-break space.
    return f"{number:,}".replace(",", " ")


def _paragraph(filler: _Filler, sentences: int) -> str:
    return " ".join(filler.draw("sentences", filler.vocab.sentences) for _ in range(sentences))


def title(vocab: Vocabulary, rng: Random, year: int) -> str:
    return _Filler(vocab, rng, year).fill(rng.choice(vocab.titles))


def blocks(vocab: Vocabulary, rng: Random, year: int) -> tuple[tuple[str, str], ...]:
    """3 to 10 blocks, MIN_WORDS to MAX_WORDS words: plain, with subheadings, or with an interview."""
    filler = _Filler(vocab, rng, year)
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


def _fit(filler: _Filler, out: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
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


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-")
