"""Language of an article's text, offline, with the page's declared language as a prior.

Three signals, cheapest first:

1. length: under ``MIN_WORDS`` words nothing is reliable → ``too_short``, the
   declared language is kept;
2. script: Arabic letters against Latin letters. Only Arabic is written in
   Arabic script in this family, so a text in that script is Arabic; one with a
   large share of both scripts is ``mixed``;
3. Latin-script texts: lingua (built once per process, lazily, with only the
   family's Latin-script languages, low-accuracy mode) on a bounded sample of
   the text (its head and tail), its confidences
   weighted by a prior that favours the declared language; blocks are also
   profiled by function words, so that a French article with a long English
   interview says ``mixed`` rather than pick one.

Statuses: ``detected`` (lingua confident; or fairly confident, ≥ 0.6, with the
whole text's function words agreeing), ``declared`` (not confident: the page's
own language is kept), ``mixed``, ``too_short``. A confident detection that
contradicts the page is kept, and ``note`` says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from transforms.text import word_count

# The languages the family publishes in (and Spanish, which tickers carry). Arabic is told by
# its script; lingua tells the Latin-script ones apart.
LANGUAGES: tuple[str, ...] = ("fr", "ar", "en", "es")
LATIN_LANGUAGES: tuple[str, ...] = ("fr", "en", "es")
MIN_WORDS = 20
# lingua's posterior needed to call a language detected; or this much, when the whole text's
# function words agree.
CONFIDENT = 0.9
SECOND_OPINION = 0.6
# Weight of the declared language in the prior; the rest is shared by the others.
DECLARED_PRIOR = 0.5
# A text whose second language holds at least this share of the words is mixed.
MIXED_SHARE = 0.2
# Characters of text lingua reads: a head and a tail of this many each. Its
# cost grows with the text; in low-accuracy mode (trigrams only) ~100
# characters of news prose decide fr/en/es as well as the whole text does
# (devsite's French and English articles: all right, confidence ≥ 0.99), at a
# third of the cost of the high-accuracy mode on the same sample.
SAMPLE_CHARS = 48

_ARABIC_LETTER = re.compile(
    r"[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]"
)
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['’][A-Za-z\u00c0-\u024f]+)?")

# Function words that only one of the Latin-script languages uses often
# ("la", "de", "que", "en", "se", "on", "y", "entre" are shared: left out).
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        {
            "le", "les", "des", "du", "et", "est", "une", "dans", "pour", "qui", "sur", "au", "aux",
            "par", "pas", "avec", "cette", "il", "elle", "ils", "ont", "sont", "été", "ses", "leur",
            "leurs", "mais", "où", "très", "plus", "être", "nous", "vous", "selon", "cet", "aussi",
            "lors", "après",
        }
    ),
    "en": frozenset(
        {
            "the", "of", "and", "to", "is", "that", "for", "with", "was", "by", "are", "it", "at",
            "from", "this", "be", "have", "has", "which", "were", "will", "its", "an", "their", "been",
            "they", "after", "also", "who", "would", "there", "about", "into",
        }
    ),
    "es": frozenset(
        {
            "el", "los", "las", "del", "por", "con", "para", "una", "es", "su", "al", "lo", "como",
            "más", "pero", "fue", "este", "esta", "sus", "también", "ha", "han", "sobre",
            "hasta", "desde", "muy",
        }
    ),
}  # fmt: skip
_MIN_BLOCK_HITS = 2
_BLOCK_SAMPLE_CHARS = 240


@dataclass(frozen=True)
class LanguageResult:
    language: str  # what the row says: detected, or declared when detection cannot decide
    status: str  # detected | declared | mixed | too_short
    confidence: float | None  # posterior of ``language`` (script share for Arabic); None when too short
    detected: str | None = None  # the detector's best guess, even when not used
    note: str | None = None  # a confident detection that contradicts the page


def normalise_language(code: str | None) -> str | None:
    """ "fr-FR", "ar_MA", "EN" → "fr", "ar", "en"; None for nothing usable."""
    if not code:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return base if re.fullmatch(r"[a-z]{2,3}", base) else None


@cache
def _lingua():
    """(detector, lingua language → ISO code) for the Latin-script languages, built once."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in LATIN_LANGUAGES
    ]
    builder = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models()
    detector = builder.with_low_accuracy_mode().build()
    codes = {language: language.iso_code_639_1.name.lower() for language in languages}
    return detector, codes


