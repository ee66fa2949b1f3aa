"""core.decoding over real bytes: every way a header and a page's own declaration can lie."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.decoding import (
    BOM,
    DETECTED,
    HEADER,
    HEADER_META,
    META,
    RULES,
    UTF8_DISAGREED,
    decode_html,
)

FRENCH = (
    "« Maroc Numeric » : l’économie numérique, déjà très présente à Fès, s’élève — "
    "prévisions, café crème, garçon, où, naïf, cœur. Publié dans L'Économiste le 09 - 02 - 2011"
)
ARABIC = (
    "نشر في هسبريس يوم 09 - 02 - 2011. قال وزير الاقتصاد والمالية إن الحكومة، "
    "بعد مشاورات طويلة مع النقابات، قررت رفع الأجور بنسبة خمسة في المائة؟ "
    "وأضاف أن هذا القرار يدخل في إطار الحوار الاجتماعي."
)


def page(text: str, meta: str | None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>t</title></head>"
        f'<body><div class="menu">Accueil</div><span class="articlecontent">{text}</span></body></html>'
    )


def header(charset: str | None) -> str:
    return f"text/html; charset={charset}" if charset else "text/html"


CASES = [
    # (body text, body codec, header charset, meta charset, expected encoding, expected rule)
    (FRENCH, "utf-8", "utf-8", "utf-8", "utf-8", HEADER_META),
    (ARABIC, "utf-8", "utf-8", "utf-8", "utf-8", HEADER_META),
    (FRENCH, "cp1252", "windows-1252", "windows-1252", "windows-1252", HEADER_META),
    (ARABIC, "cp1256", "windows-1256", "windows-1256", "windows-1256", HEADER_META),
    (ARABIC, "iso8859-6", "iso-8859-6", None, "iso-8859-6", HEADER),
    (ARABIC, "cp1256", None, "windows-1256", "windows-1256", META),
    # utf-8 body, the header says iso-8859-1 (the meta says utf-8, or nothing)
    (FRENCH, "utf-8", "iso-8859-1", "utf-8", "utf-8", UTF8_DISAGREED),
    (FRENCH, "utf-8", "iso-8859-1", None, "utf-8", UTF8_DISAGREED),
    (ARABIC, "utf-8", "iso-8859-1", "utf-8", "utf-8", UTF8_DISAGREED),
    (ARABIC, "utf-8", "windows-1256", None, "utf-8", UTF8_DISAGREED),
    # legacy body, the header says utf-8, the page says what it is
    (FRENCH, "cp1252", "utf-8", "windows-1252", "windows-1252", DETECTED),
    (FRENCH, "cp1252", "utf-8", "iso-8859-1", "windows-1252", DETECTED),
    (ARABIC, "cp1256", "utf-8", "windows-1256", "windows-1256", DETECTED),
    (ARABIC, "iso8859-6", "utf-8", "iso-8859-6", "iso-8859-6", DETECTED),
    # both declarations legacy and wrong: the detector chooses among them
    (ARABIC, "cp1256", "iso-8859-1", "windows-1256", "windows-1256", DETECTED),
    # no declaration at all
    (ARABIC, "cp1256", None, None, "windows-1256", DETECTED),
    (FRENCH, "utf-8", None, None, "utf-8", UTF8_DISAGREED),
    (ARABIC, "utf-8", None, None, "utf-8", UTF8_DISAGREED),
    # the only declaration is wrong: a legacy body under a utf-8 header
    (ARABIC, "cp1256", "utf-8", None, "windows-1256", DETECTED),
]


@pytest.mark.parametrize(("text", "codec", "http", "meta", "encoding", "how"), CASES)
def test_declarations_against_the_bytes(text, codec, http, meta, encoding, how):
    html = page(text, meta)
    decoded = decode_html(html.encode(codec), header(http))
    assert (decoded.encoding, decoded.how) == (encoding, how)
    assert decoded.text == html
    assert "Ã" not in decoded.text and "â€" not in decoded.text and "\ufffd" not in decoded.text
    assert decoded.bad_bytes == 0


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
@pytest.mark.parametrize("text", [FRENCH, ARABIC])
def test_a_byte_order_mark_wins_over_any_declaration(bom, codec, text):
    html = page(text, "windows-1252")
    decoded = decode_html(bom + html.encode(codec), header("iso-8859-1"))
    assert (decoded.text, decoded.encoding, decoded.how) == (html, codec, BOM)


@pytest.mark.parametrize("http", ["utf-8", "iso-8859-1", None])
@pytest.mark.parametrize("text", [FRENCH, ARABIC])
def test_one_bad_byte_does_not_flip_a_utf8_page(http, text):
    html = page(text * 3, "utf-8")
    body = html.encode("utf-8")
    cut = body.index("é".encode() if text is FRENCH else "ق".encode())
    body = body[:cut] + b"\xff" + body[cut:]  # a stray byte in the middle of the article
    decoded = decode_html(body, header(http))
    assert decoded.encoding == "utf-8" and decoded.bad_bytes == 1
    assert decoded.text == html[: len(body[:cut].decode())] + "\ufffd" + html[len(body[:cut].decode()) :]
    assert decoded.text.count("\ufffd") == 1 and "Ã" not in decoded.text


def test_a_stray_legacy_byte_in_an_ascii_page_is_read_in_its_declared_code_page():
    html = page("Prix : 10 € seulement", "windows-1252")
    decoded = decode_html(html.encode("cp1252"), header("utf-8"))
    assert (decoded.text, decoded.encoding, decoded.how) == (html, "windows-1252", DETECTED)


def test_an_ascii_page_reads_the_same_whatever_it_declares():
    html = page("Publie dans L'Economiste le 09 - 02 - 2011", "windows-1256")
    decoded = decode_html(html.encode("ascii"), header("utf-8"))
    assert decoded.text == html and decoded.how in RULES


def test_http_equiv_and_aliases_are_declarations():
    html = page(FRENCH, None).replace(
        "<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    )
    decoded = decode_html(html.encode("cp1252"), header("latin1"))
    assert (decoded.text, decoded.encoding, decoded.how) == (html, "windows-1252", HEADER_META)


_DECLARED = st.sampled_from(
    [None, "utf-8", "UTF8", "iso-8859-1", "latin1", "windows-1252", "windows-1256", "iso-8859-6", "ascii"]
)


@given(
    text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    http=_DECLARED,
    meta=st.sampled_from([None, "utf-8"]),
)
def test_a_utf8_page_decodes_back_to_itself_whatever_its_header_says(text, http, meta):
    html = page(text.replace("<", " "), meta)  # a page, not markup that could declare another charset
    decoded = decode_html(html.encode("utf-8"), header(http))
    assert decoded.text == html
