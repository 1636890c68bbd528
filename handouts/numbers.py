"""Numbers in a message read as numbers: value, unit, range and digit system, as a locale writes them.

A dose a patient reads must be the dose the clinician wrote. So each number of the English source
and of its translation is read by value, with the decimal and group symbols CLDR (through Babel)
gives the locale, in the locale's own digits or ASCII; its unit travels with it (`10 mg`, `30–40 mg`,
`100 %`, the locale's own unit names), and a small number the translation spells out ("dos" for 2)
is recognised through CLDR's spell-out rules (the `unicode-rbnf` package).

A number is read the locale's own way (CLDR's `es`: `0,5` is one half, `1.960` is 1960) wherever
that can read it at all. A catalog whose `Language` names no region serves readers of every region
of the language, so where the locale's own way cannot read a number, its regions' ways are tried:
`0.5`, as Mexico and the US write it, is one half too; a number those regions read differently is
refused. A catalog for one region (`es_MX`) is read that region's way only.

Everything here scans its text once, with patterns that never backtrack, and reads each distinct
number and each distinct piece of text between numbers once: a translation's numbers are counted by
form, not listed, so a megabyte of them costs no Python object each.
"""

from __future__ import annotations

import dataclasses
import gc
import re
import unicodedata
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from itertools import compress, count, filterfalse, islice, repeat
from operator import itemgetter, sub
from typing import NamedTuple, TypeVar

import babel
import babel.localedata
import babel.numbers
import babel.units

SOURCE_LOCALE = "en"  # the English source, written the US way
# CLDR's numeric numbering systems (common/supplemental/numberingSystems.xml): id -> digit zero.
DIGIT_SYSTEMS = {
    "latn": "0",
    "arab": "\u0660",
    "arabext": "\u06f0",
    "beng": "\u09e6",
    "deva": "\u0966",
    "fullwide": "\uff10",
    "gujr": "\u0ae6",
    "guru": "\u0a66",
    "khmr": "\u17e0",
    "knda": "\u0ce6",
    "laoo": "\u0ed0",
    "mlym": "\u0d66",
    "mymr": "\u1040",
    "orya": "\u0b66",
    "tamldec": "\u0be6",
    "telu": "\u0c66",
    "thai": "\u0e50",
    "tibt": "\u0f20",
}
SYSTEM_OF_ZERO = {zero: name for name, zero in DIGIT_SYSTEMS.items()}
LATIN = ("latn",)
# What NamedTuple._make calls: a million small tuples are made without a Python call for each.
MAKE = tuple.__new__
# Chinese, Japanese and Korean text also writes ASCII digits in their full-width forms.
FULLWIDTH_LANGUAGES = {"zh", "ja", "ko", "yue"}
# Characters that join two runs of digits into one number when they stand between them; which of
# them is a decimal and which a group separator depends on the locale.
SEPARATORS = frozenset(".,'’\u066b\u066c\u00a0\u202f\u2009")
# A no-break, narrow or thin space groups digits in threes in every locale (the SI and ISO form),
# and no locale writes a decimal with it.
SPACE_GROUPS = "\u00a0\u202f\u2009"
APOSTROPHES = "'’"
# What may stand between a number and its unit: spaces and the bidi marks of Arabic-script text.
UNIT_GAP = " \u00a0\u202f\u2009\u200e\u200f\u061c"
MINUS_SIGNS = "-\u2212"
DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015~\u301c\uff5e")
# Units written as symbols in any language, by their normalised form.
UNIT_SYMBOLS = {
    "mg": "mg",
    "mcg": "µg",
    "µg": "µg",
    "μg": "µg",
    "g": "g",
    "kg": "kg",
    "mL": "mL",
    "ml": "mL",
    "L": "L",
    "%": "%",
    "\u066a": "%",
    "\uff05": "%",
    "°C": "°C",
    "℃": "°C",
    "°F": "°F",
    "℉": "°F",
    # Arabic pharmacy abbreviations that CLDR's unit names leave out (ملغ and ملجم for mg are
    # what Arabic drug labels print; CLDR has مغم and مليغرام).
    "ملغ": "mg",
    "ملجم": "mg",
    "مجم": "mg",
    "ميكروغرام": "µg",
    "مل": "mL",
    "كغ": "kg",
    "كجم": "kg",
}
PERCENT_SIGNS = "%\u066a\uff05"
# CLDR units whose localised names (`Locale.unit_patterns`) are read as the symbol beside them.
CLDR_UNITS = {
    "mass-milligram": "mg",
    "mass-microgram": "µg",
    "mass-gram": "g",
    "mass-kilogram": "kg",
    "volume-milliliter": "mL",
    "volume-liter": "L",
    "concentr-percent": "%",
    "temperature-celsius": "°C",
    "temperature-fahrenheit": "°F",
}
# The words that join the two ends of a range ("30 to 40", "entre 30 y 40"): CLDR has no such data.
RANGE_WORDS = {
    "en": {"to", "through", "and"},
    "es": {"a", "al", "y", "hasta"},
    "de": {"bis", "und"},
    "fr": {"à", "a", "et"},
    "it": {"a", "e"},
    "pt": {"a", "e", "até"},
    "ru": {"до", "и"},
    "pl": {"do", "i"},
    "ar": {"إلى", "الى", "و", "حتى"},
    "fa": {"تا", "و"},
    "ur": {"سے", "تک", "اور"},
    "hi": {"से", "और", "तक"},
    "zh": {"至", "到", "和"},
    "ja": {"から", "と"},
    "ko": {"에서", "와", "과"},
    "vi": {"đến", "tới", "và"},
    "fil": {"hanggang", "at"},
    "ht": {"a", "ak"},
}
# Small numbers a translation may spell out ("two" for 2), through CLDR's spell-out rules.
SPELLED_OUT_MAX = 20
# Languages written without spaces between words: a spelled-out number may stand inside a word.
UNSPACED_LANGUAGES = {"zh", "ja", "yue", "th", "lo", "km", "my"}
# CLDR spells Filipino numbers with stress marks that ordinary text leaves out ("dalawá").
UNACCENTED_SPELLING = {"fil"}
# Filipino joins a number ending in a vowel to its noun with -ng ("dalawang", "tatlong").
LINKED_SPELLING = {"fil"}
ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ـ": None})
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670]")
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")


