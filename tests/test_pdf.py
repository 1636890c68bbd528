"""Every built PDF, read back: its text, language, title, fonts, tags and layout."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.catalogs import discover_locales
from handouts.extract import TEMPLATES_DOMAIN
from handouts.pipeline import Job

from .conftest import BUILD_WARNINGS, ROOT
from .pdftools import (
    BODY_MARGINS,
    catalog,
    content_streams,
    embedded_font_names,
    figure_alt_texts,
    languages_of_elements,
    markdown_to_text,
    page_texts,
    pieces_between_marks,
    squeeze,
    structure_types,
    tokens,
    unhyphenate,
    words_with_boxes,
)

LOCALES = [locale.tag for locale in discover_locales(ROOT / "locales")]
SPACELESS = ("zh", "ja")  # scripts written without spaces: compare with all spaces removed


def translated_messages(job: Job) -> list[str]:
    """The text of every content message as the patient should read it in this job's locale."""
    from handouts.pipeline import Project, load_inputs

    root = job.handout.path.parent.parent  # the built copy of the project
    inputs = load_inputs(Project.at(root), [job.locale.tag])
    catalogs = inputs.catalogs[job.locale.tag]
    messages = []
    for message in job.handout.messages():
        if job.locale.is_source:
            messages.append(message.text)
        else:
            translation = catalogs.catalogs[job.handout.slug].translation(message.text)
            assert translation, f"{job.locale.tag}: no translation for {message.text!r}"
            messages.append(translation)
    return [markdown_to_text(m) for m in messages]


def comparison_mode(locale: str) -> str:
    """How extracted text is compared: in order without spaces, in pieces, or by tokens."""
    from handouts.locales import get_locale

    if locale.split("-")[0] in SPACELESS:
        return "spaceless"
    if get_locale(locale).direction == "rtl":  # pdftotext reads a letter's harakat apart from it
        return "pieces"
    return "tokens"


def found_on_a_page(message: str, pages: list[str], mode: str) -> bool:
    """Every token of the message on one page, or across a page break."""
    windows = pages + [unhyphenate(a.rstrip() + "\n" + b) for a, b in itertools.pairwise(pages)]
    for window in windows:
        if mode == "spaceless":
            if squeeze(message) in squeeze(window):
                return True
        elif mode == "pieces":
            squeezed = squeeze(window)
            if all(piece in squeezed for piece in pieces_between_marks(message)):
                return True
        else:
            available = tokens(window)
            if all(token in available for token in tokens(message)):
                return True
    return False