def preload() -> None:
    """Build the detector now (a worker's start-up) rather than on the first article."""
    _lingua()


def _sample(text: str) -> str:
    if len(text) <= 2 * SAMPLE_CHARS + 40:
        return text
    head = text[:SAMPLE_CHARS].rsplit(" ", 1)[0]
    tail = text[-SAMPLE_CHARS:].split(" ", 1)[-1]
    return f"{head} {tail}"


def _posterior(values: dict[str, float], declared: str | None) -> dict[str, float]:
    """lingua's confidences weighted by the prior (the declared language favoured), renormalised."""
    others = [code for code in values if code != declared]
    if declared in values and others:
        prior = {code: (1 - DECLARED_PRIOR) / len(others) for code in others} | {declared: DECLARED_PRIOR}
    else:
        prior = dict.fromkeys(values, 1 / len(values))
    weighted = {code: value * prior[code] for code, value in values.items()}
    total = sum(weighted.values())
    return {code: w / total for code, w in weighted.items()} if total else values


def _lingua_confidences(samples: Sequence[str]) -> list[dict[str, float]]:
    """lingua's confidences for each sample, computed one after the other: its models stay in
    the CPU's caches (interleaved with other work, each call costs twice as much)."""
    detector, codes = _lingua()
    compute = detector.compute_language_confidence_values
    return [{codes[v.language]: v.value for v in compute(sample)} for sample in samples]


def _lingua_posterior(text: str, declared: str | None) -> dict[str, float]:
    return _posterior(_lingua_confidences([_sample(text)])[0], declared)


_FUNCTION_WORD_LANGUAGE: dict[str, str] = {
    word: code for code, words in FUNCTION_WORDS.items() for word in words
}


def _block_language(block: str) -> tuple[str | None, int]:
    """(language by function words, words) of one block; None when the block says too little."""
    words = len(block.split())
    if _ARABIC_LETTER.search(block):
        arabic = len(_ARABIC_LETTER.findall(block))
        if arabic > 2 * len(_LATIN_LETTER.findall(block)):
            return "ar", words
    # A block's opening words say its language as well as all of them: bounded work per block.
    latin_words = _LATIN_WORD.findall(block[:_BLOCK_SAMPLE_CHARS].lower())
    hits = Counter(map(_FUNCTION_WORD_LANGUAGE.get, latin_words))  # counted in C
    ranked = sorted(((hits[code], code) for code in FUNCTION_WORDS), reverse=True)
    (top, best), (second, _) = ranked[0], ranked[1]
    if top >= _MIN_BLOCK_HITS and top >= 2 * second:
        return best, words
    return None, words


def _may_be_mixed(blocks: Sequence[str]) -> bool:
    """Whether a second language's function words are frequent enough in the blocks' opening words
    to look block by block (a monolingual text has next to none: most texts stop here)."""
    heads = " ".join(block[:_BLOCK_SAMPLE_CHARS] for block in blocks).lower()
    hits = Counter(map(_FUNCTION_WORD_LANGUAGE.get, _LATIN_WORD.findall(heads)))
    counts = sorted((hits[code] for code in FUNCTION_WORDS), reverse=True)
    return counts[1] >= _MIN_BLOCK_HITS and counts[1] >= 0.5 * MIXED_SHARE * counts[0]


def language_shares(blocks: Sequence[str]) -> dict[str, float]:
    """Share of the words of the text in each language, block by block (blocks that say too little
    are left out)."""
    words: dict[str, int] = {}
    for block in blocks:
        language, count = _block_language(block)
        if language is not None:
            words[language] = words.get(language, 0) + count
    total = sum(words.values())
    return (
        {code: count / total for code, count in sorted(words.items(), key=lambda i: -i[1])} if total else {}
    )


