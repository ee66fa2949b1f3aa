"""The aggregator family's widget wording (image-report widget, "read at the source" link,
share rows, "Lire aussi"), as data: ``profiles/family/boilerplate.yaml``.

Validated at load like the site profiles: a misspelt key stops the program with the
file and the key named.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from core.errors import BoilerplateError
from core.settings import REPO_ROOT

FAMILY_BOILERPLATE = REPO_ROOT / "profiles" / "family" / "boilerplate.yaml"


class BoilerplateWording(BaseModel):
    """Phrases by language code; ``share_words`` for every language together."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phrases: dict[str, tuple[str, ...]]  # a block containing one is furniture
    prefixes: dict[str, tuple[str, ...]]  # a block starting with one is furniture
    labels: dict[str, tuple[str, ...]]  # a block that is exactly one is furniture
    share_words: frozenset[str]  # a short block of only these is a row of share buttons


@lru_cache(maxsize=8)
def load_wording(path: Path = FAMILY_BOILERPLATE) -> BoilerplateWording:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return BoilerplateWording.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise BoilerplateError(f"{path}: cannot read the boilerplate wording: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BoilerplateError(f"{path}: {problems}") from None
