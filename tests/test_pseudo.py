"""The pseudo-locale en-XA, built on the fly through the real pipeline: any text in its PDF that is
not bracketed was never marked for translation (brand values, digits and dates excepted)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.dates import format_date

from handouts.config import load_brand
from handouts.content import load_content
from handouts.pipeline import BuildOptions, Job, Project, build
from handouts.pseudo import pseudo_translate

from .conftest import ROOT
from .pdftools import page_texts


@pytest.fixture(scope="module")
def pseudo_pdf(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> Job:
    (job,) = build(Project(shipped, tmp_path_factory.mktemp("pseudo")), BuildOptions(("en-XA",), ("example",)))
    return job


def unmarked_text(text: str, allowed: list[str]) -> str:
    """What is left of a page's text once bracketed (translated) text and allowed values are gone."""
    text = re.sub(r"\[[^\[\]]*\]", " ", text, flags=re.S)
    for value in sorted(allowed, key=len, reverse=True):
        text = text.replace(value, " ")
    return re.sub(r"[\d\s\W_]+", " ", text).strip()


def test_pseudo_translation_keeps_placeholders_and_markup() -> None:
    result = pseudo_translate("Call %(phone)s about *this* [page](https://example.org) at 100%")
    assert result.startswith("[") and result.endswith("]")
    for kept in ("%(phone)s", "*ţĥîš*", "[þàğé](https://example.org)", "100%"):
        assert kept in result
    assert "Call" not in result and "Çàĺĺ" in result
    assert len(result) >= len("Call %(phone)s about *this* [page](https://example.org) at 100%") * 1.3


def test_every_text_in_the_pseudo_pdf_was_marked_for_translation(pseudo_pdf: Job) -> None:
    brand = load_brand(ROOT / "brands/example/brand.toml")
    (handout,) = [h for h in load_content(ROOT / "content") if h.slug == pseudo_pdf.handout.slug]
    allowed = [
        brand.name,
        *brand.address,
        brand.phone,
        brand.website or "",
        format_date(handout.last_reviewed, "long", locale="en"),
    ]
    for number, text in enumerate(page_texts(pseudo_pdf.output), start=1):
        leftover = unmarked_text(text, allowed)
        assert not leftover, f"page {number}: text never marked for translation: {leftover!r}"


def test_pseudo_pdf_language_and_no_english_copy_of_the_notice(pseudo_pdf: Job) -> None:
    text = "\n".join(page_texts(pseudo_pdf.output))
    assert "Draft translation" not in text  # an English pseudo-locale needs no English copy
    assert "Đŕàfţ ţŕàñšĺàţîöñ" in text


def test_the_check_would_catch_an_unmarked_string(tmp_path: Path) -> None:
    """Guards the test above: a template line left untranslated shows up as unmarked text."""
    templates = tmp_path / "templates"
    templates.mkdir()
    for path in (ROOT / "templates").iterdir():
        (templates / path.name).write_bytes(path.read_bytes())
    page = templates / "handout.html"
    page.write_text(page.read_text().replace("<main>", "<main><p>Bring this sheet to every visit.</p>"))
    for part in ("content", "locales", "brands"):
        (tmp_path / part).symlink_to(ROOT / part)
    (job,) = build(Project(tmp_path, tmp_path / "dist"), BuildOptions(("en-XA",), ("example",)))
    leftover = unmarked_text("\n".join(page_texts(job.output)), [])
    assert "Bring this sheet to every visit" in leftover


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_the_layout_keeps_the_page_budget_when_text_grows(shipped: Path, tmp_path: Path, paper: str) -> None:
    """Text 35 % longer than English still fits the handout's page budget on both paper sizes."""
    from pypdf import PdfReader

    (job,) = build(Project(shipped, tmp_path), BuildOptions(("en-XA",), ("example",), paper=paper))
    assert len(PdfReader(job.output).pages) <= job.handout.pages
