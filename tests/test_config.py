"""Brand files: the example is valid; every problem of a bad file is reported at once, by key."""

from __future__ import annotations

import tomllib
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
    path = root / "brands/example/brand.toml"
    brand = load_brand(path)
    assert brand.papers == ("letter",)
    assert brand.phone == tomllib.loads(path.read_text(encoding="utf-8"))["phone"]  # as the clinic writes it
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


# --- the brand file, grown up: languages, papers, phones, logos, colour suggestions -------------


def write_brand(folder: Path, extra: str = "", phone: str = "+1 541-555-0142", logo: str = "logo.svg") -> Path:
    """A valid brand folder with `extra` TOML lines before the tables, and a square SVG logo."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"/>')
    path = folder / "brand.toml"
    path.write_text(
        f'name = "Test Clinic"\naddress = ["1 Main Street"]\nphone = "{phone}"\npaper = "letter"\n{extra}\n'
        '[colors]\nprimary = "#0b5d7a"\naccent = "#e8f3f7"\ntext = "#1b1f23"\n'
        f'[logo]\nfile = "{logo}"\nalt = "Test Clinic logo"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("written", "number", "extension"),
    [
        ("(555) 010-0199", "(555) 010-0199", None),
        ("555.010.0199", "555.010.0199", None),
        ("+44 20 7946 0958", "+44 20 7946 0958", None),
        ("(555) 010-0199 ext. 12", "(555) 010-0199", "12"),
        ("555-010-0199 x12", "555-010-0199", "12"),
        ("+1 555 010 0199, extension 304", "+1 555 010 0199", "304"),
    ],
)
def test_phone_numbers_as_people_write_them(tmp_path: Path, written: str, number: str, extension: str | None) -> None:
    brand = load_brand(write_brand(tmp_path / "clinic", phone=written))
    assert (brand.phone, brand.phone_extension) == (number, extension)


@pytest.mark.parametrize("written", ["12 34", "(555 010-0199", "555) 010 (0199)", "call 555 0100", "555-0100 ext. "])
def test_what_is_not_a_phone_number_is_refused(tmp_path: Path, written: str) -> None:
    (found,) = problems(write_brand(tmp_path / "clinic", phone=written))
    assert f"phone: config-error: {written!r} is not a phone number" in found


def test_locales_papers_and_editions_of_a_clinic(tmp_path: Path) -> None:
    extra = 'locales = ["en", "es", "vi", "zh_Hant"]\neditions = ["standard", "large-print"]\nhyphenate = true'
    path = write_brand(tmp_path / "clinic", extra)
    path.write_text(path.read_text().replace('paper = "letter"', 'paper = ["letter", "a4"]'))
    brand = load_brand(path)
    assert brand.locales == ("en", "es", "vi", "zh-Hant")
    assert brand.papers == ("letter", "a4")
    assert brand.editions == ("standard", "large-print")
    assert brand.hyphenate and brand.language_assistance is None


def test_every_new_key_is_validated_at_once(tmp_path: Path) -> None:
    extra = (
        'locales = ["en", "x!", "es"]\neditions = ["standard", "huge"]\nhyphenate = "yes"\n'
        "language_assistance = 1\nmax_reading_grade = 40"
    )
    path = write_brand(tmp_path / "clinic", extra)
    path.write_text(path.read_text().replace('paper = "letter"', 'paper = ["letter", "legal"]'))
    found = "\n".join(problems(path))
    for key, words in [
        ("locales", "'x!' is not a language tag"),
        ("paper", "'legal' is not a paper size"),
        ("editions", "'huge' is not an edition"),
        ("hyphenate", "must be true or false"),
        ("language_assistance", "must be true or false"),
        ("max_reading_grade", "school grade from 1 to 20"),
    ]:
        assert f"brand.toml: {key}: config-error: " in found and words in found, (key, found)


def test_language_assistance_uses_its_own_number_or_the_clinics(tmp_path: Path) -> None:
    extra = 'language_assistance = true\nlanguage_assistance_phone = "1-800-555-0100 ext. 2"'
    own = load_brand(write_brand(tmp_path / "a", extra))
    assert own.language_assistance is not None
    assert (own.language_assistance.number, own.language_assistance.extension) == ("1-800-555-0100", "2")
    clinic = load_brand(write_brand(tmp_path / "b", "language_assistance = true", phone="(555) 010-0199"))
    assert clinic.language_assistance is not None and clinic.language_assistance.number == "(555) 010-0199"


@pytest.mark.parametrize(
    ("size", "box"),
    [((300, 100), (54.0, 18.0)), ((100, 100), (18.0, 18.0)), ((1000, 100), (60.0, 6.0)), ((100, 200), (9.0, 18.0))],
)
def test_a_logo_of_any_shape_keeps_its_proportions(
    tmp_path: Path, size: tuple[int, int], box: tuple[float, float]
) -> None:
    from PIL import Image

    path = write_brand(tmp_path / "clinic", logo="logo.png")
    Image.new("RGB", size, "#0b5d7a").save(path.parent / "logo.png")
    brand = load_brand(path)
    assert brand.logo.aspect == pytest.approx(size[0] / size[1])
    assert brand.logo.size_mm == pytest.approx(box)


def test_an_svg_logo_shape_comes_from_its_viewbox(tmp_path: Path) -> None:
    path = write_brand(tmp_path / "clinic")
    (path.parent / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="3in" viewBox="0 0 240 80"/>')
    assert load_brand(path).logo.size_mm == pytest.approx((54.0, 18.0))


def test_a_logo_that_is_no_image_is_refused(tmp_path: Path) -> None:
    path = write_brand(tmp_path / "clinic", logo="logo.png")
    (path.parent / "logo.png").write_bytes(b"not a picture")
    (found,) = problems(path)
    assert "logo.file: config-error: 'logo.png' is not a PNG file" in found


@pytest.mark.parametrize(
    ("key", "colours", "label"),
    [
        ("colors.primary", ("#6fa8dc", "#e8f3f7", "#1b1f23"), "primary on white"),
        ("colors.text", ("#0b5d7a", "#e8f3f7", "#999999"), "text on white"),
        ("colors.accent", ("#0b5d7a", "#5a6b78", "#1b1f23"), "text on accent"),
    ],
)
def test_a_contrast_error_names_the_nearest_passing_shade_of_the_same_hue(
    tmp_path: Path, key: str, colours: tuple[str, str, str], label: str
) -> None:
    import colorsys
    import re

    path = write_brand(tmp_path / "clinic")
    text = path.read_text()
    for name, value in zip(("primary", "accent", "text"), colours, strict=True):
        text = re.sub(rf'^{name} = "#[0-9a-f]+"', f'{name} = "{value}"', text, flags=re.M)
    path.write_text(text)
    (found,) = [p for p in problems(path) if f"{key}: config-error: contrast of {label} is" in p]
    suggestion = re.search(r"the nearest shade of the same hue that passes is (#[0-9a-f]{6})", found)
    assert suggestion is not None, found
    shade = suggestion.group(1)
    primary, accent, text_colour = colours
    fg, bg = {"colors.primary": (shade, "#ffffff"), "colors.text": (shade, "#ffffff")}.get(key, (text_colour, shade))
    assert contrast_ratio(fg, bg) >= 4.5
    original = {"colors.primary": primary, "colors.text": text_colour, "colors.accent": accent}[key]

    def hls(colour: str) -> tuple[float, float, float]:
        return colorsys.rgb_to_hls(*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)))

    if hls(original)[2] > 0.05:  # a grey has no hue to keep
        assert hls(shade)[0] == pytest.approx(hls(original)[0], abs=0.02)
    # nearest: one step closer to the original colour no longer passes
    from handouts.config import with_lightness

    closer = with_lightness(shade, hls(shade)[1] + (0.01 if hls(shade)[1] < hls(original)[1] else -0.01))
    fg2, bg2 = (closer, "#ffffff") if key != "colors.accent" else (text_colour, closer)
    assert contrast_ratio(fg2, bg2) < 4.5


def test_a_jpeg_logo_keeps_its_proportions_too(tmp_path: Path) -> None:
    from PIL import Image

    path = write_brand(tmp_path / "clinic", logo="logo.jpg")
    Image.new("RGB", (400, 100), "#0b5d7a").save(path.parent / "logo.jpg")
    assert load_brand(path).logo.size_mm == pytest.approx((60.0, 15.0))


def test_a_logo_with_too_few_pixels_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from PIL import Image

    path = write_brand(tmp_path / "clinic", logo="logo.png")
    Image.new("RGB", (150, 50), "#0b5d7a").save(path.parent / "logo.png")  # 54 mm wide: 70 pixels per inch
    with caplog.at_level("WARNING", logger="handouts"):
        load_brand(path)
    (message,) = [r.getMessage() for r in caplog.records]
    assert "logo.file: prints 54 x 18 mm at 70 pixels per inch and may look blurred" in message
    assert "a 638 x 213 pixel image (300 per inch) or an SVG prints sharp" in message
    caplog.clear()
    Image.new("RGB", (660, 220), "#0b5d7a").save(path.parent / "logo.png")
    with caplog.at_level("WARNING", logger="handouts"):
        load_brand(path)
    assert not caplog.records


def test_a_table_where_a_choice_belongs_is_a_clear_error(tmp_path: Path) -> None:
    """TOML tables are unhashable: they once reached a dictionary lookup and crashed (exit 70)."""
    path = write_brand(tmp_path / "clinic", 'editions = [{ size = "huge" }]')
    path.write_text(path.read_text().replace('paper = "letter"', "paper = { size = 1 }"))
    found = "\n".join(problems(path))
    assert "brand.toml: paper: config-error: {'size': 1} is not a paper size" in found, found
    assert "brand.toml: editions: config-error: {'size': 'huge'} is not an edition" in found, found
