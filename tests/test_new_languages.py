"""A language the project has never shipped, from `init` to a checked PDF, one per script family
the shipped set does not cover: the README's "Adding a language", run by a test.

The sample project in tests/roots/languages has one short handout; its sentences in each language
are test data in tests/roots/languages/translations/<tag>.po (machine-drafted, awaiting review).
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pikepdf
import polib
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from handouts.catalogs import write_catalog
from handouts.cli import main
from handouts.scripts import char_script

from .conftest import ROOT, Recorder
from .pdftools import catalog, page_texts, words_with_boxes

SAMPLE = Path(__file__).parent / "roots" / "languages"
# tag -> (ISO 15924 script, direction, the embedded font that draws it)
LANGUAGES = {
    "uk": ("Cyrl", "ltr", "Noto-Sans"),
    "so": ("Latn", "ltr", "Noto-Sans"),
    "my": ("Mymr", "ltr", "Noto-Sans-Myanmar"),
    "km": ("Khmr", "ltr", "Noto-Sans-Khmer"),
    "ta": ("Taml", "ltr", "Noto-Sans-Tamil"),
    "ps": ("Arab", "rtl", "Noto-Naskh-Arabic"),
    "ti": ("Ethi", "ltr", "Noto-Sans-Ethiopic"),
    "chr": ("Cher", "ltr", "Noto-Sans-Cherokee"),
}
# Every script must come back exactly from pdftotext, letters and marks, spaces aside: where a
# vowel sign is drawn before its consonant or in two parts (Burmese ေ, Khmer ើ and subscripts,
# Tamil ொ), the PDF carries the cluster's text as /ActualText (handouts/weasyprint_ext.py).
MARGIN = 2 * 72 / 2.54  # tests/roots/languages/templates/handout.css: 2 cm


def translations(tag: str) -> dict[str, str]:
    return {e.msgid: e.msgstr for e in polib.pofile(str(SAMPLE / "translations" / f"{tag}.po")) if e.msgid}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return translated_project(tmp_path_factory.mktemp("languages"))


def translated_project(root: Path) -> Path:
    """The sample project after `extract`, `init` of every new language, and translation."""
    for part in ("content", "templates"):
        shutil.copytree(SAMPLE / part, root / part)
    shutil.copytree(ROOT / "brands" / "example", root / "brands" / "example")
    (root / "locales").mkdir()
    assert main(["--project", str(root), "extract"]) == 0
    assert main(["--project", str(root), "init", *LANGUAGES]) == 0
    for tag in LANGUAGES:
        wanted = translations(tag)
        for path in sorted((root / "locales" / tag / "LC_MESSAGES").glob("*.po")):
            po = polib.pofile(str(path), wrapwidth=0)
            assert po.metadata["X-Translation-Method"] == "machine-draft"
            for entry in po:
                entry.msgstr = wanted.pop(entry.msgid)
            write_catalog(po, path)
        assert not wanted, f"{tag}: test sentences no source message has: {wanted}"
    return root


def letters(text: str) -> str:
    """Letters and marks only, NFC, in order: what the reader of the page sees, without spacing."""
    return "".join(c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c)[0] in "LM")


@pytest.mark.parametrize("tag", LANGUAGES)
def test_a_new_language_from_init_to_a_checked_pdf(
    project: Path, tag: str, tmp_path: Path, weasyprint_log: Recorder
) -> None:
    script, direction, font = LANGUAGES[tag]
    header = polib.pofile(str(project / "locales" / tag / "LC_MESSAGES" / "medicine.po")).metadata
    assert header["Language"] == tag and header["Plural-Forms"].startswith("nplurals=")

    assert main(["--project", str(project), "check", "--locale", tag]) == 0
    before = len(weasyprint_log.records)
    out = tmp_path / "dist"
    assert main(["--project", str(project), "build", "--locale", tag, "--out", str(out), "--jobs", "1"]) == 0
    assert not [r for r in weasyprint_log.records[before:] if r.levelname == "WARNING"]  # no .notdef
    pdf = out / "example" / tag / "medicine.pdf"

    # The document's language, and its direction: lines start at the reading side's margin.
    assert catalog(pdf)["/Lang"] == tag
    words = [w for w in words_with_boxes(pdf) if w.page == 1]
    width = float(PdfReader(pdf).pages[0].mediabox.width)
    top = min(w.y_min for w in words)
    heading = [w for w in words if abs(w.y_min - top) < 4]  # a short title: one line, not full width
    if direction == "rtl":
        assert abs(max(w.x_max for w in words) - (width - MARGIN)) < 3
        assert min(w.x_min for w in heading) > MARGIN + 50
    else:
        assert abs(min(w.x_min for w in words) - MARGIN) < 3
        assert max(w.x_max for w in heading) < width - MARGIN - 50

    # An embedded font of the script's family whose own character map has every letter drawn.
    sentences = list(translations(tag).values())
    needed = {c for s in sentences for c in s.replace("%(phone)s", "") if c.isalpha() and char_script(c) == script}
    assert needed, "the test sentences are not in the script they are meant to test"
    with pikepdf.open(pdf) as document:
        embedded = {
            str(font.BaseFont).split("+", 1)[-1] for page in document.pages for font in page.Resources.Font.values()
        }
    assert embedded & {font, f"{font}-Bold"}, (font, sorted(embedded))
    # The font file behind that family has every letter: WeasyPrint drew none of them as .notdef.
    installed = Path("/usr/share/fonts/truetype/noto") / f"{font.replace('-', '')}-Regular.ttf"
    with TTFont(installed, lazy=True) as original:
        assert {ord(c) for c in needed} <= set(original.getBestCmap()), f"letters {installed.name} lacks"

    # The extracted text holds every sentence.
    text = page_texts(pdf)[0]
    for sentence in sentences:
        assert letters(sentence.replace("%(phone)s", "")) in letters(text), (tag, sentence, text)


def test_a_declaration_shapes_the_page_and_a_change_to_it_rebuilds(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A locale file in the project wins over CLDR's data, and the build cache knows it."""
    copy = tmp_path / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".cache"))
    declaration = copy / "locales/so/locale.toml"
    text = (
        'name = "Somali"\nautonym = "Soomaali"\ndirection = "ltr"\nscript = "Latn"\n'
        'plural_forms = "nplurals=2; plural=(n != 1);"\nformats = "so"\n'
    )
    declaration.write_text(text, encoding="utf-8")
    out = tmp_path / "dist"
    build = ["--project", str(copy), "build", "--locale", "so", "--out", str(out), "--jobs", "1"]
    assert main(build) == 0
    assert main(build) == 0
    assert "1 up to date" in capsys.readouterr().out
    declaration.write_text(text.replace('"ltr"', '"rtl"'), encoding="utf-8")
    assert main(build) == 0
    assert "1 built" in capsys.readouterr().out
    pdf = out / "example/so/medicine.pdf"
    words = [w for w in words_with_boxes(pdf) if w.page == 1]
    width = float(PdfReader(pdf).pages[0].mediabox.width)
    assert abs(max(w.x_max for w in words) - (width - MARGIN)) < 3  # laid out right to left now
