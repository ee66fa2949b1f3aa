"""The family's widget wording is data (profiles/family/boilerplate.yaml), validated at load,
and the transforms' filter reads it."""

from __future__ import annotations

import pytest

from core.boilerplate import FAMILY_BOILERPLATE, load_wording
from core.errors import BoilerplateError
from transforms.text import is_boilerplate


def test_the_family_wording_covers_the_reference_page_widgets():
    wording = load_wording()
    assert "merci d'avoir signalé" in wording.phrases["fr"]
    assert "cliquez ici pour lire l'article depuis sa source" in wording.phrases["fr"]
    assert {"fr", "ar", "en"} <= set(wording.phrases)
    assert FAMILY_BOILERPLATE.is_file()


def test_the_filter_drops_what_the_yaml_lists():
    assert is_boilerplate("Merci d'avoir signalé! Cette image sera automatiquement bloquée…")
    assert is_boilerplate("Cliquez ici pour lire l’article depuis sa source.")
    assert is_boilerplate("Lire aussi : la suite")
    assert not is_boilerplate("Lire aussitôt le rapport de la Cour des comptes.")


def test_a_misspelt_key_names_the_file_and_the_key(tmp_path):
    path = tmp_path / "boilerplate.yaml"
    path.write_text("phrases: {fr: [a]}\nprefixes: {}\nlabel: {}\nshare_words: []\n")
    with pytest.raises(BoilerplateError) as error:
        load_wording(path)
    assert str(path) in str(error.value) and "label" in str(error.value) and "labels" in str(error.value)
