"""WeasyPrint may fetch the project's own asset files and nothing else."""

from __future__ import annotations

import shutil
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


# A valid 4x4 PNG: WeasyPrint's own fetcher would load and draw it without a warning.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGM8ISfHAANMDEgANwcANHYBDK9qubUAAAAASUVORK5CYII="


def foreign_urls(tmp_path: Path) -> dict[str, str]:
    """URLs a translator's text or a brand file might smuggle in: none of them is a project asset."""
    outside = tmp_path / "outside" / "logo.svg"  # a perfectly good image, outside the project
    outside.parent.mkdir()
    shutil.copyfile(ROOT / "brands/example/logo.svg", outside)
    return {
        "network": "https://example.org/logo.png",
        "loopback": "http://127.0.0.1:9/x.png",
        "file outside the project": outside.as_uri(),
        "system file": "file:///etc/passwd",
        "data URL": f"data:image/png;base64,{PNG}",
    }


@pytest.mark.parametrize("name", ["network", "loopback", "file outside the project", "system file", "data URL"])
def test_foreign_urls_are_refused(writer: PdfWriter, tmp_path: Path, name: str) -> None:
    url = foreign_urls(tmp_path)[name]
    with pytest.raises(RenderError, match="refusing to fetch"):  # refused by the project's fetcher, not a warning
        writer.write_pdf(page(f'<p>x</p><img src="{url}" alt="x">'), ROOT / "templates", tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("name", ["file outside the project", "data URL"])
def test_without_the_project_fetcher_these_urls_would_render(
    writer: PdfWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The test above proves the defence: with WeasyPrint's default fetcher the same pages render."""
    from weasyprint.urls import URLFetcher

    monkeypatch.setattr(writer, "fetcher", URLFetcher())
    url = foreign_urls(tmp_path)[name]
    pdf = writer.write_pdf(page(f'<p>x</p><img src="{url}" alt="x">'), ROOT / "templates", tmp_path / "out.pdf")
    without_image = writer.write_pdf(page("<p>x</p>"), ROOT / "templates", tmp_path / "plain.pdf")
    assert pdf.startswith(b"%PDF-") and len(pdf) > len(without_image) + 200  # the image was drawn


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


def test_a_page_cannot_fetch_a_declared_font_file_itself(writer: PdfWriter, tmp_path: Path) -> None:
    """The declared fonts reach WeasyPrint through Fontconfig; the fetcher has no reason to open
    them, so a page's own `@font-face` pointing at one (or any system font) is refused."""
    declared = next(iter(writer.fonts.files)).path.resolve().as_uri()
    face = f'@font-face {{ font-family: "Smuggled"; src: url({declared}); }}'
    style = f'<style>{face} p {{ font-family: "Smuggled"; }}</style>'
    with pytest.raises(RenderError):
        writer.write_pdf(page(f"{style}<p>x</p>"), ROOT / "templates", tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()
