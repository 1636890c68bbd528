"""Every shipped language: no accidental English, the right script, a sane length.

The translations are machine drafts awaiting review by a qualified human medical translator;
these guards catch the mistakes a reviewer should never have to: an entry left in English, text
in the wrong script (Simplified characters in Traditional Chinese, Arabic letters in Persian), or
a sentence dropped or added.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import opencc
import polib
import pytest

from handouts.catalogs import discover_locales
from handouts.plurals import parse_plural_forms

from .conftest import ROOT
from .test_catalogs import assert_honest_provenance

LOCALES = [locale for locale in discover_locales(ROOT / "locales") if not locale.is_source]
# Entries that may stay as the English (names and codes): none so far.
SAME_AS_SOURCE_ALLOWED: set[str] = set()
# The script most letters of each language are written in (Latin abbreviations such as SSRI,
# FDA and the clinic's name are the rest).
SCRIPTS = {
    "ar": "ARABIC",
    "fa": "ARABIC",
    "ur": "ARABIC",
    "he": "HEBREW",
    "hi": "DEVANAGARI",
    "mr": "DEVANAGARI",
    "ne": "DEVANAGARI",
    "bn": "BENGALI",
    "pa": "GURMUKHI",
    "gu": "GUJARATI",
    "th": "THAI",
    "am": "ETHIOPIC",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "zh": "CJK",
    "ja": "CJK",
    "ko": "HANGUL",
}
# Translation length / English length over a whole catalog: generous bands per writing system.
LENGTH_BANDS = {"zh": (0.2, 0.6), "ja": (0.3, 0.8), "ko": (0.3, 0.8)}
DEFAULT_BAND = (0.8, 1.7)
# Characters of the Arabic language that Persian writes differently (ي ك -> ی ک), and Persian's own.
ARABIC_ONLY = {"\u064a", "\u0643"}
PERSIAN_LETTERS = set("پچژگیک")


def catalogs(locale_folder: str) -> list[polib.POFile]:
    return [polib.pofile(str(p)) for p in sorted((ROOT / "locales" / locale_folder / "LC_MESSAGES").glob("*.po"))]


def entries(locale_folder: str) -> list[polib.POEntry]:
    return [e for po in catalogs(locale_folder) for e in po if not e.obsolete and e.msgstr]


SCRIPT_NAMES = (
    "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "ARABIC", "HEBREW", "DEVANAGARI", "BENGALI", "GURMUKHI",
    "GUJARATI", "THAI", "ETHIOPIC", "CYRILLIC", "LATIN",
)  # fmt: skip


def script_of(char: str) -> str:
    name = unicodedata.name(char, "")
    for script in SCRIPT_NAMES:
        if script in name:
            return "CJK" if script in ("HIRAGANA", "KATAKANA") else script
    return "OTHER"


def test_all_eighteen_locales_ship() -> None:
    tags = sorted(locale.tag for locale in LOCALES)
    assert tags == sorted(
        [
            "es",
            "zh-Hans",
            "zh-Hant",
            "tl",
            "fr",
            "vi",
            "de",
            "ko",
            "ru",
            "ar",
            "it",
            "pt-BR",
            "ht",
            "pl",
            "hi",
            "ja",
            "fa",
        ]
    )


@pytest.mark.parametrize("locale", LOCALES, ids=lambda locale: locale.tag)
def test_no_entry_left_in_english(locale) -> None:  # type: ignore[no-untyped-def]
    same = [
        e.msgid for e in entries(locale.gettext_name) if e.msgstr == e.msgid and e.msgid not in SAME_AS_SOURCE_ALLOWED
    ]
    assert not same


@pytest.mark.parametrize("locale", LOCALES, ids=lambda locale: locale.tag)
def test_text_is_in_the_language_script(locale) -> None:  # type: ignore[no-untyped-def]
    text = "".join(e.msgstr for e in entries(locale.gettext_name))
    letters = [c for c in text if c.isalpha()]
    expected = SCRIPTS.get(locale.language, "LATIN")
    share = sum(script_of(c) == expected for c in letters) / len(letters)
    assert share >= 0.85, f"{locale.tag}: only {share:.0%} of letters are {expected}"
    if locale.language == "fa":
        assert not ARABIC_ONLY & set(text), "Persian written with Arabic ي or ك"
        assert PERSIAN_LETTERS & set(text)
    if locale.language == "ar":
        assert not {"\u06cc", "\u06a9"} & set(text), "Arabic written with Persian ی or ک"
    if locale.language == "ja":
        assert any(script_of(c) == "CJK" and "HIRAGANA" in unicodedata.name(c) for c in text), "no kana"
    if locale.tag == "vi":
        assert set("ăâđêôơư") & set(text.lower()), "Vietnamese without its letters"


@pytest.mark.parametrize(("tag", "conversion"), [("zh-Hant", "s2tw"), ("zh-Hans", "t2s")])
def test_chinese_uses_only_its_own_character_set(tag: str, conversion: str) -> None:
    """Converting the text into its own character set (OpenCC, Taiwan standard for zh-Hant, with
    its phrase tables) changes nothing: there is no character of the other set in it."""
    text = "".join(e.msgstr for e in entries(tag.replace("-", "_")))
    converted = opencc.OpenCC(conversion).convert(text)
    wrong = {(a, b) for a, b in zip(text, converted, strict=True) if a != b}
    assert not wrong, f"{tag} has characters of the other set: {sorted(wrong)}"


def test_the_character_set_check_can_fail() -> None:
    simplified = "".join(e.msgstr for e in entries("zh_Hans"))
    assert opencc.OpenCC("s2tw").convert(simplified) != simplified


@pytest.mark.parametrize("locale", LOCALES, ids=lambda locale: locale.tag)
def test_translation_length_is_sane(locale) -> None:  # type: ignore[no-untyped-def]
    pairs = [(e.msgid, e.msgstr) for e in entries(locale.gettext_name)]
    ratio = sum(len(t) for _, t in pairs) / sum(len(s) for s, _ in pairs)
    low, high = LENGTH_BANDS.get(locale.language, DEFAULT_BAND)
    assert low <= ratio <= high, f"{locale.tag}: translations are {ratio:.2f} x the English"
    # No single long entry strays far from the language's own ratio: a dropped or added sentence.
    for source, translation in pairs:
        if len(source) >= 60:
            own = len(translation) / len(source)
            assert ratio / 2 <= own <= ratio * 2, f"{locale.tag}: {own:.2f} x for {source[:50]!r}"


@pytest.mark.parametrize("locale", LOCALES, ids=lambda locale: locale.tag)
def test_headers_record_an_honest_provenance(locale) -> None:  # type: ignore[no-untyped-def]
    for po in catalogs(locale.gettext_name):
        assert_honest_provenance(po.metadata, po.header)
        # The rule the language's default picks, whoever wrote it down (GNU msginit, CLDR).
        meta = po.metadata
        assert parse_plural_forms(meta["Plural-Forms"]).same_as(parse_plural_forms(locale.plural_forms))


def test_folders_are_gettext_spelled(root: Path) -> None:
    folders = sorted(p.name for p in (root / "locales").iterdir() if p.is_dir())
    assert all("-" not in name for name in folders)
