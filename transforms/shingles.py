"""Word shingles of a story's text, hashed: what its near-duplicate signature is computed from.

Texts are compared as their words: case folded, Arabic diacritics, tatweel and
letter variants made one, Eastern digits as ASCII (``story_tokens``). Each
word gets a 64-bit polynomial hash of its UTF-8 bytes and each run of
``shingle_words`` words a 32-bit shingle hash, for many texts at once in numpy
(``word_hashes`` over texts encoded back to back by ``encode_words``, then
``distinct_shingles``), so that ``near_duplicates`` signs a batch of articles
in a few array operations. The hashes are stable across processes and machines
(no ``hash()``): signatures are stored and compared across days.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

_UINT32 = np.uint32

# Shingle folding: case, Arabic diacritics/tatweel/alef forms, digits.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_FOLD = str.maketrans(
    "أإآٱىةؤئ٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "اااايهوي01234567890123456789",
)
_TOKEN = re.compile(r"\w+")
_NON_WORD = re.compile(r"[^\w ]")  # one character at a time: runs of spaces are left as they are
_NEEDS_FOLD = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

# Mixing multipliers for combining token hashes into a shingle hash (odd 32-bit constants).
_SHINGLE_MULTIPLIERS = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1, 0xD3A2646C | 1)


def _folded(text: str) -> str:
    folded = text.casefold()
    if _NEEDS_FOLD.search(folded):  # Arabic script or Eastern digits: most Latin texts have neither
        folded = _ARABIC_MARKS.sub("", folded).translate(_FOLD)
    return folded


def story_tokens(text: str | None) -> list[str]:
    """The words of a text as compared across copies: lower case, Arabic variants folded, ASCII digits."""
    return _TOKEN.findall(_folded(text)) if text else []


# Token hashes: a polynomial hash of each word's UTF-8 bytes, computed for all the words of a
# text at once from prefix sums (mod 2^64; _BASE is odd, so it has an inverse).
_BASE = 0x100000001B3
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)
_SPACE = 0x20


@cache
def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """_BASE^k and _BASE^-k for k < length (length rounded up to a power of two by the caller)."""
    forward = np.empty(length, dtype=np.uint64)
    backward = np.empty(length, dtype=np.uint64)
    forward[0] = backward[0] = 1
    with np.errstate(over="ignore"):
        if length > 1:
            forward[1:] = np.cumprod(np.full(length - 1, _BASE, dtype=np.uint64))
            backward[1:] = np.cumprod(np.full(length - 1, _BASE_INVERSE, dtype=np.uint64))
    return forward, backward


_CACHED_POWERS = 1 << 18  # longer texts compute their own powers (a few MB at most are kept)


def encode_words(text: str | None) -> bytes:
    """The folded text as UTF-8, every character that is not part of a word a space."""
    return _NON_WORD.sub(" ", _folded(text)).encode("utf-8", "surrogatepass") if text else b""


def word_hashes(data: bytes, lengths: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(hash of each word, index of its text) for texts encoded back to back in ``data``
    (each followed by one space; ``lengths`` include it)."""
    codes = np.frombuffer(b" " + data, dtype=np.uint8)  # padded: every word has two edges
    space = codes == _SPACE
    starts = np.flatnonzero(space[:-1] & ~space[1:])  # index of the space before a word
    if not len(starts):
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    ends = np.flatnonzero(~space[:-1] & space[1:])  # index of a word's last byte
    size = 1 << len(codes).bit_length()
    if size > _CACHED_POWERS:  # one very long text: its own powers, not cached
        forward, backward = _powers.__wrapped__(len(codes))
    else:
        forward, backward = _powers(size)
    with np.errstate(over="ignore"):
        # prefix[i] = sum of (byte + 1) * _BASE^k for k <= i; word (start, end] = prefix[end] - prefix[start]
        prefix = np.cumsum((codes + np.uint64(1)) * forward[: len(codes)])
        hashes = (prefix[ends] - prefix[starts]) * backward[starts + 1]
    boundaries = np.cumsum(lengths)  # a text's bytes end (space included) here
    return hashes, np.searchsorted(boundaries, starts, side="right")


def distinct_shingles(
    hashes: np.ndarray, texts: np.ndarray, shingle_words: int
) -> tuple[np.ndarray, np.ndarray]:
    """(distinct 32-bit shingle hashes, their text), sorted by text: windows never cross texts."""
    n = len(hashes) - shingle_words + 1
    if n <= 0:
        return np.empty(0, dtype=_UINT32), np.empty(0, dtype=np.int64)
    combined = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(shingle_words):
            multiplier = np.uint64(_SHINGLE_MULTIPLIERS[offset % len(_SHINGLE_MULTIPLIERS)])
            combined = combined * np.uint64(0x9E3779B97F4A7C15) + hashes[offset : offset + n] * multiplier
        folded = ((combined >> np.uint64(32)) ^ combined) & np.uint64(0xFFFFFFFF)
    same_text = texts[:n] == texts[shingle_words - 1 :]
    keys = np.unique((texts[:n][same_text].astype(np.uint64) << np.uint64(32)) | folded[same_text])
    return (keys & np.uint64(0xFFFFFFFF)).astype(_UINT32), (keys >> np.uint64(32)).astype(np.int64)


def token_hashes(text: str | None) -> np.ndarray:
    """A 64-bit hash of each word of the text, in order: the words of ``story_tokens``, hashed from
    their UTF-8 bytes (stable across processes and machines)."""
    data = encode_words(text) + b" "
    return word_hashes(data, [len(data)])[0]


def shingle_hashes(text: str | None, shingle_words: int = 3) -> np.ndarray:
    """The distinct 32-bit hashes of the text's ``shingle_words``-word shingles (stable across processes)."""
    data = encode_words(text) + b" "
    hashes, texts = word_hashes(data, [len(data)])
    return distinct_shingles(hashes, texts, shingle_words)[0]
