"""Pictures for reviewers: a PNG of every page, and one contact sheet per handout with every
locale side by side, so a reviewer sees at a glance that nothing broke.

Pages are rasterised by poppler's `pdftoppm` (installed with the tests' tools); the contact sheet
is put together with Pillow.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .buildcache import atomic_file, write_atomic
from .errors import InputError, Location

THUMBNAIL_DPI = 50
SHEET_MARGIN = 16
LABEL_HEIGHT = 22


@dataclass(frozen=True)
class Rendered:
    """A built PDF to picture: which handout, brand and locale it is."""

    pdf: Path
    handout: str
    brand: str
    locale: str


def pdftoppm() -> str:
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise InputError("poppler-utils is not installed (apt-get install poppler-utils): pdftoppm is required")
    return exe


def rasterise(
    pdf: Path, target_dir: Path, stem: str, dpi: int = THUMBNAIL_DPI, first_page_only: bool = False
) -> list[Path]:
    """One PNG per page of `pdf`: `<target_dir>/<stem>-<page>.png`, written atomically."""
    target_dir.mkdir(parents=True, exist_ok=True)
    pages_option = ["-f", "1", "-l", "1"] if first_page_only else []
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".pages-") as tmp:
        result = subprocess.run(
            [pdftoppm(), "-png", "-r", str(dpi), *pages_option, str(pdf), str(Path(tmp) / "page")],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise InputError(
                f"pdftoppm could not read it: {result.stderr.decode(errors='replace').strip()}", Location(pdf)
            )
        pages = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        written = []
        for number, page in enumerate(pages, start=1):
            target = target_dir / f"{stem}-{number}.png"
            write_atomic(target, page.read_bytes())
            written.append(target)
    return written


def contact_sheet(columns: list[tuple[str, list[Path]]], target: Path) -> Path:
    """Every locale's pages as one column each, labelled with the locale, in one PNG."""
    from PIL import Image, ImageDraw

    images = [[Image.open(path).convert("RGB") for path in paths] for _, paths in columns]
    width = max((im.width for column in images for im in column), default=1)
    height = max((im.height for column in images for im in column), default=1)
    rows = max((len(column) for column in images), default=1)
    sheet = Image.new(
        "RGB",
        (
            SHEET_MARGIN + len(columns) * (width + SHEET_MARGIN),
            LABEL_HEIGHT + SHEET_MARGIN + rows * (height + SHEET_MARGIN),
        ),
        "white",
    )
    draw = ImageDraw.Draw(sheet)
    for index, ((label, _), column) in enumerate(zip(columns, images, strict=True)):
        x = SHEET_MARGIN + index * (width + SHEET_MARGIN)
        draw.text((x, 4), label, fill="black")
        for row, image in enumerate(column):
            y = LABEL_HEIGHT + SHEET_MARGIN + row * (height + SHEET_MARGIN)
            sheet.paste(image, (x, y))
            draw.rectangle((x - 1, y - 1, x + image.width, y + image.height), outline="#999999")
        for image in column:
            image.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(target) as handle:
        sheet.save(handle, format="PNG")
    return target


def write_thumbnails(rendered: Iterable[Rendered], out_dir: Path) -> list[Path]:
    """Pages as `<out>/<brand>/<locale>/<handout>-<n>.png`; sheets as `<out>/<brand>/<handout>.png`."""
    written: list[Path] = []
    sheets: dict[tuple[str, str], list[tuple[str, list[Path]]]] = {}
    for item in rendered:
        pages = rasterise(item.pdf, out_dir / item.brand / item.locale, item.handout)
        written.extend(pages)
        sheets.setdefault((item.brand, item.handout), []).append((item.locale, pages))
    for (brand, handout), columns in sheets.items():
        written.append(contact_sheet(columns, out_dir / brand / f"{handout}.png"))
    return written
