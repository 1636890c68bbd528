"""Brand files: the example is valid; every problem of a bad file is reported at once, by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.config import contrast_ratio, load_brand, load_brands
from handouts.errors import ConfigError, ErrorGroup

DATA = Path(__file__).parent / "data" / "bad-brands"


def problems(path: Path) -> list[str]:
    with pytest.raises((ErrorGroup, ConfigError)) as info:
        load_brand(path)
    error = info.value
    return [str(e) for e in (error.errors if isinstance(error, ErrorGroup) else [error])]


def test_example_brand_is_valid(root: Path) -> None:
    brand = load_brand(root / "brands/example/brand.toml")
    assert brand.paper == "letter"
    assert brand.phone == "+1 541-555-0142"
    assert brand.logo.file.is_file()
    assert brand.logo.alt


def test_unknown_key_and_bad_colour_are_both_reported() -> None:
    found = problems(DATA / "unknown-key-and-bad-colour/brand.toml")
    assert any(
        p.endswith("brand.toml: fax: config-error: unknown key (known keys: " + p.split("known keys: ")[1])
        for p in found
    )
    assert any("brand.toml: colors.primary: config-error: '#12' is not a colour (#rrggbb)" in p for p in found)
    assert len(found) == 2


def test_every_problem_of_a_file_is_reported() -> None:
    found = "\n".join(problems(DATA / "low-contrast/brand.toml"))
    for key, words in [
        ("phone", "not a phone number"),
        ("website", "not an https:// address"),
        ("paper", "not a paper size"),
        ("colors.primary", "contrast of primary on white"),
        ("logo.file", "does not exist"),
        ("logo.alt", "non-empty string"),
    ]:
        assert f"brand.toml: {key}: config-error: " in found and words in found, (key, found)


def test_broken_toml_names_the_line() -> None:
    found = problems(DATA / "broken-toml/brand.toml")
    assert len(found) == 1
    assert "broken-toml/brand.toml:3: config-error: not valid TOML" in found[0]


def test_unknown_brand_is_an_error(root: Path) -> None:
    with pytest.raises(ErrorGroup) as info:
        load_brands(root / "brands", ["nope"])
    assert "unknown brand 'nope'" in str(info.value)


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#767676", "#ffffff", 4.54)],
)
def test_contrast_ratio_matches_wcag(a: str, b: str, ratio: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
