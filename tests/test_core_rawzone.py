"""core.rawzone: an archived response's text is decoded by core.decoding, with how it was chosen."""

from __future__ import annotations

from core.decoding import DETECTED, HEADER_META, UTF8_DISAGREED
from core.rawzone import ArchivedResponse

ARABIC = "نشر في هسبريس يوم 09 - 02 - 2011، قال الوزير إن الحكومة قررت رفع الأجور؟"
FRENCH = "« L’économie numérique » déjà présente à Fès — café, garçon, cœur"


def response(html: str, codec: str, content_type: str | None) -> ArchivedResponse:
    return ArchivedResponse(
        "<urn:uuid:1>", "https://www.maghress.com/x/1", 200, content_type, html.encode(codec)
    )


def test_text_and_decoded_agree_and_say_how():
    html = f'<html><head><meta charset="utf-8"></head><body>{FRENCH}</body></html>'
    archived = response(html, "utf-8", "text/html; charset=utf-8")
    decoded = archived.decoded
    assert (decoded.text, decoded.encoding, decoded.how) == (html, "utf-8", HEADER_META)
    assert archived.text == html


def test_a_lying_header_no_longer_wins():
    legacy = f'<html><head><meta charset="windows-1256"></head><body>{ARABIC}</body></html>'
    archived = response(legacy, "cp1256", "text/html; charset=utf-8")
    assert archived.text == legacy
    assert (archived.decoded.encoding, archived.decoded.how) == ("windows-1256", DETECTED)

    utf8 = f'<html><head><meta charset="utf-8"></head><body>{FRENCH}</body></html>'
    archived = response(utf8, "utf-8", "text/html; charset=iso-8859-1")
    assert archived.text == utf8 and "Ã" not in archived.text
    assert (archived.decoded.encoding, archived.decoded.how) == ("utf-8", UTF8_DISAGREED)