def data_versions() -> str:
    """The versions of the data the number checks read (CLDR through Babel, its spell-out rules):
    an upgrade may change a check's verdict, so cached reports are keyed by them."""
    from importlib import metadata

    return " ".join(f"{package}=={metadata.version(package)}" for package in ("babel", "unicode-rbnf"))


# --- how a locale writes numbers -----------------------------------------------------------------


@dataclass(frozen=True)
class Notation:
    """How some regions write numbers in one digit system: decimal and group symbols, group sizes."""

    regions: tuple[str, ...]  # BCP 47, e.g. (es-MX, es-US)
    system: str  # the digits it is for, a CLDR id: latn, arab...
    decimal: str
    group: str
    grouping: tuple[int, int]  # (primary, secondary): (3, 3), or (3, 2) for 1,00,000


@dataclass(frozen=True)
class NumberLocale:
    """What reading a locale's numbers takes, from CLDR."""

    name: str  # Babel's name: es, es_MX, zh_Hans, fil
    notations: tuple[Notation, ...]
    systems: tuple[str, ...]  # the digit systems it writes, CLDR ids, ASCII first
    example: str  # 12345.5 as the locale writes it
    units: tuple[tuple[str, str], ...]  # (as written, normalised), longest first
    range_words: frozenset[str]
    spelled: re.Pattern[str] | None  # the spelled-out small numbers, longest first
    spelled_values: dict[str, int] = field(hash=False, compare=False)
    # notations and regions that read a number of these digit systems, as `readers` finds them
    readers: dict[tuple[str, ...], tuple[tuple[Notation, ...], list[str]]] = field(
        default_factory=dict, hash=False, compare=False, repr=False
    )

    @property
    def language(self) -> str:
        return self.name.split("_")[0]

    @property
    def region(self) -> str:
        """The locale's own region tag, as its notations name it."""
        return self.notations[0].regions[0]


def regions_of(name: str, every_region: bool) -> list[str]:
    """The CLDR locales a catalog's `Language` allows: itself, and for a bare language every region."""
    if not every_region:
        return [name]
    return [name, *(i for i in babel.localedata.locale_identifiers() if i.startswith(name + "_"))]


def notation_of(locale: babel.Locale, system: str) -> Notation:
    """The locale's symbols for `system`'s digits; CLDR gives a system without symbols of its own
    the Latin ones."""
    own = system if (locale.number_symbols.get(system) or {}).get("decimal") else "latn"
    decimal = babel.numbers.get_decimal_symbol(locale, numbering_system=own)
    group = babel.numbers.get_group_symbol(locale, numbering_system=own)
    grouping = babel.numbers.parse_pattern(locale.decimal_formats.get(None) or "#,##0.###").grouping
    return Notation((str(locale).replace("_", "-"),), system, decimal, group, (grouping[0], grouping[1]))


@cache
def number_locale(name: str, every_region: bool = True) -> NumberLocale:
    """How `name` (a Babel locale name) writes numbers, over every region it allows.

    Reading it means loading CLDR's data for every region and the language's spelling rules,
    tens of milliseconds a language; the result changes only with Babel, unicode-rbnf or this
    module, so it is kept in the user-wide cache (`$XDG_CACHE_HOME/handouts/cldr`, signed
    plain JSON, as every entry of `buildcache.Cache`) under a key made of all three."""
    from .buildcache import kept

    return kept(
        "cldr",
        "number-locale",
        number_locale_key(name, every_region),
        lambda: read_number_locale(name, every_region),
        number_locale_to_plain,
        number_locale_from_plain,
    )


def number_locale_key(name: str, every_region: bool) -> list[object]:
    from pathlib import Path

    import unicode_rbnf

    from .buildcache import code_digest

    versions = [babel.__version__, getattr(unicode_rbnf, "__version__", "?")]
    return [versions, code_digest(Path(__file__)), name, every_region]


def number_locale_to_plain(locale: NumberLocale) -> dict[str, object]:
    return {
        "name": locale.name,
        "notations": [[list(n.regions), n.system, n.decimal, n.group, list(n.grouping)] for n in locale.notations],
        "systems": list(locale.systems),
        "example": locale.example,
        "units": [list(unit) for unit in locale.units],
        "range_words": sorted(locale.range_words),
        "spelled": None if locale.spelled is None else locale.spelled_values,
    }


def number_locale_from_plain(data: object) -> NumberLocale:
    if not isinstance(data, dict):
        raise TypeError("not a stored number locale")
    spelled = data["spelled"]
    return NumberLocale(
        str(data["name"]),
        tuple(
            Notation(tuple(map(str, regions)), str(system), str(decimal), str(group), (int(g[0]), int(g[1])))
            for regions, system, decimal, group, g in data["notations"]
        ),
        tuple(map(str, data["systems"])),
        str(data["example"]),
        tuple((str(written), str(symbol)) for written, symbol in data["units"]),
        frozenset(map(str, data["range_words"])),
        None if spelled is None else spelled_pattern(spelled),
        {} if spelled is None else {str(form): int(value) for form, value in spelled.items()},
    )


def read_number_locale(name: str, every_region: bool) -> NumberLocale:
    regions = [babel.Locale.parse(region) for region in regions_of(name, every_region)]
    systems = {"latn"}
    for locale in regions:
        systems.add(locale.default_numbering_system)
        systems.add(locale.other_numbering_systems.get("native", "latn"))
    systems &= set(DIGIT_SYSTEMS)
    if name.split("_")[0] in FULLWIDTH_LANGUAGES:
        systems.add("fullwide")
    # The locale's own notations first: they decide wherever they can read a number at all.
    first: dict[tuple[str, str, str, tuple[int, int]], Notation] = {}
    sharing: dict[tuple[str, str, str, tuple[int, int]], list[str]] = {}
    for locale in regions:
        for system in sorted(systems):
            notation = notation_of(locale, system)
            key = (system, notation.decimal, notation.group, notation.grouping)
            first.setdefault(key, notation)
            sharing.setdefault(key, []).extend(notation.regions)
    own = str(regions[0]).replace("_", "-")
    notations = [  # the locale itself first, then its regions in order
        dataclasses.replace(n, regions=tuple(sorted(set(sharing[key]), key=lambda r: (r != own, r))))
        for key, n in first.items()
    ]
    main = regions[0]
    return NumberLocale(
        name,
        tuple(notations),
        tuple(sorted(systems, key=lambda s: (s != "latn", s))),
        example_of(main),
        units_of(main),
        frozenset(RANGE_WORDS.get(name.split("_")[0], set())),
        *spelled_out(name),
    )


