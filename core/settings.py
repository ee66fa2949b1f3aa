"""Runtime configuration, read once from the environment and passed in explicitly.

Nothing deep in the code reads the environment: stages receive a ``Settings``.
That keeps two configurations in one test possible (see docs/decisions.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

ENV_DATA_DIR = "PRESSETL_DATA_DIR"
ENV_WAREHOUSE_URL = "PRESSETL_WAREHOUSE_URL"
ENV_PROFILES_DIR = "PRESSETL_PROFILES_DIR"
ENV_BASE_URL_PREFIX = "PRESSETL_BASE_URL_"  # PRESSETL_BASE_URL_MAGHRESS_FR=http://127.0.0.1:8000
ENV_CONTACT_URL = "PRESSETL_CONTACT_URL"
ENV_POLITE = "PRESSETL_POLITE"  # "0" only against our own devsite
# "www.leseco.ma=http://127.0.0.1:8101,lematin.ma=http://127.0.0.1:8102": publisher pages elsewhere
ENV_PUBLISHER_URLS = "PRESSETL_PUBLISHER_URLS"
# How long a run's lock on its (site, day) lasts unless renewed (its heartbeat renews it every
# third of it): a run killed outright stops holding the partition this long after.
ENV_LOCK_LEASE_SECONDS = "PRESSETL_LOCK_LEASE_SECONDS"
DEFAULT_LOCK_LEASE_SECONDS = 300.0

DEFAULT_CONTACT_URL = "https://github.com/pressetl/pressetl#contact"


def default_warehouse_url(data_dir: Path) -> str:
    return f"duckdb:///{data_dir / 'warehouse.duckdb'}"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse_url: str
    profiles_dir: Path = REPO_ROOT / "profiles"
    contact_url: str = DEFAULT_CONTACT_URL
    polite: bool = True
    # site name -> base URL replacing the profile's own (devsite in demo and tests)
    base_url_overrides: dict[str, str] = field(default_factory=dict)
    # real publisher host -> base URL serving its pages (devsite); the spider requests the
    # override but keeps the real URL as the article's source_url
    publisher_base_url_overrides: dict[str, str] = field(default_factory=dict)
    lock_lease_seconds: float = DEFAULT_LOCK_LEASE_SECONDS

    def __post_init__(self) -> None:
        if not self.lock_lease_seconds > 0:
            raise ValueError(f"{ENV_LOCK_LEASE_SECONDS} must be > 0, got {self.lock_lease_seconds}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get(ENV_DATA_DIR, "data")).resolve()
        base_urls = {
            key[len(ENV_BASE_URL_PREFIX) :].lower().replace("_", "-"): value
            for key, value in env.items()
            if key.startswith(ENV_BASE_URL_PREFIX) and value
        }
        settings = cls(
            data_dir=data_dir,
            warehouse_url=env.get(ENV_WAREHOUSE_URL) or default_warehouse_url(data_dir),
            profiles_dir=Path(env.get(ENV_PROFILES_DIR, REPO_ROOT / "profiles")),
            contact_url=env.get(ENV_CONTACT_URL, DEFAULT_CONTACT_URL),
            polite=env.get(ENV_POLITE, "1").lower() not in {"0", "false", "no", "off"},
            base_url_overrides=base_urls,
            publisher_base_url_overrides=parse_host_map(env.get(ENV_PUBLISHER_URLS, "")),
            lock_lease_seconds=_seconds(env, ENV_LOCK_LEASE_SECONDS, DEFAULT_LOCK_LEASE_SECONDS),
        )
        return replace(settings, **overrides) if overrides else settings

    def with_base_url(self, site: str, base_url: str) -> Settings:
        return replace(self, base_url_overrides={**self.base_url_overrides, site: base_url})

    def with_publisher_urls(self, overrides: dict[str, str]) -> Settings:
        return replace(self, publisher_base_url_overrides={**self.publisher_base_url_overrides, **overrides})


def parse_host_map(text: str) -> dict[str, str]:
    """``host=url,host=url`` (the form of ``PRESSETL_PUBLISHER_URLS``) as a dict."""
    pairs = {}
    for part in text.split(","):
        if not part.strip():
            continue
        host, sep, url = part.partition("=")
        if not sep or not host.strip() or not url.strip():
            raise ValueError(f"{ENV_PUBLISHER_URLS}: expected host=url, got {part.strip()!r}")
        pairs[host.strip().lower()] = url.strip().rstrip("/")
    return pairs


def _seconds(env, name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name}: expected a number of seconds, got {text!r}") from None
