"""What a screen reader gets from every PDF: structure, artifacts, languages and the real text."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import polib
import pytest

from handouts.errors import RenderError
from handouts.fonts import load_font_declaration, prepare_fonts
from handouts.pdf import PdfWriter
from handouts.pipeline import Job
from handouts.weasyprint_ext import check_version, cluster_spans

from .conftest import ROOT
from .pdftools import (
    effective_languages,
    identical_word_share,
    markdown_to_text,
    script_of,
    structure_text,
    tagged_text,
)
from .test_cli import run
from .test_pdf import LOCALES, translated_messages
from .test_typography import SAMPLES

RTL_AND_INDIC = ("ar", "fa", "hi")
# Readers of the structure tree (pdf.js, Firefox; pdfminer.six here) get every locale's exact text.
# poppler 22 (pdftotext) cannot get all of Arabic and Persian from any PDF whose ActualText is in
# logical reading order, as ISO 32000-1 14.9.4 means it (see poppler/TextOutputDev.cc):
# - ActualText::end hands a span's whole text to TextPage::addChar at the box of the span's glyphs,
#   which lays its letters out left to right; reorderText then reverses each right-to-left run of
#   the line, so a span of two letters or more comes out backwards ("اً" as "ًا").
# - A span of one letter each is impossible where a raised mark (tanwin, shadda, kasra, drawn with a
#   text rise) shares a cluster with its letter: a cluster has one glyph on the baseline for two
#   letters, and a glyph drawn with a rise that starts a span, or is in none, starts a new word on
#   another baseline (|base - word base| > 0.5 pt in TextPage::addChar), printed on a line of its own.
# - reorderText counts the space before a number in a right-to-left line into the number's
#   left-to-right run, so "۱۹۶۰ در" comes out as "۱۹۶۰در" whatever the PDF says.
# Writing right-to-left ActualText backwards would please poppler alone (and still leave words cut
# where a span starts with a raised mark: Arabic 0.914), and mislead every reader that follows the
# standard. poppler also drops zero-width non-joiners (compared without format characters).
# Floors as measured (ar 0.897, fa 0.979 on the shipped handout), so that a regression still fails.
PDFTOTEXT_FLOOR = {"ar": 0.89, "fa": 0.97}


@pytest.fixture(scope="module")
def writer() -> PdfWriter:
    return PdfWriter(prepare_fonts(), [ROOT / "templates"])


def render(writer: PdfWriter, tmp_path: Path, body: str, lang: str, direction: str = "ltr") -> Path:
    page = (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><title>t</title>'
        "<style>@page { size: a6; @bottom-right { content: counter(page) } }</style></head>"
        f"<body>{body}</body></html>"
    )
    out = tmp_path / "page.pdf"
    writer.write_pdf(page, ROOT / "templates", out)
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_operator_is_in_the_structure_tree_or_an_artifact(built: dict[str, Job], locale: str) -> None:
    found = tagged_text(built[locale].output)
    assert not found.unmarked, f"{locale}: {len(found.unmarked or [])} of {found.total}: {found.unmarked[:3]}"
    assert found.referenced and found.artifact  # the running footer (and header) are artifacts
    with pikepdf.open(built[locale].output) as pdf:
        for page in pdf.pages:
            artifacts = [
                (str(operands[1].get("/Type")), str(operands[1].get("/Subtype")))
                for operands, operator in pikepdf.parse_content_stream(page)
                if str(operator) == "BDC" and operands[0] == "/Artifact"
            ]
            assert artifacts.count(("/Pagination", "/Footer")) == 2  # the contact line and the page number


@pytest.mark.parametrize("locale", [tag for tag in LOCALES if tag != "en"])
def test_the_draft_notice_is_a_note_in_both_languages(built: dict[str, Job], locale: str) -> None:
    with pikepdf.open(built[locale].output) as pdf:
        notes = [e for e in walk(pdf.Root.StructTreeRoot) if e.get("/S") == "/Note"]
        assert len(notes) == 1 and "/ID" in notes[0]
        kids = [k for k in notes[0].K if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/P"]
        assert [str(k.Lang) for k in kids] == [locale, "en"]


def walk(node: pikepdf.Object) -> list[pikepdf.Dictionary]:
    kids = node.get("/K")
    items = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
    found = []
    for kid in items:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.append(kid)
            found.extend(walk(kid))
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_passage_reads_in_its_own_language(built: dict[str, Job], locale: str) -> None:
    """The notice's English half is English; everything else is the page's language."""
    english = markdown_to_text(
        "Draft translation: this translation was drafted by machine and has not yet been reviewed "
        "by a qualified medical translator."
    )
    for kind, lang, text in effective_languages(built[locale].output):
        expected = "en" if text.strip() and text.strip() in english and locale != "en" else locale
        if text.strip() in english and len(text.strip()) < 4:
            continue  # a word such as "a" can be in either language
        assert lang == expected, f"{locale}: {kind} {text[:40]!r} is read as {lang!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_extracted_text_equals_the_catalog_text(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    expected = "\n".join(translated_messages(job))
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(job.output), "-"], capture_output=True, check=True)
    share, missed = identical_word_share(expected, poppler.stdout.decode(), ignore_format=True)
    assert share >= PDFTOTEXT_FLOOR.get(locale, 0.99), f"{locale}: pdftotext {share:.3f}, missed {missed[:10]}"
    share, missed = identical_word_share(expected, structure_text(job.output))
    assert share >= 0.99, f"{locale}: structure tree {share:.3f}, missed {missed[:10]}"
    # No invisible character the translator did not write (such as the word joiners that keep
    # Korean words whole): it would break searching the PDF and copying its text. Poppler marks
    # right-to-left runs with embeddings of its own.
    written = {c for c in expected if unicodedata.category(c) == "Cf"} | set("\u202a\u202b\u202c\u202d\u202e")
    for reader, text in [("pdftotext", poppler.stdout.decode()), ("structure tree", structure_text(job.output))]:
        invented = sorted(f"U+{ord(c):04X}" for c in set(text) if unicodedata.category(c) == "Cf" and c not in written)
        assert not invented, f"{locale}: {reader} reads {invented}"


@pytest.mark.parametrize(
    ("locale", "direction", "greeting"), [("ar", "rtl", "مرحبا بكم"), ("hi", "ltr", "आपका स्वागत है")]
)
def test_a_passage_split_by_a_page_break_keeps_its_language_on_both_pages(
    writer: PdfWriter, tmp_path: Path, locale: str, direction: str, greeting: str
) -> None:
    english = " ".join(["Ask your care team before you change any treatment."] * 60)
    pdf = render(writer, tmp_path, f'<p>{greeting}</p><p lang="en" dir="ltr">{english}</p>', locale, direction)
    rows = effective_languages(pdf)
    with pikepdf.open(pdf) as document:
        assert len(document.pages) >= 2
    english_rows = [row for row in rows if "care team" in row[2]]
    assert len({row[2] for row in english_rows}) >= 2
    assert all(lang == "en" for _, lang, _ in english_rows)
    assert [lang for _, lang, text in rows if greeting in text] == [locale]


def test_a_translation_equal_to_an_english_passage_keeps_the_page_language(writer: PdfWriter, tmp_path: Path) -> None:
    pdf = render(writer, tmp_path, '<p>Hola mundo, hola</p><p lang="en">Hola mundo, hola</p>', "es")
    langs = [lang for _, lang, text in effective_languages(pdf) if "Hola" in text]
    assert langs == ["es", "en"]


@pytest.mark.parametrize("locale", RTL_AND_INDIC)
def test_review_sheet_cells_carry_their_language(project_copy: Path, locale: str) -> None:
    result = run("review", locale, "--out", str(project_copy / "sheets"), cwd=project_copy)
    assert result.returncode == 0, result.stderr
    pdf = project_copy / f"sheets/ketamine-infusions.{locale}.review.pdf"
    rows = effective_languages(pdf)
    po = polib.pofile(str(project_copy / f"locales/{locale}/LC_MESSAGES/ketamine-infusions.po"))
    translated = [
        row
        for row in rows
        if any(script_of(c) in ("ARABIC", "DEVANAGARI") for c in row[2]) and any(row[2].strip() in e.msgstr for e in po)
    ]
    assert len(translated) > 20
    assert all(lang == locale for _, lang, _ in translated), [r for r in translated if r[1] != locale][:3]
    assert all(lang == "en" for _, lang, text in rows if text.startswith("Ketamine") and "infusion" in text)


def test_a_drafts_english_title_is_tagged_english(project_copy: Path) -> None:
    path = project_copy / "locales/hi/LC_MESSAGES/ketamine-infusions.po"
    po = polib.pofile(str(path))
    title = po[0]
    title.msgstr = ""
    po.save(str(path))
    result = run("build", "--draft", "--locale", "hi", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    pdf = project_copy / "dist/drafts/example/hi/ketamine-infusions.draft.pdf"
    headings = [(kind, lang) for kind, lang, text in effective_languages(pdf) if text.strip() == title.msgid]
    assert headings and all(lang == "en" for _, lang in headings), headings


def test_a_page_without_a_language_fails(writer: PdfWriter, tmp_path: Path) -> None:
    page = "<!DOCTYPE html><html><head><title>t</title></head><body><p>Text</p></body></html>"
    with pytest.raises(RenderError, match="No language for the text of <p>"):
        writer.render(page, ROOT / "templates", tmp_path / "page.pdf")


def test_every_released_pdf_is_tagged_or_an_artifact_and_reads_right(released: Path, shipped: Path) -> None:
    """Both clinics' handouts and every review sheet, as a release ships them."""
    pdfs = sorted(released.glob("*/*/*.pdf"))
    assert len(pdfs) >= 2 * len(LOCALES) + len(LOCALES) - 1
    for pdf in pdfs:
        found = tagged_text(pdf)
        assert not found.unmarked, f"{pdf}: {found.unmarked[:3]}"
        locale = pdf.parent.name
        if "review" in pdf.parts or pdf.parts[-3] == "example":
            continue  # review sheets mix languages; the example clinic is read back above
        job_text = structure_text(pdf)
        expected = "\n".join(markdown_to_text(m) for m in expected_messages(shipped, locale))
        share, missed = identical_word_share(expected, job_text)
        assert share >= 0.99, f"{pdf}: {share:.3f}, missed {missed[:10]}"


