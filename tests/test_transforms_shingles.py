"""transforms.shingles: the words of a story folded and hashed, for many texts at once."""

from __future__ import annotations

import numpy as np

from transforms.shingles import (
    distinct_shingles,
    encode_words,
    shingle_hashes,
    story_tokens,
    token_hashes,
    word_hashes,
)

TEXT = "Le ministre a annoncé lundi, à Rabat, le lancement du cluster Maroc Numeric."


def test_tokens_fold_case_arabic_variants_and_digits() -> None:
    assert story_tokens("Le MINISTRE") == story_tokens("le ministre")
    assert story_tokens("أعلن الإتحاد ٢٠٢٤") == story_tokens("اعلن الاتحاد 2024")
    assert story_tokens("مـدرسـة") == story_tokens("مدرسة")  # tatweel
    assert story_tokens(None) == []


def test_each_word_has_one_hash_wherever_it_stands() -> None:
    hashes = token_hashes("ministre a ministre. ministre")
    assert len(hashes) == len(story_tokens("ministre a ministre. ministre")) == 4
    assert hashes[0] == hashes[2] == hashes[3] != hashes[1]
    assert token_hashes("Le MINISTRE").tolist() == token_hashes("le ministre").tolist()
    assert len(token_hashes(None)) == len(token_hashes("« ! »")) == 0


def test_word_hashes_are_stable_values_not_per_process_ones() -> None:
    # Signatures are stored and compared across days: the hashes must never change.
    assert token_hashes("le ministre").tolist() == [112150186077631, 10923080888115250673]


def test_shingles_are_distinct_and_need_as_many_words_as_the_shingle() -> None:
    assert len(shingle_hashes("a b c a b c a b c", 3)) == 3  # "a b c", "b c a", "c a b"
    assert len(shingle_hashes("un deux", 3)) == 0
    assert shingle_hashes(TEXT, 3).dtype == np.uint32
    assert set(shingle_hashes(TEXT.upper(), 3).tolist()) == set(shingle_hashes(TEXT, 3).tolist())


def test_texts_hashed_together_are_hashed_as_each_alone_and_shingles_never_cross_them() -> None:
    texts = [TEXT, "Un autre texte, sans rapport avec le premier, sur la Bourse.", "", "court"]
    encoded = [encode_words(t) + b" " for t in texts]
    hashes, owners = word_hashes(b"".join(encoded), [len(e) for e in encoded])
    for n, text in enumerate(texts):
        assert hashes[owners == n].tolist() == token_hashes(text).tolist()
    shingles, shingle_owners = distinct_shingles(hashes, owners, 3)
    assert shingle_owners.tolist() == sorted(shingle_owners.tolist())
    for n, text in enumerate(texts):
        assert sorted(shingles[shingle_owners == n].tolist()) == sorted(shingle_hashes(text, 3).tolist())


def test_a_very_long_text_hashes_its_words_as_a_short_one_does() -> None:
    long_text = " ".join(["remplissage"] * 30_000) + " ministre"  # past the cached powers
    assert token_hashes(long_text)[-1] == token_hashes("ministre")[0]
