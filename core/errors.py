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


class ManifestError(ValueError):
    """A stage manifest that cannot be read or does not match its schema."""


class BoilerplateError(ValueError):
    """The family's boilerplate wording (``profiles/family/boilerplate.yaml``) does not validate."""
