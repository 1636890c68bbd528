"""Writing systems: the script of a character and of a locale, each script's sentence marks, and
text written in the wrong script.

Scripts are ISO 15924 codes (`Latn`, `Cyrl`, `Mymr`), as CLDR and Unicode use them; a character's
script comes from the Unicode Character Database through fontTools, a locale's from CLDR's likely
subtags (`uk` -> `uk_Cyrl_UA`) or from the project's declaration of the locale.
"""

from __future__ import annotations

import difflib
from collections import Counter
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc

# Scripts every language may use: Latin (abbreviations such as SSRI, names, web addresses),
# and the shared punctuation, digits and combining marks.
SHARED = {"Latn", "Zyyy", "Zinh", "Zzzz"}
# ISO 15924 codes that stand for several scripts used together.
COMBINED = {
    "Jpan": {"Hani", "Hira", "Kana"},
    "Kore": {"Hang", "Hani"},
    "Hans": {"Hani"},
    "Hant": {"Hani", "Bopo"},
}

# What ends a sentence, by the script of the translation. The English source's "." may become any
# of the script's full stops, and so on. A question in Burmese ends with a particle and `။`, and in
# Tibetan with `།`; Armenian puts its question mark `՞` on the word and ends the sentence with `։`.
FULL_STOPS = {".", "…", "。", "．", "｡"}
QUESTION_MARKS = {"?", "？"}
EXCLAMATION_MARKS = {"!", "！"}
SCRIPT_MARKS: dict[str, dict[str, set[str]]] = {
    "Arab": {"stop": {"۔"}, "question": {"؟"}},
    "Deva": {"stop": {"।", "॥"}},
    "Beng": {"stop": {"।"}},
    "Guru": {"stop": {"।"}},
    "Mymr": {"stop": {"။"}, "question": {"။"}, "exclamation": {"။"}},
    "Khmr": {"stop": {"។"}, "question": {"។"}, "exclamation": {"។"}},
    "Tibt": {"stop": {"།", "༎"}, "question": {"།"}, "exclamation": {"།"}},
    "Ethi": {"stop": {"።"}, "question": {"፧"}},
    "Armn": {"stop": {"։"}, "question": {"՞"}, "exclamation": {"՜"}},
    "Grek": {"question": {";", "\u037e"}},
    "Cans": {"stop": {"᙮"}},
}
# Scripts whose sentences end without a mark: Thai and Lao end them with a space.
NO_FINAL_STOP = {"Thai", "Laoo"}
CLOSERS = "\"'”’»)）」』"
KINDS = (
    ("stop", "full stop", FULL_STOPS),
    ("question", "question mark", QUESTION_MARKS),
    ("exclamation", "exclamation mark", EXCLAMATION_MARKS),
)

# Letters of Arabic that Persian, Dari and Urdu write with their own (ي ك -> ی ک), and back.
ARABIC_YEH_KAF = {"\u064a": "\u06cc", "\u0643": "\u06a9"}
ARABIC_ONLY: dict[str, set[str]] = {"fa": {"\u064a", "\u0643"}, "prs": {"\u064a", "\u0643"}, "ur": {"\u064a", "\u0643"}}
ARABIC_ONLY["ps"] = {"\u0643"}  # Pashto writes ي as a letter of its own, but never ك
PERSIAN_ONLY = {"ar": {"\u06cc", "\u06a9"}}


@cache
def char_script(char: str) -> str:
    """The ISO 15924 script of one character (`Zyyy` for shared punctuation and digits)."""
    from fontTools import unicodedata  # imported when first needed: a no-op build never is

    return str(unicodedata.script(char))


def script_name(code: str) -> str:
    from fontTools import unicodedata

    try:
        return str(unicodedata.script_name(code))
    except KeyError:
        return code


def scripts_of(code: str | None) -> set[str]:
    """The single scripts a locale's script code stands for (`Jpan` -> Han, Hiragana, Katakana)."""
    if code is None:
        return set()
    return COMBINED.get(code, {code})


