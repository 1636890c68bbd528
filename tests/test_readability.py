"""Readability: each language's own formula, in `stats`, and a maximum grade that `check` enforces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handouts.readability import count, plain_text, scores, syllables

from .conftest import copy_root
from .test_cli import run


@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [
        ("cat", "en", 1),
        ("medicine", "en", 3),
        ("depression", "en", 3),
        ("make", "en", 1),
        ("table", "en", 2),
        ("ketamina", "es", 4),
        ("tratamiento", "es", 4),
        ("médecine", "fr", 3),
        ("famiglia", "it", 3),
        ("Behandlung", "de", 3),
    ],
)
def test_syllables_are_counted_as_vowel_groups(word: str, language: str, expected: int) -> None:
    assert syllables(word, language) == expected


def test_flesch_kincaid_and_smog_follow_their_published_formulas() -> None:
    text = "The cat sat on the mat. Ketamine can help depression."
    c = count(text, "en")
    assert (c.sentences, c.words, c.syllables, c.polysyllables) == (2, 10, 14, 2)  # ke-ta-mine, de-pres-sion
    fk, smog = scores(text, "en")
    assert (fk.formula, fk.scale) == ("Flesch-Kincaid", "grade")
    assert fk.value == pytest.approx(round(0.39 * 10 / 2 + 11.8 * 14 / 10 - 15.59, 1))
    assert smog.value == pytest.approx(round(1.043 * (2 * 30 / 2) ** 0.5 + 3.1291, 1))


def test_every_language_with_a_formula_gets_it_and_others_none() -> None:
    names = {
        language: [s.formula for s in scores("Una frase corta. Otra frase.", language)]
        for language in ("en", "es", "fr", "it", "de", "ja", "ar")
    }
    assert names == {
        "en": ["Flesch-Kincaid", "SMOG"],
        "es": ["Fernández-Huerta", "Szigriszt-Pazos"],
        "fr": ["Kandel-Moles"],
        "it": ["Gulpease"],
        "de": ["Wiener Sachtextformel"],
        "ja": [],
        "ar": [],
    }
    # plainer text reads easier: a higher ease, a lower grade
    easy = "El gato come. El perro bebe."
    hard = "La administración intravenosa proporciona concentraciones terapéuticas."
    assert scores(easy, "es")[0].value > scores(hard, "es")[0].value
    german = scores("Der Hund ist da.", "de")[0], scores("Die Verabreichung intravenöser Infusionen.", "de")[0]
    assert german[0].value < german[1].value


def test_markdown_is_read_as_plain_sentences() -> None:
    assert plain_text("Read **the** [leaflet](https://example.org)") == "Read the leaflet."


def test_stats_reports_readability_per_handout_and_locale(shipped: Path) -> None:
    result = run("stats", "--format", "json", "--locale", "en", "--locale", "es", "--locale", "ja", cwd=shipped)
    assert result.returncode == 0, result.stderr
    statuses = {s["locale"]: s for s in json.loads(result.stdout)["handouts"]}
    english = {r["formula"]: r for r in statuses["en"]["readability"]}
    assert set(english) == {"Flesch-Kincaid", "SMOG"} and 5 < english["Flesch-Kincaid"]["value"] < 16
    assert [r["formula"] for r in statuses["es"]["readability"]] == ["Fernández-Huerta", "Szigriszt-Pazos"]
    assert statuses["ja"]["readability"] == []
    table = run("stats", "--locale", "en", cwd=shipped).stdout
    assert "Flesch-Kincaid" in table and "(grade)" in table


@pytest.fixture
def readable(tmp_path: Path) -> Path:
    """tests/roots/readability: one handout (Flesch-Kincaid grade 12.5) in German and Spanish, and a
    clinic that offers English and Spanish."""
    return copy_root("readability", tmp_path / "project")


def test_check_enforces_a_handouts_maximum_grade(readable: Path) -> None:
    content = readable / "content/infusion.md"
    text = content.read_text()
    assert text.startswith("---\n")  # front matter: the maximum goes first in it
    content.write_text(text.replace("---\n", "---\nmax_reading_grade: 6\n", 1))
    result = run("check", "--locale", "en", "--locale", "de", "--locale", "es", cwd=readable)
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if ": readability: " in line]
    assert len(problems) == 2, result.stdout  # English and German have grade formulas; Spanish an ease
    assert problems[0].startswith("content/infusion.md: readability: infusion in en:")
    assert "Flesch-Kincaid grade" in problems[0] and "is above the maximum 6" in problems[0]
    assert problems[1].startswith("locales/de/LC_MESSAGES/infusion.po: readability:")
    assert "Wiener Sachtextformel" in problems[1]


def test_a_brand_sets_a_maximum_for_the_languages_it_offers(readable: Path) -> None:
    brand = readable / "brands/clinic/brand.toml"
    brand.write_text(brand.read_text().replace("[colors]", "max_reading_grade = 7\n\n[colors]"))
    result = run("check", "--locale", "en", "--locale", "de", cwd=readable)
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if ": readability: " in line]
    assert len(problems) == 1 and " in en: " in problems[0]  # the clinic does not offer German
    assert "brands/clinic/brand.toml: max_reading_grade" in problems[0]
    brand.write_text(brand.read_text().replace("max_reading_grade = 7", "max_reading_grade = 16"))
    assert run("check", "--locale", "en", cwd=readable).returncode == 0
