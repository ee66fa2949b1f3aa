"""The quality gate: Great Expectations suites for a crawl's raw items and staged articles.

Importing this package, or any of its modules (``quality.gate`` and the steps it
orders), does not import Great Expectations; ``quality.gate.validate_partition``
does, on its first call.
"""

from quality.errors import QualityGateError

__all__ = ["QualityGateError"]
