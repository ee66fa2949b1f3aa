"""The stage functions: the ONE code path, called by the CLI and by Airflow tasks.

Each stage reads and writes one (site, logical date) partition and returns a
small JSON-able summary (XCom-sized). A stage knows nothing of its neighbours;
only the orchestration (``pipeline.runner`` and ``dags/``) knows the order.
"""

from pipeline.stages.crawl import crawl
from pipeline.stages.load import load
from pipeline.stages.transform import transform
from pipeline.stages.validate import validate

__all__ = ["crawl", "transform", "validate", "load"]
