"""Catalogs: every locale complete, strict reading with file:line, headers, msgfmt as a peer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib
import pytest

from handouts.catalogs import TRANSLATION_METHODS, discover_locales, load_catalog
from handouts.checks import completeness_problems
from handouts.errors import CatalogError, ErrorGroup
from handouts.extract import TEMPLATES_DOMAIN
from handouts.locales import get_locale
from handouts.pipeline import Project, check, load_inputs
from handouts.plurals import parse_plural_forms

from .conftest import ROOT

LOCALES = [locale.tag for locale in discover_locales(ROOT / "locales")]
TRANSLATED = [tag for tag in LOCALES if tag != "en"]
BAD_PO = Path(__file__).parent / "data" / "bad-po"
EXPECTED_ERRORS = {
    "unterminated-string.po": (9, "unterminated string"),
    "duplicate-msgid.po": (11, "duplicate message definition (first defined at line 9)"),
    "bad-escape.po": (9, "invalid control sequence"),
    "keyword-out-of-order.po": (10, "syntax error"),
    "placeholder-renamed.po": (10, "argument 'phone' doesn't exist"),
    "bad-translation-method.po": (5, "X-Translation-Method must be one of"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_locale_is_complete(shipped: Path, locale: str) -> None:
    """The locale-completeness test: no missing, untranslated or fuzzy entry in any catalog."""
    problems = completeness_problems(check(Project.at(shipped), [locale]))
    assert not problems, "\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("locale", LOCALES)
def test_locale_passes_every_quality_check(shipped: Path, locale: str) -> None:
    problems = check(Project.at(shipped), [locale]).problems
    assert not problems, "\n" + "\n".join(map(str, problems))


def test_every_bad_catalog_file_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD_PO.glob("*.po")) == sorted(EXPECTED_ERRORS)


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_broken_catalog_is_refused_with_its_line(name: str) -> None:
    line, words = EXPECTED_ERRORS[name]
    with pytest.raises((CatalogError, ErrorGroup)) as info:
        load_catalog(BAD_PO / name, get_locale("es"), "x")
    text = str(info.value)
    assert f"{name}:{line}: catalog-error: " in text and words in text, text


@pytest.mark.parametrize("locale", TRANSLATED)
def test_headers_say_machine_draft_honestly(locale: str) -> None:
    info = get_locale(locale)
    for path in sorted((ROOT / "locales" / info.gettext_name / "LC_MESSAGES").glob("*.po")):
        po = polib.pofile(str(path))
        meta = po.metadata
        assert meta["Language"] == info.gettext_name
        assert parse_plural_forms(meta["Plural-Forms"]).same_as(parse_plural_forms(info.plural_forms))
        assert meta["Content-Type"] == "text/plain; charset=UTF-8"
        for key in ("X-Translator", "X-Review-Date", "X-Source-Version"):
            assert key in meta
        assert_honest_provenance(meta, po.header)


def assert_honest_provenance(meta: dict[str, str], header: str) -> None:
    """A catalog says what it is: a machine draft names no reviewer; a reviewed one names who and when."""
    method = meta["X-Translation-Method"]
    assert method in TRANSLATION_METHODS
    if method == "machine-draft":
        assert meta["X-Reviewer"] == "" and meta["X-Review-Date"] == ""
        assert "machine draft" in meta["X-Translator"]
        assert "qualified human medical translator" in header
    if method == "human-reviewed":
        assert meta["X-Reviewer"] and meta["X-Review-Date"]


def test_committed_catalogs_pass_msgfmt_check() -> None:
    files = sorted((ROOT / "locales").glob("*/LC_MESSAGES/*.po")) + sorted((ROOT / "locales").glob("*.pot"))
    assert files
    for path in files:
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_committed_catalogs_are_in_msgcat_form() -> None:
    for path in sorted((ROOT / "locales").rglob("*.po*")):
        result = subprocess.run(["msgcat", "--width=79", str(path)], capture_output=True, check=True)
        assert result.stdout == path.read_bytes(), f"{path} is not in msgcat's form"


def test_content_messages_are_never_python_format() -> None:
    pot = polib.pofile(str(ROOT / "locales/ketamine-infusions.pot"))
    percent = [e for e in pot if "%" in e.msgid]
    assert percent, "the article's '100%' should be in the catalog"
    assert all("no-python-format" in e.flags for e in pot)
    templates = polib.pofile(str(ROOT / f"locales/{TEMPLATES_DOMAIN}.pot"))
    assert all("python-format" in e.flags for e in templates if "%(" in e.msgid)


def test_references_point_at_the_source_lines() -> None:
    pot = polib.pofile(str(ROOT / "locales/ketamine-infusions.pot"))
    lines = (ROOT / "content/ketamine-infusions.md").read_text(encoding="utf-8").splitlines()
    for entry in pot:
        for file, line in entry.occurrences:
            assert file == "content/ketamine-infusions.md"
            first_words = entry.msgid.split()[0]
            assert first_words in lines[int(line) - 1], (entry.msgid, line)


def test_blanked_translation_fails_check_with_file_and_line(project_copy: Path) -> None:
    path = project_copy / "locales/es/LC_MESSAGES/ketamine-infusions.po"
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    po = polib.pofile(str(path))
    target = po[3]
    # Blank the msgstr of the fourth entry as a translator would, in the file itself.
    start = next(i for i in range(target.linenum - 1, len(text)) if text[i].startswith("msgstr"))
    end = start + 1
    while end < len(text) and text[end].startswith('"'):
        end += 1
    text[start:end] = ['msgstr ""\n']
    path.write_text("".join(text), encoding="utf-8")
    problems = check(Project.at(project_copy), ["es"]).problems
    assert [str(p) for p in problems] == [
        f'{path}:{start + 1}: untranslated: "{target.msgid[:69]}…"'
        if len(target.msgid) > 70
        else f'{path}:{start + 1}: untranslated: "{target.msgid}"'
    ]


def test_fuzzy_and_missing_entries_are_reported(project_copy: Path) -> None:
    path = project_copy / "locales/ar/LC_MESSAGES/ketamine-infusions.po"
    po = polib.pofile(str(path))
    po[1].flags.append("fuzzy")
    removed = po[2].msgid
    po.remove(po[2])
    po.save(str(path))
    problems = check(Project.at(project_copy), ["ar"]).problems
    kinds = sorted(p.check for p in problems)
    assert kinds == ["fuzzy", "missing"]
    missing = next(p for p in problems if p.check == "missing")
    assert removed[:30] in missing.message and "content/ketamine-infusions.md:" in missing.message


def test_inputs_load_catalogs_by_domain(shipped: Path) -> None:
    inputs = load_inputs(Project.at(shipped), ["zh_Hans"])
    assert [locale.tag for locale in inputs.locales] == ["zh-Hans"]
    assert set(inputs.catalogs["zh-Hans"].catalogs) == {"ketamine-infusions", TEMPLATES_DOMAIN}
