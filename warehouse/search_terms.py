"""A search's words, as the DuckDB scan matches them (``warehouse.search_scan``).

The query reads as PostgreSQL's ``websearch_to_tsquery`` reads it: words must all be there,
``"a phrase"`` in that order, ``-word`` must not be, ``a or b`` either. Each word becomes, per
text-search configuration, a *key* that a word of the text must start with:

- french / english / arabic: the word's Snowball stem (the stemmers PostgreSQL's own
  configurations use), cut back to what it shares with the word itself, so that it is a prefix of
  the words it stands for ("gouvernements" → "gouvernement"… → "gouvern"); a stopword (PostgreSQL's
  lists, shipped in ``warehouse/data/stopwords``) is dropped, as PostgreSQL drops it;
- arabic also strips the definite article and the proclitics before it from the query word, and a
  text word may carry them (و ف, then ب ك ل, then ال; or لل): "الحكومة", "حكومة" and "للحكومة"
  all have the key "حكوم";
- simple: the lowercased word, matched whole.

Limits, where PostgreSQL does better: a stem that is not a prefix of the surface word (irregular
forms, Arabic broken plurals, hamza spellings "أكد" / "اكد") only matches words spelt like the
query; keys are prefixes, so "port" also finds "portail" (never "rapport": keys start a word).
Arabic diacritics and tatweel are stripped from the query only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import regex
import snowballstemmer

# ISO 639-1 code in ``articles.language`` → PostgreSQL text-search configuration (migration 0008).
CONFIG_OF_LANGUAGE = {"fr": "french", "ar": "arabic", "en": "english"}
CONFIGS = ("french", "arabic", "english", "simple")

LETTER = r"[\p{L}\p{N}\p{M}]"
NOT_LETTER = r"[^\p{L}\p{N}\p{M}]"
NOT_LETTERS = NOT_LETTER + "+"
# A word starts at the text's start or after anything but a letter (RE2's \b is ASCII only).
WORD_START = f"(?:^|{NOT_LETTER})"
ARABIC_PROCLITICS = "(?:[وف]?(?:[بكل]?ال|لل|[بكل])?)?"
_WORDS = regex.compile(r"[\p{L}\p{N}\p{M}]+")
_ARABIC = regex.compile(r"\p{Arabic}")
_ARABIC_MARKS = regex.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel
_ARTICLE = regex.compile("^(?:[وف]?[بكل]?ال|[وف]?لل)(?=..)")
_TOKENS = regex.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"?|(?P<wneg>-?)(?P<word>[^\s"]+)')


class EmptyQuery(ValueError):
    """The query has no word to search for."""


@dataclass(frozen=True)
class Item:
    """A word or a quoted phrase (its words in order, lowercased), perhaps negated."""

    words: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """AND of groups, each an OR of items."""

    groups: tuple[tuple[Item, ...], ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for group in self.groups for item in group)


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(_ARABIC_MARKS.sub("", text))]


def parse_query(text: str) -> Query:
    """``text`` as websearch_to_tsquery reads it; ``EmptyQuery`` when it holds no word."""
    groups: list[list[Item]] = []
    pending_or = False
    for token in _TOKENS.finditer(text):
        if token["phrase"] is not None:
            negated, words = bool(token["neg"]), words_of(token["phrase"])
        else:
            negated, words = bool(token["wneg"]), words_of(token["word"])
            if not negated and token["word"].lower() == "or":
                pending_or = bool(groups)
                continue
        if not words:
            continue
        item = Item(tuple(words), negated)
        if pending_or:
            groups[-1].append(item)
        else:
            groups.append([item])
        pending_or = False
    if not groups:
        raise EmptyQuery(f"no word to search for in {text!r}")
    return Query(tuple(tuple(group) for group in groups))


@cache
def _stopwords(config: str) -> frozenset[str]:
    path = resources.files("warehouse").joinpath("data", "stopwords", f"{config}.txt")
    if not path.is_file():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@cache
def _stemmer(config: str):
    return snowballstemmer.stemmer(config)


@cache
def word_key(word: str, config: str) -> str | None:
    """What a text word must start with to match ``word`` (lowercased) in ``config``; None for a
    stopword."""
    if word in _stopwords(config):
        return None
    if config == "simple":
        return word
    surface = _ARTICLE.sub("", word) if config == "arabic" else word
    shared = os.path.commonprefix([surface, _stemmer(config).stemWord(surface)])
    # A stem that shares (almost) nothing with the word: match the word as written.
    return shared if len(shared) >= min(3, len(surface)) else surface


def _word_pattern(key: str) -> str:
    return (ARABIC_PROCLITICS if _ARABIC.search(key) else "") + re.escape(key)


@dataclass(frozen=True)
class Match:
    """How an item is found in one configuration: ``needle``, a substring every match contains
    (to skip texts cheaply), and ``pattern``, the regular expression (RE2 and Python's ``regex``
    read it alike; the group ``hit`` is the words themselves)."""

    needle: str
    pattern: str


def item_match(item: Item, config: str) -> Match | None:
    """``item`` in ``config``; None when every word of it is a stopword there."""
    keys = [word_key(w, config) for w in item.words]
    while keys and keys[0] is None:
        keys.pop(0)
    while keys and keys[-1] is None:
        keys.pop()
    if not keys:
        return None
    # A stopword inside a phrase still takes its place: any one word there.
    words = [_word_pattern(key) if key else LETTER + "+" for key in keys]
    if config == "simple":  # whole words
        hit, after = NOT_LETTERS.join(words), f"(?:$|{NOT_LETTER})"
    else:  # words that start with the keys
        hit, after = (LETTER + "*" + NOT_LETTERS).join(words) + LETTER + "*", ""
    needle = max((key for key in keys if key), key=len)
    return Match(needle=needle, pattern=f"(?i){WORD_START}(?P<hit>{hit}){after}")


def needles(needle: str) -> tuple[str, ...]:
    """The spellings of ``needle`` to look for in a text without lowercasing it (which costs
    DuckDB more than the search): as is, capitalised, upper case."""
    return tuple(dict.fromkeys((needle, needle[:1].upper() + needle[1:], needle.upper())))