def example_of(locale: babel.Locale) -> str:
    """12345.5 as the locale writes it by default, in its default digits (Babel writes ASCII ones)."""
    text = babel.numbers.format_decimal(Decimal("12345.5"), locale=locale, numbering_system="default")
    zero = ord(DIGIT_SYSTEMS.get(locale.default_numbering_system, "0"))
    return "".join(chr(zero + int(c)) if c in "0123456789" else c for c in text)


def units_of(locale: babel.Locale) -> tuple[tuple[str, str], ...]:
    """Every way the locale writes the units we compare (CLDR's long, short and narrow names, in
    each plural form), and the symbols every language uses."""
    found = dict(UNIT_SYMBOLS)
    for unit, symbol in CLDR_UNITS.items():
        for value in (1, 2, 3, 5, 11, 100, Decimal("1.5")):
            number = babel.numbers.format_decimal(value, locale=locale)
            for length in ("long", "short", "narrow"):
                try:
                    text = babel.units.format_unit(value, unit, length=length, locale=locale)
                except babel.units.UnknownUnitError:
                    continue
                if text.startswith(number):  # units written after the number only
                    written = text[len(number) :].strip(UNIT_GAP)
                    # Babel falls back to the unit's id where CLDR lacks a plural form.
                    if written and unit not in written and not any(c.isdecimal() for c in written):
                        found.setdefault(written, symbol)
    return tuple(sorted(found.items(), key=lambda item: (-len(item[0]), item[0])))


def fold(text: str, language: str) -> str:
    """Text as spelled-out numbers are compared: case, Arabic hamza seats and marks, and (for
    Filipino) stress marks do not matter."""
    text = unicodedata.normalize("NFC", text.casefold())
    if ARABIC_LETTER.search(text):
        text = ARABIC_MARKS.sub("", text.translate(ARABIC_FOLD))
    if language in UNACCENTED_SPELLING:  # each distinct character looked at once
        text = unicodedata.normalize("NFD", text)
        text = text.translate(dict.fromkeys(ord(c) for c in set(text) if unicodedata.combining(c)))
    return text


def rbnf_language(name: str) -> str | None:
    from unicode_rbnf import RbnfEngine

    supported = set(RbnfEngine.get_supported_languages())
    parts = name.split("_")
    for n in range(len(parts), 0, -1):
        if "_".join(parts[:n]) in supported:
            return "_".join(parts[:n])
    return None


def spelled_out(name: str) -> tuple[re.Pattern[str] | None, dict[str, int]]:
    """A pattern of the small numbers CLDR spells out in this language, and their values."""
    from unicode_rbnf import RbnfEngine

    rbnf = rbnf_language(name)
    if rbnf is None:
        return None, {}
    engine = RbnfEngine.for_language(rbnf)
    language = name.split("_")[0]
    values: dict[str, int] = {}
    for value in range(SPELLED_OUT_MAX + 1):
        for form in engine.format_number(value).text_by_ruleset.values():
            form = fold(form.strip(), language)
            if form and not any(c.isdecimal() for c in form):
                values.setdefault(form, value)
    if language in LINKED_SPELLING:  # Filipino links a number to its noun: "dalawang tableta"
        values.update({form + "ng": value for form, value in values.items() if form[-1] in "aeiou"})
    return spelled_pattern(values), values


def spelled_pattern(values: Mapping[str, int]) -> re.Pattern[str]:
    """A pattern finding each of the spelled-out numbers, longest first."""
    alternatives = "|".join(re.escape(form) for form in sorted(values, key=lambda f: (-len(f), f)))
    return re.compile(f"(?=({alternatives}))")


# --- reading the numbers of a text ---------------------------------------------------------------


class Written(NamedTuple):
    """What a number's characters say, wherever it stands: the same for every copy of it."""

    systems: tuple[str, ...]  # digit systems, CLDR ids, in order of first use
    readings: dict[Decimal, list[str]]  # value -> the regions that read it so
    value: Decimal | None  # when every region of the locale reads the same one
    literal: str  # its digits in ASCII with their separators, for numbers that cannot be read
    zeros: int  # leading zeros ("05" is not "5")
    odd_digits: bool  # digits of two systems, or of one the locale never writes


class Form(NamedTuple):
    """A number as written, sign included, with its unit: what every copy of it says."""

    text: str
    written: Written
    unit: str | None
    value: Decimal | None  # its value, when every region of the locale reads the same one
    key: tuple[object, ...]  # what must match between source and translation

    @classmethod
    def of(cls, text: str, written: Written, unit: str | None) -> Form:
        """The form; its key is its value (leading zeros kept) and unit, or, for a number that
        cannot be read, its characters and unit."""
        value = written.value
        key = ("unread", written.literal, unit) if value is None else (value, written.zeros, unit)
        return MAKE(cls, (text, written, unit, value, key))

    @property
    def systems(self) -> tuple[str, ...]:
        return self.written.systems

    @property
    def readings(self) -> dict[Decimal, list[str]]:
        return self.written.readings

    @property
    def literal(self) -> str:
        return self.written.literal

    def describe(self) -> str:
        return f"'{self.text} {self.unit}'" if self.unit else f"'{self.text}'"


