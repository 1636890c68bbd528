"""Passages in another language: found in the HTML, found again in the PDF's structure."""

from __future__ import annotations

import pikepdf

from handouts.pdftags import Passage, comparable, decode, passages_in, read_cmap


def test_passages_are_elements_whose_language_differs_from_the_page() -> None:
    html = (
        '<html lang="es"><body><p>Hola</p><p lang="en">Hello <b>there</b></p>'
        '<img alt="x"><p lang="es">Igual</p><span lang="ar">مرحبا</span></body></html>'
    )
    assert passages_in(html) == [Passage("en", "Hello there"), Passage("ar", "مرحبا")]


def test_comparison_ignores_spaces_punctuation_and_hyphenation() -> None:
    assert comparable("Draft trans\u2010lation: it is\nnot yet reviewed.") == comparable(
        "Draft translation: it is not yet reviewed"
    )


def test_tounicode_maps_with_chars_and_ranges() -> None:
    cmap = b"""/CIDInit /ProcSet findresource begin
begincmap
1 begincodespacerange
<0000> <ffff>
endcodespacerange
2 beginbfchar
<0003> <0020>
<0014> <00e9>
endbfchar
1 beginbfrange
<0044> <0046> <0061>
endbfrange
endcmap"""
    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, cmap)
    mapping = read_cmap(stream)
    assert decode(bytes.fromhex("0044004500460003004600140014"), mapping) == "abc céé"