@dataclass(frozen=True)
class LanguageRequest:
    """One text to detect: its blocks (paragraphs, for the mixed check), the page's own language,
    and its word count when the caller has it."""

    text: str | None
    declared: str | None
    blocks: Sequence[str] | None = None
    words: int | None = None


def detect_language(
    text: str | None,
    declared: str | None,
    blocks: Sequence[str] | None = None,
    *,
    words: int | None = None,
    min_words: int = MIN_WORDS,
) -> LanguageResult:
    """The language of ``text`` (its ``blocks`` when known: paragraphs, for the mixed check).

    ``declared`` is the page's own language (``<html lang>``, else the
    profile's): the answer when the text is too short or detection unsure.
    ``words``: the text's word count, when the caller has it already.
    """
    return detect_languages([LanguageRequest(text, declared, blocks, words)], min_words=min_words)[0]


def detect_languages(
    requests: Sequence[LanguageRequest], *, min_words: int = MIN_WORDS
) -> list[LanguageResult]:
    """``detect_language`` for many texts: the cheap signals text by text, then lingua on all the
    samples that need it in one run (what the transform stage does, a batch of articles at a time)."""
    results: list[LanguageResult | None] = []
    pending: list[tuple[int, str]] = []  # (request, declared) waiting for lingua
    samples: list[str] = []
    for request in requests:
        declared = normalise_language(request.declared) or "und"
        result = _without_lingua(request, declared, min_words)
        if result is None:
            pending.append((len(results), declared))
            samples.append(_sample(request.text or ""))
        results.append(result)
    for (position, declared), values in zip(pending, _lingua_confidences(samples), strict=True):
        posterior = _posterior(values, declared)
        best = max(posterior, key=posterior.__getitem__)
        if posterior[best] >= CONFIDENT or (
            posterior[best] >= SECOND_OPINION and _function_words_agree(requests[position], best)
        ):
            results[position] = _decided(best, posterior[best], declared)
        else:
            results[position] = LanguageResult(
                declared, "declared", round(posterior.get(declared, 0.0), 3), best
            )
    return [result for result in results if result is not None]


def _function_words_agree(request: LanguageRequest, language: str) -> bool:
    """Whether the whole text's function words say ``language`` too (when lingua's sample left it
    less than sure: names and figures at both ends of a text)."""
    text = request.text or ""
    blocks = request.blocks if request.blocks is not None else text.split("\n\n")
    shares = language_shares(blocks)
    return bool(shares) and next(iter(shares)) == language and shares[language] >= 1 - MIXED_SHARE / 2


def _without_lingua(request: LanguageRequest, declared: str, min_words: int) -> LanguageResult | None:
    """The answer when length, script or function words give it; None when lingua must decide."""
    text = request.text or ""
    words = request.words if request.words is not None else word_count(text)
    if words < min_words:
        return LanguageResult(declared, "too_short", None)
    if _ARABIC_LETTER.search(text):  # most texts have none: no counting then
        arabic = len(_ARABIC_LETTER.findall(text))
        latin = len(_LATIN_LETTER.findall(text))
        arabic_share = arabic / (arabic + latin)
    elif _LATIN_LETTER.search(text):
        arabic_share = 0.0
    else:
        return LanguageResult(declared, "declared", None)
    if MIXED_SHARE <= arabic_share <= 1 - MIXED_SHARE:
        return LanguageResult(declared, "mixed", round(max(arabic_share, 1 - arabic_share), 3), "ar")
    if arabic_share > 1 - MIXED_SHARE:
        return _decided("ar", arabic_share, declared)
    blocks = request.blocks if request.blocks is not None else text.split("\n\n")
    if not _may_be_mixed(blocks):
        return None
    ranked = list(language_shares(blocks).items())
    if len(ranked) >= 2 and ranked[1][1] >= MIXED_SHARE:
        return LanguageResult(declared, "mixed", round(ranked[0][1], 3), ranked[0][0])
    return None


def _decided(language: str, confidence: float, declared: str) -> LanguageResult:
    note = None
    if declared not in ("und", language):
        note = f"language: detected {language} ({confidence:.2f}), page declares {declared}"
    return LanguageResult(language, "detected", round(confidence, 3), language, note)