@dataclass(slots=True)
class Number:
    """One number as written in a text, with every value the locale's regions read in it."""

    form: Form
    start: int  # at its sign, if it has one
    end: int  # after its unit, if it has one
    range_text: str | None = None  # "30–40 mg" when it is one end of a range

    @property
    def text(self) -> str:
        return self.form.text

    @property
    def unit(self) -> str | None:
        return self.form.unit

    @property
    def written(self) -> Written:
        return self.form.written

    @property
    def systems(self) -> tuple[str, ...]:
        return self.form.systems

    @property
    def readings(self) -> dict[Decimal, list[str]]:
        return self.form.readings

    @property
    def value(self) -> Decimal | None:
        return self.form.value

    @property
    def key(self) -> tuple[object, ...]:
        return self.form.key

    def describe(self) -> str:
        return self.form.describe()


def system_of(digit: str) -> str:
    zero = chr(ord(digit) - unicodedata.decimal(digit))
    return SYSTEM_OF_ZERO.get(zero, unicodedata.name(zero, "unknown").removesuffix(" DIGIT ZERO").lower())


def system_name(system: str) -> str:
    """`arab` -> `Arabic-Indic (٠-٩)`."""
    zero = DIGIT_SYSTEMS.get(system)
    if zero is None:
        return system
    if system == "latn":
        return "ASCII (0-9)"
    name = unicodedata.name(zero).removesuffix(" DIGIT ZERO").title()
    return f"{name} ({zero}-{chr(ord(zero) + 9)})"


# A run of digits (any Unicode decimal digits, as str.isdecimal) joined by single separators. Each
# repetition starts with a digit or a separator, so the pattern never backtracks: linear.
NUMBER_RE = re.compile("\\d(?:\\d|[" + re.escape("".join(sorted(SEPARATORS))) + "]\\d)*")
NUMBERS_RE = re.compile(f"({NUMBER_RE.pattern})")  # splits a text into its numbers and what is between


def read_as(digits: list[str], separators: list[str], notation: Notation) -> Decimal | None:
    """The value of a number (runs of ASCII digits, the separators between them) written in
    `notation`, if it is one."""

    def same(a: str, b: str) -> bool:
        return a == b or (a in SPACE_GROUPS and b in SPACE_GROUPS) or (a in APOSTROPHES and b in APOSTROPHES)

    fraction = ""
    if separators and same(separators[-1], notation.decimal):
        fraction = digits[-1]
        digits, separators = digits[:-1], separators[:-1]
    if separators:
        if not (all(same(s, notation.group) for s in separators) or all(s in SPACE_GROUPS for s in separators)):
            return None
        primary, secondary = notation.grouping
        if separators[0] in SPACE_GROUPS or not any(same(s, notation.group) for s in separators):
            primary = secondary = 3
        sizes = [len(d) for d in digits]
        groupings = {(primary, secondary), (3, 3)}
        if not any(
            sizes[-1] == p and all(size == s for size in sizes[1:-1]) and 1 <= sizes[0] <= s for p, s in groupings
        ):
            return None
    whole = "".join(digits)
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def find_unit(text: str, position: int, locale: NumberLocale) -> tuple[str, int] | None:
    """The unit written right after a number (mg, mg/kg, %, the locale's own names) and its end."""
    i = position
    while i < len(text) and i - position < 2 and text[i] in UNIT_GAP:
        i += 1
    found = unit_at(text, i, locale)
    if found is not None and text.startswith("/", found[1]):
        per = unit_at(text, found[1] + 1, locale)  # one unit per another: mg/kg, mg/mL
        if per is not None:
            return f"{found[0]}/{per[0]}", per[1]
    return found


def units_by_start(locale: NumberLocale) -> dict[str, tuple[tuple[str, str], ...]]:
    """The locale's units by their first character, longest first: a number tries only those."""
    return units_by_start_of(locale.name)  # a locale's units are its own region's


