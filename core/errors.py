"""Errors a stage raises. Each message is one line an operator can act on:
it names the site, the day, and what went wrong (and where to look)."""


class StageError(RuntimeError):
    stage = "pipeline"


class CrawlError(StageError):
    stage = "crawl"


class TransformError(StageError):
    stage = "transform"


class LoadError(StageError):
    stage = "load"


class ValidateError(StageError):
    """The quality gate has nothing to judge: its input is missing."""

    stage = "validate"


class RawZoneMissing(CrawlError):
    """A reprocess asked to rebuild a day that was never crawled."""


class WarehouseSchemaError(StageError):
    """The warehouse's schema is not the one the code expects: ``pressetl db upgrade``."""

    stage = "load"


class PartitionBusy(StageError):
    """Another run holds the (site, day) partition's lock: this run was refused, wrote nothing
    and is not in the ledger. ``run_id``/``since`` name the holder."""

    stage = "lock"

    def __init__(self, message: str, *, run_id: str | None = None, holder: str | None = None, since=None):
        super().__init__(message)
        self.run_id = run_id
        self.holder = holder
        self.since = since


class LockLost(PartitionBusy):
    """A run's lease on its partition lapsed and another run took the partition over."""


class ManifestError(ValueError):
    """A stage manifest that cannot be read or does not match its schema."""


class BoilerplateError(ValueError):
    """The family's boilerplate wording (``profiles/family/boilerplate.yaml``) does not validate."""
