"""Editions, papers and the page budget: large print, no hyphenation, a path per paper, budgets enforced."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.cli import main
from handouts.errors import ErrorGroup
from handouts.pipeline import BuildOptions, PageBudgetExceeded, Project, build

from .pdftools import text_sizes

ROOT = Path(__file__).resolve().parent.parent
LONG_PARAGRAPH = "Patients who start treatment are watched closely by the care team for changes in mood. " * 12


def make_project(root: Path, brand: str = "", content: str | None = None, locales: bool = False) -> Path:
    """The sample handout (or `content`) with the real templates and a brand `clinic` written from `brand`."""
    shutil.copytree(ROOT / "tests/roots/sample/content", root / "content")
    if content is not None:
        (root / "content/sample.md").write_text(content, encoding="utf-8")
    shutil.copytree(ROOT / "templates", root / "templates")
    if locales:
        shutil.copytree(ROOT / "locales", root / "locales")
        shutil.copytree(ROOT / "content", root / "content", dirs_exist_ok=True)
        (root / "content/sample.md").unlink()
    else:
        (root / "locales").mkdir()
    clinic = root / "brands/clinic"
    clinic.mkdir(parents=True)
    shutil.copy(ROOT / "brands/example/logo.svg", clinic / "logo.svg")
    (clinic / "brand.toml").write_text(
        'name = "Test Clinic"\naddress = ["1 Main Street"]\nphone = "(555) 010-0199"\n'
        f'{brand}\n[colors]\nprimary = "#0b5d7a"\naccent = "#e8f3f7"\ntext = "#1b1f23"\n'
        '[logo]\nfile = "logo.svg"\nalt = "Test Clinic logo"\n',
        encoding="utf-8",
    )
    return root


def sample_with(pages: str, body: str) -> str:
    head = '---\ntitle: A Sample Handout\nslug: sample\nsource_version: "2.1"\nlast_reviewed: 2026-01-15\n'
    return f"{head}{pages}---\n\n{body}\n"


def test_large_print_follows_the_aph_guidance(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", 'paper = "letter"\neditions = ["standard", "large-print"]')
    result = build(Project(project, tmp_path / "out"))
    outputs = sorted(job.output.relative_to(tmp_path / "out").as_posix() for job in result)
    assert outputs == ["clinic/en/sample.large-print.pdf", "clinic/en/sample.pdf"]
    large = dict(text_sizes(tmp_path / "out/clinic/en/sample.large-print.pdf"))
    standard = dict(text_sizes(tmp_path / "out/clinic/en/sample.pdf"))
    body = "The first paragraph has"
    assert standard[next(t for t in standard if t.startswith(body))] == 12
    assert large[next(t for t in large if t.startswith(body))] >= 18
    title, heading = large["A Sample Handout"], large["A Heading"]
    assert title > heading > 18  # headings scaled above the body
    footer = [size for text, size in large.items() if text.startswith(("Questions? Call", "Page 1 of"))]
    assert len(footer) == 2 and min(footer) >= 14
    assert min(large.values()) >= 14  # nothing on a large-print page is smaller than the footer


def test_large_print_never_hyphenates_and_uses_no_italics(tmp_path: Path) -> None:
    body = "The *emphasised* words stand out. " + "Antidepressants and electroconvulsive therapy " * 20
    project = make_project(
        tmp_path / "p", 'paper = "letter"\nhyphenate = true\neditions = ["large-print"]', sample_with("", body)
    )
    (job,) = build(Project(project, tmp_path / "out"))
    raw = "".join(page_texts_raw(job.output))
    assert "\u2010\n" not in raw
    import pikepdf

    with pikepdf.open(job.output) as pdf:
        fonts = {
            str(font.get("/BaseFont"))
            for page in pdf.pages
            for font in page.obj.Resources.Font.values()  # type: ignore[attr-defined]
        }
    assert not any("Italic" in name for name in fonts), fonts


def page_texts_raw(pdf: Path) -> list[str]:
    import subprocess

    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return [result.stdout.decode("utf-8")]


@pytest.mark.parametrize(("hyphenate", "expected"), [("", False), ("hyphenate = true", True)])
def test_patient_text_is_hyphenated_only_when_the_brand_asks(tmp_path: Path, hyphenate: str, expected: bool) -> None:
    body = "Electroconvulsive antidepressants, psychopharmacological interventions. " * 40
    project = make_project(tmp_path / "p", f'paper = "letter"\n{hyphenate}', sample_with("pages: 3\n", body))
    (job,) = build(Project(project, tmp_path / "out"))
    assert ("\u2010\n" in "".join(page_texts_raw(job.output))) is expected


def test_each_paper_gets_its_own_path(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", 'paper = ["letter", "a4"]')
    result = build(Project(project, tmp_path / "out"))
    widths = {job.output.name: round(float(PdfReader(job.output).pages[0].mediabox.width)) for job in result}
    assert widths == {"sample.letter.pdf": 612, "sample.a4.pdf": 595}


def test_paper_override_puts_the_paper_in_the_path(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", 'paper = "letter"')
    (job,) = build(Project(project, tmp_path / "out"), BuildOptions(paper="a4"))
    assert job.output.name == "sample.a4.pdf"
    assert round(float(PdfReader(job.output).pages[0].mediabox.width)) == 595
    (letter,) = build(Project(project, tmp_path / "out"))
    assert letter.output.name == "sample.pdf" and job.output.exists()  # the A4 PDF was not overwritten


def test_the_page_budget_is_enforced_by_build(tmp_path: Path) -> None:
    body = "\n\n".join([LONG_PARAGRAPH] * 6)
    project = make_project(tmp_path / "p", 'paper = "letter"', sample_with("pages: 1\n", body))
    with pytest.raises(ErrorGroup) as info:
        build(Project(project, tmp_path / "out"))
    (error,) = info.value.errors
    assert isinstance(error, PageBudgetExceeded) and error.exit_code == 1
    import re

    found = re.search(r"sample in en, standard, letter has (\d+) pages; its budget is 1", str(error))
    assert found is not None and int(found.group(1)) > 1, str(error)
    assert "content/sample.md: pages: page-budget:" in str(error)
    assert not (tmp_path / "out/clinic/en/sample.pdf").exists()  # nothing over budget is written
    code = main(["--project", str(project), "build", "--out", str(tmp_path / "cli")])
    assert code == 1


def test_large_print_has_its_own_budget(tmp_path: Path) -> None:
    body = "\n\n".join([LONG_PARAGRAPH] * 3)
    brand = 'paper = "letter"\neditions = ["standard", "large-print"]'
    project = make_project(tmp_path / "p", brand, sample_with("pages: 2\nlarge_print_pages: 1\n", body))
    with pytest.raises(ErrorGroup) as info:
        build(Project(project, tmp_path / "out"))
    (error,) = info.value.errors
    assert "sample in en, large-print, letter has" in str(error) and "its budget is 1" in str(error)
    assert "large_print_pages" in str(error)
    content = sample_with("pages: 2\nlarge_print_pages: 4\n", body)
    (project / "content/sample.md").write_text(content)
    result = build(Project(project, tmp_path / "out"))
    pages = {job.edition: len(PdfReader(job.output).pages) for job in result}
    assert pages["standard"] <= 2 and pages["standard"] < pages["large-print"] <= 4


def drawn_image_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) of every image drawn on page 1, from the matrix it is drawn with (`cm` before `Do`)."""
    import pikepdf

    sizes = []
    with pikepdf.open(pdf) as document:
        instructions = list(pikepdf.parse_content_stream(document.pages[0]))
        for index, (_, operator) in enumerate(instructions):
            if str(operator) == "Do":
                matrix = next(ops for ops, op in reversed(instructions[:index]) if str(op) == "cm")
                sizes.append((abs(float(matrix[0])), abs(float(matrix[3]))))
    return sizes


