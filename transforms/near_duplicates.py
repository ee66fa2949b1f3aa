"""Near-duplicate stories: the same wire story republished by several publications, over days.

Each article's body becomes a set of word shingles (after folding case,
Arabic spelling variants and digits: ``transforms.shingles``), summarised by a MinHash signature:
datasketch's ``affine32`` scheme, ``num_perm`` unsigned 32-bit values (512
bytes), computed in one vectorised step (tests check it equals datasketch's
``MinHash.update_batch``). Candidates are found by LSH banding, with the
(bands, rows) split datasketch's ``MinHashLSH`` chooses for the threshold, and
two articles are *linked* when they were published at most ``span_days`` apart
and their signatures' estimated Jaccard similarity reaches the threshold: a
property of the pair alone, so the links of a set of articles do not depend on
the order in which they (or their days) come. A story is a connected component
of the links; its id is the canonical URL of its earliest member (by published
date, then URL), which is its representative.

The warehouse finds the links at load time, against the signatures already
loaded for the days around (``story_links``: the pure matcher it is given);
``StoryIndex`` and ``cluster`` compute the same clusters in memory (benchmarks,
tests).

The banding runs over numpy arrays of the whole window at once rather than
through ``MinHashLSH`` (which holds ~8 KB of Python objects per article and
costs ~0.4 ms to insert and query one): per article the index keeps its
signature, URL and date, ~1 KB. Tests check both find the same candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

from transforms.shingles import distinct_shingles, encode_words, word_hashes

_UINT32 = np.uint32
_BATCH_BYTES = 1 << 15  # texts signed together up to this many bytes: their work fits in the CPU's cache


@dataclass(frozen=True)
class NearDuplicateParams:
    """How stories are compared. ``fingerprint`` is stored with signatures: files written with other
    parameters are recomputed, never mixed."""

    # Chosen on devsite's labelled wire stories (bench/bench_near_duplicates.py, figures in
    # bench/results/transform.md): 6-word shingles have the widest range of thresholds where
    # precision and recall stay ≥ 0.95 and F1 ≥ 0.99 (0.20 to 0.50); 0.35 is its middle.
    threshold: float = 0.35  # estimated Jaccard similarity of shingle sets to call two copies one story
    num_perm: int = 128
    shingle_words: int = 6
    seed: int = 1
    min_shingles: int = 10  # shorter texts (a title, a stub) are not clustered: they stay alone
    # LSH banding only proposes candidates, which the signatures then confirm: it is tuned to
    # miss few true pairs (weight of false negatives 0.8, false positives 0.2).
    candidate_recall_weight: float = 0.8
    # Copies of one wire story are published within three days (devsite: 2 to 5 publications,
    # up to 3 days apart): two articles further apart in published date are never linked.
    span_days: int = 2

    @property
    def fingerprint(self) -> str:
        return f"minhash-affine32/v1/perm={self.num_perm}/seed={self.seed}/k={self.shingle_words}"

    @property
    def bands_rows(self) -> tuple[int, int]:
        weight = self.candidate_recall_weight
        return optimal_bands(self.threshold, self.num_perm, 1 - weight, weight)


# --- signatures --------------------------------------------------------------------


@cache
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters for (num_perm, seed)."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(_UINT32), b.astype(_UINT32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser, as datasketch applies it before its affine32 permutations."""
    values = values ^ (values >> _UINT32(16))
    values = values * _UINT32(0x85EBCA6B)
    values = values ^ (values >> _UINT32(13))
    values = values * _UINT32(0xC2B2AE35)
    return values ^ (values >> _UINT32(16))


