"""Seconds spent in each step of one validation: the manifest's ``timings``."""

from __future__ import annotations

import time


class StepClock:
    """Laps of a monotonic clock, each named after the step it timed."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        """Close ``step``: the time since the previous lap (or the start)."""
        now = time.monotonic()
        self.laps[step] = round(now - self.last, 3)
        self.last = now

    def total(self) -> float:
        return round(time.monotonic() - self.started, 3)