@pytest.mark.parametrize("locale", LOCALES)
def test_every_translated_message_is_in_the_pdf_text(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    pages = page_texts(job.output, margins=BODY_MARGINS)
    mode = comparison_mode(locale)
    missing = [m for m in translated_messages(job) if not found_on_a_page(m, pages, mode)]
    assert not missing, f"{locale}: not found in {job.output.name}: {missing}"


@pytest.mark.parametrize("locale", ["es", "en"])
def test_latin_paragraphs_keep_their_word_order(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    text = squeeze("\n".join(page_texts(job.output, margins=BODY_MARGINS)))
    for message in translated_messages(job):
        assert squeeze(message) in text, f"{locale}: {message!r} not found in order"


@pytest.mark.parametrize("locale", LOCALES)
def test_pdf_language_and_title(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    root = catalog(job.output)
    assert str(root["/Lang"]) == locale
    title = translated_messages(job)[0]
    reader = PdfReader(job.output)
    assert reader.metadata is not None and reader.metadata.title == title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.author == job.brand.name


@pytest.mark.parametrize("locale", LOCALES)
def test_pdf_is_tagged_with_headings_lists_and_logo_alt_text(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    root = catalog(job.output)
    assert bool(root["/MarkInfo"]["/Marked"])
    types = structure_types(job.output)
    assert "/H1" in types and "/H2" in types
    assert types.count("/H1") == 1
    assert logo_alt_text(job) in figure_alt_texts(job.output)


def logo_alt_text(job: Job) -> str:
    """The logo's alternative text in the job's language: a translated template message."""
    from handouts.pipeline import Project, load_inputs

    pattern = "Logo of %(clinic)s"
    if not job.locale.is_source:
        root = job.handout.path.parent.parent  # the built copy of the project
        inputs = load_inputs(Project.at(root), [job.locale.tag])
        pattern = inputs.catalogs[job.locale.tag].catalogs[TEMPLATES_DOMAIN].translation(pattern) or ""
    assert "%(clinic)s" in pattern
    return pattern % {"clinic": job.brand.name}


@pytest.mark.parametrize("locale", LOCALES)
def test_fits_the_page_budget(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    assert len(PdfReader(job.output).pages) <= job.handout.pages


@pytest.mark.parametrize("locale", LOCALES)
def test_no_invisible_or_actualtext_only_text(built: dict[str, Job], locale: str) -> None:
    """ActualText only ever stands for glyphs that are drawn, never for text shown nowhere."""
    job = built[locale]
    for stream in content_streams(job.output):
        assert not re.search(rb"(^|\s)3\s+Tr\b", stream), "invisible text rendering mode"
    import pikepdf

    with pikepdf.open(job.output) as pdf:
        for page in pdf.pages:
            stack: list[list[int]] = []  # per open marked-content sequence: [has ActualText, glyphs shown]
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    props = operands[1] if op == "BDC" else None
                    stack.append([int(isinstance(props, pikepdf.Dictionary) and "/ActualText" in props), 0])
                elif op in ("Tj", "TJ") and stack:
                    shown = any(
                        len(bytes(s))
                        for s in (operands[0] if op == "TJ" else operands)
                        if isinstance(s, pikepdf.String)
                    )
                    for entry in stack:
                        entry[1] += int(shown)
                elif op == "EMC":
                    has_actual_text, glyphs = stack.pop()
                    assert not has_actual_text or glyphs, f"{locale}: ActualText around no glyph"


def test_arabic_is_right_to_left_and_keeps_the_phone_number_in_order(built: dict[str, Job]) -> None:
    job = built["ar"]
    words = words_with_boxes(job.output)
    # The phone number's two parts print left to right on one line: "+1" before "541-555-0142".
    country, number = job.brand.phone.split(" ", 1)
    assert country.startswith("+") and " " not in number  # the brand writes it in two parts
    pairs = [
        (a, b)
        for a in words
        for b in words
        if a.text == country and b.text == number and a.page == b.page and abs(a.y_min - b.y_min) < 2
    ]
    assert pairs, "phone number not found on one line"
    assert all(a.x_max <= b.x_min for a, b in pairs), "phone number digits are out of order"
    # So does the clinic's street address: the house number before the street ("1200 Riverbend Avenue").
    house, street = job.brand.address[0].split()[:2]
    assert house.isdigit() and street.isalpha()
    numbers = [w for w in words if w.text == house and w.page == 1]
    streets = [
        w for w in words if w.text == street and w.page == 1 and any(abs(w.y_min - n.y_min) < 2 for n in numbers)
    ]
    assert numbers and streets and numbers[0].x_max <= streets[0].x_min, "address number out of order"
    # Right-to-left: the first word of the heading and of the first paragraph touch the right margin.
    page_width = float(PdfReader(job.output).pages[0].mediabox.width)
    right_margin = page_width - 20 * 72 / 25.4
    for message in translated_messages(job)[:2]:
        first = message.split()[0]
        matches = [w for w in words if w.page == 1 and w.text == first]
        assert matches, f"{first!r} not found"
        assert abs(matches[0].x_max - right_margin) < 3, (first, matches[0].x_max, right_margin)


def test_chinese_embeds_a_simplified_chinese_font(built: dict[str, Job]) -> None:
    names = embedded_font_names(built["zh-Hans"].output)
    assert any(re.search(r"CJK-?SC", name, re.I) for name in names), names
    assert not any(re.search(r"CJK-?(JP|KR|TC|HK)", name, re.I) for name in names), names


@pytest.mark.parametrize("locale", LOCALES)
def test_only_declared_fonts_are_embedded(built: dict[str, Job], locale: str) -> None:
    from handouts.fonts import load_font_declaration

    declaration = load_font_declaration()
    allowed = {family.replace(" ", "-") for family in declaration.families_for(locale)} | {
        declaration.scripts["latin"].family.replace(" ", "-")
    }
    for name in embedded_font_names(built[locale].output):
        assert any(name.startswith(family) for family in allowed), f"{locale}: undeclared font {name}"


@pytest.mark.parametrize("locale", [tag for tag in LOCALES if tag != "en"])
def test_draft_notice_in_both_languages_on_every_page_unless_reviewed(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    from handouts.pipeline import Project, load_inputs

    inputs = load_inputs(Project.at(job.handout.path.parent.parent), [locale])
    templates = inputs.catalogs[locale].catalogs[TEMPLATES_DOMAIN]
    notice = next(e for e in templates.entries() if e.msgid.startswith("Draft translation"))
    printed = not inputs.catalogs[locale].is_reviewed  # honest: every catalog not human-reviewed says so
    mode = comparison_mode(locale)
    for number, page in enumerate(page_texts(job.output), start=1):
        assert found_on_a_page(notice.msgstr, [page], mode) == printed, f"{locale} page {number}: translated notice"
        assert found_on_a_page(notice.msgid, [page], "tokens") == printed, f"{locale} page {number}: English notice"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_english_half_of_the_notice_has_its_own_language(built: dict[str, Job], locale: str) -> None:
    """PDF/UA: a passage in another language than the document carries its own /Lang."""
    expected = [] if locale == "en" else [("/P", locale), ("/P", "en")]
    assert languages_of_elements(built[locale].output) == expected


@pytest.mark.parametrize("locale", LOCALES)
def test_phone_number_is_printed_exactly_as_the_brand_writes_it(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    pages = page_texts(job.output)
    assert all(job.brand.phone in page for page in pages), f"{locale}: {job.brand.phone!r} not on every page"


def test_english_source_has_no_draft_notice(built: dict[str, Job]) -> None:
    assert "Draft translation" not in "".join(page_texts(built["en"].output))


def test_weasyprint_logged_no_warning(built: dict[str, Job]) -> None:
    """Nothing WeasyPrint logged while it rendered these PDFs (tests/conftest.py records it)."""
    (paper,) = {job.paper for job in built.values()}
    assert len(built) > 1 and BUILD_WARNINGS[paper] == []


def test_outputs_are_at_the_documented_paths(built: dict[str, Job]) -> None:
    for tag, job in built.items():
        # --paper overrides the brand's paper, so the paper is part of the name
        assert job.output.parts[-3:] == ("example", tag, f"ketamine-infusions.{job.paper}.pdf")
        assert job.output.read_bytes().startswith(b"%PDF-")


def test_build_writes_no_temporary_files(built: dict[str, Job]) -> None:
    out = next(iter(built.values())).output.parents[2]
    assert not [p for p in Path(out).rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


@pytest.mark.parametrize("paragraphs", [1, 10, 160])
def test_the_page_count_a_render_gives_is_the_pdfs_own(paragraphs: int, tmp_path: Path) -> None:
    """The page budget is checked against the pages WeasyPrint laid out, without parsing the PDF."""
    from handouts.fonts import prepare_fonts
    from handouts.pdf import PdfWriter

    writer = PdfWriter(prepare_fonts(), [ROOT / "templates"])
    body = "".join(
        f"<p>Paragraph {n} of a handout long enough to run over several pages.</p>" for n in range(paragraphs)
    )
    page = f'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>{body}</body></html>'
    pdf, pages = writer.render_counted(page, ROOT / "templates", tmp_path / "page.pdf")
    (tmp_path / "page.pdf").write_bytes(pdf)
    assert pages == len(PdfReader(tmp_path / "page.pdf").pages)
    assert (pages > 1) is (paragraphs > 10)


def test_subsetting_asks_cffi_for_one_array_type_whatever_the_number_of_glyphs(tmp_path: Path) -> None:
    """WeasyPrint names an array type by the number of glyphs a font uses (`hb_codepoint_t[N]`),
    and cffi parses every new name in full: ours names one type for every N. The fonts are still
    subset to the glyphs each page uses."""
    from handouts.fonts import prepare_fonts
    from handouts.pdf import PdfWriter

    writer = PdfWriter(prepare_fonts(), [ROOT / "templates"])
    from weasyprint.text.ffi import ffi

    def sized() -> set[str]:
        return {name for name in ffi._parsed_types if re.fullmatch(r"hb_codepoint_t\[\d+\]", str(name))}

    letters = [chr(c) for c in range(0x410, 0x44F + 1)] + [chr(c) for c in range(0x100, 0x17F + 1)]  # Cyrillic, Latin A
    before = sized()
    for count in (151, 173, 189):  # glyph counts no page of the suite has
        text = " ".join(letters[:count])
        page = f'<!DOCTYPE html><html lang="ru"><head><title>t</title></head><body><p>{text}</p></body></html>'
        pdf = tmp_path / f"{count}.pdf"
        writer.write_pdf(page, ROOT / "templates", pdf)
        assert set(letters[:count]) <= set(page_texts(pdf)[0])
        assert pdf.stat().st_size < 60_000  # a subset, not the whole font
    assert sized() == before


def test_a_font_file_harfbuzz_subsets_is_never_copied_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint copies each font's whole file out of HarfBuzz for every PDF that uses it, 16 MB
    for a CJK face, though HarfBuzz subsets the face itself; ours reads a font's file only when
    something needs it. The PDF still embeds the glyphs it shows, and only those."""
    from handouts.fonts import prepare_fonts
    from handouts.pdf import PdfWriter

    fonts = prepare_fonts()
    writer = PdfWriter(fonts, [ROOT / "templates"])
    import weasyprint.text.fonts

    copied: list[int] = []

    class Counted:
        def __init__(self, ffi: object) -> None:
            self._ffi = ffi

        def __getattr__(self, name: str) -> object:
            return getattr(self._ffi, name)

        def unpack(self, data: object, length: int) -> bytes:
            copied.append(length)
            return self._ffi.unpack(data, length)  # type: ignore[attr-defined, no-any-return]

    monkeypatch.setattr(weasyprint.text.fonts, "ffi", Counted(weasyprint.text.fonts.ffi))
    text = "お薬は毎日同じ時間に飲んでください。"
    page = f'<!DOCTYPE html><html lang="ja"><head><title>t</title></head><body><p>{text}</p></body></html>'
    pdf = tmp_path / "ja.pdf"
    writer.write_pdf(page, ROOT / "templates", pdf)
    smallest_cjk = min(font.path.stat().st_size for font in fonts.files_for(["ja"]) if font.script != "latin")
    assert copied and max(copied) < smallest_cjk / 10  # the subsets, never a whole face
    assert text in page_texts(pdf)[0]
    assert pdf.stat().st_size < 200_000


def test_a_font_file_read_when_needed_is_the_file_harfbuzz_gives() -> None:
    from types import SimpleNamespace

    from handouts.weasyprint_ext import read_font_files_when_needed

    reads: list[tuple[object, object]] = []

    def get_hb_object_data(hb_object: object, ot_color: object = None, glyph: object = None) -> bytes:
        reads.append((hb_object, ot_color))
        return f"{hb_object} {ot_color}".encode()

    class Font:  # as WeasyPrint's opens a font
        def __init__(self, hb_face: str) -> None:
            self.hb_face = hb_face
            self.file_content = module.get_hb_object_data(self.hb_face)

    module = SimpleNamespace(Font=Font, get_hb_object_data=get_hb_object_data)
    read_font_files_when_needed(module)
    font = module.Font("face")
    assert reads == []
    assert font.file_content == b"face None" and font.file_content == b"face None"
    assert reads == [("face", None)]  # read once
    font.file_content = b"subset"
    assert font.file_content == b"subset"
    assert module.get_hb_object_data("face", "svg") == b"face svg"  # a glyph's image, read at once


def test_every_stream_is_compressed_at_the_level_the_extension_sets(built: dict[str, Job]) -> None:
    """pydyf compresses at zlib level 9; the PDFs' streams are compressed at level 6, which is
    faster for a PDF barely larger, and still one zlib stream each (any reader inflates them)."""
    import zlib

    import pikepdf

    from handouts.weasyprint_ext import STREAM_COMPRESSION

    for job in built.values():
        differs_at_9 = False
        with pikepdf.open(job.output) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream) and obj.get("/Filter") == pikepdf.Name.FlateDecode:
                    raw, data = obj.read_raw_bytes(), obj.read_bytes()
                    assert raw == zlib.compress(data, STREAM_COMPRESSION), f"{job.output.name}: {obj.objgen}"
                    differs_at_9 = differs_at_9 or raw != zlib.compress(data, 9)
        assert differs_at_9, job.output.name