def minhash_values(hashes: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """The MinHash signature of a set of 32-bit hashes: equal to datasketch's
    ``MinHash(num_perm, seed, scheme="affine32", hashfunc=<identity>).update_batch(hashes).hashvalues``,
    computed in one vectorised step."""
    a, b = _permutations(num_perm, seed)
    with np.errstate(over="ignore"):
        mixed = _fmix32(hashes.astype(_UINT32))
        return (mixed[:, None] * a + b).min(axis=0)


def signature(text: str | None, params: NearDuplicateParams = NearDuplicateParams()) -> np.ndarray | None:
    """The story signature of a text, or None when it is too short to compare."""
    return signatures([text], params)[0]


def signatures(
    texts: Sequence[str | None], params: NearDuplicateParams = NearDuplicateParams()
) -> list[np.ndarray | None]:
    """``signature`` of each text, computed together: one numpy pass per ~100 KB of text instead of
    one per text (the transform stage signs a batch of articles at a time)."""
    out: list[np.ndarray | None] = []
    chunk: list[bytes] = []
    size = 0
    for text in texts:
        encoded = encode_words(text) + b" "
        if chunk and size + len(encoded) > _BATCH_BYTES:
            out += _sign(chunk, params)
            chunk, size = [], 0
        chunk.append(encoded)
        size += len(encoded)
    if chunk:
        out += _sign(chunk, params)
    return out


def _sign(encoded: list[bytes], params: NearDuplicateParams) -> list[np.ndarray | None]:
    hashes, texts = word_hashes(b"".join(encoded), [len(e) for e in encoded])
    shingles, owners = distinct_shingles(hashes, texts, params.shingle_words)
    counts = np.bincount(owners, minlength=len(encoded))
    out: list[np.ndarray | None] = [None] * len(encoded)
    if not len(shingles):
        return out
    a, b = _permutations(params.num_perm, params.seed)
    with np.errstate(over="ignore"):
        # permutations × shingles, each row contiguous: the per-text minima read memory in order
        values = a[:, None] * _fmix32(shingles)[None, :] + b[:, None]
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    present = np.flatnonzero(counts)
    minima = np.minimum.reduceat(values, firsts[present], axis=1).T
    for row, text in enumerate(present.tolist()):
        if counts[text] >= params.min_shingles:
            out[text] = minima[row]
    return out


def estimated_jaccard(left: np.ndarray, right: np.ndarray) -> float:
    return float(np.count_nonzero(left == right)) / len(left)


# --- banding ------------------------------------------------------------------------


@cache
def optimal_bands(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false positive and false negative areas around
    ``threshold``: the choice datasketch's ``MinHashLSH(threshold, num_perm, weights)`` makes (its
    integrals, on a fine grid)."""
    steps = 1000
    below = (np.arange(steps) + 0.5) * (threshold / steps)
    above = threshold + (np.arange(steps) + 0.5) * ((1 - threshold) / steps)
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = (1 - (1 - below**rows) ** bands).mean() * threshold
            false_negative = ((1 - above**rows) ** bands).mean() * (1 - threshold)
            error = fp_weight * false_positive + fn_weight * false_negative
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def band_keys(values: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band of each signature (equal keys ⇔ equal bands, but for rare collisions):
    ``values`` is one signature (→ ``bands`` keys) or a matrix of them (→ ``n × bands``)."""
    used = np.atleast_2d(values)[:, : bands * rows].reshape(-1, bands, rows).astype(np.uint64)
    keys = np.zeros(used.shape[:2], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(rows):
            keys = (keys * np.uint64(0x100000001B3)) ^ used[:, :, column]
    return keys[0] if values.ndim == 1 else keys


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(left, right) arrays of the pairs of ``signatures`` (rows) that share a band, band by band:
    a pair that shares several bands comes several times. All numpy: no loop over buckets,
    however many."""
    for band in range(bands if len(signatures) else 0):
        keys = band_keys(signatures[:, band * rows : (band + 1) * rows], 1, rows)[:, 0]
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        run = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]])  # bucket number, in key order
        longest = int(np.bincount(run).max())
        # Members of a bucket are neighbours in key order: pair each with the next d-th one.
        for distance in range(1, longest):
            same = run[distance:] == run[:-distance]
            if same.any():
                yield order[:-distance][same], order[distance:][same]


_CONFIRM = 8192  # candidate pairs whose signatures are compared at once


def linked_pairs(
    signatures: np.ndarray,
    days: np.ndarray,
    params: NearDuplicateParams = NearDuplicateParams(),
    fresh: np.ndarray | None = None,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """The links among ``signatures`` (n × num_perm), in chunks: (candidate pairs checked,
    left, right) with ``left``/``right`` row numbers of linked pairs, published (``days``, as
    day numbers) at most ``span_days`` apart, estimated similarity at least the threshold.
    With ``fresh`` (n booleans), only pairs with a fresh member. A pair sharing several bands
    comes several times. Memory is bounded: candidates are confirmed in chunks, so it does not
    follow their number (which grows with the square of the articles on templated text)."""
    bands, rows = params.bands_rows
    for lefts, rights in candidate_pairs(signatures, bands, rows):
        for start in range(0, len(lefts), _CONFIRM):
            left, right = lefts[start : start + _CONFIRM], rights[start : start + _CONFIRM]
            keep = np.abs(days[left] - days[right]) <= params.span_days
            if fresh is not None:
                keep &= fresh[left] | fresh[right]
            left, right = left[keep], right[keep]
            similar = (signatures[left] == signatures[right]).mean(axis=1) >= params.threshold
            yield len(keep), left[similar], right[similar]


def story_links(
    signatures: Sequence[bytes],
    days: Sequence[int],
    fresh: Sequence[bool],
    params: NearDuplicateParams = NearDuplicateParams(),
) -> list[tuple[int, int]]:
    """The matcher the warehouse is given: signatures as stored (``num_perm`` little-endian
    uint32 each), published days as day numbers, which articles are fresh (the loading
    partition's) → the distinct linked pairs (i < j) with a fresh member, sorted."""
    count = len(signatures)
    if count < 2:
        return []
    width = 4 * params.num_perm
    if any(len(value) != width for value in signatures):
        raise ValueError(f"story signatures must be {width} bytes ({params.fingerprint})")
    values = np.frombuffer(b"".join(signatures), dtype="<u4").reshape(count, params.num_perm)
    day_numbers = np.asarray(days, dtype=np.int64)
    found = [
        np.minimum(left, right) * count + np.maximum(left, right)
        for _, left, right in linked_pairs(values, day_numbers, params, np.asarray(fresh, dtype=bool))
    ]
    if not found:
        return []
    codes = np.unique(np.concatenate(found))
    return list(zip((codes // count).tolist(), (codes % count).tolist(), strict=True))


# --- clusters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    cluster_id: str
    is_representative: bool


_CHUNK = 1024  # signatures are kept in blocks of this many rows


class StoryIndex:
    """The articles of one site over a period, clustered into stories in memory: what the
    warehouse's links and components give for the same articles.

    ``add`` each article's signature (in any order: the result is the same),
    then read ``assignment``/``assignments``. Clustering runs once, when first
    asked, over everything added (and again if more is added): the links
    (``linked_pairs``) joined transitively. Memory per article: its signature
    (``4 × num_perm`` bytes), its URL and date; band keys exist only while clustering.
    """

    def __init__(self, params: NearDuplicateParams = NearDuplicateParams()) -> None:
        self.params = params
        self._bands, self._rows = params.bands_rows
        self._urls: list[str] = []
        self._order: list[tuple[date, str]] = []  # (published, url): the earliest is the representative
        self._ids: dict[str, int] = {}
        self._blocks: list[np.ndarray] = []
        self._representative: np.ndarray | None = None  # node → its cluster's earliest member
        self.candidate_pairs = 0  # pair checks made by the last clustering (a pair may share bands)
        self.confirmed_pairs = 0

    def __len__(self) -> int:
        return len(self._urls)

    def __contains__(self, url: str) -> bool:
        return url in self._ids

    def _row(self, node: int) -> tuple[np.ndarray, int]:
        return self._blocks[node // _CHUNK], node % _CHUNK

    def add(self, url: str, published: date, values: np.ndarray) -> None:
        """Index one article. The same URL again (re-listed on a later day) is one member: its
        earliest date is kept, and its latest text is the one compared."""
        node = self._ids.get(url)
        if node is None:
            node = len(self._urls)
            self._ids[url] = node
            self._urls.append(url)
            self._order.append((published, url))
            if node % _CHUNK == 0:
                self._blocks.append(np.empty((_CHUNK, self.params.num_perm), dtype=_UINT32))
        else:
            self._order[node] = min(self._order[node], (published, url))
        block, row = self._row(node)
        block[row] = values
        self._representative = None

    def _signatures(self) -> np.ndarray:
        """All signatures as one array (a copy while clustering: 4 × num_perm bytes an article)."""
        count = len(self._urls)
        if not count:
            return np.empty((0, self.params.num_perm), dtype=_UINT32)
        return np.concatenate(self._blocks)[:count]

    def _candidate_pairs(self, signatures: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return candidate_pairs(signatures, self._bands, self._rows)

    def _cluster(self) -> np.ndarray:
        count = len(self._urls)
        signatures = self._signatures()
        parent = list(range(count))

        def find(node: int) -> int:
            root = node
            while parent[root] != root:
                root = parent[root]
            while parent[node] != root:
                parent[node], node = root, parent[node]
            return root

        checked = confirmed = 0
        order = self._order
        days = np.array([published.toordinal() for published, _ in order], dtype=np.int64)
        for candidates, left, right in linked_pairs(signatures, days, self.params):
            checked += candidates
            for a, b in zip(left.tolist(), right.tolist(), strict=True):
                confirmed += 1
                a, b = find(a), find(b)
                if a != b:
                    parent[b] = a
        self.candidate_pairs, self.confirmed_pairs = checked, confirmed
        earliest: dict[int, int] = {}
        for node in range(count):
            root = find(node)
            best = earliest.get(root)
            if best is None or order[node] < order[best]:
                earliest[root] = node
        return np.array([earliest[find(node)] for node in range(count)], dtype=np.int64)

    def assignment(self, url: str) -> Assignment | None:
        node = self._ids.get(url)
        if node is None:
            return None
        if self._representative is None:
            self._representative = self._cluster()
        representative = int(self._representative[node])
        return Assignment(self._urls[representative], representative == node)

    def assignments(self) -> Iterator[tuple[str, Assignment]]:
        for url in self._urls:
            found = self.assignment(url)
            assert found is not None
            yield url, found

    def cluster_sizes(self) -> dict[str, int]:
        """Clusters of more than one article: id → size."""
        sizes: dict[str, int] = {}
        for _, found in self.assignments():
            sizes[found.cluster_id] = sizes.get(found.cluster_id, 0) + 1
        return {cluster_id: size for cluster_id, size in sizes.items() if size > 1}


def cluster(
    articles: Iterable[tuple[str, date, str | None]], params: NearDuplicateParams = NearDuplicateParams()
) -> dict[str, Assignment | None]:
    """(url, published date, text) → each URL's cluster; None for texts too short to compare."""
    index = StoryIndex(params)
    urls = []
    for url, published, text in articles:
        urls.append(url)
        values = signature(text, params)
        if values is not None:
            index.add(url, published, values)
    return {url: index.assignment(url) for url in urls}
