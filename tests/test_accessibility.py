"""What a screen reader gets from every PDF: structure, artifacts, languages and the real text."""

from __future__ import annotations

import difflib
import random
import subprocess
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pikepdf
import polib
import pytest

from handouts.errors import RenderError
from handouts.fonts import load_font_declaration, prepare_fonts
from handouts.pdf import PdfWriter
from handouts.pipeline import Job
from handouts.weasyprint_ext import GlyphRun, actual_text_spans, check_version, cluster_spans, spans_cluster_by_cluster

from .conftest import ROOT
from .pdftools import (
    effective_languages,
    identical_word_share,
    markdown_to_text,
    script_of,
    structure_text,
    tagged_text,
    words_of,
)
from .test_cli import run
from .test_pdf import LOCALES, translated_messages
from .test_typography import SAMPLES

RTL_AND_INDIC = ("ar", "fa", "hi")
# Readers of the structure tree (pdf.js, Firefox; pdfminer.six here) get every word of every locale.
# poppler's pdftotext (22.12, as Debian 12 ships it) gets every word too, but two kinds that it
# cannot read from any PDF whose text is in reading order, Chromium's included (see
# poppler/TextOutputDev.cc; `pdftotext` in its default reading-order mode, as here; `-raw` keeps
# content-stream order and reads right-to-left text backwards):
# 1. A right-to-left cluster under a span of two characters or more. ActualText::end hands the span's
#    whole text to TextPage::addChar at the box of its glyphs, which lays the letters out left to
#    right (as it does a ToUnicode entry of several letters); reorderText then reverses each
#    right-to-left run of the line, so "رً" comes back as "ًر". The span can be neither left out nor
#    cut into spans of one letter where a mark is drawn raised right of its letter's origin (most
#    harakat in Noto Naskh): a glyph whose baseline is 0.5 pt off starts a word of its own, and
#    words are ordered by where they start, so the mark would follow its letter's whole word, or
#    end the line (TextWord::addCombining, which puts a mark over its letter, knows only twelve
#    spacing accents, none of them Arabic). Writing the ActualText backwards would suit poppler
#    alone and mislead every other reader.
# 2. A number and the right-to-left word after it: reorderText gives the neutral characters left of
#    a number (in reading order, after it: the space, a comma) to the number's left-to-right run,
#    so "۱۹۶۰ در" comes back as "۱۹۶۰در" however the PDF is written.
# These words, found in each PDF (its right-to-left spans of a letter and its marks) and in the
# catalog text (numbers), are left out of pdftotext's count, and pdftotext must indeed misread each;
# every other word must be read exactly. poppler
# also drops zero-width non-joiners (compared without format characters).


def words_poppler_cannot_read(pdf: Path, expected: str) -> set[int]:
    """Positions, in `words_of(expected, True)`, of the words pdftotext cannot read (see above)."""
    spans = set()
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "BDC" and operands[0] == "/Span" and "/ActualText" in operands[1]:
                    text = unicodedata.normalize("NFC", str(operands[1].ActualText))
                    right_to_left = any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)
                    if len(text) > 1 and right_to_left and any(unicodedata.category(c) == "Mn" for c in text):
                        spans.add(text)  # a letter and its harakat
    words = words_of(expected, ignore_format=True)
    found = {i for i, word in enumerate(words) if any(span in word for span in spans)}
    for i, (word, following) in enumerate(pairwise(words)):
        # Western digits and Arabic letters stay two words when glued; Arabic-Indic digits do not.
        glued = script_of(word[-1]) == script_of(following[0])
        if word.isdigit() and glued and unicodedata.bidirectional(following[0]) in ("R", "AL"):
            found |= {i, i + 1}
    return found


@dataclass
class PopplerReading:
    share: float  # of the words it can read, those it read exactly
    missed: list[str]  # words it can read but did not
    left_out: list[str]  # words it cannot read
    read_anyway: list[str]  # words left out that it read exactly after all
    text: str  # all it read


