"""transforms.near_duplicates: MinHash signatures as datasketch computes them, LSH banding as its
MinHashLSH does, links that are every similar pair within the span (the warehouse's matcher), and
clusters whose id does not depend on the order articles come in."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.near_duplicates import (
    NearDuplicateParams,
    StoryIndex,
    band_keys,
    cluster,
    estimated_jaccard,
    minhash_values,
    optimal_bands,
    signature,
    signatures,
    story_links,
)
from transforms.shingles import shingle_hashes

PARAMS = NearDuplicateParams()

SENTENCES = [
    "Le ministre de l'Industrie a annoncé lundi le lancement du cluster Maroc Numeric à Rabat.",
    "Le projet, estimé à 366 millions de dirhams, associe les opérateurs télécoms et les universités.",
    "Selon Mehdi Kettani, président du cluster, « l'objectif est de fédérer les acteurs du secteur ».",
    "Quatre pôles sont prévus : services mobiles, multimédia, sécurité et progiciels.",
    "Le fonds d'innovation, doté de 100 millions de dirhams, pourrait être orienté vers le cluster.",
    "Un programme de mobilité étudiante démarre cette année avec trente étudiants en master en France.",
    "Les premiers résultats sont attendus d'ici la fin de l'année, selon le ministère.",
    "La Fédération des technologies de l'information salue une initiative attendue depuis longtemps.",
]
OTHER = [
    "La Bourse de Casablanca a clôturé la séance de mardi en hausse de 1,2 %, portée par les banques.",
    "Le volume des échanges s'est établi à 245 millions de dirhams, dont l'essentiel sur le marché central.",
    "Les valeurs minières ont reculé après l'annonce d'une baisse des cours internationaux du phosphate.",
    "Les analystes s'attendent à une séance plus calme en fin de semaine, avant les résultats semestriels.",
    "Le MASI termine la semaine sur une performance annuelle de 8,4 %, son meilleur niveau depuis 2019.",
    "Les investisseurs étrangers restent prudents face à la remontée des taux d'intérêt en Europe.",
]


def dispatch(edit: int = 0) -> str:
    """The wire story as a publication runs it: a dateline, a sentence dropped or added, a credit."""
    sentences = list(SENTENCES)
    if edit % 3 == 1:
        sentences[0] = "RABAT (MAP) - " + sentences[0]
        del sentences[4]
    if edit % 3 == 2:
        sentences.insert(3, "Le cluster compte déjà une quarantaine d'adhérents, a-t-on appris.")
        sentences.append("(MAP)")
    return " ".join(sentences)


def test_signature_equals_datasketch_minhash() -> None:
    hashes = shingle_hashes(dispatch(), 3)
    reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=lambda value: value)
    reference.update_batch([int(h) for h in hashes])
    assert np.array_equal(minhash_values(hashes, 128, 1), reference.hashvalues)
    assert signature(dispatch(), PARAMS).dtype == np.uint32


@pytest.mark.parametrize("threshold", [0.3, 0.35, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.2, 0.8)])
def test_banding_is_datasketch_minhashlsh_banding(threshold: float, weights: tuple[float, float]) -> None:
    assert optimal_bands(threshold, 128, *weights) == _optimal_param(threshold, 128, *weights)


def test_the_index_finds_the_candidates_minhashlsh_finds() -> None:
    rng = random.Random(7)
    words = [f"mot{n}" for n in range(400)]
    texts = [" ".join(rng.choices(words, k=120)) for _ in range(30)]
    # near copies: a share of the words replaced
    texts += [
        " ".join(w if rng.random() > share else rng.choice(words) for w in base.split())
        for base, share in zip(texts[:30], [0.05, 0.2, 0.4] * 10, strict=True)
    ]
    params = NearDuplicateParams(threshold=0.5, shingle_words=1, min_shingles=1)
    lsh = MinHashLSH(num_perm=128, params=params.bands_rows)
    index = StoryIndex(params)
    signatures = [signature(text, params) for text in texts]
    for n, values in enumerate(signatures):
        lsh.insert(n, MinHash(num_perm=128, hashvalues=values, scheme="affine32"))
        index.add(str(n), date(2024, 5, 1), values)
    ours: dict[int, set[int]] = {n: {n} for n in range(len(texts))}
    for lefts, rights in index._candidate_pairs(index._signatures()):
        for left, right in zip(lefts.tolist(), rights.tolist(), strict=True):
            ours[left].add(right)
            ours[right].add(left)
    for n, values in enumerate(signatures):
        theirs = set(lsh.query(MinHash(num_perm=128, hashvalues=values, scheme="affine32")))
        assert ours[n] == theirs, n
    assert index.candidate_pairs == 0  # nothing clustered until asked
    index.assignment("0")
    assert index.candidate_pairs >= sum(len(found) - 1 for found in ours.values()) // 2


def test_copies_of_a_story_are_similar_and_unrelated_texts_are_not() -> None:
    copies = [signature(dispatch(edit), PARAMS) for edit in range(3)]
    for other in copies[1:]:
        assert estimated_jaccard(copies[0], other) >= PARAMS.threshold
    unrelated = signature(" ".join(OTHER), PARAMS)
    assert estimated_jaccard(copies[0], unrelated) < 0.1


def test_a_text_too_short_to_compare_has_no_signature() -> None:
    assert signature("Le ministre a annoncé.", PARAMS) is None
    assert signature("", PARAMS) is None


D1, D2, D3 = date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)
ARTICLES = [
    ("https://www.maghress.com/fr/lematin/20", D2, dispatch(1)),
    ("https://www.maghress.com/fr/mapexpress/10", D1, dispatch(0)),
    ("https://www.maghress.com/fr/le360/30", D3, dispatch(2)),
    ("https://www.maghress.com/fr/lesecos/40", D1, " ".join(OTHER)),
    ("https://www.maghress.com/fr/lesecos/41", D2, "Trop court."),
]


def test_cluster_id_is_the_earliest_copy() -> None:
    found = cluster(ARTICLES, PARAMS)
    story = "https://www.maghress.com/fr/mapexpress/10"
    assert {url for url, a in found.items() if a and a.cluster_id == story} == {
        "https://www.maghress.com/fr/lematin/20",
        story,
        "https://www.maghress.com/fr/le360/30",
    }
    assert found[story].is_representative
    assert not found["https://www.maghress.com/fr/lematin/20"].is_representative
    alone = found["https://www.maghress.com/fr/lesecos/40"]
    assert alone.cluster_id == "https://www.maghress.com/fr/lesecos/40" and alone.is_representative
    assert found["https://www.maghress.com/fr/lesecos/41"] is None


def test_clusters_do_not_depend_on_the_order_of_arrival() -> None:
    expected = cluster(ARTICLES, PARAMS)
    rng = random.Random(3)
    for _ in range(10):
        shuffled = list(ARTICLES)
        rng.shuffle(shuffled)
        assert cluster(shuffled, PARAMS) == expected


def test_the_same_day_tie_is_broken_by_url() -> None:
    same_day = [(url, D1, text) for url, _, text in ARTICLES[:3]]
    found = cluster(same_day, PARAMS)
    assert found["https://www.maghress.com/fr/le360/30"].is_representative  # smallest URL


def test_an_article_seen_again_is_one_member() -> None:
    index = StoryIndex(PARAMS)
    url = "https://www.maghress.com/fr/mapexpress/10"
    index.add(url, D2, signature(dispatch(0), PARAMS))
    index.add(url, D1, signature(dispatch(1), PARAMS))  # re-listed, text edited, earlier date known
    index.add("https://www.maghress.com/fr/lematin/20", D1, signature(dispatch(2), PARAMS))
    assert len(index) == 2
    assert index.assignment(url).cluster_id == "https://www.maghress.com/fr/lematin/20"
    assert index.cluster_sizes() == {"https://www.maghress.com/fr/lematin/20": 2}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(), st.text(max_size=300), st.sampled_from([dispatch(0), dispatch(1), " ".join(OTHER)])
        ),
        max_size=8,
    )
)
def test_signing_texts_together_gives_each_texts_signature(texts: list[str | None]) -> None:
    together = signatures(texts, PARAMS)
    for text, values in zip(texts, together, strict=True):
        alone = signature(text, PARAMS)
        assert (values is None and alone is None) or np.array_equal(values, alone)


# --- links: the matcher the warehouse is given ------------------------------------------


def _brute_force_links(values: list[np.ndarray], days: list[int], fresh: list[bool]) -> set[tuple[int, int]]:
    """Every pair checked one by one: shares a band, published within the span, similar enough."""
    bands, rows = PARAMS.bands_rows
    keys = [band_keys(v, bands, rows) for v in values]
    return {
        (i, j)
        for i in range(len(values))
        for j in range(i + 1, len(values))
        if (fresh[i] or fresh[j])
        and abs(days[i] - days[j]) <= PARAMS.span_days
        and bool((keys[i] == keys[j]).any())
        and estimated_jaccard(values[i], values[j]) >= PARAMS.threshold
    }


def test_story_links_are_every_pair_of_similar_copies_within_the_span() -> None:
    rng = random.Random(5)
    texts = [dispatch(edit) for edit in range(3)] + [" ".join(OTHER)]
    texts += [" ".join(rng.sample(SENTENCES, 6)) for _ in range(8)]  # partial copies, some too far apart
    values = [signature(text, PARAMS) for text in texts]
    days = [D1.toordinal() + rng.randrange(6) for _ in texts]
    for fresh in ([True] * len(texts), [n % 3 == 0 for n in range(len(texts))]):
        expected = _brute_force_links(values, days, fresh)
        assert story_links([v.tobytes() for v in values], days, fresh, PARAMS) == sorted(expected)
    assert 5 < len(_brute_force_links(values, days, [True] * len(texts))) < len(texts) * (len(texts) - 1) / 2


def test_story_links_do_not_depend_on_the_order_of_the_signatures() -> None:
    texts = [dispatch(edit) for edit in range(3)] + [" ".join(OTHER), dispatch(0)]
    days = [D1.toordinal() + n % 3 for n in range(len(texts))]
    signed = [signature(text, PARAMS).tobytes() for text in texts]
    expected = {(min(i, j), max(i, j)) for i, j in story_links(signed, days, [True] * len(texts), PARAMS)}
    rng = random.Random(2)
    for _ in range(5):
        order = rng.sample(range(len(texts)), len(texts))
        found = story_links([signed[n] for n in order], [days[n] for n in order], [True] * len(texts), PARAMS)
        assert {tuple(sorted((order[i], order[j]))) for i, j in found} == expected


def test_copies_further_apart_than_the_span_are_not_linked() -> None:
    signed = [signature(dispatch(edit), PARAMS).tobytes() for edit in range(2)]
    for apart, linked in ((PARAMS.span_days, [(0, 1)]), (PARAMS.span_days + 1, [])):
        assert story_links(signed, [D1.toordinal(), D1.toordinal() + apart], [True, True], PARAMS) == linked
        assert story_links(signed, [D1.toordinal(), D1.toordinal() + apart], [False, False], PARAMS) == []


def test_the_index_links_only_copies_within_the_span() -> None:
    far = date.fromordinal(D1.toordinal() + PARAMS.span_days + 1)
    found = cluster([("a", D1, dispatch(0)), ("b", far, dispatch(1))], PARAMS)
    assert (found["a"].cluster_id, found["b"].cluster_id) == ("a", "b")
    found = cluster([("a", D1, dispatch(0)), ("b", far, dispatch(1)), ("c", D3, dispatch(2))], PARAMS)
    assert {found[url].cluster_id for url in "abc"} == {"a"}  # c is within the span of both
