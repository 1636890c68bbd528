"""Brand files (`brands/<id>/brand.toml`) -> frozen dataclasses, validated against a declared schema.

Every problem in every brand is reported at once, as
`brands/example/brand.toml: colors.primary: '#12' is not a colour (#rrggbb)`.
Unknown keys are errors: a typo must never silently fall back to a default.
"""

from __future__ import annotations

import colorsys
import logging
import re
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, ErrorGroup, HandoutsError, LocaleError, Location, collect
from .fonts import STYLES, FontFamily
from .locales import get_locale, to_bcp47
from .logos import LogoError, logo_aspect, print_resolution
from .paths import image_problem, inside

PAPER_SIZES = {"letter": "letter", "a4": "A4"}
EDITIONS = ("standard", "large-print")
LOGO_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg"}
FONT_SUFFIXES = {".ttf", ".otf", ".woff"}
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# A phone number as people write it: (555) 010-0199, 555.010.0199, +44 20 7946 0958 ...
PHONE_RE = re.compile(r"^\+?[0-9(][0-9 ().\-]*[0-9]$")
# ... optionally followed by an extension: "ext. 12", "ext 12", "extension 12", "x12", ";ext=12".
EXTENSION_RE = re.compile(
    r"^(?P<number>.*?)\s*(?:[,;]\s*)?(?:ext\.?|extension|x|ext=)\s*(?P<extension>[0-9]{1,6})$", re.IGNORECASE
)
URL_RE = re.compile(r"^https://[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~:/?#@!$&'()*+,;=%\-]*)?$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for body-size text
SHARP_LOGO_DPI = 150  # below this a printed logo looks blurred; 300 is print quality
LOGGER = logging.getLogger("handouts")


@dataclass(frozen=True)
class Colors:
    primary: str  # headings, rules, clinic name: on white
    accent: str  # background of the draft notice, under `text`
    text: str  # body text: on white


@dataclass(frozen=True)
class Logo:
    file: Path
    alt: str
    aspect: float = 1.0  # width / height of the image, from its own size

    # The letterhead's logo box: the logo keeps its proportions and fills as much of it as it can.
    MAX_WIDTH_MM = 60.0
    MAX_HEIGHT_MM = 18.0

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) in millimetres: the largest size of the logo's own shape inside the box."""
        height = min(self.MAX_HEIGHT_MM, self.MAX_WIDTH_MM / self.aspect)
        return round(height * self.aspect, 2), round(height, 2)


@dataclass(frozen=True)
class Phone:
    """A phone number exactly as the brand writes it, and an optional extension (digits)."""

    number: str
    extension: str | None = None

    def __str__(self) -> str:
        return self.number if self.extension is None else f"{self.number} ext. {self.extension}"


@dataclass(frozen=True)
class Brand:
    """One clinic's letterhead, validated."""

    id: str
    path: Path
    name: str
    address: tuple[str, ...]
    phone: str  # the number exactly as written (without its extension)
    website: str | None
    email: str | None
    papers: tuple[str, ...]  # "letter" and/or "a4", in the brand's order
    colors: Colors
    logo: Logo
    font: FontFamily | None = None  # the clinic's own Latin family, where it covers the language
    phone_extension: str | None = None
    locales: tuple[str, ...] | None = None  # BCP 47 tags the clinic offers; None: every shipped one
    editions: tuple[str, ...] = ("standard",)
    hyphenate: bool = False  # break long words at line ends (standard edition only)
    language_assistance: Phone | None = None  # print the free-language-help notice, with this number
    max_reading_grade: float | None = None

    @property
    def contact_phone(self) -> Phone:
        return Phone(self.phone, self.phone_extension)


def css_page_size(paper: str) -> str:
    return PAPER_SIZES[paper]


# --- the schema ---------------------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns a problem description, or None when the value is good


# The longest text a brand field may hold: a letterhead line, not a document. Longer values are
# mistakes (or attacks: a 100 KB name takes WeasyPrint minutes per PDF).
MAX_TEXT = 200
MAX_LENGTHS = {"logo.alt": 500, "email": 254, "website": 500, "phone": 40, "font.family": 100}


def is_text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are allowed"
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
        return "must not contain control characters or line breaks"
    return None


