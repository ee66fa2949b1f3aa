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
