"""devsite: a deterministic local stand-in for the Maghress family of press aggregators.

``World`` is the ground truth (which articles exist, what a correct pipeline must load);
``serve`` puts it on 127.0.0.1 as realistic HTML, with the faults asked for.
"""

from devsite.model import ExpectedArticle, Faults, Publication
from devsite.server import DevServer, serve
from devsite.world import World

__all__ = ["DevServer", "ExpectedArticle", "Faults", "Publication", "World", "serve"]