@cache
def units_by_start_of(name: str) -> dict[str, tuple[tuple[str, str], ...]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for written, unit in number_locale(name).units:
        found.setdefault(written[0], []).append((written, unit))
    return {start: tuple(units) for start, units in found.items()}


def unit_at(text: str, position: int, locale: NumberLocale) -> tuple[str, int] | None:
    for written, unit in units_by_start(locale).get(text[position : position + 1], ()):
        if text.startswith(written, position) and word_ends(text, position + len(written), written):
            return unit, position + len(written)
    return None


def word_ends(text: str, end: int, written: str) -> bool:
    """A unit name ends where its word does (`g` is not the start of `gotas`), except in scripts
    written without spaces."""
    if end >= len(text) or not (written[-1].isalpha() and written[-1] < "\u2e80"):
        return True
    following = text[end]
    return not (following.isalnum() or unicodedata.category(following).startswith("M"))


def readers(locale: NumberLocale, systems: tuple[str, ...]) -> tuple[tuple[Notation, ...], list[str]]:
    """The notations that read digits of `systems`: their own system's; for digits the locale
    never writes, any. And the regions that read a number without separators, the same value for
    all: those of the locale's own notations among them."""
    found = locale.readers.get(systems)
    if found is None:
        notations = tuple(n for n in locale.notations if n.system in systems) or locale.notations
        regions: list[str] = []
        for notation in notations:
            if regions and notation.regions[0] != locale.region:
                break
            regions.extend(notation.regions)
        found = locale.readers[systems] = (notations, regions)  # shared by every reading: never changed
    return found


def read_written(text: str, locale: NumberLocale) -> Written:
    """What a number as written (a sign, digits and separators) says, the locale's way."""
    if text.isascii() and text.isdecimal():  # the common case, quickly: every notation reads it alike
        plain = Decimal(text)
        zeros = len(text) - len(text.lstrip("0")) if len(text) > 1 else 0
        odd = "latn" not in locale.systems
        return MAKE(Written, (LATIN, {plain: readers(locale, LATIN)[1]}, plain, text, zeros, odd))
    sign = text[:1] if text[:1] in MINUS_SIGNS else ""
    body = text[len(sign) :]
    if body.isascii():
        systems: tuple[str, ...] = LATIN
    else:  # each distinct character once, in order of first use
        characters = [c for c in dict.fromkeys(body) if c.isdecimal()]
        systems = tuple(dict.fromkeys(system_of(c) for c in characters))
        body = body.translate({ord(c): str(unicodedata.decimal(c)) for c in characters})
    readings: dict[Decimal, list[str]] = {}
    if body.isdecimal():  # no separator: every notation reads the same value
        whole = Decimal(body)
        readings[whole.copy_negate() if sign and whole else whole] = readers(locale, systems)[1]
    else:
        runs = re.split("([^0-9])", body)
        digits, separators = runs[::2], runs[1::2]
        for notation in readers(locale, systems)[0]:
            if readings and notation.regions[0] != locale.region:
                break  # the locale's own reading decides; other regions' only where it has none
            read = read_as(digits, separators, notation)
            if read is not None:
                # copy_negate, not `-`, which rounds to the context's 28 digits (and makes -0 0)
                readings.setdefault(read.copy_negate() if sign and read else read, []).extend(notation.regions)
    literal = sign + body
    zeros = len(body) - len(body.lstrip("0")) if body[1:2].isdecimal() else 0
    value = next(iter(readings)) if len(readings) == 1 else None
    odd_digits = len(systems) > 1 or systems[0] not in locale.systems
    return Written(systems, readings, value, literal, zeros, odd_digits)


# --- the gaps between numbers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Gap:
    """What the text between two numbers does to them: the unit of the number before it, the sign
    of the number after it, whether it joins them into a range. One instance for each distinct
    meaning (compared by identity: cheap to count)."""

    unit: str | None = None  # of the number before it
    unit_end: int = 0  # where that unit ends in the gap
    sign: str = ""  # of the number after it
    percent: bool = False  # a percent sign written before the number after it
    joins: bool = False  # the two numbers are the ends of a range


PLAIN = Gap()


def read_gap(text: str, locale: NumberLocale, first: bool, last: bool, gaps: dict[tuple[object, ...], Gap]) -> Gap:
    """What `text`, standing before the first number, between two or after the last, does to them.
    A unit and a range need a number before the gap; a sign and a percent sign, one after it."""
    unit: str | None = None
    unit_end = 0
    if not first and not units_by_start(locale).keys().isdisjoint(text[:3]):  # within 2 gap characters
        # Before a number, a unit ends where its word does: as before any digit.
        found = find_unit(text if last else text + "0", 0, locale)
        if found is not None:
            unit, unit_end = found
    sign = ""
    percent = joins = False
    if not last:
        sign_at = len(text) - 1
        # A minus sign starts a number after a space or a parenthesis, or at the start of the text,
        # but not right after another number: "2 -3" is a range.
        if sign_at >= 0 and text[sign_at] in MINUS_SIGNS:
            if first:
                signed = sign_at == 0 or text[sign_at - 1] in " (\n\t"
            else:
                signed = sign_at >= 1 and text[sign_at - 1] in " (\n\t" and bool(text[unit_end:sign_at].strip(UNIT_GAP))
            sign = text[sign_at] if signed else ""
        start = len(text) - len(sign)
        # "%100", as Turkish and some Arabic text writes it, unless the % is the unit before it
        percent = start > 0 and text[start - 1] in PERCENT_SIGNS and start - 1 >= unit_end
        if not first:
            joined = text[unit_end:start].strip(UNIT_GAP)
            joins = bool(joined) and is_range(joined, locale)
    meaning = (unit, unit_end, sign, percent, joins)
    if meaning == (None, 0, "", False, False):
        return PLAIN
    gap = gaps.get(meaning)
    if gap is None:
        gap = gaps[meaning] = Gap(*meaning)
    return gap


def is_range(gap: str, locale: NumberLocale) -> bool:
    """Whether what stands between two numbers (gaps stripped) makes them a range: 30–40, 30 to 40."""
    return gap in DASHES or gap.casefold() in locale.range_words


@dataclass
class Counted:
    """The numbers of a text, counted: each distinct form once, and the form of each number."""

    forms: list[Form]
    sequence: list[int]  # for each number in order, its form's index in `forms`
    digits: list[str]  # for each number, its digits and separators as written
    pieces: list[str]  # the text before, between and after the numbers
    gaps: list[Gap]  # what each piece means


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused: a megabyte of distinct numbers makes a million small
    containers, none of them in a cycle, and the collector would walk them all again and again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def count_numbers(text: str, locale: NumberLocale) -> Counted:
    """Every number of a text, read the locale's way, with its unit and range, counted by form.

    A number's sign, unit and range depend only on the text around it: the piece before it (its
    sign), the piece after it (its unit, or a range whose other end lends it one) and the piece after
    the next number (that end's unit). The pieces are cut and the numbers counted by regular
    expressions and dictionaries in C; Python reads each distinct piece, form and context once."""
    with collector_paused():
        return counted(text, locale)


def counted(text: str, locale: NumberLocale) -> Counted:
    cut = NUMBERS_RE.split(text)  # piece, digits, piece, ..., piece
    if len(cut) == 1:
        return Counted([], [], [], [text], [PLAIN])
    digits, pieces = cut[1::2], cut[::2]
    last = len(digits)
    gaps_by_meaning: dict[tuple[object, ...], Gap] = {}
    between = {piece: read_gap(piece, locale, False, False, gaps_by_meaning) for piece in set(pieces[1:last])}
    gaps = [
        read_gap(pieces[0], locale, True, False, gaps_by_meaning),
        *map(between.__getitem__, pieces[1:last]),
        read_gap(pieces[last], locale, False, True, gaps_by_meaning),
    ]
    if gaps[0] is PLAIN and gaps[-1] is PLAIN and all(gap is PLAIN for gap in between.values()):
        plain: defaultdict[str, int] = defaultdict(count().__next__)
        sequence = list(map(plain.__getitem__, digits))
        return Counted(forms_of([(number, None) for number in plain], locale), sequence, digits, pieces, gaps)
    # (piece before, digits, piece after, piece after the next number)
    contexts: defaultdict[tuple[Gap, str, Gap, Gap], int] = defaultdict(count().__next__)
    indexes = list(map(contexts.__getitem__, zip(gaps, digits, gaps[1:], [*gaps[2:], PLAIN], strict=False)))
    by_context = []
    kinds: dict[tuple[str, str | None], int] = {}  # (text, unit) -> form
    for before, number, after, beyond in contexts:
        unit = after.unit if after.unit is not None else "%" if before.percent else None
        if unit is None and after.joins:  # the range's other end lends its unit
            unit = beyond.unit if beyond.unit is not None else "%" if after.percent else None
        by_context.append(kinds.setdefault((before.sign + number, unit), len(kinds)))
    sequence = indexes if len(by_context) == len(kinds) else list(map(by_context.__getitem__, indexes))
    return Counted(forms_of(list(kinds), locale), sequence, digits, pieces, gaps)


def forms_of(kinds: list[tuple[str, str | None]], locale: NumberLocale) -> list[Form]:
    """The forms of distinct numbers (text, unit), as `read_written` and `Form.of` make them. Most
    are plain, ASCII digits without sign or separator, which every notation reads alike (a megabyte
    of distinct numbers): those are made in bulk, in C."""
    texts = list(map(itemgetter(0), kinds))
    units = list(map(itemgetter(1), kinds))
    joined = "".join(texts)
    if joined.isascii() and joined.isdecimal():  # all plain: no list of which
        return plain_forms(texts, units, locale)
    forms: list[Form | None] = [None] * len(kinds)
    plain = [index for index, text in enumerate(texts) if text.isascii() and text.isdecimal()]
    made = plain_forms([texts[index] for index in plain], [units[index] for index in plain], locale)
    for index, form in zip(plain, made, strict=True):
        forms[index] = form
    read: dict[str, Written] = {}
    for index, (text, unit) in enumerate(kinds):
        if forms[index] is None:
            reading = read.get(text)
            if reading is None:
                reading = read[text] = read_written(text, locale)
            forms[index] = Form.of(text, reading, unit)
    return forms  # type: ignore[return-value]


def plain_forms(numbers: list[str], units: list[str | None], locale: NumberLocale) -> list[Form]:
    """The forms of plain numbers, ASCII digits without sign or separator, with their units, made
    in C as `read_written` and `Form.of` make them one by one."""
    values = list(map(Decimal, numbers))
    zeros = list(map(sub, map(len, numbers), map(len, map(str.lstrip, numbers, repeat("0")))))
    if "0" in numbers:  # a lone 0 has no leading zero
        for index, number in enumerate(numbers):
            if number == "0":
                zeros[index] = 0
    readings = map(dict.fromkeys, zip(values), repeat(readers(locale, LATIN)[1]))
    odd = "latn" not in locale.systems
    written = map(MAKE, repeat(Written), zip(repeat(LATIN), readings, values, numbers, zeros, repeat(odd)))
    keys = zip(values, zeros, units, strict=True)
    return list(map(MAKE, repeat(Form), zip(numbers, written, units, values, keys, strict=True)))


def read_numbers(text: str, locale: NumberLocale) -> list[Number]:
    """Every number of a text, read the locale's way, with its unit and range, one by one."""
    counted = count_numbers(text, locale)
    numbers: list[Number] = []
    position = 0
    for index, digits in enumerate(counted.digits):
        position += len(counted.pieces[index])
        end = position + len(digits)
        sign, unit_end = counted.gaps[index].sign, counted.gaps[index + 1].unit_end
        numbers.append(Number(counted.forms[counted.sequence[index]], position - len(sign), end + unit_end))
        position = end
    for index in range(1, len(numbers)):
        if counted.gaps[index].joins:
            low, high = numbers[index - 1], numbers[index]
            low.range_text = high.range_text = text[low.start : high.end]
    return numbers


def spelled_numbers(text: str, locale: NumberLocale, wanted: Mapping[Decimal, int] | None = None) -> Counter[Decimal]:
    """The small numbers the text spells out, as whole words (inside words for unspaced scripts).
    `wanted`: only these values, each only up to its count (all that can stand for a number), and
    the scan stops when they are found."""
    if locale.spelled is None:
        return Counter()
    language = locale.language
    folded = fold(text, language)
    values = {form: Decimal(value) for form, value in locale.spelled_values.items()}
    found: Counter[Decimal] = Counter()
    left = 0
    if wanted is not None:
        wanted = {value: n for value, n in wanted.items() if n > 0}
        # No form of a wanted value anywhere in the text: nothing to read, one by one.
        if not any(form in folded for form, value in values.items() if value in wanted):
            return found
        left = sum(wanted.values())
    spaced, ends = language not in UNSPACED_LANGUAGES, language != "ko"
    taken, size = 0, len(folded)
    category = unicodedata.category
    for match in locale.spelled.finditer(folded):
        start, end = match.span(1)
        if start < taken:
            continue
        if spaced:  # a whole word: no letter, digit or mark just before or (as `word_ends`) after
            before = folded[start - 1] if start else " "
            if before != " " and (before.isalnum() or category(before).startswith("M")):
                continue
            if ends and end < size and folded[end - 1].isalpha() and folded[end - 1] < "\u2e80":
                after = folded[end]
                if after != " " and (after.isalnum() or category(after).startswith("M")):
                    continue
        taken = end
        value = values[folded[start:end]]
        if wanted is None:
            found[value] += 1
        elif found[value] < wanted.get(value, 0):
            found[value] += 1
            left -= 1
            if not left:
                break
    return found


def spellable(value: Decimal | None) -> bool:
    """Whether a value may be spelled out ("two" for 2)."""
    return value is not None and 0 <= value <= SPELLED_OUT_MAX and value == value.to_integral_value()


# --- comparing a translation's numbers with the source's -----------------------------------------


@dataclass(frozen=True)
class Findings:
    """What is wrong with the numbers of one translation, by check; None where nothing is."""

    numbers: str | None = None
    added_numbers: str | None = None
    digit_systems: str | None = None


def show(value: Decimal) -> str:
    """A value without trailing zeros, every digit of it (no rounding to the context's precision)."""
    text = str(value)
    if "E" in text:
        text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def reading(number: Form | Number, locale: NumberLocale) -> str:
    """How the locale reads a translation's number: its value, or why it has none."""
    if not number.readings:
        return f"not a number as {locale.name} writes it ({ways_of_writing(locale)})"
    if len(number.readings) > 1:
        ways = [f"{show(v)} in {', '.join(regions[:3])}" for v, regions in number.readings.items()]
        return f"read as {' but as '.join(ways)}: write it so that every region reads it alike"
    value, regions = next(iter(number.readings.items()))
    where = "" if locale.region in regions else f" in {', '.join(regions[:3])}"
    return f"read as {show(value)}" + (f" {number.unit}" if number.unit else "") + where


def ways_of_writing(locale: NumberLocale) -> str:
    """`es writes 12.345,5; es-419, es-MX, es-US… also 12,345.5`: the locale's way, then its regions'."""
    ways = [f"{locale.name} writes {locale.example}"]
    seen = {locale.example.replace("\u202f", " ").replace("\u00a0", " ")}
    for notation in locale.notations:
        if notation.regions[0] == locale.region or notation.system != "latn":
            continue
        example = f"12{notation.group}345{notation.decimal}5".replace("\u202f", " ").replace("\u00a0", " ")
        if example not in seen:
            seen.add(example)
            more = "…" if len(notation.regions) > 3 else ""
            ways.append(f"{', '.join(notation.regions[:3])}{more} also {example}")
    return "; ".join(ways)


@dataclass
class Differences:
    """How the numbers of a translation differ from the source's.

    The translation's numbers are counted (`translation.sequence`); the lists hold their positions in
    it, in order, so that a megabyte of numbers costs no object per number. Source numbers are listed."""

    translation: Counted
    unit_changed: list[tuple[Number, int]] = field(default_factory=list)  # (source's, translation's)
    unreadable: Sequence[int] = ()  # translation numbers no region reads alike
    unreadable_sources: list[Number] = field(default_factory=list)  # what the first of them replace
    changed: list[tuple[Number, int]] = field(default_factory=list)  # read, and not the source's
    missing: list[Number] = field(default_factory=list)  # source numbers the translation lacks
    added: Sequence[int] = ()  # translation numbers the source lacks
    digit_systems: Sequence[int] = ()  # mixed, or digits the locale never writes

    def form(self, position: int) -> Form:
        return self.translation.forms[self.translation.sequence[position]]

    def flagged(self) -> list[int]:
        """The positions of the translation's numbers that are wrong, in any way."""
        return [*(p for _, p in self.unit_changed), *self.unreadable, *(p for _, p in self.changed), *self.added]


def positions_of(counted: Counted, forms: set[int], skip: set[int]) -> Sequence[int]:
    """The positions, in order, of the numbers whose form is one of `forms`, but those in `skip`."""
    if not forms:
        return []
    every = range(len(counted.sequence))
    if len(forms) == len(counted.forms) and not skip:
        return every  # a range, not a list of a million numbers
    found: Iterable[int] = every
    if len(forms) < len(counted.forms):
        found = compress(found, map(forms.__contains__, counted.sequence))
    return list(filterfalse(skip.__contains__, found) if skip else found)


Group = TypeVar("Group", bound=Hashable)
FEW_GROUPS = 8  # each looked for in its own pass


def take_first(
    sequence: list[int], groups: Mapping[int, Group], quotas: Mapping[Group, int], skip: set[int]
) -> list[int]:
    """The positions, in order, of the first `quotas[group]` numbers of each group (`groups`: form ->
    group), but those in `skip`. A few groups are each looked for in C, and Python sees no more
    numbers than their quotas; many, in one pass that stops as soon as every quota is met."""
    taken: list[int] = []
    wanted = {group: quota for group, quota in quotas.items() if quota > 0}
    left = sum(wanted.values())
    if not left or not groups:
        return taken
    if len(wanted) <= FEW_GROUPS:
        for group, quota in wanted.items():
            forms = {form for form, of in groups.items() if of == group}
            found = compress(count(), map(forms.__contains__, sequence))
            taken.extend(islice(filterfalse(skip.__contains__, found) if skip else found, quota))
        return sorted(taken)
    for position in compress(count(), map(groups.__contains__, sequence)):
        if position in skip:
            continue
        group = groups[sequence[position]]
        if wanted.get(group, 0) > 0:
            wanted[group] -= 1
            taken.append(position)
            left -= 1
            if not left:
                break
    return taken


def differences(source: str, translation: str, locale_name: str) -> Differences:
    """The translation's numbers against the source's, read the way `locale_name` writes them.

    Number by number, in order: a translation number matches the first source number of the same
    value and unit not yet matched; what is left matches the same value with another unit; spelled-out
    numbers stand for what is left on the other side; then what is left on both sides was changed, and
    what is left on one side only was dropped or added. The translation's numbers are counted: only
    the few that can match something are looked at one by one."""
    locale = number_locale(locale_name)
    english = number_locale(SOURCE_LOCALE, every_region=False)
    want = read_numbers(source, english)
    got = count_numbers(translation, locale)
    forms, sequence = got.forms, got.sequence
    found = Differences(got)
    odd = {index for index, form in enumerate(forms) if form.written.odd_digits}
    found.digit_systems = positions_of(got, odd, set())
    # The same value and unit (or, for what cannot be read, the same characters): the first
    # translation numbers of each key match the first source numbers of that key.
    wanted: dict[tuple[object, ...], list[int]] = {}
    for index, number in enumerate(want):
        wanted.setdefault(number.key, []).append(index)
    matching = [index for index, form in enumerate(forms) if form.key in wanted] if wanted else []
    got_by_key: Counter[tuple[object, ...]] = Counter()
    if matching:
        totals = Counter(sequence)
        for index in matching:
            got_by_key[forms[index].key] += totals[index]
    unmatched: list[int] = []  # source numbers, by index
    quotas: dict[tuple[object, ...], int] = {}
    for key, indexes in wanted.items():
        matches = min(len(indexes), got_by_key[key])
        unmatched.extend(indexes[matches:])
        if matches:
            quotas[key] = matches
    unmatched.sort()
    # Where every translation number of a key matches, its forms are gone; where some do, the first.
    partial = {key: matches for key, matches in quotas.items() if matches < got_by_key[key]}
    gone = {index for index in matching if forms[index].key not in partial}
    partly = {index: forms[index].key for index in matching if forms[index].key in partial}
    removed = set(take_first(sequence, partly, partial, set()))  # translation numbers, by position
    # The same value with another unit, or none: the first of the rest of each value.
    by_value: dict[Decimal, deque[int]] = {}
    for index in unmatched:
        value = want[index].value
        if value is not None:
            by_value.setdefault(value, deque()).append(index)
    unit_changed: set[int] = set()  # source numbers, by index
    if by_value:
        values = {i: f.value for i, f in enumerate(forms) if f.value in by_value and i not in gone}
        for position in take_first(sequence, values, {v: len(q) for v, q in by_value.items()}, removed):
            index = by_value[forms[sequence[position]].value].popleft()  # type: ignore[index]
            found.unit_changed.append((want[index], position))
            unit_changed.add(index)
            removed.add(position)
    # Small numbers spelled out in the translation ("dos" for 2), and in the source ("two" for 2).
    missing: list[Number] = []
    bare = [want[index] for index in unmatched if index not in unit_changed]
    spellings = Counter(n.value for n in bare if n.unit is None and n.value is not None and spellable(n.value))
    spelled = spelled_numbers(translation, locale, spellings) if spellings else Counter[Decimal]()
    for number in bare:
        if number.unit is None and number.value is not None and spelled[number.value] > 0:
            spelled[number.value] -= 1
        else:
            missing.append(number)
    in_source = spelled_numbers(source, english)
    if in_source:
        candidates: dict[int, Decimal] = {}
        for index, form in enumerate(forms):
            value = form.value
            if form.unit is None and value is not None and spellable(value) and index not in gone:
                candidates[index] = value
        removed.update(take_first(sequence, candidates, in_source, removed))
    # What is left on both sides was changed (a number that cannot be read is wrong in any case);
    # what is left on one side only was dropped or added.
    pending = deque(missing)
    unread = {index for index, form in enumerate(forms) if form.value is None} - gone
    found.unreadable = positions_of(got, unread, removed)
    found.unreadable_sources = [pending.popleft() for _ in range(min(len(pending), len(found.unreadable)))]
    read = positions_of(got, set(range(len(forms))) - gone - unread, removed)
    paired = min(len(pending), len(read))
    found.changed = [(pending.popleft(), position) for position in read[:paired]]
    found.added = read[paired:]
    found.missing = list(pending)
    return found


def describe_digits(number: Form | Number, locale: NumberLocale) -> str:
    if len(number.systems) > 1:
        mixed = " and ".join(system_name(s) for s in number.systems)
        return f"'{number.text}' mixes {mixed} digits: write every digit of a number in one system"
    allowed = " or ".join(system_name(s) for s in locale.systems)
    return (
        f"'{number.text}' is written in {system_name(number.systems[0])} digits, which "
        f"{locale.name} does not use: write {allowed}"
    )


def each(
    found: Differences, positions: Sequence[int], describe: Callable[[Form], str], plain: str | None = None
) -> list[str]:
    """What `describe` says of the translation's number at each position, said once for each form.
    `plain`: a template of what it says of plain numbers (ASCII digits without sign or separator,
    which every region reads alike), filled in bulk with their text, unit and value."""
    sequence, forms = found.translation.sequence, found.translation.forms
    if isinstance(positions, range) and positions.step == 1:
        indexes = sequence[positions.start : positions.stop]
    else:
        indexes = list(map(sequence.__getitem__, positions))
    distinct = set(indexes)
    said: dict[int, str] = {}
    if plain is not None and len(distinct) > 1:
        quick = [i for i in distinct if forms[i].text.isascii() and forms[i].text.isdecimal()]
        texts = [forms[index].text for index in quick]
        units = [f" {forms[index].unit}" if forms[index].unit else "" for index in quick]
        values = map(str, [forms[index].value for index in quick])  # str of a whole Decimal: its digits
        said = dict(zip(quick, map(plain.format, texts, units, values), strict=True))
    said.update({index: describe(forms[index]) for index in distinct - said.keys()})
    return list(map(said.__getitem__, indexes))


@lru_cache(maxsize=4096)
def compare_numbers(source: str, translation: str, locale_name: str) -> Findings:
    """What the checks `numbers`, `added-numbers` and `digit-systems` say about a translation."""
    with collector_paused():
        return findings(source, translation, locale_name)


def findings(source: str, translation: str, locale_name: str) -> Findings:
    locale = number_locale(locale_name)
    found = differences(source, translation, locale_name)
    changes: list[str] = []
    for was, position in found.unit_changed:
        now = found.form(position)
        unit = f"'{now.text} {now.unit}'" if now.unit else f"'{now.text}' without its unit"
        forms = [written for written, symbol in locale.units if symbol == was.unit]
        known = f" ({locale.name} writes {was.unit} as {', '.join(sorted(forms))})" if was.unit and forms else ""
        changes.append(f"{was.describe()} became {unit}{known}")
    for before, position in zip(found.unreadable_sources, found.unreadable, strict=False):
        number = found.form(position)
        changes.append(f"{before.describe()} is written '{number.text}', {reading(number, locale)}")
    changes.extend(
        each(found, found.unreadable[len(found.unreadable_sources) :], lambda n: f"'{n.text}' is {reading(n, locale)}")
    )
    for before, position in found.changed:
        number = found.form(position)
        changes.append(f"{before.describe()} became {number.describe()}, {reading(number, locale)}")
    for missing in found.missing:
        end = f" (an end of the range '{missing.range_text}')" if missing.range_text else ""
        changes.append(f"{missing.describe()}{end} of the source is not in the translation")
    added = each(
        found,
        found.added,
        lambda n: f"{n.describe()} ({reading(n, locale)}) is not in the source",
        # read alike by every region, so the locale's own: "read as" its value, and nothing more
        "'{0}{1}' (read as {2}{1}) is not in the source" if locale.region in readers(locale, LATIN)[1] else None,
    )
    odd_digits = each(found, found.digit_systems, lambda n: describe_digits(n, locale))
    return Findings(
        "; ".join(changes) or None,
        "; ".join(added) + "; if it belongs there, silence this entry with a reason" if added else None,
        "; ".join(odd_digits) or None,
    )