def expected_messages(project: Path, locale: str) -> list[str]:
    from handouts.pipeline import Project, load_inputs

    inputs = load_inputs(Project.at(project), [locale])
    handout = inputs.handouts[0]
    if locale == "en":
        return [m.text for m in handout.messages()]
    catalog = inputs.catalogs[locale].catalogs[handout.slug]
    return [catalog.translation(m.text) or "" for m in handout.messages()]


def test_the_extension_is_tested_with_the_weasyprint_versions_pyproject_pins() -> None:
    import re
    import tomllib

    from handouts.weasyprint_ext import TESTED_WEASYPRINT

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pin = next(d for d in dependencies if d.startswith("weasyprint"))
    low, high = re.fullmatch(r"weasyprint>=([\d.]+),<([\d.]+)", pin).groups()  # type: ignore[union-attr]
    pinned = tuple((*map(int, version.split(".")), 0)[:2] for version in (low, high))
    assert pinned == TESTED_WEASYPRINT


def test_an_untested_weasyprint_is_refused() -> None:
    check_version("70.0")
    for version in ("71.0", "69.9", "unknown"):
        with pytest.raises(RenderError, match="tested with WeasyPrint"):
            check_version(version)


def test_clusters_follow_logical_order_and_keep_marks_with_their_letter() -> None:
    # Devanagari "कि": the vowel sign is drawn first; both glyphs are one cluster of 6 bytes.
    assert cluster_spans([0, 0, 6], 9, False, "किक".encode()) == [(0, 2, 0, 6), (2, 3, 6, 9)]
    # Arabic "بُن" drawn right to left: ن, damma, ب; the damma joins its letter's cluster.
    text = "بُن".encode()
    assert cluster_spans([4, 2, 0], 6, True, text) == [(0, 1, 4, 6), (1, 3, 0, 4)]


