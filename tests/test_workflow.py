"""stats, review sheets and draft builds: the translator's side of the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polib

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
    """Edit one English sentence of the sample handout, then extract and update: that entry turns fuzzy."""
    content = project / "content/sample.md"
    content.write_text(content.read_text().replace("First item of a list.", "First entry of a list."))
    assert run("extract", cwd=project).returncode == 0
    assert run("update", cwd=project).returncode == 0
    po = polib.pofile(str(project / "locales/es/LC_MESSAGES/sample.po"))
    (entry,) = [e for e in po if "fuzzy" in e.flags]
    assert (entry.msgid, entry.previous_msgid) == ("First entry of a list.", "First item of a list.")
    return entry.msgid, entry.msgstr


def translation(project: Path, locale: str, msgid_start: str) -> str:
    """The project's own translation of the template message that starts with `msgid_start`."""
    po = polib.pofile(str(project / f"locales/{locale}/LC_MESSAGES/templates.po"))
    (entry,) = [e for e in po if e.msgid.startswith(msgid_start)]
    assert entry.msgstr
    return str(entry.msgstr)


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


def test_stats_never_counts_fuzzy_as_translated(tiny: Path) -> None:
    make_stale(tiny)
    rows = json.loads(run("stats", "--format", "json", "--locale", "es", cwd=tiny).stdout)["catalogs"]
    (row,) = [r for r in rows if r["domain"] == "sample"]
    assert row["fuzzy"] == 1 and row["translated"] == row["total"] - 1 and row["percent"] < 100


def test_stale_source_fails_check_and_build_but_draft_renders_it(tiny: Path) -> None:
    _, msgstr = make_stale(tiny)
    check = run("check", cwd=tiny)
    assert check.returncode == 1
    assert "fuzzy:" in check.stdout and "'item' -> 'entry'" in check.stdout
    assert run("build", "--locale", "es", cwd=tiny).returncode == 1
    draft = run("build", "--draft", "--locale", "es", cwd=tiny)
    assert draft.returncode == 0, draft.stderr
    assert "warning: " in draft.stderr and "fuzzy" in draft.stderr
    pdf = tiny / "dist/drafts/example/es/sample.draft.pdf"
    assert not (tiny / "dist/example").exists()  # a draft never lands under a release name
    pages = page_texts(pdf)
    body = squeeze("\n".join(page_texts(pdf, margins=BODY_MARGINS)))
    assert squeeze(msgstr) in body  # the stale translation, shown for review
    notice = "Draft for review only"
    for page in pages:
        assert squeeze(translation(tiny, "es", notice)) in squeeze(page)
        assert squeeze(notice) in squeeze(page)


def test_draft_falls_back_to_english_marked_as_english(tiny: Path) -> None:
    path = tiny / "locales/es/LC_MESSAGES/sample.po"
    po = polib.pofile(str(path))
    po[2].msgstr = ""
    po.save(str(path))
    result = run("build", "--draft", "--locale", "es", cwd=tiny)
    assert result.returncode == 0, result.stderr
    pdf = tiny / "dist/drafts/example/es/sample.draft.pdf"
    text = squeeze("\n".join(page_texts(pdf, margins=BODY_MARGINS)))
    assert squeeze(po[2].msgid) in text
    # The notice's English half and the paragraph the English stands in for are tagged as English.
    assert {lang for _, lang in languages_of_elements(pdf)} == {"en", "es"}
    english = [lang for _, lang, text in effective_languages(pdf) if text.strip() and text.strip() in po[2].msgid]
    assert english and set(english) == {"en"}


def test_review_sheet_shows_source_and_translation_and_flags_fuzzy(tiny: Path) -> None:
    msgid, msgstr = make_stale(tiny)
    result = run("review", "es", "--out", str(tiny / "sheets"), cwd=tiny)
    assert result.returncode == 0, result.stderr
    pdf = tiny / "sheets/sample.es.review.pdf"
    text = squeeze("\n".join(page_texts(pdf)))
    assert squeeze(msgid) in text and squeeze(msgstr) in text
    assert squeeze("FUZZY: the English changed") in text
    assert squeeze("Previous English:") in text
    assert squeeze("1 fuzzy") in text
    assert squeeze("Reviewed by (name, qualification)") in text
    po = polib.pofile(str(tiny / "locales/es/LC_MESSAGES/templates.po"))
    assert all(squeeze(e.msgstr) in text for e in po if e.msgstr)


def test_review_refuses_the_source_language(shipped: Path) -> None:
    result = run("review", "en", cwd=shipped)
    assert result.returncode == 2


def test_only_a_human_reviewed_translation_prints_without_the_draft_notice(tiny: Path) -> None:
    """The day a review lands: the reviewer's sign-off in every catalog of a locale removes the notice."""
    notice = "Draft translation"
    english, spanish = squeeze(notice), squeeze(translation(tiny, "es", notice))[:40]
    draft = run("build", "--locale", "es", "--brand", "example", cwd=tiny)
    assert draft.returncode == 0, draft.stderr
    pdf = tiny / "dist/example/es/sample.pdf"
    pages = [squeeze(page) for page in page_texts(pdf)]
    assert pages and all(english in page and spanish in page for page in pages)  # a machine draft says so
    for path in sorted((tiny / "locales/es/LC_MESSAGES").glob("*.po")):
        po = polib.pofile(str(path))
        po.metadata.update(
            {"X-Translation-Method": "human-reviewed", "X-Reviewer": "A. Reviewer, CHI", "X-Review-Date": "2026-12-01"}
        )
        po.save(str(path))
    reviewed = run("build", "--locale", "es", "--brand", "example", cwd=tiny)
    assert reviewed.returncode == 0, reviewed.stderr
    pages = [squeeze(page) for page in page_texts(pdf)]
    assert pages and not any(english in page or spanish in page for page in pages)
