"""The aggregator family's widget wording (image-report widget, "read at the source" link,
share rows, "Lire aussi"), as data: ``profiles/family/boilerplate.yaml``.

Validated at load like the site profiles: a misspelt key stops the program with the
file and the key named.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from core.errors import BoilerplateError
from core.settings import REPO_ROOT

M = TypeVar("M", bound=BaseModel)
FAMILY_BOILERPLATE = REPO_ROOT / "profiles" / "family" / "boilerplate.yaml"


class BoilerplateWording(BaseModel):
    """Phrases by language code; ``share_words`` for every language together."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phrases: dict[str, tuple[str, ...]]  # a block containing one is furniture
    prefixes: dict[str, tuple[str, ...]]  # a block starting with one is furniture
    labels: dict[str, tuple[str, ...]]  # a block that is exactly one is furniture
    share_words: frozenset[str]  # a short block of only these is a row of share buttons


def read_family_file(path: Path, model: type[M], what: str) -> M:
    """One of ``profiles/family/``'s YAML files, validated by ``model``; a bad file raises
    ``BoilerplateError`` naming the file and the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise BoilerplateError(f"{path}: cannot read the {what}: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BoilerplateError(f"{path}: {problems}") from None


@lru_cache(maxsize=8)
def load_wording(path: Path = FAMILY_BOILERPLATE) -> BoilerplateWording:
    return read_family_file(path, BoilerplateWording, "boilerplate wording")
