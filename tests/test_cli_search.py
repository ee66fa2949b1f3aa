"""`pressetl search` through the CLI, on both warehouses: the listing, JSON Lines, the filters,
no match (exit 0), bad usage (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_warehouse_support as support
from search_corpus import AR, ARABIC, FR, FRENCH, FRENCH_LATER, LATER, load_corpus, url_of
from sqlalchemy import Engine
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.cli.search import MATCH_STYLE, _highlighted

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url
runner = CliRunner()


@pytest.fixture
def loaded(engine: Engine, data_dir: Path, wh_url: str) -> str:
    load_corpus(engine, data_dir)
    return wh_url


def pressetl(wh_url: str, *args: str):
    return runner.invoke(app, ["--warehouse-url", wh_url, "search", *args])


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_listing_shows_the_best_hits_with_their_snippets(loaded: str) -> None:
    result = pressetl(loaded, "gouvernements")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "4 best for 'gouvernements'" in text
    first = FRENCH["title"]
    # ranked: the title match first; each hit with its day, site, publication, title, URL
    assert text.index(first["title"]) < text.index(FRENCH["body"]["title"])
    for row in (first, FRENCH["body"], FRENCH["undated"], FRENCH_LATER["later"]):
        assert row["title"] in text and url_of(row) in text
    assert "2011-02-09" in text and "2011-02-10" in text and FR in text and first["publication_name"] in text
    assert "vise les régions" in text  # the snippet, without its markers
    assert "<b>" not in text


def test_json_lines_for_scripts(loaded: str) -> None:
    result = pressetl(loaded, "حكومة", "--json")
    assert result.exit_code == 0, result.output
    hits = lines(result)
    assert [h["canonical_url"] for h in hits][0] == url_of(ARABIC["article"])
    assert sorted(h["canonical_url"] for h in hits) == sorted(
        url_of(ARABIC[k]) for k in ("article", "bare", "proclitic")
    )
    best = hits[0]
    assert set(best) == {
        "site",
        "canonical_url",
        "title",
        "publication",
        "day",
        "language",
        "score",
        "snippet",
    }
    assert (best["site"], best["title"], best["day"], best["language"]) == (
        AR,
        ARABIC["article"]["title"],
        "2011-02-09",
        "ar",
    )
    assert best["score"] > hits[-1]["score"] > 0
    assert "<b>الحكومة</b>" in best["snippet"]


def test_the_filters_and_the_limit(loaded: str) -> None:
    def found(*options: str) -> list[str]:
        result = pressetl(loaded, "gouvernement", "--json", *options)
        assert result.exit_code == 0, result.output
        return [h["canonical_url"] for h in lines(result)]

    assert len(found()) == 4
    assert found("--limit", "1") == [url_of(FRENCH["title"])]
    assert found("--from", LATER.isoformat()) == [url_of(FRENCH_LATER["later"])]
    assert len(found("--to", "2011-02-09", "--site", FR, "--lang", "fr")) == 3
    assert found("--lang", "ar") == []
    # a query that starts with "-": after "--", as for any command
    result = pressetl(loaded, "--json", "--", "-rabat gouvernement")
    assert url_of(FRENCH["body"]) not in [h["canonical_url"] for h in lines(result)]
    assert len(lines(result)) == 3


def test_no_match_says_so_and_exits_0(loaded: str) -> None:
    result = pressetl(loaded, "introuvable")
    assert (result.exit_code, result.stdout.strip()) == (0, "no match for 'introuvable'")
    result = pressetl(loaded, "introuvable", "--json")
    assert (result.exit_code, result.stdout) == (0, "")  # JSON Lines stay JSON Lines
    assert result.stderr.strip() == "no match for 'introuvable'"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["  "], "no word to search for"),
        (["?!"], "no word to search for"),
        (["x", "--from", "2011-13-01"], "is not a date"),
        (["x", "--from", "2011-02-10", "--to", "2011-02-09"], "is before --from"),
        (["x", "--limit", "0"], "--limit"),
    ],
)
def test_bad_usage_exits_2(loaded: str, args: list[str], message: str) -> None:
    result = pressetl(loaded, *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_an_unmigrated_warehouse_exits_2_with_the_command_to_run(wh_url: str) -> None:
    result = pressetl(wh_url, "gouvernement")
    assert result.exit_code == 2, result.output
    assert "run `pressetl db upgrade`" in " ".join(result.stderr.split())


def test_matches_are_styled_in_the_listing() -> None:
    text = _highlighted("Le <b>gouvernement</b> et les <b>gouvernements</b>.")
    assert text.plain == "Le gouvernement et les gouvernements."
    assert [(text.plain[s.start : s.end], s.style) for s in text.spans] == [
        ("gouvernement", MATCH_STYLE),
        ("gouvernements", MATCH_STYLE),
    ]
