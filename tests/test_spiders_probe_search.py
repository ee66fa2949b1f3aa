"""The id search behind id probing (spiders.discovery.probe_search), against simulated
publications: ids → days."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from spiders.discovery.probe_search import IdProbe, Outcome

DAY = date(2011, 2, 9)


def _publication(
    counts: list[int], first_id: int = 1000, missing: frozenset[int] = frozenset()
) -> dict[int, date]:
    """ids → publication day, ``counts[i]`` articles on DAY + (i - len//2) days; ``missing`` ids deleted."""
    ids: dict[int, date] = {}
    next_id = first_id
    start = DAY - timedelta(days=len(counts) // 2)
    for offset, count in enumerate(counts):
        for _ in range(count):
            if next_id not in missing:
                ids[next_id] = start + timedelta(days=offset)
            next_id += 1
    return ids


def _run(probe: IdProbe, ids: dict[int, date], rng: random.Random | None = None, undated=frozenset()):
    """Drive the probe as the spider does (answers in any order); return (found, fetched ids)."""
    found: set[int] = set()
    fetched: list[int] = []
    queue = list(probe.start().fetch)
    while queue:
        index = rng.randrange(len(queue)) if rng else 0
        aggregator_id = queue.pop(index)
        fetched.append(aggregator_id)
        day = ids.get(aggregator_id)
        if day is None:
            outcome = Outcome.MISS
        elif aggregator_id in undated:
            outcome = Outcome.UNDATED
        elif day < DAY:
            outcome = Outcome.BEFORE
        elif day > DAY:
            outcome = Outcome.AFTER
        else:
            outcome = Outcome.DAY
            found.add(aggregator_id)
        step = probe.record(aggregator_id, outcome)
        queue.extend(step.fetch)
        found.update(step.keep)
    assert probe.done
    assert len(fetched) == len(set(fetched)), "an id was fetched twice"
    return found, fetched


def _expected(ids: dict[int, date]) -> set[int]:
    return {i for i, d in ids.items() if d == DAY}


def test_nightly_case_scans_up_from_the_last_id_seen():
    ids = _publication([10, 12, 9])  # yesterday, the day, "today" not yet published
    ids = {i: d for i, d in ids.items() if d <= DAY}
    last_yesterday = max(i for i, d in ids.items() if d < DAY)
    found, fetched = _run(IdProbe("pub", last_yesterday, max_misses=5), ids)
    assert found == _expected(ids)
    assert len(fetched) <= 1 + 12 + 5 + 5  # anchor, the day, the misses that end it, one window


def test_backfill_gallops_down_and_bisects_instead_of_walking_every_id():
    ids = _publication([20] * 61)  # a month either side
    newest = max(ids)
    found, fetched = _run(IdProbe("pub", newest, max_misses=10), ids)
    assert found == _expected(ids)
    assert len(fetched) < 20 + 10 + 30  # the day, a window past it, and a logarithmic search


def test_a_day_without_articles_finds_nothing():
    ids = _publication([5, 0, 5])
    found, _ = _run(IdProbe("pub", max(ids), max_misses=4), ids)
    assert found == set()


def test_undated_pages_inside_the_day_are_kept_outside_are_not():
    ids = _publication([6, 6, 6])
    day_ids = sorted(_expected(ids))
    outside = min(ids)  # the day before: undated, but the scan never reaches it
    undated = frozenset({day_ids[2], outside})
    found, _ = _run(IdProbe("pub", max(ids), max_misses=3), ids, undated=undated)
    assert found == set(day_ids)


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 25), min_size=1, max_size=9),
    anchor_pick=st.floats(0, 1),
    misses=st.integers(1, 12),
    seed=st.integers(0, 2**16),
    gaps=st.lists(st.integers(0, 300), max_size=4),
)
def test_probe_finds_exactly_the_days_ids(counts, anchor_pick, misses, seed, gaps):
    missing = frozenset(1000 + g for g in gaps)
    ids = _publication(counts, missing=missing)
    if not ids:
        return
    ordered = sorted(ids)
    anchor = ordered[int(anchor_pick * (len(ordered) - 1))]
    rng = random.Random(seed)
    found, _ = _run(IdProbe("pub", anchor, max_misses=misses), ids, rng)
    expected = _expected(ids)
    # Deleted ids leave holes; max_misses of them in a row read as the publication's end (a real
    # site cannot be told apart), so the guarantee holds when no such hole lies between the
    # anchor and the day's ids.
    day_ids = sorted(expected)
    if day_ids:
        span = range(min(anchor, day_ids[0]) - misses, max(anchor, day_ids[-1]) + 1)
        longest_hole = run = 0
        for i in span:
            run = run + 1 if i in missing else 0
            longest_hole = max(longest_hole, run)
        if longest_hole >= misses:
            return
    assert found == expected


def _drive(probe: IdProbe, answers: dict[int, Outcome]) -> tuple[set[int], list[int]]:
    kept: set[int] = set()
    fetched: list[int] = []
    queue = list(probe.start().fetch)
    while queue:
        aggregator_id = queue.pop(0)
        fetched.append(aggregator_id)
        step = probe.record(aggregator_id, answers.get(aggregator_id, Outcome.MISS))
        queue.extend(step.fetch)
        kept.update(step.keep)
    return kept, fetched


