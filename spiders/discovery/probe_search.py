"""The id search behind id probing: one publication's articles of a day, by its sequential ids.

Pure bookkeeping, no I/O: the strategy (``spiders.discovery.probe``) fetches the ids
this object asks for and tells it what each page turned out to be (an article dated
before, on or after the day, a page without a readable date, or a miss: 404). Ids grow
with time, so "dated before the day" is below a boundary and "on or after" above it.

1. Anchor: the last id seen (the warehouse keeps it), or the newest id on the
   publication's listing when the warehouse knows none. Misses walk down.
   With the warehouse's ids of neighbouring days: above the last id of the day before
   (``floor``) the scan starts at once; the first id of the day after (``ceiling``) ends it
   unasked.
2. When the anchor is already on or after the day (a backfill, a re-run of a day that
   was loaded), go down to an id before the day, then narrow to the boundary. With dates
   (``day``; each page's date passed to ``record``, a listing's as ``samples``) the guesses
   interpolate the publication's publishing rate (``spiders.discovery.locate``), else steps
   double, then bisect: O(log n) pages for any day in the past, a few for most.
3. Scan upward from the boundary with up to ``window`` requests in flight, until an
   article dated after the day, or ``max_misses`` consecutive misses (the newest id
   is behind us).

Every page found dated on the day is reported by the strategy as it arrives, whatever
the phase. Pages without a readable date, and ids that failed after retries, are kept
(the quality gate checks an undated page's date; a failed one counts as failed) unless
the next dated page the scan meets is of an earlier day: at the day's upper edge they are
ambiguous and reported rather than dropped. A scan that ends on a run of "no page"
answers containing failures cannot tell the publication's end from an outage:
``ended_on_errors`` says so, and the strategy fails the day's discovery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from spiders.discovery.locate import Locator, day_time


class Outcome(Enum):
    BEFORE = "before"
    DAY = "day"
    AFTER = "after"
    UNDATED = "undated"  # the page exists but its date could not be read
    MISS = "miss"  # 404 / 410: no article with this id
    ERROR = "error"  # failed after retries: recorded as a failure, then treated as a miss


_ABOVE = {Outcome.DAY, Outcome.AFTER}
_NO_PAGE = {Outcome.MISS, Outcome.ERROR}


@dataclass
class Step:
    fetch: list[int] = field(default_factory=list)  # ids to request now
    keep: list[int] = field(default_factory=list)  # undated or failed ids inside the day's range


class IdProbe:
    def __init__(
        self,
        slug: str,
        anchor: int,
        max_misses: int,
        window: int | None = None,
        *,
        day: date | None = None,
        floor: int | None = None,
        ceiling: int | None = None,
        samples: dict[int, date] | None = None,
    ):
        """``day`` (with dated ``record`` answers and ``samples``, e.g. a listing's) makes the
        search interpolate; ``floor`` is an id known before the day and ``ceiling`` one known
        after it (the warehouse's neighbouring days): the scan starts above the one and never
        asks for the other."""
        if anchor < 1:
            raise ValueError(f"{slug}: anchor id must be positive, got {anchor}")
        self.slug = slug
        self.anchor = anchor
        self.max_misses = max_misses
        self.window = max(1, window or max_misses)
        self.known: dict[int, Outcome] = {}
        self.requested: set[int] = set()
        self.phase = "anchor"  # anchor | gallop | bisect | scan | done
        self.lo = 0  # highest id known to be before the day (0: none)
        self.hi: int | None = None  # lowest id known to be on or after the day
        self._probe_at = anchor  # the id the current search step is about
        self._cursor = anchor  # where a walk down over misses has got to
        self._step = self.window
        self._next = 0  # scan: the lowest id not yet decided
        self._misses = 0
        self._pending: list[int] = []  # undated or failed ids since the last dated page the scan passed
        self.ended_on_errors = False
        self.floor, self.ceiling = floor, ceiling
        self._extrapolate = True
        self._scan_end: int | None = None
        self.saw_before = floor is not None  # a page dated before the day was read (or is known)
        self.model = Locator(day) if day is not None else None
        if self.model is not None:
            for aggregator_id, published in (samples or {}).items():
                self.model.hint(aggregator_id, day_time(published))
            if floor is not None:
                self.model.hint(floor, day_time(day, -0.001))
            if ceiling is not None:
                self.model.hint(ceiling, day_time(day, 1.001))
        if ceiling is not None:
            self.known[ceiling] = Outcome.AFTER

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def start(self) -> Step:
        if self.floor is not None:
            self.lo = self.floor
            return self._start_scan(self.floor + 1)
        if self.ceiling is not None:
            self.hi = self._probe_at = self._cursor = self.ceiling
            return self._gallop(self.ceiling)
        return self._ask(self.anchor)

    def record(self, aggregator_id: int, outcome: Outcome, published: date | None = None) -> Step:
        self.known[aggregator_id] = outcome
        if outcome is Outcome.BEFORE:
            self.saw_before = True
        if published is not None and self.model is not None:
            self.model.observe(aggregator_id, published)
        if self.phase == "done":
            return Step()
        if self.phase == "scan":
            return self._advance_scan()
        if aggregator_id != self._cursor:
            return Step()  # a late answer to a search probe already settled
        return self._search(outcome)

    # -- search: anchor, gallop, bisect -----------------------------------------

    def _search(self, outcome: Outcome) -> Step:
        found_at = self._cursor
        if outcome in _NO_PAGE or outcome is Outcome.UNDATED:
            # Nothing to learn here: walk down to the next id.
            walked = range(self._cursor, self._probe_at + 1)
            if len(walked) < self.max_misses and self._cursor - 1 > self.lo:
                return self._walk(self._cursor - 1)
            # No dated page from the probed id down to here.
            only_misses = all(self.known.get(i) is Outcome.MISS for i in walked)
            if self.phase == "gallop" and not (self.model is not None and only_misses):
                self._extrapolate = False  # a hole, or below the first id: the dates say nothing here
                return self._gallop(self._cursor)  # a hole, or below the first id: keep going down
            if self.phase == "anchor":
                outcome = Outcome.BEFORE  # the last id seen sits in a hole: scan upward from it
            elif all(self.known.get(i) is Outcome.MISS for i in walked):
                outcome, found_at = Outcome.BEFORE, self._probe_at  # a hole of deleted ids: skip it
            else:
                outcome = Outcome.AFTER  # pages that failed or carry no date: the scan must pass them
        if outcome in _ABOVE:
            self.hi = found_at
            if self.phase in {"anchor", "gallop"}:
                return self._gallop(self.hi)
            return self._bisect()
        # BEFORE: everything up to here lies before the day (the ids walked over above it are
        # known, so the scan passes them without asking again)
        self.lo = max(self.lo, found_at)
        if self.hi is None:  # the anchor itself was before the day: scan upward from it
            return self._start_scan(self.lo + 1)
        return self._bisect()

    def _gallop(self, below: int) -> Step:
        self.phase = "gallop"
        target = below - self._step
        self._step *= 2
        guess = self._guess(None, below) if self._extrapolate else None
        if guess is not None:
            target = min(guess, below - 1)
        if target <= self.lo:
            return self._bisect()
        return self._ask(target)

    def _bisect(self) -> Step:
        assert self.hi is not None
        self.phase = "bisect"
        if self.hi - self.lo <= 1:
            return self._start_scan(self.lo + 1)
        guess = self._guess(self.lo, self.hi)
        return self._ask(guess if guess is not None else (self.lo + self.hi) // 2)

    def _guess(self, lo: int | None, hi: int) -> int | None:
        """The interpolated id (from the dates seen) strictly inside (lo, hi); None without dates."""
        model = self.model
        if model is None or len(model.times) + len(model.hints) < 2:
            return None
        model.lo = lo if lo else None
        model.hi = hi
        if model.located:
            return None
        guess = model.propose()
        return guess if (lo is None or guess > lo) and guess < hi else None

    def _ask(self, target: int) -> Step:
        self._probe_at = target
        return self._walk(target)

    def _walk(self, target: int) -> Step:
        self._cursor = target
        if target in self.known:
            return self._search(self.known[target])
        if target in self.requested:
            return Step()  # its answer will come
        self.requested.add(target)
        return Step(fetch=[target])

    # -- scan ---------------------------------------------------------------------

    def _start_scan(self, first: int) -> Step:
        self.phase = "scan"
        self._next = max(1, first)
        self._scan_end = self._estimated_end(self._next)
        return self._advance_scan()

    def _estimated_end(self, first: int) -> int | None:
        """Where the day probably ends (a cautious share of a day at the publication's rate): the
        scan asks for fewer ids at once past it, so that few are asked for beyond the day's last."""
        if self.model is None:
            return None
        dated = {**self.model.hints, **self.model.times}
        if len(dated) < 2:
            return None
        low, high = min(dated), max(dated)
        span = dated[high] - dated[low]
        if span < 1:
            return None
        return first + int(0.7 * (high - low) / span)

    def _advance_scan(self) -> Step:
        step = Step()
        while self._next in self.known:
            outcome = self.known[self._next]
            if outcome is Outcome.BEFORE:
                self._pending = []  # undated or failed ids below a page of an earlier day: not ours
            elif outcome is Outcome.DAY:
                step.keep.extend(self._pending)
                self._pending = []
            elif outcome is Outcome.AFTER:
                step.keep.extend(self._pending)  # between the day's last page and the next day's
                self._pending = []
                self.phase = "done"
                return step
            elif outcome is Outcome.UNDATED or outcome is Outcome.ERROR:
                self._pending.append(self._next)
            if outcome in _NO_PAGE:
                self._misses += 1
                if self._misses >= self.max_misses:
                    self.ended_on_errors = any(self.known[i] is Outcome.ERROR for i in self._pending)
                    step.keep.extend(self._pending)
                    self._pending = []
                    self.phase = "done"
                    return step
            else:
                self._misses = 0
            self._next += 1
        window = self.window
        if self._scan_end is not None and self._next >= self._scan_end:
            window = min(window, 2)  # probably near the day's end: ask two at a time
        for candidate in range(self._next, self._next + window):
            if self.ceiling is not None and candidate >= self.ceiling:
                break
            if candidate not in self.known and candidate not in self.requested:
                self.requested.add(candidate)
                step.fetch.append(candidate)
        return step