def pdftotext_reading(pdf: Path, expected: str) -> PopplerReading:
    """How pdftotext reads the words of `expected` from `pdf`, leaving out those it cannot read."""
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    want, got = words_of(expected, ignore_format=True), words_of(poppler.stdout.decode(), ignore_format=True)
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    matched = {i for block in matcher.get_matching_blocks() for i in range(block.a, block.a + block.size)}
    unreadable = words_poppler_cannot_read(pdf, expected)
    checked = [i for i in range(len(want)) if i not in unreadable]
    missed = [want[i] for i in checked if i not in matched]
    return PopplerReading(
        share=1 - len(missed) / len(checked) if checked else 1.0,
        missed=missed,
        left_out=[want[i] for i in sorted(unreadable)],
        read_anyway=[want[i] for i in sorted(unreadable & matched)],
        text=poppler.stdout.decode(),
    )


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
    poppler = pdftotext_reading(job.output, expected)
    assert poppler.share >= 0.99, f"{locale}: pdftotext {poppler.share:.3f}, missed {poppler.missed[:10]}"
    assert not poppler.read_anyway, f"{locale}: pdftotext reads words said to be unreadable: {poppler.read_anyway}"
    share, missed = identical_word_share(expected, structure_text(job.output))
    assert share >= 0.99, f"{locale}: structure tree {share:.3f}, missed {missed[:10]}"
    # No invisible character the translator did not write (such as the word joiners that keep
    # Korean words whole): it would break searching the PDF and copying its text. Poppler marks
    # right-to-left runs with embeddings of its own.
    written = {c for c in expected if unicodedata.category(c) == "Cf"} | set("\u202a\u202b\u202c\u202d\u202e")
    for reader, text in [("pdftotext", poppler.text), ("structure tree", structure_text(job.output))]:
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


def test_the_extension_is_tested_with_the_weasyprint_and_pydyf_versions_pyproject_pins() -> None:
    import re
    import tomllib

    from handouts.weasyprint_ext import TESTED_PYDYF, TESTED_WEASYPRINT

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for name, tested in (("weasyprint", TESTED_WEASYPRINT), ("pydyf", TESTED_PYDYF)):
        pin = next(d for d in dependencies if d.startswith(f"{name}>"))
        low, high = re.fullmatch(rf"{name}>=([\d.]+),<([\d.]+)", pin).groups()  # type: ignore[union-attr]
        pinned = tuple((*map(int, version.split(".")), 0)[:2] for version in (low, high))
        assert pinned == tested


def test_an_untested_weasyprint_or_pydyf_is_refused() -> None:
    from handouts.weasyprint_ext import TESTED_PYDYF

    check_version("70.0")
    for version in ("71.0", "69.9", "unknown"):
        with pytest.raises(RenderError, match="tested with WeasyPrint"):
            check_version(version)
    check_version("0.13.0", "pydyf", TESTED_PYDYF)
    with pytest.raises(RenderError, match=r"pydyf 0\.14\.0 is installed"):
        check_version("0.14.0", "pydyf", TESTED_PYDYF)


def test_clusters_follow_logical_order_and_keep_marks_with_their_letter() -> None:
    # Devanagari "कि": the vowel sign is drawn first; both glyphs are one cluster of 6 bytes.
    assert cluster_spans([0, 0, 6], 9, False, "किक".encode()) == [[0, 2, 0, 6, "कि"], [2, 3, 6, 9, "क"]]
    # Arabic "بُن" drawn right to left: ن, damma, ب; the damma joins its letter's cluster.
    text = "بُن".encode()
    assert cluster_spans([4, 2, 0], 6, True, text) == [[1, 3, 0, 4, "بُ"], [0, 1, 4, 6, "ن"]]
    # Latin "é" as e and a combining acute, drawn as two glyphs of their own clusters.
    assert cluster_spans([0, 1], 3, False, "e\u0301".encode()) == [[0, 2, 0, 3, "e\u0301"]]


