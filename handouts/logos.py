"""The shape of a clinic's logo (width / height), read from the image itself.

PNG and JPEG sizes come from Pillow (which reads only the header here); an SVG's from the `viewBox`
or the `width` and `height` of its root element. The letterhead fits the logo into its box with
these proportions, so a wide logo is never squashed into a square.
"""

from __future__ import annotations

import re
from pathlib import Path

SVG_ROOT_RE = re.compile(r"<svg\b[^>]*>", re.S)
SVG_ATTRIBUTE_RE = re.compile(r"""\b(viewBox|width|height)\s*=\s*["']([^"']*)["']""")
SVG_LENGTH_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px|pt|mm|cm|in|pc)?\s*$")
SVG_HEAD_BYTES = 64 * 1024  # the root element is at the start; never read a whole large file
MAX_ASPECT = 20.0  # wider (or taller) than 20:1 is a line, not a logo


class LogoError(ValueError):
    """The logo's size cannot be read, or its shape cannot be printed."""


def logo_aspect(path: Path) -> float:
    """Width / height of the logo at `path` (.svg, .png, .jpg)."""
    if path.suffix.lower() == ".svg":
        width, height = svg_size(path)
    else:
        width, height = raster_size(path)
    if width <= 0 or height <= 0:
        raise LogoError(f"{path.name}: the image has no area ({width:g} x {height:g})")
    aspect = width / height
    if not 1 / MAX_ASPECT <= aspect <= MAX_ASPECT:
        raise LogoError(f"{path.name}: {width:g} x {height:g} is too narrow a shape for a logo (at most 20:1)")
    return aspect


def print_resolution(path: Path, width_mm: float) -> float | None:
    """Pixels per inch of a PNG or JPEG logo printed `width_mm` wide; None for an SVG (sharp at any size)."""
    if path.suffix.lower() == ".svg":
        return None
    width, _ = raster_size(path)
    return width / (width_mm / 25.4)


def raster_size(path: Path) -> tuple[float, float]:
    if path.suffix.lower() == ".png":
        return png_size(path)
    from PIL import Image, UnidentifiedImageError  # only for JPEG: importing Pillow costs a no-op build time

    try:
        with Image.open(path) as image:
            if image.format not in ("PNG", "JPEG"):
                raise LogoError(f"{path.name}: not a PNG or JPEG image (it is {image.format})")
            return float(image.width), float(image.height)
    except (OSError, UnidentifiedImageError) as exc:
        raise LogoError(f"{path.name}: not a readable image ({exc})") from None


def png_size(path: Path) -> tuple[float, float]:
    """Width and height from a PNG's IHDR chunk, which the format puts first."""
    with path.open("rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise LogoError(f"{path.name}: not a readable image (no PNG header)")
    return float(int.from_bytes(head[16:20], "big")), float(int.from_bytes(head[20:24], "big"))


def svg_size(path: Path) -> tuple[float, float]:
    with path.open("rb") as handle:
        head = handle.read(SVG_HEAD_BYTES).decode("utf-8", errors="replace")
    root = SVG_ROOT_RE.search(head)
    if root is None:
        raise LogoError(f"{path.name}: no <svg> element at its start")
    attributes = dict(SVG_ATTRIBUTE_RE.findall(root.group(0)))
    box = attributes.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return float(box[2]), float(box[3])
        except ValueError:
            pass
    width, height = (SVG_LENGTH_RE.match(attributes.get(key, "")) for key in ("width", "height"))
    if width is None or height is None or (width.group(2) or "") != (height.group(2) or ""):
        raise LogoError(f"{path.name}: give the <svg> element a viewBox (or a width and height in one unit)")
    return float(width.group(1)), float(height.group(1))
