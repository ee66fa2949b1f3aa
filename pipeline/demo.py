"""What `pressetl demo` runs: three simulated days of maghress-fr on devsite."""

from __future__ import annotations

from datetime import date

DEMO_SITE = "maghress-fr"
# The middle day holds the reference article ("Maroc Numeric : Sur les traces de la France").
DEMO_DAYS = [date(2011, 2, 8), date(2011, 2, 9), date(2011, 2, 10)]
# The devsite clock: the morning after the last day, as for a nightly run.
DEMO_TODAY = date(2011, 2, 11)
# A few broken pages, so the demo shows rows quarantined with a reason.
DEMO_BROKEN_SHARE = 0.03


def demo_world():
    from devsite import Faults, World

    return World(today=DEMO_TODAY, faults=Faults(broken_share=DEMO_BROKEN_SHARE))
