"""warehouse/dimensions.py: the site and publication dimensions."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import (
    SITE,
    T0,
    T1,
    T2,
    article,
    counts_for,
    partition,
    rows,
    write_partition,
)

from warehouse.dimensions import describe_known_publications, register_publications, register_site
from warehouse.fingerprint import fingerprints
from warehouse.loader import load_partition

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_registered_site_details_survive_loads(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0)])
    load_partition(engine, part, "run-1", counts_for(1), T0)
    register_site(engine, SITE, "maghress", "Maghress (français)")
    load_partition(engine, part, "run-2", counts_for(1), T1)
    register_site(engine, "turess-fr", "turess", "Turess (français)")
    assert rows(engine, "sites") == [
        {"site": SITE, "aggregator": "maghress", "display_name": "Maghress (français)"},
        {"site": "turess-fr", "aggregator": "turess", "display_name": "Turess (français)"},
    ]


def test_publications_registered_keep_their_details_and_leave_review(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(3)])
    load_partition(engine, part, "run-1", counts_for(3), T0)
    register_publications(
        engine,
        SITE,
        [
            {
                "slug": "aujourdhui",
                "country": "MA",
                "language": "fr",
                "home_url": "https://aujourdhui.ma/",
                "aliases": ["Aujourd'hui le Maroc", "ALM"],
            }
        ],
    )
    load_partition(engine, part, "run-2", counts_for(3), T1)  # still flagged new upstream
    [pub] = rows(engine, "publications", slug="aujourdhui")
    assert pub == {
        "site": SITE,
        "slug": "aujourdhui",
        "name": "Aujourd'hui le Maroc",
        "publication_key": "aujourd-hui-le-maroc",
        "country": "MA",
        "language": "fr",
        "home_url": "https://aujourdhui.ma/",
        "aliases": ["Aujourd'hui le Maroc", "ALM"],
        "needs_review": False,
    }
    with pytest.raises(ValueError, match="unknown fields"):
        register_publications(engine, SITE, [{"slug": "x", "city": "Rabat"}])


def test_the_load_stage_describes_the_publications_the_data_knows(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from pipeline.stages.load import known_publications
    from transforms import publications

    described = SimpleNamespace(
        name="Le Matin",
        country="MA",
        language="fr",
        home_url="https://lematin.ma",
        aliases=("Le Matin du Sahara",),
    )
    monkeypatch.setattr(
        publications, "registry", lambda: SimpleNamespace(publications={"le-matin": described})
    )
    known = known_publications()  # what the stage passes to the load
    assert known == {
        "le-matin": {
            "name": "Le Matin",
            "country": "MA",
            "language": "fr",
            "home_url": "https://lematin.ma",
            "aliases": ["Le Matin du Sahara"],
        }
    }
    part = partition(data_dir)
    write_partition(part, [article(i, publication_is_new=True) for i in range(3)])
    load_partition(engine, part, "run-1", counts_for(3), T0, known_publications=known)

    def described_publications() -> dict[str, dict]:
        return {p["slug"]: p for p in rows(engine, "publications")}

    # The load itself described them, in its transaction.
    pubs = described_publications()
    assert {k: pubs["lematin"][k] for k in ("name", "country", "home_url", "aliases", "needs_review")} == {
        "name": "Le Matin",
        "country": "MA",
        "home_url": "https://lematin.ma",
        "aliases": ["Le Matin du Sahara"],
        "needs_review": False,
    }
    assert pubs["hespress"]["needs_review"] is True and pubs["hespress"]["country"] is None

    # Idempotent: describing again, or loading again, writes nothing.
    before = fingerprints(engine, ["publications"])
    with engine.begin() as conn:
        assert describe_known_publications(conn, SITE, known) == 1
    assert fingerprints(engine, ["publications"]) == before
    load_partition(engine, part, "run-2", counts_for(3), T1, known_publications=known)
    assert fingerprints(engine, ["publications"]) == before
    pubs = described_publications()
    assert {k: pubs["lematin"][k] for k in ("name", "country", "home_url", "aliases", "needs_review")} == {
        "name": "Le Matin",
        "country": "MA",
        "home_url": "https://lematin.ma",
        "aliases": ["Le Matin du Sahara"],
        "needs_review": False,
    }
    assert pubs["hespress"]["needs_review"] is True and pubs["hespress"]["country"] is None


def test_a_load_with_the_profiles_names_fills_in_the_site(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0)])
    load_partition(engine, part, "run-1", counts_for(1), T0, site_names=("maghress", "Maghress (français)"))
    assert rows(engine, "sites") == [
        {"site": SITE, "aggregator": "maghress", "display_name": "Maghress (français)"}
    ]
    # A load without names (an older caller) keeps them; one with other names corrects them.
    load_partition(engine, part, "run-2", counts_for(1), T1)
    assert rows(engine, "sites")[0]["display_name"] == "Maghress (français)"
    load_partition(engine, part, "run-3", counts_for(1), T2, site_names=("maghress", "Maghress (FR)"))
    assert rows(engine, "sites")[0]["display_name"] == "Maghress (FR)"
