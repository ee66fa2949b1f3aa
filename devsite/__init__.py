"""devsite: a deterministic local stand-in for the Maghress family of press aggregators.

``World`` is the ground truth (which articles exist, what a correct pipeline must load);
``serve`` puts it on 127.0.0.1 as realistic HTML: one server per aggregator host (all its
language editions), one per publisher host (the pages behind "read it at the source"), and
a third-party ad server no crawler should ever request; with the faults asked for.

Modules, in the order data flows: ``catalog`` (sites.json) → ``schedule`` (counts, ids) →
``wire`` (near-duplicate stories) → ``plan`` (a day's titles, ids, URLs) → ``articles``
(bodies) → ``world`` (the API) → ``render`` / ``article_page`` / ``feeds`` /
``publisher_layouts`` (HTML, RSS) → ``app`` / ``publisher_app`` / ``offsite`` (routing,
faults) → ``server`` (HTTP). ``partitions`` skips the HTTP: it writes a day's pages straight
into a raw zone, as a crawl archives them (for the transform tests and benchmarks).
"""

from devsite.model import ExpectedArticle, Faults, Publication
from devsite.server import DevServer, serve
from devsite.world import World

__all__ = ["DevServer", "ExpectedArticle", "Faults", "Publication", "World", "serve"]
