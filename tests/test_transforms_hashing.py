"""transforms.hashing: stable across runs and markup, different for different text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.text import clean_text
from transforms.hashing import content_hash


def test_value_is_pinned() -> None:
    # A change here re-keys every stored article: it must be deliberate.
    # = sha256("Titre" + "\x1f" + "Un. Deux.")
    assert content_hash("Titre", "Un.\n\nDeux.") == (
        "7c223db337b0cfd6f10dc61b3dc8bea303cde9cd71127380c5edf6ff66ec2c70"
    )


def test_markup_differences_do_not_count() -> None:
    same = content_hash("Maroc Numeric : Sur les traces", "Un paragraphe.\n\nMultipolaire\n\nDeux.")
    assert content_hash("Maroc Numeric\u00a0: Sur les traces ", "Un paragraphe. Multipolaire Deux.") == same
    assert content_hash("Maroc Numeric : Sur les traces", "Un paragraphe.\nMultipolaire\n\n\nDeux.") == same


def test_text_differences_count() -> None:
    assert content_hash("Titre", "Un texte.") != content_hash("Titre", "Un autre texte.")
    assert content_hash("ab", "c") != content_hash("a", "bc")
    assert content_hash("Titre", "Texte") != content_hash("titre", "Texte")


@given(st.text(max_size=50), st.text(max_size=200))
def test_hash_is_hex_sha256_and_ignores_cleaning(title: str, body: str) -> None:
    digest = content_hash(title, body)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert content_hash(clean_text(title), clean_text(body)) == digest


@given(st.text(max_size=50), st.lists(st.text(max_size=80), max_size=5))
def test_the_clean_shortcut_gives_the_same_hash(title: str, blocks: list[str]) -> None:
    # What extraction hands over: a clean title, clean blocks joined by blank lines.
    title = clean_text(title)
    body = "\n\n".join(block for block in map(clean_text, blocks) if block)
    assert content_hash(title, body, clean=True) == content_hash(title, body)