# The hard cases of complex scripts (pre-base vowel signs, conjuncts, alef with hamza, zero-width
# non-joiners, Khmer subscripts, Myanmar medials), beside the samples of every script. A language
# is read back once the font declaration gives it a font of its own script.
HARD_CLUSTERS = {
    "hi": "कॉल करें। किसी क्लिनिकल अध्ययन में कीटामाइन दिया गया।",
    "ar": "بخاخ أنفي أو حقنة؛ إذا سألت، فالإجابة مؤكدة.",
    "fa": "می‌خواهم به‌عنوان پزشک آرام‌بخش بدهم.",
    "bn": "কিছু ক্লিনিক প্রতিদিন ওষুধ দেয়।",
    "km": "អ្នកគួរតែលេបថ្នាំរៀងរាល់ថ្ងៃ។ ស្ត្រី ក្រុមគ្រូពេទ្យ",
    "my": "နေ့တိုင်း ဆေးသောက်ပါ။ ကျန်းမာရေး ဆရာဝန်",
    "ta": "தினமும் உங்கள் மருந்தை எடுத்துக்கொள்ளுங்கள். கேட்டார்கள் பொருள்",
}
DECLARED = load_font_declaration()
CLUSTERS = {
    tag: text for tag, text in HARD_CLUSTERS.items() if DECLARED.scripts_for(tag) != DECLARED.languages["default"]
}