def likely_script(*names: str) -> str | None:
    """A locale's script: its own script subtag, else CLDR's likely subtags (uk -> uk_Cyrl_UA)."""
    from babel.core import get_global

    likely = get_global("likely_subtags")
    for name in names:
        parts = name.replace("-", "_").split("_")
        for part in parts[1:]:
            if len(part) == 4 and part.isalpha():
                return part.title()
        for k in range(len(parts), 0, -1):
            found = likely.get("_".join(parts[:k]))
            if found is not None:
                subtags = str(found).split("_")
                if len(subtags) > 1 and len(subtags[1]) == 4:
                    return subtags[1]
    return None


def dominant_script(text: str) -> str | None:
    """The script most letters of a text are written in."""
    counts = Counter(char_script(c) for c in text if c.isalpha())
    for shared in ("Zyyy", "Zinh", "Zzzz"):
        counts.pop(shared, None)
    return counts.most_common(1)[0][0] if counts else None


def last_mark(text: str) -> str:
    stripped = text.rstrip().rstrip(CLOSERS).rstrip()
    return stripped[-1] if stripped else ""


def punctuation_problem(source: str, translation: str) -> str | None:
    """Whether a sentence that ends with a mark ends, in the translation, with its script's own."""
    script = dominant_script(translation)
    if script in NO_FINAL_STOP:
        return None
    ends = last_mark(source)
    final = last_mark(translation)
    extra = SCRIPT_MARKS.get(script or "", {})
    for kind, name, marks in KINDS:
        if ends not in marks:
            continue
        accepted = marks | extra.get(kind, set())
        if final in accepted:
            return None
        if kind == "question" and script == "Armn" and final in extra["stop"] and "՞" in translation:
            return None  # the question mark sits on the word asked about
        return f"the source ends with a {name}; the translation should end with one ({' '.join(sorted(accepted))})"
    return None


@cache
def converter(config: str) -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC(config)


def other_chinese_set(text: str, script: str) -> list[str]:
    """Characters of the other Chinese set: converting the text into its own set (OpenCC, with its
    phrase tables, Taiwan standard for Traditional) changes exactly those."""
    conversion = "s2tw" if script == "Hant" else "t2s"
    converted = converter(conversion).convert(text)
    wrong: list[str] = []
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, text, converted, autojunk=False).get_opcodes():
        if op != "equal":
            wrong.extend(c for c in text[i1:i2] if char_script(c) == "Hani")
    return list(dict.fromkeys(wrong))


def describe(chars: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"{c} U+{ord(c):04X}" for c in chars[:limit])
    return shown + (" ..." if len(chars) > limit else "")


def wrong_script_problem(script: str | None, language: str, source: str, translation: str) -> str | None:
    """Letters of a script the locale does not write in (Cyrillic in a Latin-script language),
    Simplified characters in Traditional Chinese and back, Arabic letters where Persian ones belong."""
    expected = scripts_of(script)
    if expected:
        allowed = expected | SHARED | {char_script(c) for c in source if c.isalpha()}
        stray = [c for c in dict.fromkeys(translation) if c.isalpha() and char_script(c) not in allowed]
        if stray:
            found = sorted({script_name(char_script(c)) for c in stray})
            return (
                f"letters in {', '.join(found)} ({describe(stray)}) in a translation written in "
                f"{script_name(script or '')}"
            )
    if script in ("Hans", "Hant") and any(char_script(c) == "Hani" for c in translation):
        other = other_chinese_set(translation, script)
        if other:
            kind, own = ("Simplified", "Traditional") if script == "Hant" else ("Traditional", "Simplified")
            return f"{kind} characters in {own} Chinese: {describe(other)}"
    arabic = [c for c in dict.fromkeys(translation) if c in ARABIC_ONLY.get(language, set())]
    if arabic:
        fixes = ", ".join(f"{c} -> {ARABIC_YEH_KAF[c]}" for c in arabic)
        return f"Arabic letters where this language writes its own: {fixes}"
    persian = [c for c in dict.fromkeys(translation) if c in PERSIAN_ONLY.get(language, set())]
    if persian:
        return f"Persian letters in Arabic: {describe(persian)}"
    return None
