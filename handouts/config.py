"""Brand files (`brands/<id>/brand.toml`) -> frozen dataclasses, validated against a declared schema.

Every problem in every brand is reported at once, as
`brands/example/brand.toml: colors.primary: '#12' is not a colour (#rrggbb)`.
Unknown keys are errors: a typo must never silently fall back to a default.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, ErrorGroup, HandoutsError, Location, collect
from .fonts import STYLES, FontFamily

PAPER_SIZES = {"letter": "letter", "a4": "A4"}
LOGO_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg"}
FONT_SUFFIXES = {".ttf", ".otf", ".woff"}
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().\-]*[0-9]$")
URL_RE = re.compile(r"^https://[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~:/?#@!$&'()*+,;=%\-]*)?$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for body-size text


@dataclass(frozen=True)
class Colors:
    primary: str  # headings, rules, clinic name: on white
    accent: str  # background of the draft notice, under `text`
    text: str  # body text: on white


@dataclass(frozen=True)
class Logo:
    file: Path
    alt: str


@dataclass(frozen=True)
class Brand:
    """One clinic's letterhead, validated."""

    id: str
    path: Path
    name: str
    address: tuple[str, ...]
    phone: str
    website: str | None
    email: str | None
    paper: str  # "letter" or "a4"
    colors: Colors
    logo: Logo
    font: FontFamily | None = None  # the clinic's own Latin family, where it covers the language

    @property
    def css_page_size(self) -> str:
        return PAPER_SIZES[self.paper]


# --- the schema ---------------------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns a problem description, or None when the value is good


def is_text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if any(ord(c) < 32 for c in value):
        return "must not contain control characters or line breaks"
    return None


def is_phone(value: Any) -> str | None:
    if (problem := is_text(value)) is not None:
        return problem
    if not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 7:
        return f"{value!r} is not a phone number (digits, spaces, + - . ( ) only; at least 7 digits)"
    return None


def is_url(value: Any) -> str | None:
    if (problem := is_text(value)) is not None:
        return problem
    return None if URL_RE.match(value) else f"{value!r} is not an https:// address"


def is_email(value: Any) -> str | None:
    if (problem := is_text(value)) is not None:
        return problem
    return None if EMAIL_RE.match(value) else f"{value!r} is not an e-mail address"


def is_colour(value: Any) -> str | None:
    if not isinstance(value, str) or not COLOUR_RE.match(value):
        return f"{value!r} is not a colour (#rrggbb)"
    return None


def is_paper(value: Any) -> str | None:
    return None if value in PAPER_SIZES else f"{value!r} is not a paper size ({' or '.join(PAPER_SIZES)})"


def is_address(value: Any) -> str | None:
    if not isinstance(value, list) or not 1 <= len(value) <= 4:
        return "must be a list of 1 to 4 lines"
    for line in value:
        if (problem := is_text(line)) is not None:
            return f"every line {problem}"
    return None


# key -> (required, check, documentation)
SCHEMA: dict[str, tuple[bool, Check, str]] = {
    "name": (True, is_text, "the clinic's name, printed on the letterhead and as PDF author"),
    "address": (True, is_address, "postal address, one string per line"),
    "phone": (True, is_phone, "phone number, printed exactly as written here"),
    "website": (False, is_url, "https:// address"),
    "email": (False, is_email, "contact e-mail"),
    "paper": (True, is_paper, "'letter' (US) or 'a4'"),
    "colors.primary": (True, is_colour, "headings and rules, #rrggbb, on white"),
    "colors.accent": (True, is_colour, "notice background, #rrggbb, under the text colour"),
    "colors.text": (True, is_colour, "body text, #rrggbb, on white"),
    "logo.file": (True, is_text, "logo image beside brand.toml (.svg, .png or .jpg)"),
    # The logo's alternative text is now the translated template message "Logo of %(clinic)s";
    # the key is still accepted so that existing brand files load.
    "logo.alt": (False, is_text, "no longer used: the alternative text is translated from the clinic's name"),
    "font.family": (False, is_text, "the clinic's own Latin font family name"),
    **{
        f"font.{style}": (False, is_text, f"{style.replace('_', ' ')} face of that family: a file beside brand.toml")
        for style in STYLES
    },
}
TABLES = {"colors", "logo", "font"}


