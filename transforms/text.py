"""Text cleaning and the boilerplate filter.

``clean_text`` turns whatever a page gave us into one tidy line per block;
``is_boilerplate`` says whether a block is site furniture (widgets, share
buttons, the "read at the source" link) rather than article text.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Spaces that are not U+0020: NBSP and narrow NBSP are what French typography
# puts before ":;?!" and inside « »; the others turn up in pasted copy.
_SPACE_LIKE = "\u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"
# Invisible characters dropped outright: zero-width space/joiners, bidi marks
# and embeddings, word joiner, BOM, soft hyphen. They split words for search
# and make equal texts hash differently; plain-text storage needs none of them.
_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
# C0/C1 control characters other than whitespace: mis-decoded bytes, never text.
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])

# Most text has none of the characters above: one C-speed search spares the three replacements.
_ODD = re.compile("[" + re.escape(_SPACE_LIKE + _INVISIBLE + _CONTROLS) + "\ud800-\udfff]")
_SPACES = re.compile("[" + re.escape(_SPACE_LIKE) + "]")
_DROPPED = re.compile("[" + re.escape(_INVISIBLE + _CONTROLS) + "]")
# Lone surrogates cannot be written as UTF-8 (Parquet, hashing): mark the damage visibly.
_SURROGATES = re.compile("[\ud800-\udfff]")
# Only well-formed references (with ";"): a bare "&" in "R&D" or "&para=" stays.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _decode_entity(match: re.Match[str]) -> str:
    return html.unescape(match.group(0))


def _clean_once(text: str) -> str:
    if "&" in text:
        text = _ENTITY.sub(_decode_entity, text)
    # Before NFC: dropping an invisible character can bring a letter and its
    # combining accent together.
    if _ODD.search(text):
        text = _SURROGATES.sub("\ufffd", _DROPPED.sub("", _SPACES.sub(" ", text)))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def clean_text(text: str | None) -> str:
    """One clean line: entities decoded, NFC, odd spaces and invisibles gone, whitespace collapsed.

    Typographic apostrophes (’) and guillemets (« ») are kept as they are.
    Repeated until stable, because decoding can reveal another entity
    ("&amp;eacute;" from double-escaping CMSs): cleaning is idempotent.
    """
    if not text:
        return ""
    # Most text has no entity, no odd character and is NFC already: then only
    # whitespace changes, and the result is clean (collapsing runs of spaces
    # neither creates an entity nor brings a letter next to a combining mark).
    if "&" not in text and not _ODD.search(text) and unicodedata.is_normalized("NFC", text):
        return " ".join(text.split())
    # After one pass the text has no odd character and is NFC (nothing later in
    # a pass brings either back); only decoding may have revealed another entity.
    # Each pass that changes anything (after the first) makes the text shorter,
    # so this ends; the cap is only a guard.
    for _ in range(32):
        text = _clean_once(text)
        if "&" not in text or not _ENTITY.search(text):
            break
    return text


# A lone mark between spaces (« » : ? ! – —) is not a word. Matched from the space before it
# (the text is given a leading one): the search then only stops at spaces, and is fast.
_NOT_A_WORD = re.compile(r"\s[^\w\s]+(?!\S)")


def word_count(text: str | None) -> int:
    """Words as a reader (or a word processor) counts them: what stands between spaces, if it has a
    letter or a digit. "l'article", "PME-PMI", "320.000", "«Pas" are one word each; "«" alone is none."""
    if not text:
        return 0
    return len(text.split()) - len(_NOT_A_WORD.findall(" " + text))


# --- boilerplate ---------------------------------------------------------------

# Site furniture, by language. Kept as data so a new language or a new widget
# is one line. Matching is case-insensitive, on cleaned text, with ’ read as '.
# A block CONTAINING one of these phrases is dropped: they are long and
# specific enough never to occur in article prose.
BOILERPLATE_PHRASES: dict[str, tuple[str, ...]] = {
    "fr": (
        "merci d'avoir signalé",
        "cette image sera automatiquement bloquée",
        "cliquez ici pour lire l'article depuis sa source",
        "signaler cette image",
        "partager sur facebook",
        "partager sur twitter",
        "partager sur whatsapp",
        "partager cet article",
    ),
    "en": (
        "thank you for reporting",
        "this image will be automatically blocked",
        "this image will be blocked automatically",
        "report this image",
        "click here to read the article from its source",
        "click here to read the story from its source",
        "share on facebook",
        "share on twitter",
        "share this article",
    ),
    # Assumed wording of the Arabic layout (not verified against real pages).
    "ar": (
        "شكرا على الإبلاغ",
        "سيتم حجب هذه الصورة تلقائيا",
        "الإبلاغ عن هذه الصورة",
        "انقر هنا لقراءة الخبر من مصدره",
        "اضغط هنا للاطلاع على تفاصيل الخبر من مصدره",
        "اضغط هنا لقراءة الخبر من مصدره",
        "شارك على فيسبوك",
    ),
}

# Short phrases that are boilerplate only when a block STARTS with them
# ("Lire aussi : <link>"); inside a sentence they are ordinary words.
BOILERPLATE_PREFIXES: dict[str, tuple[str, ...]] = {
    "fr": ("lire aussi", "à lire aussi", "voir aussi"),
    "en": ("read also", "read more", "see also"),
    "ar": ("اقرأ أيضا", "اقرأ أيضاً"),
}

# Labels that are boilerplate only when they are the WHOLE block: an ad slot's
# caption, a related-articles heading. "Publicité mensongère : …" is news.
BOILERPLATE_LABELS: dict[str, tuple[str, ...]] = {
    "fr": (
        "publicité",
        "articles similaires",
        "articles liés",
        "sur le même sujet",
        "partager",
        "dernières nouvelles",
        "contenus sponsorisés",
    ),
    "en": ("advertisement", "related articles", "related", "share", "breaking news", "sponsored content"),
    "ar": ("إعلان", "مقالات ذات صلة", "أخبار ذات صلة", "شارك", "عاجل", "محتوى مدعوم"),
}

# A block made only of these words (and punctuation) is a row of share
# buttons; at least two distinct words, so a subheading "Facebook" survives.
SHARE_WORDS: frozenset[str] = frozenset(
    {
        "partager", "partagez", "share", "tweet", "tweeter", "imprimer", "print", "email", "e-mail",
        "mail", "envoyer", "facebook", "twitter", "x", "whatsapp", "linkedin", "telegram", "messenger",
        "pinterest", "reddit", "viber", "copier", "lien", "copy", "link", "sur", "on",
        "شارك", "مشاركة", "فيسبوك", "تويتر", "واتساب", "طباعة",
    }
)  # fmt: skip


def _match_key(text: str) -> str:
    return clean_text(text).casefold().replace("’", "'").replace("ʼ", "'")


# Matched on ``_match_key`` text, case-sensitively: a case-insensitive Unicode
# pattern is several times slower, and this runs on every block of every page.
_PHRASES = re.compile(
    "|".join(re.escape(_match_key(p)) for phrases in BOILERPLATE_PHRASES.values() for p in phrases)
)
# (?!\w): "Lire aussi :" is furniture, "Lire aussitôt …" is prose.
_PREFIXES = re.compile(
    "^(?:"
    + "|".join(re.escape(_match_key(p)) for prefixes in BOILERPLATE_PREFIXES.values() for p in prefixes)
    + r")(?!\w)"
)
_LABELS = frozenset(_match_key(p) for labels in BOILERPLATE_LABELS.values() for p in labels)
_TOKEN = re.compile(r"[\w-]+")
_MAX_SHARE_ROW_CHARS = 200
_EDGE_CHARS = 240


def is_boilerplate(text: str | None, *, clean: bool = False) -> bool:
    """True for site furniture: widgets, share rows, "read at the source" links, "Lire aussi" lines.

    ``clean``: the text has been through ``clean_text`` already (saves a pass).
    """
    text = (text or "") if clean else clean_text(text)
    if not text:
        return False
    key = text.casefold().replace("’", "'").replace("ʼ", "'")
    # Furniture run into a paragraph sits at its start or its end: a long block is
    # searched there only (the phrases are far shorter than the edges).
    probe = key if len(key) <= 2 * _EDGE_CHARS else key[:_EDGE_CHARS] + "\n" + key[-_EDGE_CHARS:]
    if _PHRASES.search(probe) or _PREFIXES.match(key):
        return True
    if len(key) > _MAX_SHARE_ROW_CHARS:
        return False
    if key.strip(" :.!-–—|") in _LABELS:
        return True
    tokens = _TOKEN.findall(key)
    return len(set(tokens)) >= 2 and len(tokens) <= 12 and all(t in SHARE_WORDS for t in tokens)
