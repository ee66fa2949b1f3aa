"""Decode an HTML body whose declarations may lie: the HTTP header and the page's own
``<meta charset>`` disagree on a good share of legacy press pages.

The rules, in order (``Decoded.how`` says which one decided):

1. ``bom``: a byte order mark is the encoding.
2. ``header+meta`` / ``header`` / ``meta``: the declarations (resolved with w3lib: aliases,
   and the WHATWG mapping iso-8859-1 → windows-1252) agree, or only one is there, and the
   body decodes cleanly under it. A lone legacy declaration does not win over a body that
   is valid UTF-8 with non-ASCII bytes (an iso-8859-1 server default over UTF-8 pages).
3. ``utf-8 (declarations disagreed)``: the declarations disagree, are absent, or do not
   decode the body cleanly, and the body is valid UTF-8 with non-ASCII bytes: random
   legacy-encoded text is almost never valid multi-byte UTF-8.
4. ``detected``: otherwise UTF-8 if the body is UTF-8 but for a few bad bytes (they become
   U+FFFD: one bad byte does not flip a page to windows-1252); else the declared candidate
   that decodes cleanly (several: charset-normalizer picks among them); when none does,
   charset-normalizer over every encoding.

The common path (header and meta agree on UTF-8, the body is valid) costs one regex scan of
the head and one UTF-8 decode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

BOM = "bom"
HEADER = "header"
META = "meta"
HEADER_META = "header+meta"
UTF8_DISAGREED = "utf-8 (declarations disagreed)"
DETECTED = "detected"
RULES = (BOM, HEADER_META, HEADER, META, UTF8_DISAGREED, DETECTED)

_UTF8 = "utf-8"
_FALLBACK = "cp1252"  # what browsers use for an undeclared legacy page
# A body is "UTF-8 with a few bad bytes" when its valid multi-byte characters outnumber
# the bytes that are not UTF-8 by this much (legacy text gives the opposite ratio).
_MOSTLY_UTF8 = 10
_ESCAPED = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a WHATWG-style label: "utf-8", "windows-1252", "windows-1256", "iso-8859-6"
    how: str  # one of RULES
    bad_bytes: int = 0  # bytes that did not decode (each became U+FFFD)


def label(codec: str) -> str:
    """A Python codec name as the web spells it: cp1256 → windows-1256, iso8859-6 → iso-8859-6."""
    name = codec.lower().replace("_", "-")
    if re.fullmatch(r"cp125\d", name):
        return "windows-" + name[2:]
    if name.startswith("iso8859-"):
        return "iso-8859-" + name[len("iso8859-") :]
    return name


def decode_html(body: bytes, content_type: str | None) -> Decoded:
    encoding, bom = read_bom(body)
    if encoding:
        text = body[len(bom) :].decode(encoding, "replace")
        return Decoded(text, label(resolve_encoding(encoding) or encoding), BOM)

    header = http_content_type_encoding(content_type)
    meta = html_body_declared_encoding(body)
    if header and meta and header == meta or bool(header) != bool(meta):
        declared = header or meta
        text = _strict(body, declared)
        if text is not None:
            lone_legacy = not (header and meta) and declared != _UTF8 and not body.isascii()
            if not (lone_legacy and _strict(body, _UTF8) is not None):
                how = HEADER_META if header and meta else HEADER if header else META
                return Decoded(text, label(declared), how)

    text = _strict(body, _UTF8)
    if text is not None:
        if not body.isascii():
            return Decoded(text, _UTF8, UTF8_DISAGREED)
        return Decoded(text, label(header or meta or _UTF8), DETECTED)  # ASCII reads the same in all

    escaped = body.decode(_UTF8, "surrogateescape")
    bad = len(_ESCAPED.findall(escaped))
    if len(_NON_ASCII.findall(escaped)) >= _MOSTLY_UTF8 * bad:
        return Decoded(body.decode(_UTF8, "replace"), _UTF8, DETECTED, bad_bytes=bad)

    candidates = list(dict.fromkeys(c for c in (header, meta) if c))
    clean = {c: t for c in candidates if (t := _strict(body, c)) is not None}
    if len(clean) == 1:
        (codec, text), *_ = clean.items()
        return Decoded(text, label(codec), DETECTED)
    if len(clean) > 1:
        codec = _detect(body, list(clean)) or next(iter(clean))
        return Decoded(clean[codec], label(codec), DETECTED)
    codec = _detect(body, None) or _FALLBACK
    text = body.decode(codec, "replace")
    return Decoded(text, label(codec), DETECTED, bad_bytes=text.count("\ufffd"))


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes, candidates: list[str] | None) -> str | None:
    """charset-normalizer's best guess (among ``candidates`` when given), as a codec name."""
    from charset_normalizer import from_bytes  # imported on the rare path only

    best = from_bytes(body, cp_isolation=candidates).best()
    if best is None:
        return None
    codec = resolve_encoding(best.encoding)
    if candidates is not None and codec not in candidates:
        names = {resolve_encoding(c): c for c in candidates}
        codec = names.get(codec)
    return codec