def flatten(data: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """`{"colors": {"primary": x}}` -> `{"colors.primary": x}`; stray nesting is reported."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in TABLES:
            if not isinstance(value, dict):
                errors.append(f"{key}: must be a table ([{key}])")
                continue
            for sub, sub_value in value.items():
                flat[f"{key}.{sub}"] = sub_value
        else:
            flat[key] = value
    return flat


def relative_luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def validate_brand(brand_id: str, path: Path, data: dict[str, Any]) -> tuple[Brand | None, list[str]]:
    """Check one parsed brand file against the schema; return the brand or every problem."""
    problems: list[str] = []
    flat = flatten(data, problems)
    for key in sorted(set(flat) - set(SCHEMA)):
        problems.append(f"{key}: unknown key (known keys: {', '.join(SCHEMA)})")
    for key, (required, check, _doc) in SCHEMA.items():
        if key not in flat:
            if required:
                problems.append(f"{key}: required ({_doc})")
            continue
        if (problem := check(flat[key])) is not None:
            problems.append(f"{key}: {problem}")
    colours_ok = all(
        f"colors.{k}" in flat and is_colour(flat[f"colors.{k}"]) is None for k in ("primary", "accent", "text")
    )
    if colours_ok:
        for fg, bg, label in (
            ("text", None, "text on white"),
            ("primary", None, "primary on white"),
            ("text", "accent", "text on accent"),
        ):
            fg_colour = flat[f"colors.{fg}"]
            bg_colour = "#ffffff" if bg is None else flat[f"colors.{bg}"]
            ratio = contrast_ratio(fg_colour, bg_colour)
            if ratio < MIN_CONTRAST:
                problems.append(
                    f"colors.{fg if bg is None else bg}: contrast of {label} is {ratio:.2f}:1; "
                    f"WCAG AA needs {MIN_CONTRAST}:1"
                )
    logo_file: Path | None = None
    if is_text(flat.get("logo.file")) is None:
        logo_file = (path.parent / flat["logo.file"]).resolve()
        if path.parent.resolve() not in logo_file.parents:
            problems.append("logo.file: must be a file inside the brand's folder")
        elif logo_file.suffix.lower() not in LOGO_SUFFIXES:
            problems.append(f"logo.file: must be one of {', '.join(sorted(LOGO_SUFFIXES))}")
        elif not logo_file.is_file():
            problems.append(f"logo.file: {flat['logo.file']!r} does not exist beside brand.toml")
    font = validate_font(path, flat, problems)
    if problems or logo_file is None:
        return None, problems
    return (
        Brand(
            id=brand_id,
            path=path,
            name=flat["name"].strip(),
            address=tuple(line.strip() for line in flat["address"]),
            phone=flat["phone"].strip(),
            website=flat.get("website"),
            email=flat.get("email"),
            paper=flat["paper"],
            colors=Colors(flat["colors.primary"].lower(), flat["colors.accent"].lower(), flat["colors.text"].lower()),
            logo=Logo(logo_file, str(flat.get("logo.alt", "")).strip()),
            font=font,
        ),
        [],
    )


def validate_font(path: Path, flat: dict[str, Any], problems: list[str]) -> FontFamily | None:
    """The optional `[font]` table: a family name and its font files, inside the brand folder."""
    keys = [key for key in flat if key.startswith("font.")]
    if not keys:
        return None
    for required in ("font.family", "font.regular"):
        if required not in flat:
            problems.append(f"{required}: required when [font] is given")
    files: dict[str, Path] = {}
    for style in STYLES:
        value = flat.get(f"font.{style}")
        if not isinstance(value, str) or is_text(value) is not None:
            continue
        file = (path.parent / value).resolve()
        if path.parent.resolve() not in file.parents:
            problems.append(f"font.{style}: must be a file inside the brand's folder")
        elif file.suffix.lower() not in FONT_SUFFIXES:
            problems.append(f"font.{style}: must be one of {', '.join(sorted(FONT_SUFFIXES))}")
        elif not file.is_file():
            problems.append(f"font.{style}: {value!r} does not exist beside brand.toml")
        else:
            files[style] = file
    family = flat.get("font.family")
    if not isinstance(family, str) or "regular" not in files:
        return None
    if any(c in family for c in "\"'\\;{}<>"):
        problems.append("font.family: must not contain quotes, backslashes or CSS punctuation")
        return None
    return FontFamily(family.strip(), files)


def load_brand(path: Path) -> Brand:
    """Read and validate one `brand.toml`; raise every problem at once."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", Location(path)) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", Location(path, int(match.group(1)) if match else None)) from None
    brand, problems = validate_brand(path.parent.name, path, data)
    if problems:
        raise ErrorGroup([ConfigError(p.split(": ", 1)[1], Location(path, key=p.split(": ", 1)[0])) for p in problems])
    assert brand is not None
    return brand


def load_brands(brands_dir: Path, only: list[str] | None = None) -> list[Brand]:
    """Every brand under `brands/` (or the named ones), all problems reported together."""
    available = sorted(p.parent.name for p in brands_dir.glob("*/brand.toml"))
    errors: list[HandoutsError] = []
    wanted = only or available
    for name in wanted:
        if name not in available:
            errors.append(
                ConfigError(
                    f"unknown brand {name!r} (available: {', '.join(available) or 'none'})", Location(brands_dir / name)
                )
            )
    brands = []
    for name in wanted:
        if name not in available:
            continue
        with collect(errors):
            brands.append(load_brand(brands_dir / name / "brand.toml"))
    if errors:
        raise ErrorGroup(errors)
    if not brands:
        raise ConfigError("no brands found (expected brands/<name>/brand.toml)", Location(brands_dir))
    return brands
