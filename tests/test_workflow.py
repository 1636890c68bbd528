"""stats, review sheets and draft builds: the translator's side of the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polib

from .conftest import ROOT
from .pdftools import BODY_MARGINS, effective_languages, languages_of_elements, page_texts, squeeze
from .test_cli import run

STATS_ORDER = [
    "locale",
    "domain",
    "translated",
    "fuzzy",
    "untranslated",
    "missing",
    "obsolete",
    "total",
    "words",
    "words_translated",
    "percent",
]
STATS_KEYS = set(STATS_ORDER)


def make_stale(project: Path) -> tuple[str, str]:
    """Edit one English sentence, then extract and update: that entry turns fuzzy everywhere."""
    content = project / "content/ketamine-infusions.md"
    content.write_text(content.read_text().replace("little to no side effects", "few or no side effects"))
    assert run("extract", cwd=project).returncode == 0
    assert run("update", cwd=project).returncode == 0
    po = polib.pofile(str(project / "locales/es/LC_MESSAGES/ketamine-infusions.po"))
    (entry,) = [e for e in po if "fuzzy" in e.flags]
    return entry.msgid, entry.msgstr


def test_stats_counts_every_locale_and_json_has_a_stable_schema(shipped: Path) -> None:
    result = run("stats", "--format", "json", cwd=shipped)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"catalogs", "handouts"}
    rows = data["catalogs"]
    assert {(r["locale"], r["domain"]) for r in rows} >= {("es", "ketamine-infusions"), ("zh-Hans", "templates")}
    for status in data["handouts"]:
        assert set(status) == {"handout", "locale", "status", "held_back_by", "readability"}
    for row in rows:
        assert set(row) == STATS_KEYS
        assert row["translated"] + row["fuzzy"] + row["untranslated"] + row["missing"] == row["total"]
        assert row["percent"] == 100.0
    table = run("stats", cwd=shipped).stdout.splitlines()
    assert table[0].split() == [key for key in STATS_ORDER if key not in ("total", "words_translated")]


def test_stats_never_counts_fuzzy_as_translated(project_copy: Path) -> None:
    make_stale(project_copy)
    rows = json.loads(run("stats", "--format", "json", "--locale", "es", cwd=project_copy).stdout)["catalogs"]
    (row,) = [r for r in rows if r["domain"] == "ketamine-infusions"]
    assert row["fuzzy"] == 1 and row["translated"] == row["total"] - 1 and row["percent"] < 100


def test_stale_source_fails_check_and_build_but_draft_renders_it(project_copy: Path) -> None:
    _, msgstr = make_stale(project_copy)
    check = run("check", cwd=project_copy)
    assert check.returncode == 1
    assert "fuzzy:" in check.stdout and "'little to' -> 'few or'" in check.stdout
    assert run("build", "--locale", "es", cwd=project_copy).returncode == 1
    draft = run("build", "--draft", "--locale", "es", cwd=project_copy)
    assert draft.returncode == 0, draft.stderr
    assert "warning: " in draft.stderr and "fuzzy" in draft.stderr
    pdf = project_copy / "dist/drafts/example/es/ketamine-infusions.draft.pdf"
    assert not (project_copy / "dist/example").exists()  # a draft never lands under a release name
    pages = page_texts(pdf)
    body = squeeze("\n".join(page_texts(pdf, margins=BODY_MARGINS)))
    assert squeeze(msgstr) in body  # the stale translation, shown for review
    for page in pages:
        assert squeeze("Borrador solo para revisión") in squeeze(page)
        assert squeeze("Draft for review only") in squeeze(page)


def test_draft_falls_back_to_english_marked_as_english(project_copy: Path) -> None:
    path = project_copy / "locales/es/LC_MESSAGES/ketamine-infusions.po"
    po = polib.pofile(str(path))
    po[2].msgstr = ""
    po.save(str(path))
    result = run("build", "--draft", "--locale", "es", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    pdf = project_copy / "dist/drafts/example/es/ketamine-infusions.draft.pdf"
    text = squeeze("\n".join(page_texts(pdf, margins=BODY_MARGINS)))
    assert squeeze(po[2].msgid) in text
    # The notice's English half and the paragraph the English stands in for are tagged as English.
    assert {lang for _, lang in languages_of_elements(pdf)} == {"en", "es"}
    english = [lang for _, lang, text in effective_languages(pdf) if text.strip() and text.strip() in po[2].msgid]
    assert english and set(english) == {"en"}


def test_review_sheet_shows_source_and_translation_and_flags_fuzzy(project_copy: Path) -> None:
    msgid, msgstr = make_stale(project_copy)
    result = run("review", "es", "--out", str(project_copy / "sheets"), cwd=project_copy)
    assert result.returncode == 0, result.stderr
    pdf = project_copy / "sheets/ketamine-infusions.es.review.pdf"
    text = squeeze("\n".join(page_texts(pdf)))
    assert squeeze(msgid) in text and squeeze(msgstr) in text
    assert squeeze("FUZZY: the English changed") in text
    assert squeeze("Previous English:") in text
    assert squeeze("1 fuzzy") in text
    assert squeeze("Reviewed by (name, qualification)") in text
    po = polib.pofile(str(ROOT / "locales/es/LC_MESSAGES/templates.po"))
    assert all(squeeze(e.msgstr) in text for e in po if e.msgstr)


def test_review_refuses_the_source_language(shipped: Path) -> None:
    result = run("review", "en", cwd=shipped)
    assert result.returncode == 2


def test_only_a_human_reviewed_translation_prints_without_the_draft_notice(project_copy: Path) -> None:
    """The day a review lands: the reviewer's sign-off in every catalog of a locale removes the notice."""
    templates = polib.pofile(str(project_copy / "locales/es/LC_MESSAGES/templates.po"))
    notice = next(e for e in templates if e.msgid.startswith("Draft translation"))
    english, spanish = squeeze(notice.msgid)[:40], squeeze(notice.msgstr)[:40]
    draft = run("build", "--locale", "es", "--brand", "example", cwd=project_copy)
    assert draft.returncode == 0, draft.stderr
    pdf = project_copy / "dist/example/es/ketamine-infusions.pdf"
    pages = [squeeze(page) for page in page_texts(pdf)]
    assert pages and all(english in page and spanish in page for page in pages)  # a machine draft says so
    for path in sorted((project_copy / "locales/es/LC_MESSAGES").glob("*.po")):
        po = polib.pofile(str(path))
        po.metadata.update(
            {"X-Translation-Method": "human-reviewed", "X-Reviewer": "A. Reviewer, CHI", "X-Review-Date": "2026-12-01"}
        )
        po.save(str(path))
    reviewed = run("build", "--locale", "es", "--brand", "example", cwd=project_copy)
    assert reviewed.returncode == 0, reviewed.stderr
    pages = [squeeze(page) for page in page_texts(pdf)]
    assert pages and not any(english in page or spanish in page for page in pages)
