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

Everything here scans its text once, character by character or with patterns that never backtrack,
and reads each distinct way of writing a number once.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache

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
    """How `name` (a Babel locale name) writes numbers, over every region it allows."""
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
    if any("\u0600" <= c <= "\u06ff" for c in text):
        text = ARABIC_MARKS.sub("", text.translate(ARABIC_FOLD))
    if language in UNACCENTED_SPELLING:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
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
    alternatives = "|".join(re.escape(form) for form in sorted(values, key=lambda f: (-len(f), f)))
    return re.compile(f"(?=({alternatives}))"), values


# --- reading the numbers of a text ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Written:
    """What a number's characters say, wherever it stands: the same for every copy of it."""

    systems: tuple[str, ...]  # digit systems, CLDR ids, in order of first use
    readings: dict[Decimal, list[str]]  # value -> the regions that read it so
    value: Decimal | None  # when every region of the locale reads the same one
    literal: str  # its digits in ASCII with their separators, for numbers that cannot be read
    zeros: int  # leading zeros ("05" is not "5")
    odd_digits: bool  # digits of two systems, or of one the locale never writes


@dataclass(slots=True)
class Number:
    """One number as written in a text, with every value the locale's regions read in it."""

    text: str  # as written, sign included
    start: int
    end: int  # after its unit, if it has one
    written: Written
    unit: str | None = None
    range_text: str | None = None  # "30–40 mg" when it is one end of a range

    @property
    def systems(self) -> tuple[str, ...]:
        return self.written.systems

    @property
    def readings(self) -> dict[Decimal, list[str]]:
        return self.written.readings

    @property
    def value(self) -> Decimal | None:
        """Its value, when every region of the locale reads the same one."""
        return self.written.value

    @property
    def literal(self) -> str:
        return self.written.literal

    @property
    def key(self) -> tuple[object, ...]:
        """What must match between source and translation: value (leading zeros kept) and unit."""
        written = self.written
        if written.value is None:
            return ("unread", written.literal, self.unit)
        return (written.value, written.zeros, self.unit)

    def describe(self) -> str:
        return f"'{self.text} {self.unit}'" if self.unit else f"'{self.text}'"


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


def read_as(digits: list[str], separators: list[str], notation: Notation) -> Decimal | None:
    """The value of a number (digit runs, separators between them) written in `notation`, if it is one."""

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
    whole = "".join(str(unicodedata.decimal(c)) for c in "".join(digits))
    part = "".join(str(unicodedata.decimal(c)) for c in fraction)
    return Decimal(f"{whole}.{part}" if part else whole)


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


def read_written(text: str, locale: NumberLocale) -> Written:
    """What a number as written (a sign, digits and separators) says, the locale's way."""
    sign = text[:1] if text[:1] in MINUS_SIGNS else ""
    runs = re.split("([^\\d])", text[len(sign) :])
    digits, separators = runs[::2], runs[1::2]
    readings: dict[Decimal, list[str]] = {}
    systems = tuple(dict.fromkeys(system_of(c) for c in text if c.isdecimal()))
    # Digits are read with their own system's symbols; digits the locale never writes, with any.
    usable = [n for n in locale.notations if n.system in systems] or locale.notations
    for notation in usable:
        if readings and notation.regions[0] != locale.region:
            break  # the locale's own reading decides; other regions' only where it has none
        value = read_as(digits, separators, notation)
        if value is not None:
            readings.setdefault(-value if sign else value, []).extend(notation.regions)
    literal = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    ascii_digits = literal.lstrip(MINUS_SIGNS)
    zeros = len(ascii_digits) - len(ascii_digits.lstrip("0")) if ascii_digits[1:2].isdecimal() else 0
    value = next(iter(readings)) if len(readings) == 1 else None
    odd_digits = len(systems) > 1 or systems[0] not in locale.systems
    return Written(systems, readings, value, literal, zeros, odd_digits)


