"""The README's walk through setting up a clinic matches the example clinic that ships."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

from handouts.config import load_brand

from .conftest import ROOT


def section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_walks_brand_file_is_northsides(tmp_path: Path) -> None:
    walk = section("Set up your clinic")
    (toml,) = re.findall(r"```toml\n(.*?)```", walk, flags=re.S)
    folder = tmp_path / "brands/my-clinic"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "brands/northside/logo.png", folder / "logo.png")
    (folder / "brand.toml").write_text(toml, encoding="utf-8")
    mine, northside = load_brand(folder / "brand.toml"), load_brand(ROOT / "brands/northside/brand.toml")

    def essentials(brand: object) -> dict[str, object]:
        data = {f.name: getattr(brand, f.name) for f in dataclasses.fields(brand)}  # type: ignore[arg-type]
        data["logo"] = (data["logo"].alt, data["logo"].aspect)  # type: ignore[attr-defined]
        return {k: v for k, v in data.items() if k not in ("id", "path")}

    assert essentials(mine) == essentials(northside)
    assert mine.locales == ("en", "es", "vi") and mine.papers == ("letter", "a4")
    assert mine.editions == ("standard", "large-print") and mine.language_assistance is not None


def test_the_walks_pictures_are_small_and_present() -> None:
    walk = section("Set up your clinic")
    pictures = re.findall(r"\]\((docs/[^)]+\.png)\)", walk)
    assert pictures == ["docs/northside-standard.png", "docs/northside-large-print.png"]
    for picture in pictures:
        data = (ROOT / picture).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) < 150_000
