"""Readability of a handout's text, by the formula each language has (where one exists).

| language | formula | scale |
| --- | --- | --- |
| English | Flesch-Kincaid grade level; SMOG grade | US school grade |
| Spanish | Fernández-Huerta; Szigriszt-Pazos (INFLESZ) | ease, 0-100 (higher is easier) |
| French | Kandel-Moles | ease, 0-100 |
| Italian | Gulpease | ease, 0-100 |
| German | Wiener Sachtextformel (first) | school grade |

The formulas are the published ones; they count sentences, words, letters and syllables. Syllables
are counted as groups of vowels (with the language's silent final "e" left out), the approximation
the formulas' authors and most tools use; it needs no dictionary and no download. (textstat, the
usual library, downloads NLTK's pronouncing dictionary at run time for English, which a build that
must work offline cannot allow.) Only grade formulas can be held to a maximum grade.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from .catalogs import LocaleCatalogs, po_path
from .checks import Problem
from .config import Brand
from .content import Handout, Heading, ListBlock, Message, Paragraph
from .errors import display_path
from .locales import LocaleInfo

GRADE, EASE = "grade", "ease"
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
SENTENCE_END_RE = re.compile(r"[.!?;:]+(?=\s|$)")
VOWELS = {
    "en": "aeiouy",
    "es": "aeiouáéíóúü",
    "fr": "aeiouyàâäéèêëîïôöùûüœæ",
    "it": "aeiouàèéìíîòóùú",
    "de": "aeiouyäöü",
}


@dataclass(frozen=True)
class Score:
    """One formula's result for one text."""

    formula: str
    value: float
    scale: str  # GRADE or EASE

    def as_dict(self) -> dict[str, object]:
        return {"formula": self.formula, "value": self.value, "scale": self.scale}


@dataclass(frozen=True)
class Counts:
    sentences: int
    words: int
    letters: int
    syllables: int
    polysyllables: int  # words of three syllables or more
    monosyllables: int
    long_words: int  # more than six letters


def has_formula(language: str) -> bool:
    return language in VOWELS


def syllables(word: str, language: str) -> int:
    """Vowel groups, less a silent final e in English and French; at least one."""
    lower = word.lower()
    groups = len(re.findall(f"[{VOWELS[language]}]+", lower))
    if language == "en" and lower.endswith("e") and not lower.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    if language == "fr" and re.search(r"[^aeiouy](e|es|ent)$", lower) and groups > 1:
        groups -= 1
    return max(groups, 1)


def count(text: str, language: str) -> Counts:
    words = WORD_RE.findall(text)
    sentences = max(len(SENTENCE_END_RE.findall(text)), 1)
    per_word = [syllables(word, language) for word in words]
    return Counts(
        sentences=sentences,
        words=len(words),
        letters=sum(len(word) for word in words),
        syllables=sum(per_word),
        polysyllables=sum(1 for n in per_word if n >= 3),
        monosyllables=sum(1 for n in per_word if n == 1),
        long_words=sum(1 for word in words if len(word) > 6),
    )


def scores(text: str, language: str) -> list[Score]:
    """Every formula of the language for `text` (none when the language has none)."""
    if not has_formula(language):
        return []
    c = count(text, language)
    if c.words == 0:
        return []
    words_per_sentence = c.words / c.sentences
    syllables_per_word = c.syllables / c.words
    if language == "en":
        return [
            Score("Flesch-Kincaid", round(0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59, 1), GRADE),
            Score("SMOG", round(1.0430 * math.sqrt(c.polysyllables * 30 / c.sentences) + 3.1291, 1), GRADE),
        ]
    if language == "es":
        return [
            Score(
                "Fernández-Huerta",
                round(206.84 - 0.60 * 100 * syllables_per_word - 1.02 * 100 * c.sentences / c.words, 1),
                EASE,
            ),
            Score("Szigriszt-Pazos", round(206.835 - 62.3 * syllables_per_word - words_per_sentence, 1), EASE),
        ]
    if language == "fr":
        return [Score("Kandel-Moles", round(207 - 1.015 * words_per_sentence - 73.6 * syllables_per_word, 1), EASE)]
    if language == "it":
        return [Score("Gulpease", round(89 + (300 * c.sentences - 10 * c.letters) / c.words, 1), EASE)]
    percent = 100 / c.words  # German
    value = (
        0.1935 * c.polysyllables * percent
        + 0.1672 * words_per_sentence
        + 0.1297 * c.long_words * percent
        - 0.0327 * c.monosyllables * percent
        - 0.875
    )
    return [Score("Wiener Sachtextformel", round(value, 1), GRADE)]


def grade(found: list[Score]) -> Score | None:
    """The grade a maximum is held against: the first grade formula of the language."""
    return next((score for score in found if score.scale == GRADE), None)


def prose_messages(handout: Handout) -> list[Message]:
    """The messages read as running text: paragraphs and list items (not the title, headings or tables)."""
    found: list[Message] = []
    for block in handout.blocks:
        if isinstance(block, Paragraph):
            found.append(block.message)
        elif isinstance(block, ListBlock):
            found.extend(block.items)
        elif isinstance(block, Heading):
            continue
    return found


def plain_text(markdown: str) -> str:
    """A message's Markdown as plain text, ending as a sentence (a list item without a full stop is one)."""
    from markdown_it import MarkdownIt  # only when readability is asked for

    tokens = MarkdownIt("commonmark", {"html": False}).parseInline(markdown)
    text = "".join(child.content for token in tokens for child in token.children or () if child.type == "text")
    text = text.strip()
    return text if SENTENCE_END_RE.search(text[-1:] + " ") else text + "."


def handout_text(handout: Handout, catalogs: LocaleCatalogs) -> str:
    """The running text of a handout in a locale as plain text: its patient-ready translations."""
    sentences = []
    catalog = catalogs.catalogs.get(handout.slug)
    for message in prose_messages(handout):
        if catalogs.locale.is_source:
            text: str | None = message.text
        else:
            text = catalog.translation(message.text) if catalog is not None else None
        if text:
            sentences.append(plain_text(text))
    return " ".join(sentences)


def check_reading_grade(
    handout: Handout, locale: LocaleInfo, found: list[Score], brands: list[Brand], locales_dir: Path
) -> Problem | None:
    """A `readability` problem when the language's grade is above the lowest maximum set by the
    handout's front matter or by a brand offering the language; None otherwise."""
    graded = grade(found)
    limits = [(handout.max_reading_grade, f"{display_path(handout.path)}: max_reading_grade")]
    limits += [
        (brand.max_reading_grade, f"{display_path(brand.path)}: max_reading_grade")
        for brand in brands
        if brand.locales is None or locale.tag in brand.locales
    ]
    set_limits = [(limit, where) for limit, where in limits if limit is not None]
    if graded is None or not set_limits:
        return None
    limit, where = min(set_limits, key=lambda item: item[0])
    if graded.value <= limit:
        return None
    return Problem(
        handout.path if locale.is_source else po_path(locales_dir, locale, handout.slug),
        None,
        "readability",
        f"{handout.slug} in {locale.tag}: {graded.formula} grade {graded.value:g} is above the maximum "
        f"{limit:g} ({where}); use shorter sentences and shorter words",
        locale=locale.tag,
        domain=handout.slug,
    )
