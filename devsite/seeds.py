"""Seeds that are the same in every process: derived with SHA-256, never with ``hash()``."""

from __future__ import annotations

import hashlib
import random


def stable_int(*parts: object) -> int:
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def stable_fraction(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``."""
    return stable_int(*parts) / 2**64


def stable_rng(*parts: object) -> random.Random:
    return random.Random(stable_int(*parts))