# Pieces of text for random glyph runs: letters, spaces, combining marks (Latin, Arabic,
# Devanagari), a zero-width non-joiner, a no-break space and a word joiner.
RUN_PIECES = [*"abe ", "\u0301", "\u064e", "\u0650", "\u0651", *"بنلا", "क", "ि", "्", "ष", "\u2060", "\u00a0", "\u200c"]
EMPTY_GLYPH, UNKNOWN_GLYPH = 0x0FFFFFFF, 0x10000065


def random_glyph_run(rng: random.Random, simple: bool) -> tuple[GlyphRun, bytes, dict[int, str]]:
    """A Pango-like glyph run over random text: clusters at character boundaries, in visual order
    (right to left reversed), of one to three glyphs (`simple`: one, right to left, mostly drawn,
    a fresh ToUnicode map), some glyphs empty, unknown, raised, offset or without advance."""
    text = "".join(rng.choice(RUN_PIECES) for _ in range(rng.randint(1, 12)))
    before = "xy" if rng.random() < 0.5 else ""
    utf8 = f"{before}{text}z".encode()
    bounds = [0]
    for char in text:
        bounds.append(bounds[-1] + len(char.encode()))
    starts = sorted({0} | {b for b in bounds[1:-1] if rng.random() < 0.6})
    log = [start for start in starts for _ in range(1 if simple else rng.choice([1, 1, 1, 2, 3]))]
    rtl = simple or rng.random() < 0.5
    if rtl:
        log.reverse()
    count = len(log)
    odd = 0.02 if simple else 0.15
    ids = [
        rng.choice([1, 2, 3, EMPTY_GLYPH, UNKNOWN_GLYPH]) if rng.random() < odd else rng.randint(1, 40 if simple else 8)
        for _ in range(count)
    ]
    widths = [rng.choice([0, 500, 600]) if rng.random() < 0.3 else 600 for _ in range(count)]
    x_offsets = [rng.choice([0, 0, 0, -100, 50]) for _ in range(count)]
    y_offsets = [rng.choice([0, 0, 0, 0, 120]) for _ in range(count)]
    run = GlyphRun(ids, widths, x_offsets, y_offsets, log, len(before.encode()), len(text.encode()), rtl)
    texts = ["a", "ب", "िक", "", "क्", "\u0301"]
    fresh = simple and rng.random() < 0.7
    mapped = {} if fresh else {g: rng.choice(texts) for g in range(1, 9) if rng.random() < 0.4}
    return run, utf8, mapped


