"""Locating a day in a publication's history: a search over keys that grow with time.

Pure bookkeeping, no I/O. Keys are integers ascending in time (article ids; for a listing,
minus the position from the newest entry). The search looks for the boundary: the lowest
key whose day is on or after ``target``. Every page the spider reads adds dated keys
(``observe``); keys known from elsewhere (the warehouse's ids of neighbouring days) only
steer the guesses (``hint``): they never decide the boundary, a page read does.

Guesses interpolate time between the closest dated keys on both sides of the target
(a publication publishes at a roughly steady rate, so most publications are located in a
few requests), extrapolate from the publishing rate seen so far when one side is still
open (overshooting a little, so that the next page closes the bracket), and fall back to
bisection whenever an interpolation did not at least halve the bracket: never worse
than a gallop and a bisection, O(log n) requests for a day n keys back.
"""

from __future__ import annotations

import math
from datetime import date

OVERSHOOT = 1.25  # extrapolations aim this much further, to close the bracket at once
MIDDAY = 0.5  # a listed date without a time: taken as the middle of its day


def day_time(day: date, within: float = MIDDAY) -> float:
    return day.toordinal() + within


class Locator:
    def __init__(self, target: date, *, ceiling: int | None = None):
        self.target = target
        self._t = float(target.toordinal())  # the boundary in time: the start of the target day
        self.lo: int | None = None  # highest key read that is before the target day
        self.hi: int | None = None  # lowest key read on or after the target day
        self.ceiling = ceiling  # no key above it exists (e.g. the newest entry of a listing)
        self.times: dict[int, float] = {}  # keys read, with their time
        self.hints: dict[int, float] = {}  # keys known from elsewhere: guesses only
        self.requests = 0  # guesses handed out
        self._width: int | None = None
        self._slow = 0
        self._step = 1

    # -- what is known ------------------------------------------------------------------------

    def observe(self, key: int, day: date) -> None:
        self.times[key] = day_time(day)
        if day < self.target:
            if self.lo is None or key > self.lo:
                self.lo = key
        elif self.hi is None or key < self.hi:
            self.hi = key

    def observe_before_all(self, key: int) -> None:
        """No entry at or below ``key`` (past the end of a listing, below the first id)."""
        if self.lo is None or key > self.lo:
            self.lo = key

    def hint(self, key: int, time: float) -> None:
        self.hints[key] = time

    @property
    def located(self) -> bool:
        return self.lo is not None and self.hi is not None and self.hi - self.lo <= 1

    # -- the next guess -----------------------------------------------------------------------

    def propose(self) -> int:
        """The key to read next (only while not ``located``)."""
        assert not self.located
        self.requests += 1
        lo, hi = self.lo, self.hi
        guess = None
        if lo is not None and hi is not None:
            width = hi - lo
            if self._width is not None and width * 2 > self._width:
                self._slow += 1  # the last guess did not halve the bracket
            else:
                self._slow = 0
            self._width = width
            if self._slow < 2:
                guess = self._guess()
            if guess is None:
                self._slow = 0
                guess = (lo + hi) // 2
        else:
            guess = self._guess()
            if guess is None:
                guess = self._gallop()
        return self._clamp(guess)

    def _within(self, key: int) -> bool:
        return (self.lo is None or key > self.lo) and (self.hi is None or key < self.hi)

    def _known(self) -> dict[int, float]:
        known = {k: t for k, t in self.hints.items() if self._within(k)}
        known.update(self.times)
        return known

    def _guess(self) -> int | None:
        known = self._known()
        below = [k for k, t in known.items() if t < self._t and (self.hi is None or k < self.hi)]
        above = [k for k, t in known.items() if t >= self._t and (self.lo is None or k > self.lo)]
        if below and above:
            k0, k1 = max(below), min(above)
            t0, t1 = known[k0], known[k1]
            if t1 <= t0:
                return (k0 + k1) // 2
            return math.floor(k0 + (k1 - k0) * (self._t - t0) / (t1 - t0))
        rate = self._rate(known)
        if rate is None or (self.lo is not None and self.hi is not None):
            return None  # no rate yet, or a bracket with one side undated: bisect
        if above:  # open below: extrapolate down
            k1 = min(above)
            return math.floor(k1 - (known[k1] - self._t) * rate * OVERSHOOT) - 1
        if below:  # open above
            k0 = max(below)
            return math.ceil(k0 + (self._t - known[k0]) * rate * OVERSHOOT) + 1
        return None

    def _rate(self, known: dict[int, float]) -> float | None:
        """Keys per day, from the widest span of dated keys."""
        if len(known) < 2:
            return None
        first, last = min(known), max(known)
        span = known[last] - known[first]
        if span < 1:
            # all on one day: at least that many keys a day
            return float(max(last - first + 1, 1))
        return (last - first) / span

    def _gallop(self) -> int:
        self._step *= 2
        if self.hi is not None and self.lo is None:
            return self.hi - self._step
        if self.lo is not None and self.hi is None:
            return self.lo + self._step
        if self.lo is not None and self.hi is not None:
            return (self.lo + self.hi) // 2
        return 0

    def _clamp(self, key: int) -> int:
        if self.lo is not None:
            key = max(key, self.lo + 1)
        if self.hi is not None:
            key = min(key, self.hi - 1)
        if self.ceiling is not None:
            key = min(key, self.ceiling)
        return key
