"""Locale tags, script direction and GNU gettext plural forms.

Catalog folders use gettext spelling (`zh_Hans`, `pt_BR`); PDFs, `<html lang>` and test ids use
BCP 47 (`zh-Hans`, `pt-BR`). Babel supplies names, direction, dates and numbers; the plural forms
are GNU gettext's own (what `msginit` writes), because translators' tools expect those and Babel's
CLDR data differs for some languages (it gives Spanish three forms).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import babel
import babel.localedata

from .errors import LocaleError

SOURCE_LOCALE = "en"
# Built on the fly for tests and layout checks, never committed: every message accented, longer,
# and bracketed. Babel does not know the tag, so it formats dates and numbers as English.
PSEUDO_LOCALE = "en-XA"

# `Plural-Forms` exactly as GNU gettext writes it (msginit's table in gettext-tools
# `plural-table.c` where it has the language; the gettext manual's "Plural forms" section and
# Weblate's language data otherwise). tests/test_locales.py compares against `msginit` itself.
PLURAL_FORMS: dict[str, str] = {
    "am": "nplurals=2; plural=(n > 1);",
    "ar": ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"),
    "bn": "nplurals=2; plural=(n > 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "fa": "nplurals=2; plural=(n > 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "gu": "nplurals=2; plural=(n > 1);",
    "he": "nplurals=2; plural=(n != 1);",
    "hi": "nplurals=2; plural=(n > 1);",
    "hmn": "nplurals=1; plural=0;",
    "ht": "nplurals=2; plural=(n != 1);",
    "it": "nplurals=2; plural=(n != 1);",
    "ja": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "pa": "nplurals=2; plural=(n > 1);",
    "pl": ("nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"),
    "pt": "nplurals=2; plural=(n != 1);",
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "ru": ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"),
    "th": "nplurals=1; plural=0;",
    "tl": "nplurals=2; plural=(n > 1);",
    "ur": "nplurals=2; plural=(n != 1);",
    "vi": "nplurals=1; plural=0;",
    "zh": "nplurals=1; plural=0;",
}

# Tags whose Babel (CLDR) name differs from the tag the project keeps.
BABEL_ALIASES = {"tl": "fil"}


@dataclass(frozen=True, eq=False)
class LocaleInfo:
    """One supported locale, in both spellings, with what rendering needs to know about it."""

    tag: str  # BCP 47: zh-Hans
    gettext_name: str  # gettext folder name: zh_Hans
    babel_name: str  # what Babel parses: fil for tl
    plural_forms: str
    names: tuple[str, str] | None = None  # (English name, autonym) where Babel's are not wanted

    # Babel loads a locale's CLDR data only when first asked: a build with nothing to render
    # must not pay for it.
    @cached_property
    def direction(self) -> str:
        """`rtl` or `ltr`, from CLDR's character order."""
        return "rtl" if self.babel.character_order == "right-to-left" else "ltr"

    @cached_property
    def english_name(self) -> str:
        return self.names[0] if self.names else self.babel.get_display_name("en") or self.tag

    @cached_property
    def autonym(self) -> str:
        return self.names[1] if self.names else self.babel.get_display_name(self.babel) or self.tag

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


def plural_forms_for(gettext_name: str) -> str | None:
    """The GNU Plural-Forms for a locale: the most specific table entry, else None."""
    parts = gettext_name.split("_")
    for n in range(len(parts), 0, -1):
        key = "_".join(parts[:n])
        if key in PLURAL_FORMS:
            return PLURAL_FORMS[key]
    return None


@cache
def get_locale(tag: str) -> LocaleInfo:
    """Resolve `zh-Hans`, `zh_Hans`, `pt-BR`... to a LocaleInfo; unknown tags raise LocaleError."""
    gettext_name = to_gettext_name(tag.strip())
    if to_bcp47(gettext_name) == PSEUDO_LOCALE:
        english = get_locale(SOURCE_LOCALE)
        return LocaleInfo(
            tag=PSEUDO_LOCALE,
            gettext_name=to_gettext_name(PSEUDO_LOCALE),
            babel_name=english.babel_name,
            plural_forms=english.plural_forms,
            names=("Pseudo-locale (accented, expanded English)", "[Ƥśéûðô]"),
        )
    plural_forms = plural_forms_for(gettext_name)
    language = gettext_name.split("_")[0]
    babel_name = BABEL_ALIASES.get(language, language) + gettext_name[len(language) :]
    if plural_forms is None or not babel.localedata.exists(babel_name.split("_")[0]):
        raise LocaleError(
            f"unknown locale {tag!r}: no CLDR data or no GNU plural forms known for it "
            f"(known languages: {', '.join(sorted(PLURAL_FORMS))})"
        )
    try:
        babel.Locale.parse(babel_name)
    except (ValueError, babel.UnknownLocaleError):
        raise LocaleError(f"unknown locale {tag!r}: Babel (CLDR) does not know {babel_name!r}") from None
    return LocaleInfo(
        tag=to_bcp47(gettext_name), gettext_name=gettext_name, babel_name=babel_name, plural_forms=plural_forms
    )