@pytest.mark.parametrize("seed", range(6))
def test_the_short_ways_to_actual_text_agree_with_looking_at_every_cluster(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`actual_text_spans` skips a run that reads as its text, and right to left looks only at the
    raised marks of a run whose glyphs each read as their cluster; on random runs of either
    direction it must give what looking at every cluster gives, and map the same glyphs."""
    from types import SimpleNamespace

    from handouts import weasyprint_ext

    rng = random.Random(seed)
    monkeypatch.setitem(weasyprint_ext.NOMINAL_GLYPHS, "random", {g: rng.choice("aकिب") for g in range(1, 41)})
    for _ in range(3000):
        run, utf8, mapped = random_glyph_run(rng, simple=seed % 2 == 0)
        font = SimpleNamespace(hash="random", to_unicode=dict(mapped))
        got = actual_text_spans(run, font, utf8)
        assert got == spans_cluster_by_cluster(run, font.to_unicode, utf8), (run, utf8, mapped)


def test_a_word_joiner_keeps_the_mark_after_it_out_of_a_raised_cluster() -> None:
    """Right to left, a cluster whose text starts with a word joiner does not join the letter's
    cluster before it, though its text, as readers get it, starts with a mark (kasra here): the
    short way for raised marks must not see the joiner-less text."""
    from types import SimpleNamespace

    utf8 = "xy\u064eec\u0301\u2060\u0650z".encode()  # the run: fatha, e, c with acute, joiner, kasra
    run = GlyphRun([6, 33, 29, 18], [0, 0, 600, 600], [0, 0, -100, 50], [0, 120, 0, 120], [6, 3, 2, 0], 2, 11, True)
    font = SimpleNamespace(hash="joiner", to_unicode={})
    assert actual_text_spans(run, font, utf8) == ({}, set(), False)
    assert spans_cluster_by_cluster(run, font.to_unicode, utf8) == ({}, set(), False)


def test_no_combining_mark_comes_before_u0300() -> None:
    # `cluster_spans` looks up a character's category only from U+0300 on.
    assert not [char for char in map(chr, range(0x300)) if unicodedata.category(char).startswith("M")]


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
    poppler = pdftotext_reading(pdf, text)
    assert poppler.share == 1.0, f"{locale}: pdftotext {poppler.share:.3f} missed {poppler.missed}"
    assert not poppler.read_anyway, f"{locale}: pdftotext reads words said to be unreadable: {poppler.read_anyway}"


def test_a_raised_mark_drawn_left_of_its_letter_reads_in_place_in_pdftotext(writer: PdfWriter, tmp_path: Path) -> None:
    """Noto Naskh draws the tanwin of "معمولاً" just left of its alef (the alef of lam-alef): read
    by position, as pdftotext reads, it follows the alef. Under an ActualText span of the two it
    came back reversed, "معمولًا"."""
    text = "معمولاً بیماران احتمالاً"
    pdf = render(writer, tmp_path, f"<p>{text}</p>", "fa", "rtl")
    poppler = pdftotext_reading(pdf, text)
    assert poppler.share == 1.0 and not poppler.left_out, poppler
    share, missed = identical_word_share(text, structure_text(pdf))
    assert share == 1.0, missed


@pytest.mark.parametrize("locale", ["ar", "hi", "ja", "ko", "my", "pl"])
def test_glyph_runs_read_at_once_equal_pangos_own_fields(
    writer: PdfWriter, tmp_path: Path, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`glyph_run` reads a run's glyphs from memory in one pass; every field must equal what cffi
    reads field by field (a shadow glyph, a mark with an offset, a right-to-left run)."""
    from handouts import weasyprint_ext

    read = weasyprint_ext.glyph_run
    runs = []

    def checked(glyph_item: object, ffi: object) -> weasyprint_ext.GlyphRun:
        run = read(glyph_item, ffi)
        glyphs, item = glyph_item.glyphs, glyph_item.item  # type: ignore[attr-defined]
        infos = glyphs.glyphs[0 : glyphs.num_glyphs]
        assert run == weasyprint_ext.GlyphRun(
            [info.glyph for info in infos],
            [info.geometry.width for info in infos],
            [info.geometry.x_offset for info in infos],
            [info.geometry.y_offset for info in infos],
            list(glyphs.log_clusters[0 : glyphs.num_glyphs]),
            item.offset,
            item.length,
            bool(item.analysis.level % 2),
        )
        runs.append(run)
        return run

    monkeypatch.setattr(weasyprint_ext, "glyph_run", checked)
    text = " ".join(t for t in (SAMPLES.get(locale), CLUSTERS.get(locale)) if t)
    if locale == "ar":
        text += " مُعَلِّمٌ مَعْمُولاً"  # harakat: marks drawn with an offset
    render(writer, tmp_path, f"<p>{text}</p>", locale, "rtl" if locale == "ar" else "ltr")
    assert runs and any(run.ids for run in runs)
    if locale in ("ar", "my"):  # marks placed off their origin are read too
        assert any(any(run.x_offsets) or any(run.y_offsets) for run in runs)
    if locale == "ar":
        assert any(run.rtl for run in runs)


def test_a_pango_binding_laid_out_otherwise_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts import weasyprint_ext

    weasyprint_ext.check_glyph_layout()
    monkeypatch.setattr(weasyprint_ext, "GLYPH_INFO_WORDS", 6)
    with pytest.raises(RenderError, match="laid out"):
        weasyprint_ext.check_glyph_layout()