def read_numbers(text: str, locale: NumberLocale) -> list[Number]:
    """Every number of a text, read the locale's way, with its unit and range."""
    numbers: list[Number] = []
    previous_end = 0
    # A text repeats its numbers: each way of writing one is read once.
    read: dict[str, Written] = {}
    # A unit starts right after a number, or after a gap, with one of these; in a text without
    # any, no number has a unit.
    unit_starts = set(units_by_start(locale))
    if any(start in text for start in unit_starts):
        unit_starts |= set(UNIT_GAP)
    else:
        unit_starts = set()
    for match in NUMBER_RE.finditer(text):
        start, end = match.span()
        sign_at = start - 1
        signed = (
            sign_at >= 0
            and text[sign_at] in MINUS_SIGNS
            and (sign_at == 0 or text[sign_at - 1] in " (\n\t")
            and not (numbers and not text[previous_end:sign_at].strip(UNIT_GAP))
        )
        if signed:
            start = sign_at
        as_written = text[start:end]
        written = read.get(as_written)
        if written is None:
            written = read[as_written] = read_written(as_written, locale)
        number = Number(as_written, start, end, written)
        found = find_unit(text, end, locale) if unit_starts and text[end : end + 1] in unit_starts else None
        if found is not None:
            number.unit, number.end = found
        elif start > 0 and text[start - 1] in PERCENT_SIGNS and start - 1 >= previous_end:
            number.unit = "%"  # written before the number, as Turkish and some Arabic text does
        gap = text[previous_end:start].strip(UNIT_GAP) if numbers else ""
        if gap and is_range(gap, locale):
            low = numbers[-1]
            if low.unit is None:
                low.unit = number.unit
            low.range_text = number.range_text = text[low.start : number.end]
        numbers.append(number)
        previous_end = number.end
    return numbers


def is_range(gap: str, locale: NumberLocale) -> bool:
    """Whether what stands between two numbers (gaps stripped) makes them a range: 30–40, 30 to 40."""
    return gap in DASHES or gap.casefold() in locale.range_words


def spelled_numbers(text: str, locale: NumberLocale) -> Counter[Decimal]:
    """The small numbers the text spells out, as whole words (inside words for unspaced scripts)."""
    if locale.spelled is None:
        return Counter()
    folded = fold(text, locale.language)
    found: Counter[Decimal] = Counter()
    taken = 0
    for match in locale.spelled.finditer(folded):
        start, form = match.start(), match.group(1)
        end = start + len(form)
        if start < taken:
            continue
        if locale.language not in UNSPACED_LANGUAGES:
            before = folded[start - 1] if start else " "
            if before.isalnum() or unicodedata.category(before).startswith("M"):
                continue
            if locale.language != "ko" and not word_ends(folded, end, form):
                continue
        found[Decimal(locale.spelled_values[form])] += 1
        taken = end
    return found


# --- comparing a translation's numbers with the source's -----------------------------------------


@dataclass(frozen=True)
class Findings:
    """What is wrong with the numbers of one translation, by check; None where nothing is."""

    numbers: str | None = None
    added_numbers: str | None = None
    digit_systems: str | None = None


def show(value: Decimal) -> str:
    return format(value.normalize(), "f")


def reading(number: Number, locale: NumberLocale) -> str:
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
    """How the numbers of a translation differ from the source's, number by number."""

    changed: list[tuple[Number | None, Number]] = field(default_factory=list)  # (source's, translation's)
    unit_changed: list[tuple[Number, Number]] = field(default_factory=list)
    missing: list[Number] = field(default_factory=list)  # source numbers the translation lacks
    added: list[Number] = field(default_factory=list)  # translation numbers the source lacks
    digit_systems: list[Number] = field(default_factory=list)  # mixed, or digits the locale never writes

    def flagged(self) -> list[Number]:
        """The translation's numbers that are wrong, in any way."""
        return [n for _, n in self.changed] + [n for _, n in self.unit_changed] + self.added