def test_failed_ids_inside_the_day_are_kept_and_the_scan_goes_on():
    answers = {i: Outcome.BEFORE for i in range(90, 100)}
    answers |= {i: Outcome.DAY for i in range(100, 110)}
    answers |= {103: Outcome.ERROR, 104: Outcome.ERROR, 110: Outcome.AFTER}
    probe = IdProbe("pub", 99, max_misses=5)
    kept, fetched = _drive(probe, answers)
    assert kept == {103, 104}  # reported as failed articles, not lost
    assert probe.done and not probe.ended_on_errors
    assert set(range(100, 110)) <= set(fetched)


def test_a_scan_that_ends_on_failures_cannot_claim_the_publication_ended():
    answers = {i: Outcome.BEFORE for i in range(90, 100)}
    answers |= {i: Outcome.DAY for i in range(100, 105)}
    answers |= {i: Outcome.ERROR for i in range(105, 108)}  # the site went down, then 404s
    probe = IdProbe("pub", 99, max_misses=5)
    _drive(probe, answers)
    assert probe.done and probe.ended_on_errors


def test_plain_misses_end_the_publication_cleanly():
    answers = {i: Outcome.DAY for i in range(100, 105)} | {99: Outcome.BEFORE}
    probe = IdProbe("pub", 99, max_misses=3)
    _, fetched = _drive(probe, answers)
    assert probe.done and not probe.ended_on_errors
    assert max(fetched) <= 104 + 3 + 3  # the misses that end it, and at most one window past them


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 15), min_size=2, max_size=7),
    anchor_pick=st.floats(0, 1),
    seed=st.integers(0, 2**16),
    odd=st.lists(st.tuples(st.integers(0, 120), st.booleans()), max_size=6),
)
def test_undated_and_failed_ids_are_kept_only_at_or_inside_the_days_edges(counts, anchor_pick, seed, odd):
    ids = _publication(counts)
    if not ids:
        return
    undated = {1000 + i for i, is_error in odd if not is_error and 1000 + i in ids}
    errors = {1000 + i for i, is_error in odd if is_error and 1000 + i in ids}
    ordered = sorted(ids)
    anchor = ordered[int(anchor_pick * (len(ordered) - 1))]
    rng = random.Random(seed)
    probe = IdProbe("pub", anchor, max_misses=10)
    found: set[int] = set()
    queue = list(probe.start().fetch)
    while queue:
        aggregator_id = queue.pop(rng.randrange(len(queue)))
        day = ids.get(aggregator_id)
        if aggregator_id in errors:
            outcome = Outcome.ERROR
        elif day is None:
            outcome = Outcome.MISS
        elif aggregator_id in undated:
            outcome = Outcome.UNDATED
        else:
            outcome = Outcome.BEFORE if day < DAY else Outcome.AFTER if day > DAY else Outcome.DAY
            if outcome is Outcome.DAY:
                found.add(aggregator_id)
        step = probe.record(aggregator_id, outcome)
        queue.extend(step.fetch)
        found.update(step.keep)
    assert probe.done
    expected = _expected(ids)
    assert expected <= found  # none missing (failed and undated ones are kept, as such)
    dated = {i for i in ids if i not in undated and i not in errors}
    for extra in found - expected:
        assert extra in undated or extra in errors
        if expected:  # ambiguous only: no dated page between it and the day's nearest page
            nearest = min(expected, key=lambda e: abs(e - extra))
            assert not [i for i in dated if min(extra, nearest) < i < max(extra, nearest)]


def test_ids_known_around_the_day_bound_the_scan_and_dates_steer_the_search():
    # the warehouse knows the last id of the day before and the first of the day after
    ids = _publication([30, 40, 25, 35, 30])
    day_ids = {i for i, d in ids.items() if d == DAY}
    below, above = min(day_ids) - 1, max(day_ids) + 1
    probe = IdProbe("pub", above, 10, day=DAY, floor=below, ceiling=above, samples={})
    found, fetched = _run(probe, ids)
    assert found == day_ids and sorted(fetched) == sorted(day_ids)  # not one id more

    # far back, with the dates of a first listing page: interpolated, not galloped step by step
    ids = _publication([40] * 3001)
    newest = max(ids)
    samples = {i: ids[i] for i in range(newest - 19, newest + 1)}
    probe = IdProbe("pub", newest, 10, day=DAY, samples=samples)
    answered = []
    queue = list(probe.start().fetch)
    found = set()
    while queue:
        aggregator_id = queue.pop(0)
        answered.append(aggregator_id)
        day = ids[aggregator_id]
        outcome = Outcome.BEFORE if day < DAY else Outcome.AFTER if day > DAY else Outcome.DAY
        if outcome is Outcome.DAY:
            found.add(aggregator_id)
        step = probe.record(aggregator_id, outcome, day)
        queue.extend(step.fetch)
    assert found == {i for i, d in ids.items() if d == DAY}
    assert len(answered) - len(found) <= 25  # plain gallop + bisection over 60,000 ids: ~32 + the scan
