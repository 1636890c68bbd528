"""WeasyPrint may fetch the project's own asset files and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.errors import RenderError
from handouts.fonts import prepare_fonts
from handouts.pdf import PdfWriter

from .conftest import ROOT


@pytest.fixture(scope="module")
def writer() -> PdfWriter:
    fonts = prepare_fonts()
    return PdfWriter(fonts, [ROOT / "templates", ROOT / "brands/example"])


def page(body: str) -> str:
    return f'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>{body}</body></html>'


@pytest.mark.parametrize(
    "url",
    ["https://example.org/logo.png", "http://127.0.0.1:9/x.png", "file:///etc/passwd", "data:image/png;base64,AAAA"],
)
def test_foreign_urls_are_refused(writer: PdfWriter, tmp_path: Path, url: str) -> None:
    with pytest.raises(RenderError):
        writer.write_pdf(page(f'<p>x</p><img src="{url}" alt="x">'), ROOT / "templates", tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_project_assets_are_allowed(writer: PdfWriter, tmp_path: Path) -> None:
    logo = (ROOT / "brands/example/logo.svg").as_uri()
    writer.write_pdf(page(f'<p>Clinic</p><img src="{logo}" alt="Logo">'), ROOT / "templates", tmp_path / "ok.pdf")
    assert (tmp_path / "ok.pdf").read_bytes().startswith(b"%PDF-")


def test_a_character_no_declared_font_has_fails_the_build(writer: PdfWriter, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"\.notdef"):
        writer.write_pdf(
            page("<p>Egyptian hieroglyphs \U00013000\U00013001</p>"), ROOT / "templates", tmp_path / "x.pdf"
        )
    assert not list(tmp_path.iterdir())
