"""RSS 2.0 / Atom feeds, parsed without trusting them.

``defusedxml`` refuses DTDs, entity declarations and external references outright
(billion laughs, XXE): a feed that carries any of them is rejected, never expanded.
Dates become local calendar days in the site's time zone: an item stamped
``Tue, 08 Feb 2011 23:30:00 GMT`` belongs to 9 February in Casablanca (UTC+1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from core.dates import parse_date

_ATOM = "{http://www.w3.org/2005/Atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"


class FeedError(ValueError):
    """A feed that cannot be read (malformed, or refused as unsafe)."""


@dataclass(frozen=True)
class FeedEntry:
    link: str
    published: date | None  # local day in the site's zone; None when the feed gives no readable date


def _local_day(
    text: str | None, zone: ZoneInfo, formats: Sequence[str], languages: Sequence[str]
) -> date | None:
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        moment: datetime | None = parsedate_to_datetime(text)  # RFC 822, RSS's own
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is not None:
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return moment.date()
    return parse_date(text, formats, languages, zone=zone, use_dateparser=False)


def parse_feed(
    body: bytes, zone: ZoneInfo, formats: Sequence[str] = (), languages: Sequence[str] = ()
) -> list[FeedEntry]:
    """Entries in document order (feeds list newest first)."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"unsafe feed refused: {type(exc).__name__}") from None
    except Exception as exc:  # ParseError and friends: not XML at all
        raise FeedError(f"malformed feed: {exc}") from None
    entries: list[FeedEntry] = []
    if root.tag == "rss" or root.find("channel") is not None:
        for item in root.iter("item"):
            link = (item.findtext("link") or "").strip()
            if not link:
                guid = item.find("guid")
                if guid is not None and (guid.get("isPermaLink", "true") != "false"):
                    link = (guid.text or "").strip()
            stamp = item.findtext("pubDate") or item.findtext(f"{_DC}date")
            if link:
                entries.append(FeedEntry(link, _local_day(stamp, zone, formats, languages)))
    elif root.tag == f"{_ATOM}feed":
        for entry in root.iter(f"{_ATOM}entry"):
            link = ""
            for candidate in entry.findall(f"{_ATOM}link"):
                if candidate.get("rel", "alternate") == "alternate":
                    link = (candidate.get("href") or "").strip()
                    break
            stamp = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated")
            if link:
                entries.append(FeedEntry(link, _local_day(stamp, zone, formats, languages)))
    else:
        raise FeedError(f"not an RSS or Atom feed (root element <{root.tag}>)")
    return entries
