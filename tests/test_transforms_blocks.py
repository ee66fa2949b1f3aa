"""transforms.blocks: element trees (the page's HTML, trafilatura's XML) cut into clean text blocks."""

from __future__ import annotations

from lxml import etree, html

from transforms.blocks import Block, BlockCollector, ExtractedPage


def blocks_of(markup: str, *, xml: bool = False) -> list[Block]:
    root = etree.fromstring(markup) if xml else html.fragment_fromstring(markup, create_parent="div")
    collector = BlockCollector()
    collector.add_element(root)
    return collector.blocks()


def test_block_elements_and_line_breaks_end_a_block_and_inline_elements_flow() -> None:
    assert blocks_of(
        "<h3>Multipolaire</h3><p>Un <a href='/x'>lien</a> dans <em>le</em> texte.<br>Suite.</p>"
        "<div>Fin <span>du</span> texte.</div>"
    ) == [
        Block("subheading", "Multipolaire"),
        Block("paragraph", "Un lien dans le texte."),
        Block("paragraph", "Suite."),
        Block("paragraph", "Fin du texte."),
    ]


def test_a_wholly_bold_paragraph_is_a_question_answered_until_the_next_subheading() -> None:
    assert blocks_of(
        "<p><strong>Pourquoi maintenant ?</strong></p><p>Parce que.</p><p>Et ensuite.</p>"
        "<p class='question'>Et demain ?</p><p>On verra.</p>"
        "<h2>Programme</h2><p>Un paragraphe.</p><p><b>Gras</b> puis normal.</p>"
    ) == [
        Block("question", "Pourquoi maintenant ?"),
        Block("answer", "Parce que."),
        Block("answer", "Et ensuite."),
        Block("question", "Et demain ?"),
        Block("answer", "On verra."),
        Block("subheading", "Programme"),
        Block("paragraph", "Un paragraphe."),
        Block("paragraph", "Gras puis normal."),
    ]


def test_a_row_of_headline_links_is_dropped_and_a_paragraph_citing_a_link_is_kept() -> None:
    assert blocks_of(
        "<div><a href='/1'>Premier titre du fil</a> <a href='/2'>Second titre du fil</a></div>"
        "<p>Selon <a href='/src'>le rapport</a>, la croissance atteint trois pour cent cette année.</p>"
    ) == [Block("paragraph", "Selon le rapport, la croissance atteint trois pour cent cette année.")]


def test_code_media_forms_comments_and_whitespace_give_no_text() -> None:
    assert blocks_of(
        "<script>var x = 1;</script><style>p {}</style><!-- note --><figure><figcaption>Photo"
        "</figcaption></figure><nav>Accueil</nav><form><label>Nom</label></form><p>   </p>"
        "<p>Le texte.</p>"
    ) == [Block("paragraph", "Le texte.")]


def test_the_familys_widget_wording_is_not_article_text() -> None:
    assert blocks_of("<p>Le texte.</p><p>Cliquez ici pour lire l'article depuis sa source.</p>") == [
        Block("paragraph", "Le texte.")
    ]


def test_trafilatura_xml_headings_bold_and_line_breaks() -> None:
    assert blocks_of(
        "<body><head>Intertitre</head><p><hi rend='#b'>Une question ?</hi></p><p>Une réponse."
        "<lb/>Sur deux lignes.</p></body>",
        xml=True,
    ) == [
        Block("subheading", "Intertitre"),
        Block("question", "Une question ?"),
        Block("answer", "Une réponse."),
        Block("answer", "Sur deux lignes."),
    ]


def test_text_is_every_piece_on_one_line_and_content_is_read_whatever_the_tag() -> None:
    title = etree.fromstring("<title>Maroc  Numeric :\n Sur les traces</title>")
    as_shown = BlockCollector()
    as_shown.add_element(title)  # <title> is never article text...
    assert as_shown.text() is None
    collector = BlockCollector()
    collector.add_content(title)  # ...but a title selector may point at it
    collector.add_text("  de la France ")
    assert collector.text() == "Maroc Numeric : Sur les traces de la France"


def test_an_extracted_page_is_failed_until_an_extractor_says_otherwise() -> None:
    page = ExtractedPage()
    assert (page.extraction, page.title, page.blocks, page.error) == ("failed", None, (), None)
