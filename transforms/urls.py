"""Canonical article URLs and the aggregator's own key (publication slug, id).

The same article is reachable as http/https, with or without "www.", from
devsite on 127.0.0.1, with a trailing slash, with campaign parameters: its
canonical URL is one string, on the profile's canonical host, so that
deduplication and upserts see one article.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

from core.profiles import SiteProfile

# Query parameters that identify a click or a campaign, never the page.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "ref_src", "ref_url", "spm", "xtor", "at_medium", "at_campaign",
    }
)  # fmt: skip
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hsa_")

# RFC 3986 appendix B: splits anything, never raises (urlsplit does on "http://[").
_URI = re.compile(r"^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$", re.S)
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
# Inside one query parameter "&" separates parameters and "=" key from value, so both stay escaped.
_QUERY_PART_SAFE = _UNRESERVED | frozenset("!$'()*+,;:@/?")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """One spelling per character: unreserved characters plain, everything else %XX (upper case).

    Non-ASCII characters are encoded as UTF-8, so an Arabic slug typed or
    copied raw and the same slug percent-encoded come out equal.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "%" and _ESCAPE.match(text, i):
            byte = int(text[i + 1 : i + 3], 16)
            out.append(chr(byte) if chr(byte) in _UNRESERVED else f"%{byte:02X}")
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _normalise_path(path: str, prefix: str) -> str:
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :]
    # Escapes first: "%2E%2E" must be resolved as ".." now, not on a second pass.
    path = _normalise_escapes(path, _PATH_SAFE)
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):  # "//" and "/./" name the same resource on these sites
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments)


def _is_tracking(key: str) -> bool:
    name = unquote(key.replace("+", " ")).strip().lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _normalise_query(query: str) -> str:
    params = []
    for part in query.split("&"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if _is_tracking(key):
            continue
        key = _normalise_escapes(key, _QUERY_PART_SAFE)
        value = _normalise_escapes(value, _QUERY_PART_SAFE)
        params.append(f"{key}{sep}{value}")
    # Sorted (stable for repeated keys) so parameter order does not make two URLs.
    params.sort(key=lambda p: p.partition("=")[0])
    return "&".join(params)


@lru_cache(maxsize=64)
def _base_prefix(base_url: str) -> tuple[str, str]:
    """(authority, path prefix) of a base URL that serves the site under a path (devsite)."""
    match = _URI.match(base_url.strip())
    authority = (match[2] or "").lower() if match else ""
    prefix = (match[3] or "").rstrip("/") if match else ""
    return authority, prefix


def canonical_url(url: str, profile: SiteProfile) -> str:
    """``https://<canonical host><path>[?query]`` for any URL of the site, wherever it was fetched.

    Host and port are replaced by the profile's canonical host (the path is
    what identifies an article); dot segments, empty segments and the
    trailing slash go; percent-escapes get one spelling; tracking parameters
    and the fragment go; the other parameters are sorted. An article link
    without the edition's language prefix ("/lesecos/1234" on the French
    edition, whose articles are "/fr/<publication>/<id>") gets it back.
    Idempotent.
    """
    match = _URI.match(url.strip())
    assert match is not None  # the pattern matches every string
    authority = (match[2] or "").lower()
    base_authority, base_prefix = _base_prefix(profile.base_url)
    # A base URL with a path (devsite serving several sites from one port)
    # is stripped only when the URL came from that same server.
    prefix = base_prefix if authority == base_authority else ""
    path = _with_edition(_normalise_path(match[3] or "", prefix), profile)
    query = _normalise_query(match[4] or "")
    canonical = f"https://{profile.canonical_host}{path}"
    return f"{canonical}?{query}" if query else canonical


@lru_cache(maxsize=64)
def _article_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=64)
def _edition_prefix(home: str) -> str:
    """The edition's path prefix: "/fr" when its home is "/fr/", "" when it is at the root."""
    return "/" + home.strip("/") if home.strip("/") else ""


def _with_edition(path: str, profile: SiteProfile) -> str:
    edition = _edition_prefix(profile.urls.home)
    if not edition or path == edition or path.startswith(edition + "/"):
        return path
    pattern = _article_pattern(profile.urls.article)
    # Only an article path, and only when it is one with the prefix and not without it.
    if not pattern.search(path) and pattern.search(edition + path):
        return edition + path
    return path


_INT64_MAX = 2**63 - 1


def aggregator_key(url: str, profile: SiteProfile, canonical: str | None = None) -> tuple[str, int] | None:
    """(publication slug, aggregator id) from the profile's article pattern, or None if not an article URL.

    ``canonical``: ``canonical_url(url, profile)`` when the caller has it already.
    """
    found = _slug_and_id(canonical if canonical is not None else canonical_url(url, profile), profile)
    # the warehouse column is int64; no int() of a huge string (Python refuses 4,300+ digits)
    if found is None or len(found[1].lstrip("0")) > 19 or int(found[1]) > _INT64_MAX:
        return None
    return found[0], int(found[1])


def why_no_key(url: str, profile: SiteProfile, canonical: str | None = None) -> str:
    """Why ``aggregator_key`` found no key for ``url``: the reason a row is quarantined with."""
    found = _slug_and_id(canonical if canonical is not None else canonical_url(url, profile), profile)
    if found is not None:
        digits = found[1]
        shown = digits if len(digits) <= 40 else f"{digits[:20]}… ({len(digits)} digits)"
        return f"aggregator id {shown} out of range (0 to 2^63-1): {url[:200]}"
    return f"not an article URL for {profile.site} (urls.article): {url[:200]}"


def _slug_and_id(canonical: str, profile: SiteProfile) -> tuple[str, str] | None:
    """(slug, the id's digits) where the URL matches the profile's article pattern."""
    path = canonical.partition("?")[0][len("https://" + profile.canonical_host) :]
    pattern = _article_pattern(profile.urls.article)
    # Profiles are written against readable paths; try the decoded one second.
    match = pattern.search(path) or pattern.search(unquote(path))
    if not match:
        return None
    groups = match.groupdict()
    slug, raw_id = groups.get("publication"), groups.get("id")
    if not slug or not raw_id or not raw_id.isascii() or not raw_id.isdigit():
        return None
    return slug, raw_id