def test_a_wide_logo_is_printed_in_its_own_proportions(tmp_path: Path) -> None:
    from PIL import Image

    project = make_project(tmp_path / "p", 'paper = "letter"')
    Image.new("RGB", (600, 200), "#1d5e3a").save(project / "brands/clinic/logo.png")
    toml = project / "brands/clinic/brand.toml"
    toml.write_text(toml.read_text().replace('file = "logo.svg"', 'file = "logo.png"'))
    (job,) = build(Project(project, tmp_path / "out"))
    ((width, height),) = drawn_image_sizes(job.output)
    assert width / height == pytest.approx(3, rel=0.01)  # not squashed into a square


def test_thumbnails_keep_every_paper_and_edition_apart(tmp_path: Path) -> None:
    from handouts.pipeline import thumbnails

    project = make_project(tmp_path / "p", 'paper = ["letter", "a4"]\neditions = ["standard", "large-print"]')
    written = thumbnails(Project(project, tmp_path / "out"), tmp_path / "thumbs")
    sheets = sorted(p.name for p in written if p.parent.name == "clinic")
    assert sheets == sorted(f"sample{e}.{p}.png" for e in (".large-print", "") for p in ("a4", "letter"))
    from PIL import Image

    widths = {Image.open(p).width for p in written if p.parent.name == "en" and p.name.endswith("-1.png")}
    assert len(widths) == 2  # Letter and A4 pages are pictured at their own sizes