# Readers that take no ActualText (pdf.js's text layer, behind Firefox's find and copy) read each
# glyph through the font's ToUnicode map, in drawing order. Every glyph should then read as its own
# letters: a pre-base vowel sign as itself, not as nothing or the glyph's number, and its consonant
# as the consonant alone. Where a vowel sign is drawn as the glyphs of other letters, the map (one
# text per glyph in the whole document) cannot say it; ActualText does, for every other reader.
TOUNICODE_INEXACT = {
    "km": "ៀ is drawn as the glyphs of េ and ា",
    "ta": "a glyph of ெ is drawn again inside ொ",
}


@pytest.mark.parametrize("locale", sorted({*SAMPLES, *CLUSTERS}))
def test_every_glyph_reads_as_its_own_letters_without_actual_text(
    writer: PdfWriter, tmp_path: Path, locale: str
) -> None:
    from collections import Counter

    from pdfminer.high_level import extract_text

    def letters(text: str) -> Counter[str]:
        decomposed = unicodedata.normalize("NFD", text)
        return Counter(c for c in decomposed if unicodedata.category(c)[0] in "LM")

    text = " ".join(t for t in (SAMPLES.get(locale), CLUSTERS.get(locale)) if t)
    direction = "rtl" if locale in ("ar", "fa", "ur", "he") else "ltr"
    glyphs = extract_text(str(render(writer, tmp_path, f"<p>{text}</p>", locale, direction)))
    assert "(cid:" not in glyphs, f"{locale}: a glyph reads as nothing: {glyphs!r}"
    if locale not in TOUNICODE_INEXACT:
        got, want = letters(glyphs), letters(text)
        assert got == want, f"{locale}: reads {got - want} instead of {want - got}"


@pytest.mark.parametrize("locale", sorted({*SAMPLES, *CLUSTERS}))
def test_every_script_reads_back_exactly(writer: PdfWriter, tmp_path: Path, locale: str) -> None:
    text = " ".join(t for t in (SAMPLES.get(locale), CLUSTERS.get(locale)) if t)
    direction = "rtl" if locale in ("ar", "fa", "ur", "he") else "ltr"
    pdf = render(writer, tmp_path, f"<p>{text}</p>", locale, direction)
    share, missed = identical_word_share(text, structure_text(pdf))
    assert share == 1.0, f"{locale}: structure tree missed {missed}"
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    share, missed = identical_word_share(text, poppler.stdout.decode(), ignore_format=True)
    assert share >= PDFTOTEXT_FLOOR.get(locale, 1.0), f"{locale}: pdftotext {share:.3f} missed {missed}"