def differences(source: str, translation: str, locale_name: str) -> Differences:
    """The translation's numbers against the source's, read the way `locale_name` writes them."""
    locale = number_locale(locale_name)
    english = number_locale(SOURCE_LOCALE, every_region=False)
    want, got = read_numbers(source, english), read_numbers(translation, locale)
    found = Differences(digit_systems=[n for n in got if n.written.odd_digits])
    # The same value and unit (or, for what cannot be read, the same characters).
    unmatched = dict.fromkeys(range(len(want)))
    by_key: dict[tuple[object, ...], deque[int]] = {}
    for index, number in enumerate(want):
        by_key.setdefault(number.key, deque()).append(index)
    extra: list[Number] = []
    for number in got:
        queue = by_key.get(number.key) if by_key else None
        if queue:
            del unmatched[queue.popleft()]
        else:
            extra.append(number)
    # The same value with another unit, or none.
    by_value: dict[Decimal, deque[int]] = {}
    for index in unmatched:
        value = want[index].value
        if value is not None:
            by_value.setdefault(value, deque()).append(index)
    left: list[Number] = [] if by_value else extra
    for number in extra if by_value else ():
        queue = by_value.get(number.value) if number.value is not None else None
        if queue:
            index = queue.popleft()
            del unmatched[index]
            found.unit_changed.append((want[index], number))
        else:
            left.append(number)
    # Small numbers spelled out in the translation ("dos" for 2), and in the source ("two" for 2).
    spelled = spelled_numbers(translation, locale)
    missing: list[Number] = []
    for index in unmatched:
        number = want[index]
        if number.unit is None and number.value is not None and spelled[number.value] > 0:
            spelled[number.value] -= 1
        else:
            missing.append(number)
    spelled_in_source = spelled_numbers(source, english)
    extra = [] if spelled_in_source else left
    for number in left if spelled_in_source else ():
        if number.unit is None and number.value is not None and spelled_in_source[number.value] > 0:
            spelled_in_source[number.value] -= 1
        else:
            extra.append(number)
    # What is left on both sides was changed (a number that cannot be read is wrong in any case);
    # what is left on one side only was dropped or added.
    pending = deque(missing)
    read = [number for number in extra if number.written.value is not None]
    if len(read) < len(extra):
        for number in extra:
            if number.written.value is None:
                found.changed.append((pending.popleft() if pending else None, number))
    paired = min(len(pending), len(read))
    found.changed.extend((pending.popleft(), number) for number in read[:paired])
    found.added = read[paired:]
    found.missing = list(pending)
    return found


def describe_digits(number: Number, locale: NumberLocale) -> str:
    if len(number.systems) > 1:
        mixed = " and ".join(system_name(s) for s in number.systems)
        return f"'{number.text}' mixes {mixed} digits: write every digit of a number in one system"
    allowed = " or ".join(system_name(s) for s in locale.systems)
    return (
        f"'{number.text}' is written in {system_name(number.systems[0])} digits, which "
        f"{locale.name} does not use: write {allowed}"
    )


@lru_cache(maxsize=4096)
def compare_numbers(source: str, translation: str, locale_name: str) -> Findings:
    """What the checks `numbers`, `added-numbers` and `digit-systems` say about a translation."""
    locale = number_locale(locale_name)
    found = differences(source, translation, locale_name)
    changes: list[str] = []
    for was, now in found.unit_changed:
        unit = f"'{now.text} {now.unit}'" if now.unit else f"'{now.text}' without its unit"
        forms = [written for written, symbol in locale.units if symbol == was.unit]
        known = f" ({locale.name} writes {was.unit} as {', '.join(sorted(forms))})" if was.unit and forms else ""
        changes.append(f"{was.describe()} became {unit}{known}")
    for before, number in found.changed:
        if number.value is None and before is not None:
            changes.append(f"{before.describe()} is written '{number.text}', {reading(number, locale)}")
        elif number.value is None:
            changes.append(f"'{number.text}' is {reading(number, locale)}")
        elif before is not None:
            changes.append(f"{before.describe()} became {number.describe()}, {reading(number, locale)}")
    for number in found.missing:
        end = f" (an end of the range '{number.range_text}')" if number.range_text else ""
        changes.append(f"{number.describe()}{end} of the source is not in the translation")
    said: dict[tuple[str, str | None], str] = {}  # a text repeats its numbers: each is described once
    added = []
    for number in found.added:
        message = said.get((number.text, number.unit))
        if message is None:
            message = f"{number.describe()} ({reading(number, locale)}) is not in the source"
            said[number.text, number.unit] = message
        added.append(message)
    digits_said: dict[str, str] = {}
    odd_digits = []
    for number in found.digit_systems:
        message = digits_said.get(number.text)
        if message is None:
            message = digits_said[number.text] = describe_digits(number, locale)
        odd_digits.append(message)

    return Findings(
        "; ".join(changes) or None,
        "; ".join(added) + "; if it belongs there, silence this entry with a reason" if added else None,
        "; ".join(odd_digits) or None,
    )