def parse_phone(value: str) -> Phone | None:
    """`(555) 010-0199 ext. 12` -> Phone('(555) 010-0199', '12'); None when it is no phone number."""
    text = value.strip()
    extension = None
    if (match := EXTENSION_RE.match(text)) is not None:
        text, extension = match["number"].strip(), match["extension"]
    if not PHONE_RE.match(text) or sum(c.isdigit() for c in text) < 7 or not balanced(text):
        return None
    return Phone(text, extension)


def balanced(text: str) -> bool:
    """Brackets open before they close, at most one deep: `(555) 010` yes, `555) 010 (` no."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if not 0 <= depth <= 1:
            return False
    return depth == 0


def is_phone(value: Any) -> str | None:
    if (problem := is_text(value)) is not None:
        return problem
    if parse_phone(value) is None:
        return (
            f"{value!r} is not a phone number (digits, spaces, + - . and paired ( ) only; at least 7 digits; "
            "an extension may follow as 'ext. 12')"
        )
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


def one_or_more_of(choices: Collection[str], noun: str, *, single: bool) -> Callable[[Any], str | None]:
    """A validator for a list of distinct choices (or, where `single`, also one choice alone)."""
    named = " or ".join(map(repr, choices))

    def validate(value: Any) -> str | None:
        if single and not isinstance(value, list):
            value = [value]
        if not isinstance(value, list) or not value:
            return f"must name at least one {noun} ({named})"
        for item in value:
            if not isinstance(item, str) or item not in choices:
                return f"{item!r} is not {article(noun)} {noun} ({named})"
        if len(set(value)) != len(value):
            return f"names {article(noun)} {noun} twice"
        return None

    return validate


def article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


is_paper = one_or_more_of(PAPER_SIZES, "paper size", single=True)
is_editions = one_or_more_of(EDITIONS, "edition", single=False)


LOCALE_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def brand_locale_tag(item: str) -> str:
    """A brand's locale in BCP 47 spelling: a tag CLDR knows, or one a project may declare in
    `locales/<name>/locale.toml` (the pipeline then requires its catalogs)."""
    try:
        return get_locale(item).tag
    except LocaleError:
        if LOCALE_TAG_RE.match(item.strip()):
            return to_bcp47(item.strip())
        raise


def is_locales(value: Any) -> str | None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return 'must be a list of locale tags such as ["en", "es", "vi"]'
    tags = []
    for item in value:
        try:
            tags.append(brand_locale_tag(item))
        except LocaleError as error:
            return error.message
    if len(set(tags)) != len(tags):
        return "names a locale twice"
    return None


def is_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def is_grade(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 20:
        return "must be a school grade from 1 to 20 (for example 8)"
    return None


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
    "phone": (True, is_phone, "phone number, printed exactly as written here; an extension may follow ('ext. 12')"),
    "website": (False, is_url, "https:// address"),
    "email": (False, is_email, "contact e-mail"),
    "paper": (True, is_paper, "'letter' (US) or 'a4', or a list of both"),
    "locales": (False, is_locales, "the languages the clinic offers (default: every shipped language)"),
    "editions": (False, is_editions, "'standard' and/or 'large-print' (default: standard only)"),
    "hyphenate": (False, is_bool, "break long words at line ends in the standard edition (default: false)"),
    "language_assistance": (False, is_bool, "print the notice that free language help is available"),
    "language_assistance_phone": (False, is_phone, "the number that notice gives (default: the clinic's phone)"),
    "max_reading_grade": (False, is_grade, "the highest reading grade `check` accepts (where a formula exists)"),
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


def with_lightness(colour: str, lightness: float) -> str:
    """The same hue and saturation (HLS) at another lightness, as #rrggbb."""
    h, _, s = colorsys.rgb_to_hls(*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)))
    r, g, b = colorsys.hls_to_rgb(h, lightness, s)
    return "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))


