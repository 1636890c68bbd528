"""Locale tags, names, direction, script and default plural forms.

Catalog folders use gettext spelling (`zh_Hans`, `pt_BR`); PDFs, `<html lang>` and test ids use
BCP 47 (`zh-Hans`, `pt-BR`). Any locale CLDR knows is accepted: Babel supplies names, direction,
script (its likely subtags), dates and numbers; the default plural forms come from
`handouts/plurals.py` (GNU msginit, else CLDR, else a documented override). A language CLDR does
not know is accepted when the project declares it in `locales/<name>/locale.toml`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import babel
import babel.localedata

from .errors import DeclarationError, ErrorGroup, HandoutsError, LocaleError, Location, display_path
from .plurals import DefaultPluralForms, PluralFormsError, default_plural_forms, parse_plural_forms
from .scripts import likely_script

SOURCE_LOCALE = "en"
# Built on the fly for tests and layout checks, never committed: every message accented, longer,
# and bracketed. Babel does not know the tag, so it formats dates and numbers as English.
PSEUDO_LOCALE = "en-XA"

# Tags whose Babel (CLDR) name differs from the tag the project keeps: Tagalog as Filipino, and
# Dari (ISO 639-3 `prs`) as CLDR's Persian of Afghanistan.
BABEL_ALIASES = {"tl": "fil", "prs": "fa_AF"}
# Aliases named by CLDR's name of the whole Babel locale ("Dari", "دری"), not of its language.
NAMED_AS_LOCALE = {"prs"}
# A project's declaration of a locale CLDR does not know: locales/<gettext_name>/locale.toml.
DECLARATION_FILE = "locale.toml"
DECLARATION_KEYS = ("name", "autonym", "direction", "script", "plural_forms", "formats")
TAG_RE = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class LocaleDeclaration:
    """A locale the project declares itself (Chuukese, Marshallese...): everything CLDR would say."""

    path: Path
    name: str  # in English
    autonym: str  # in the language itself
    direction: str  # ltr or rtl
    script: str  # ISO 15924: Latn, Mymr...
    plural_forms: str  # GNU gettext Plural-Forms
    formats: str  # a locale CLDR knows, whose dates and numbers the handouts use


@dataclass(frozen=True, eq=False)
class LocaleInfo:
    """One supported locale, in both spellings, with what rendering needs to know about it."""

    tag: str  # BCP 47: zh-Hans
    gettext_name: str  # gettext folder name: zh_Hans
    babel_name: str  # what Babel parses: fil for tl; the `formats` locale of a declared one
    names: tuple[str, str] | None = None  # (English name, autonym) where Babel's are not wanted
    declaration: LocaleDeclaration | None = None

    # Babel loads a locale's CLDR data only when first asked: a build with nothing to render
    # must not pay for it.
    @cached_property
    def direction(self) -> str:
        """`rtl` or `ltr`: declared, else CLDR's character order, else the script's direction."""
        if self.declaration is not None:
            return self.declaration.direction
        try:
            return "rtl" if self.babel.character_order == "right-to-left" else "ltr"
        except KeyError:  # CLDR has names for some languages and no layout data (Navajo)
            return script_direction(self.script)

    @cached_property
    def english_name(self) -> str:
        return self.names[0] if self.names else self.babel.get_display_name("en") or self.tag

    @cached_property
    def autonym(self) -> str:
        return self.names[1] if self.names else self.babel.get_display_name(self.babel) or self.tag

    @cached_property
    def script(self) -> str | None:
        """The ISO 15924 code of the script the locale is written in (declared, else CLDR's likely one)."""
        if self.declaration is not None:
            return self.declaration.script
        return likely_script(self.gettext_name, self.babel_name)

    @cached_property
    def default_plural_forms(self) -> DefaultPluralForms:
        """The Plural-Forms a new catalog gets, and its source (see handouts/plurals.py)."""
        if self.declaration is not None:
            return DefaultPluralForms(self.declaration.plural_forms, display_path(self.declaration.path))
        found = default_plural_forms(self.gettext_name, self.babel_name)
        if found is None:
            raise LocaleError(
                f"no plural forms known for {self.tag!r}: neither GNU msginit nor CLDR has a rule; "
                f"declare them in locales/{self.gettext_name}/{DECLARATION_FILE} (plural_forms)"
            )
        return found

    @property
    def plural_forms(self) -> str:
        return self.default_plural_forms.text

    @property
    def is_source(self) -> bool:
        return self.tag == SOURCE_LOCALE

    @property
    def is_pseudo(self) -> bool:
        return self.tag == PSEUDO_LOCALE

    @property
    def language(self) -> str:
        return self.tag.split("-")[0]

    @property
    def babel(self) -> babel.Locale:
        return babel.Locale.parse(self.babel_name)


def to_gettext_name(tag: str) -> str:
    """`zh-Hans` -> `zh_Hans` (accepts either spelling)."""
    return tag.replace("-", "_")


def to_bcp47(name: str) -> str:
    """`zh_Hans` -> `zh-Hans` (accepts either spelling)."""
    return name.replace("_", "-")


def script_direction(script: str | None) -> str:
    from fontTools import unicodedata

    return "rtl" if script and unicodedata.script_horizontal_direction(script, "LTR") == "RTL" else "ltr"


def cldr_knows(babel_name: str) -> bool:
    """Whether Babel can load the locale (with its region or script)."""
    if not babel.localedata.exists(babel_name.split("_")[0]):
        return False
    try:
        babel.Locale.parse(babel_name)
    except (ValueError, babel.UnknownLocaleError):
        return False
    return True


def get_locale(tag: str, locales_dir: Path | None = None) -> LocaleInfo:
    """Resolve `zh-Hans`, `zh_Hans`, `pt-BR`... to a LocaleInfo; unknown tags raise LocaleError.

    With `locales_dir`, a locale the project declares in `<locales_dir>/<name>/locale.toml` is
    known too (and its declaration wins over CLDR's data).
    """
    gettext_name = to_gettext_name(tag.strip())
    if not TAG_RE.match(gettext_name):
        raise LocaleError(f"{tag!r} is not a language tag (such as uk, fa-AF, sr-Latn or zh-Hant)")
    if locales_dir is not None:
        declared = locales_dir / gettext_name / DECLARATION_FILE
        if declared.is_file():
            stat = declared.stat()
            return declared_locale(declared.resolve(), stat.st_mtime_ns, stat.st_size)
    return cldr_locale(gettext_name)


@cache
def cldr_locale(gettext_name: str) -> LocaleInfo:
    if to_bcp47(gettext_name) == PSEUDO_LOCALE:
        english = cldr_locale(SOURCE_LOCALE)
        return LocaleInfo(
            tag=PSEUDO_LOCALE,
            gettext_name=to_gettext_name(PSEUDO_LOCALE),
            babel_name=english.babel_name,
            names=("Pseudo-locale (accented, expanded English)", "[Ƥśéûðô]"),
        )
    language = gettext_name.split("_")[0]
    alias = BABEL_ALIASES.get(language)
    rest = gettext_name[len(language) :]
    babel_name = gettext_name if alias is None else (alias + rest if "_" not in alias or not rest else alias)
    if not cldr_knows(babel_name):
        raise LocaleError(
            f"unknown locale {to_bcp47(gettext_name)!r}: CLDR (Babel {babel.__version__}) does not know it. "
            f"Use a tag CLDR knows (a language, with a region or script if needed: uk, fa-AF, sr-Latn, zh-Hant), "
            f"or declare the language in locales/{gettext_name}/{DECLARATION_FILE} with "
            f'{", ".join(DECLARATION_KEYS)} (see the README, "Adding a language")'
        )
    names = None
    if language in NAMED_AS_LOCALE:
        here = babel.Locale.parse(babel_name)
        names = (
            babel.Locale("en").languages.get(babel_name) or here.get_display_name("en") or gettext_name,
            here.languages.get(babel_name) or here.get_display_name(here) or gettext_name,
        )
    return LocaleInfo(tag=to_bcp47(gettext_name), gettext_name=gettext_name, babel_name=babel_name, names=names)


@cache
def declared_locale(path: Path, mtime_ns: int, size: int) -> LocaleInfo:
    """A locale from its declaration file (cached by the file's identity)."""
    declaration = load_declaration(path)
    gettext_name = path.parent.name
    return LocaleInfo(
        tag=to_bcp47(gettext_name),
        gettext_name=gettext_name,
        babel_name=declaration.formats,
        names=(declaration.name, declaration.autonym),
        declaration=declaration,
    )


def load_declaration(path: Path) -> LocaleDeclaration:
    """Read and validate `locale.toml`, reporting every problem at once with its key."""
    from fontTools import unicodedata

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeclarationError(f"cannot read the locale declaration: {exc}", Location(path)) from None
    errors: list[HandoutsError] = []

    def fail(key: str, message: str) -> None:
        errors.append(DeclarationError(message, Location(path, key=key)))

    for key in sorted(set(data) - set(DECLARATION_KEYS)):
        fail(key, f"unknown key (known: {', '.join(DECLARATION_KEYS)})")
    values: dict[str, str] = {}
    for key in DECLARATION_KEYS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            fail(key, "required, a non-empty string")
        else:
            values[key] = value.strip()
    if values.get("direction", "ltr") not in ("ltr", "rtl"):
        fail("direction", f"must be ltr or rtl (found {values['direction']!r})")
    if "script" in values:
        try:
            unicodedata.script_name(values["script"])
        except KeyError:
            fail("script", f"{values['script']!r} is no ISO 15924 script code (such as Latn, Cyrl, Mymr)")
    if "plural_forms" in values:
        try:
            parse_plural_forms(values["plural_forms"])
        except PluralFormsError as error:
            fail("plural_forms", f"invalid Plural-Forms: {error}")
    if "formats" in values and not cldr_knows(to_gettext_name(values["formats"])):
        fail("formats", f"{values['formats']!r} is no locale CLDR (Babel) knows, such as en or fr")
    if errors:
        raise ErrorGroup(errors)
    return LocaleDeclaration(path, **{**values, "formats": to_gettext_name(values["formats"])})
