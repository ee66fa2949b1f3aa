"""Near-duplicate threshold: precision and recall of story clusters on devsite's labelled wire stories.

    .venv/bin/python bench/bench_near_duplicates.py [--sites all] [--quick]

The labelled set is devsite's ground truth: every article of every site over
two periods of three weeks (``--train`` to choose, ``--test`` to check), with
``story_id`` shared by the copies of one wire story (2 to 5 publications, up
to 3 days apart, edited) and None for the others. A pair of articles of one
site is positive when both carry the same story id; every other pair is
negative, among them pairs of one publication and pairs of unrelated articles
written from the same templates (devsite's "same topic").

Clusters are made as the warehouse makes them once every day is loaded, in
whatever order: links between copies published at most ``span_days`` apart,
joined into connected components (``StoryIndex`` over the period and the two
days either side of it, the same answer in memory). A pair is predicted
positive when both articles got the same ``cluster_id``. Precision = true
pairs predicted / pairs predicted, recall = true pairs predicted / true
pairs. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devsite.world import World  # noqa: E402
from transforms.near_duplicates import NearDuplicateParams, StoryIndex, signatures  # noqa: E402

TRAIN = (date(2024, 3, 4), date(2024, 3, 24))
TEST = (date(2024, 4, 8), date(2024, 4, 28))
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
SHINGLES = (3, 4, 5, 6)
TARGET = 0.95
PLATEAU_F1 = 0.99


@dataclass(frozen=True)
class Labelled:
    url: str
    day: date
    publication: str
    story: str | None
    text: str


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def labelled_set(world: World, sites: list[str], period: tuple[date, date]) -> dict[str, list[Labelled]]:
    """Articles of each site over the period and the two days either side of it (the span of the
    edge days' stories)."""
    first, last = period
    out: dict[str, list[Labelled]] = {}
    for site in sites:
        rows = []
        for day in _days(first - timedelta(days=2), last + timedelta(days=2)):
            for article in world.articles_for_day(site, day):
                rows.append(
                    Labelled(
                        article.canonical_url, day, article.publication_slug, article.story_id, article.body
                    )
                )
        out[site] = rows
    return out


def clusters_as_loaded(
    rows: list[Labelled], params: NearDuplicateParams, period: tuple[date, date], cache: dict
):
    """url → cluster id, for the period's articles, as the warehouse has them once every day is in."""
    missing = [row for row in rows if (row.url, params.shingle_words, params.num_perm) not in cache]
    for row, values in zip(missing, signatures([row.text for row in missing], params), strict=True):
        cache[(row.url, params.shingle_words, params.num_perm)] = values
    index = StoryIndex(params)
    for row in rows:
        values = cache[(row.url, params.shingle_words, params.num_perm)]
        if values is not None:
            index.add(row.url, row.day, values)
    assigned: dict[str, str | None] = {}
    for row in rows:
        if period[0] <= row.day <= period[1]:
            found = index.assignment(row.url)
            assigned[row.url] = found.cluster_id if found else None
    return assigned


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass
class Scores:
    true_pairs: int = 0
    predicted_pairs: int = 0
    hits: int = 0
    same_publication_false: int = 0

    def add(self, rows: list[Labelled], assigned: dict[str, str | None]) -> None:
        in_period = [row for row in rows if row.url in assigned]
        stories = Counter(row.story for row in in_period if row.story)
        clusters = Counter(assigned[row.url] for row in in_period if assigned[row.url])
        cells = Counter(
            (assigned[row.url], row.story) for row in in_period if row.story and assigned[row.url]
        )
        publications = Counter(
            (assigned[row.url], row.story, row.publication) for row in in_period if assigned[row.url]
        )
        self.true_pairs += sum(_pairs(n) for n in stories.values())
        self.predicted_pairs += sum(_pairs(n) for n in clusters.values())
        self.hits += sum(_pairs(n) for n in cells.values())
        # false pairs inside one publication: (cluster, publication) pairs minus those of one story
        same_pub = Counter((assigned[row.url], row.publication) for row in in_period if assigned[row.url])
        same_pub_story = sum(_pairs(n) for (_, story, _), n in publications.items() if story)
        self.same_publication_false += sum(_pairs(n) for n in same_pub.values()) - same_pub_story

    @property
    def precision(self) -> float:
        return self.hits / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(data: dict[str, list[Labelled]], params: NearDuplicateParams, period, cache) -> Scores:
    scores = Scores()
    for rows in data.values():
        scores.add(rows, clusters_as_loaded(rows, params, period, cache))
    return scores


def _negative_pairs(data: dict[str, list[Labelled]], period: tuple[date, date]) -> tuple[int, int, int]:
    """(positive pairs, negative pairs, negative pairs of one publication), within three-day windows."""
    positives = negatives = same_publication = 0
    for rows in data.values():
        in_period = [row for row in rows if period[0] <= row.day <= period[1]]
        for i, left in enumerate(in_period):
            for right in in_period[i + 1 :]:
                if abs((left.day - right.day).days) > 2:
                    continue
                if left.story and left.story == right.story:
                    positives += 1
                else:
                    negatives += 1
                    same_publication += left.publication == right.publication
    return positives, negatives, same_publication


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="all", help="comma-separated devsite sites, or all")
    parser.add_argument("--quick", action="store_true", help="one week per period, k=3 and 4 only")
    args = parser.parse_args()

    world = World(today=date(2024, 6, 1))
    sites = world.site_names() if args.sites == "all" else args.sites.split(",")
    train, test = TRAIN, TEST
    shingles = SHINGLES
    if args.quick:
        train, test = (TRAIN[0], TRAIN[0] + timedelta(days=6)), (TEST[0], TEST[0] + timedelta(days=6))
        shingles = (3, 4)
    started = time.perf_counter()
    train_set, test_set = labelled_set(world, sites, train), labelled_set(world, sites, test)
    articles = sum(len([r for r in rows if train[0] <= r.day <= train[1]]) for rows in train_set.values())
    positives, negatives, same_pub = _negative_pairs(train_set, train)
    print(f"## Near-duplicate stories: threshold choice (`{' '.join(sys.argv)}`)\n")
    print(
        f"Labelled set (train, {train[0]} to {train[1]}, {len(sites)} sites): {articles} articles, "
        f"{positives} positive pairs, {negatives} negative pairs within 3-day windows "
        f"({same_pub} of them within one publication).\n"
    )
    header = (
        "shingle words",
        "threshold",
        "bands × rows",
        "precision",
        "recall",
        "F1",
        "false pairs, one publication",
    )
    print("| " + " | ".join(header) + " |")
    print("|---|---|---|---|---|---|---|")
    cache: dict = {}
    results = []
    base = NearDuplicateParams()
    for k in shingles:
        for threshold in THRESHOLDS:
            params = replace(base, shingle_words=k, threshold=threshold)
            scores = evaluate(train_set, params, train, cache)
            results.append((params, scores))
            bands, rows = params.bands_rows
            print(
                f"| {k} | {threshold:.2f} | {bands} × {rows} | {scores.precision:.4f} | {scores.recall:.4f} "
                f"| {scores.f1:.4f} | {scores.same_publication_false} |"
            )
    # The choice sits in the middle of a plateau, not on its edge: for each shingle size, the
    # thresholds where precision and recall meet the target and F1 >= PLATEAU_F1; the size with the
    # widest such run of thresholds wins, at the run's middle (the lower middle for an even run).
    best_run: list[tuple[NearDuplicateParams, Scores]] = []
    for k in shingles:
        run: list[tuple[NearDuplicateParams, Scores]] = []
        for params, scores in (item for item in results if item[0].shingle_words == k):
            good = scores.precision >= TARGET and scores.recall >= TARGET and scores.f1 >= PLATEAU_F1
            run = [*run, (params, scores)] if good else run
            if len(run) > len(best_run):
                best_run = list(run)
            if not good:
                run = []
    meeting = bool(best_run)
    chosen, chosen_scores = (
        best_run[(len(best_run) - 1) // 2] if best_run else max(results, key=lambda i: i[1].f1)
    )
    held_out = evaluate(test_set, chosen, test, {})
    shipped = evaluate(test_set, base, test, {})
    print(
        f"\nChosen on train (the middle of the widest run of thresholds with P and R ≥ {TARGET} and "
        f"F1 ≥ {PLATEAU_F1}{'' if meeting else ': none; best F1 instead'}, run "
        f"{best_run[0][0].threshold if best_run else '-'}–{best_run[-1][0].threshold if best_run else '-'}): "
        f"shingles of {chosen.shingle_words} words, threshold {chosen.threshold}, "
        f"num_perm {chosen.num_perm} — train P {chosen_scores.precision:.4f} R {chosen_scores.recall:.4f}; "
        f"held-out test ({test[0]} to {test[1]}): P {held_out.precision:.4f} R {held_out.recall:.4f} "
        f"F1 {held_out.f1:.4f}.\n"
    )
    print(f"Held-out test, shipped parameters, by site ({test[0]} to {test[1]}):\n")
    print("| site | articles | true pairs | predicted pairs | precision | recall |")
    print("|---|---|---|---|---|---|")
    cache: dict = {}
    for site, rows in test_set.items():
        scores = evaluate({site: rows}, base, test, cache)
        articles = sum(1 for row in rows if test[0] <= row.day <= test[1])
        print(
            f"| {site} | {articles} | {scores.true_pairs} | {scores.predicted_pairs} | "
            f"{scores.precision:.4f} | {scores.recall:.4f} |"
        )
    print()
    print(
        f"Shipped parameters (transforms.near_duplicates.NearDuplicateParams): k={base.shingle_words}, "
        f"threshold={base.threshold}, num_perm={base.num_perm} — held-out test: P {shipped.precision:.4f} "
        f"R {shipped.recall:.4f} F1 {shipped.f1:.4f}. ({time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