def nearest_passing_shade(colour: str, other: str, darker: bool, minimum: float = MIN_CONTRAST) -> str:
    """The shade of `colour`'s hue nearest to it (in HLS lightness) with `minimum` contrast to `other`,
    made darker or lighter as asked; black or white if no shade of the hue passes."""
    _, start, _ = colorsys.rgb_to_hls(*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)))
    low, high = (0.0, start) if darker else (start, 1.0)
    if contrast_ratio(with_lightness(colour, low if darker else high), other) < minimum:
        return "#000000" if darker else "#ffffff"
    for _ in range(30):  # bisect on lightness; the passing end moves toward the colour itself
        middle = (low + high) / 2
        passes = contrast_ratio(with_lightness(colour, middle), other) >= minimum
        if darker:
            low, high = (middle, high) if passes else (low, middle)
        else:
            low, high = (low, middle) if passes else (middle, high)
    shade = with_lightness(colour, low if darker else high)
    step = -1 / 255 if darker else 1 / 255
    lightness = low if darker else high
    while contrast_ratio(shade, other) < minimum:  # rounding to whole channels may lose a little
        lightness = min(1.0, max(0.0, lightness + step))
        shade = with_lightness(colour, lightness)
    return shade


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
        too_long = is_text(flat[key], MAX_LENGTHS.get(key, MAX_TEXT)) if isinstance(flat[key], str) else None
        if too_long is not None and "characters long" in too_long:
            problems.append(f"{key}: {too_long}")  # checked first: the other checks are then bounded
        elif (problem := check(flat[key])) is not None:
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
                if bg is None:  # a darker shade of the text or primary colour
                    suggestion = nearest_passing_shade(fg_colour, bg_colour, darker=True)
                else:  # a lighter (or darker) accent under the text colour
                    lighter = relative_luminance(bg_colour) >= relative_luminance(fg_colour)
                    suggestion = nearest_passing_shade(bg_colour, fg_colour, darker=not lighter)
                pair = (suggestion, bg_colour) if bg is None else (fg_colour, suggestion)
                problems.append(
                    f"colors.{fg if bg is None else bg}: contrast of {label} is {ratio:.2f}:1; "
                    f"WCAG AA needs {MIN_CONTRAST}:1; the nearest shade of the same hue that passes is "
                    f"{suggestion} ({contrast_ratio(*pair):.2f}:1)"
                )
    logo_file: Path | None = None
    aspect = 1.0
    if is_text(flat.get("logo.file")) is None:
        logo_file = brand_file(path, "logo.file", flat["logo.file"], LOGO_SUFFIXES, image_problem, problems)
        if logo_file is not None:
            try:
                aspect = logo_aspect(logo_file)
            except LogoError as error:
                problems.append(f"logo.file: {error}")
                logo_file = None
    font = validate_font(path, flat, problems)
    if problems or logo_file is None:
        return None, problems
    phone = parse_phone(flat["phone"])
    assert phone is not None
    assistance = None
    if flat.get("language_assistance"):
        assistance = parse_phone(flat["language_assistance_phone"]) if "language_assistance_phone" in flat else phone
    elif "language_assistance_phone" in flat:
        return None, ["language_assistance_phone: given, but language_assistance is not true"]
    papers = flat["paper"] if isinstance(flat["paper"], list) else [flat["paper"]]
    return (
        Brand(
            id=brand_id,
            path=path,
            name=flat["name"].strip(),
            address=tuple(line.strip() for line in flat["address"]),
            phone=phone.number,
            phone_extension=phone.extension,
            website=flat.get("website"),
            email=flat.get("email"),
            papers=tuple(papers),
            colors=Colors(flat["colors.primary"].lower(), flat["colors.accent"].lower(), flat["colors.text"].lower()),
            logo=Logo(logo_file, str(flat.get("logo.alt", "")).strip(), aspect),
            font=font,
            locales=tuple(brand_locale_tag(tag) for tag in flat["locales"]) if "locales" in flat else None,
            editions=tuple(flat.get("editions", ["standard"])),
            hyphenate=flat.get("hyphenate", False),
            language_assistance=assistance,
            max_reading_grade=flat.get("max_reading_grade"),
        ),
        [],
    )


