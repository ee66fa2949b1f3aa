"""The validation's step timings (``quality.timing``)."""

from __future__ import annotations

import quality.timing
from quality.timing import StepClock


def test_laps_time_each_step_since_the_previous_one(monkeypatch):
    ticks = iter([100.0, 100.1234, 102.0, 102.5])
    monkeypatch.setattr(quality.timing.time, "monotonic", lambda: next(ticks))

    clock = StepClock()
    clock.lap("read")
    clock.lap("gx_context")

    assert clock.laps == {"read": 0.123, "gx_context": 1.877}  # rounded to the millisecond
    assert clock.total() == 2.5