def brand_file(
    path: Path,
    key: str,
    value: str,
    suffixes: Collection[str],
    content_problem: Callable[[Path], str | None],
    problems: list[str],
) -> Path | None:
    """The file a brand key names: inside the brand's folder (symbolic links resolved), with one of
    `suffixes`, existing, and with content `content_problem` finds nothing wrong with; else None,
    and the problem is added to `problems`."""
    file = (path.parent / value).resolve()
    if path.parent.resolve() not in file.parents:
        problems.append(f"{key}: must be a file inside the brand's folder")
    elif file.suffix.lower() not in suffixes:
        problems.append(f"{key}: must be one of {', '.join(sorted(suffixes))}")
    elif not file.is_file():
        problems.append(f"{key}: {value!r} does not exist beside brand.toml")
    elif (problem := content_problem(file)) is not None:
        problems.append(f"{key}: {value!r} {problem}")
    else:
        return file
    return None


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
        file = brand_file(path, f"font.{style}", value, FONT_SUFFIXES, unusable_font, problems)
        if file is not None:
            files[style] = file
    family = flat.get("font.family")
    if not isinstance(family, str) or "regular" not in files:
        return None
    if any(c in family for c in "\"'\\;{}<>"):
        problems.append("font.family: must not contain quotes, backslashes or CSS punctuation")
        return None
    return FontFamily(family.strip(), files)


SFNT_SIGNATURES = {b"\x00\x01\x00\x00", b"OTTO", b"true", b"wOFF"}
REQUIRED_TABLES = {b"cmap", b"head", b"hhea", b"maxp"}


def unusable_font(path: Path) -> str | None:
    problem = font_problem(path)
    return None if problem is None else f"is not a usable font: {problem}"


def font_problem(path: Path) -> str | None:
    """Why a file is not a usable font, from its table directory alone, or None.

    Reading the directory needs no font library, so loading a brand stays cheap (a build with
    nothing to render imports no fontTools). Every table must lie inside the file and the tables
    a renderer needs must be there; a font that passes is parsed in full with fontTools before
    anything renders with it (`fonts.font_parse_problem`), never first inside a render worker.
    """
    data = path.read_bytes()
    signature = data[:4]
    if signature not in SFNT_SIGNATURES:
        return "not a TrueType, OpenType or WOFF font"
    woff = signature == b"wOFF"
    header, entry_size = (44, 20) if woff else (12, 16)
    if len(data) < header:
        return "the file is truncated"
    count = int.from_bytes(data[12:14] if woff else data[4:6], "big")
    if count == 0 or header + count * entry_size > len(data):
        return "its table directory is truncated"
    tags = set()
    for n in range(count):
        entry = data[header + n * entry_size : header + (n + 1) * entry_size]
        tag = entry[:4]
        offset = int.from_bytes(entry[4:8] if woff else entry[8:12], "big")
        length = int.from_bytes(entry[8:12] if woff else entry[12:16], "big")
        if offset + length > len(data):
            return f"its {tag.decode('latin-1')!r} table lies outside the file"
        tags.add(tag)
    missing = REQUIRED_TABLES - tags
    if missing:
        return f"it has no {', '.join(sorted(t.decode('latin-1') for t in missing))} table"
    return None


def load_brand(path: Path) -> Brand:
    """Read and validate one `brand.toml`; raise every problem at once."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", Location(path)) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"not UTF-8 text (byte {exc.object[exc.start]:#04x})", Location(path, line)) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", Location(path, int(match.group(1)) if match else None)) from None
    brand, problems = validate_brand(path.parent.name, path, data)
    if problems:
        raise ErrorGroup([ConfigError(p.split(": ", 1)[1], Location(path, key=p.split(": ", 1)[0])) for p in problems])
    assert brand is not None
    warn_of_a_blurred_logo(brand)
    return brand


def warn_of_a_blurred_logo(brand: Brand) -> None:
    """A PNG or JPEG logo with too few pixels for its printed size prints blurred: say so, with the
    size that would print sharp."""
    width_mm, height_mm = brand.logo.size_mm
    dpi = print_resolution(brand.logo.file, width_mm)
    if dpi is not None and dpi < SHARP_LOGO_DPI:
        LOGGER.warning(
            "%s: logo.file: prints %g x %g mm at %d pixels per inch and may look blurred; "
            "a %d x %d pixel image (300 per inch) or an SVG prints sharp",
            Location(brand.path),
            width_mm,
            height_mm,
            dpi,
            round(width_mm / 25.4 * 300),
            round(height_mm / 25.4 * 300),
        )


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
            folder = inside(brands_dir / name, brands_dir, "brand folder")
            for file in sorted(folder.rglob("*")):  # every file shapes the build (and its cache key)
                inside(file, folder, "brand file")
            brands.append(load_brand(folder / "brand.toml"))
    if errors:
        raise ErrorGroup(errors)
    if not brands:
        raise ConfigError("no brands found (expected brands/<name>/brand.toml)", Location(brands_dir))
    return brands
