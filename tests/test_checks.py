"""Every check of handouts/checks.py, both ways, from small catalogs in tests/data/checks/.

Each `pass/<check>[--variant].po` must give no problem at all; each `fail/<check>[--variant].po`
exactly the problems its own comments announce, at their lines:

    # expect: CHECK [words]           (header) a problem of the whole catalog: `header` at line 1,
                                      `plurals` and `plural-rule` at the Plural-Forms line, `missing`
                                      with no line
                                      (its words are then the missing msgid)
    #. expect: CHECK [words]          (entry) a problem of that entry at its msgstr line (`fuzzy` and
                                      `not-in-source`: its msgid line)
    #. expect-silenced: CHECK reason  (entry) CHECK fails and is silenced with that reason
    # source-add: MSGID               (header) a source message the catalog has no entry for
    #. source: none                   (entry) no source message has this msgid
    #. source-msgid: MSGID            (entry) the source message is MSGID: the msgid was edited by hand
    #. source-plural: none            (entry) the source message has one form (no msgid_plural)
    # msgfmt-refuses: LINE: words     (header) load_catalog refuses the file; the checks then run on
                                      polib's reading of it, to show they would catch it too
    # known-bug: reason               (header) a product bug: the test is a strict xfail

Every other source message is the file's own msgid, with its references and format flags.
The CLI tests run `python build.py check` on a copy of the real project.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import polib
import pytest

from handouts.catalogs import Catalog, LocaleCatalogs, load_catalog
from handouts.checks import CHECKS, SILENCEABLE, Problem, Report, check_catalog, check_locale
from handouts.errors import CatalogError, ErrorGroup
from handouts.extract import SOURCE_FLAGS, SourceMessage
from handouts.locales import get_locale
from handouts.plurals import parse_plural_forms

from .conftest import ROOT, copy_root

DATA = Path(__file__).parent / "data" / "checks"
DOMAIN = "checks"
MARKER_RE = re.compile(
    r"^#(?P<dot>\.?) (?P<key>expect|expect-silenced|source-add|source|source-msgid|msgfmt-refuses|known-bug): "
    r"(?P<value>.*)$"
)
COMPLETENESS = ("missing", "untranslated", "fuzzy", "not-in-source")


# --- reading the data files ---------------------------------------------------------------------


@dataclass
class Expected:
    """A problem a data file announces."""

    check: str
    line: int | None
    words: str
    entry: polib.POEntry | None  # None for a problem of the whole catalog


@dataclass
class Block:
    """What the raw text says about one entry (the header first): its markers and keyword lines."""

    markers: list[tuple[bool, str, str]]  # (entry-style `#.`, key, value)
    msgid_line: int
    msgstr_line: int | None = None


@dataclass
class Case:
    path: Path
    outcome: str  # "pass" or "fail"
    check: str
    language: str
    po: polib.POFile
    text: str
    expected: list[Expected] = field(default_factory=list)
    silenced: list[tuple[str, int, str, str]] = field(default_factory=list)  # (check, line, reason, source)
    source_add: list[str] = field(default_factory=list)
    refuses: tuple[int, str] | None = None
    known_bug: str | None = None


def blocks_of(lines: list[str]) -> list[Block]:
    """The entries of a .po as its text has them, by scanning lines (independent of polib's linenum)."""
    blocks: list[Block] = []
    pending: list[tuple[bool, str, str]] = []
    for number, text in enumerate(lines, start=1):
        marker = MARKER_RE.match(text)
        if marker:
            pending.append((marker["dot"] == ".", marker["key"], marker["value"]))
        elif text.startswith("msgid "):
            blocks.append(Block(pending, number))
            pending = []
        elif text.startswith(("msgstr ", "msgstr[")) and blocks and blocks[-1].msgstr_line is None:
            blocks[-1].msgstr_line = number
    assert not pending, "markers after the last entry"
    return blocks


def split_marker(value: str) -> tuple[str, str]:
    check, _, words = value.partition(" ")
    assert check in CHECKS, f"unknown check {check!r} in a marker"
    return check, words


def read_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    language = re.search(r'^"Language: (.*)\\n"$', text, re.M)
    assert language, f"{path}: no Language header"
    outcome, check = path.parent.name, path.stem.split("--")[0]
    case = Case(path, outcome, check, language[1], polib.pofile(text, wrapwidth=0), text)
    header, *entries = blocks_of(lines)
    assert len(entries) == len(case.po), f"{path}: obsolete or unreadable entries"
    plural_forms_line = next((n for n, t in enumerate(lines, 1) if t.startswith('"Plural-Forms:')), None)
    for is_entry, key, value in header.markers:
        assert not is_entry, f"{path}: header markers are translator comments (#)"
        if key == "expect":
            name, words = split_marker(value)
            where = {"header": 1, "plurals": plural_forms_line, "plural-rule": plural_forms_line, "missing": None}
            assert name in where, f"{path}: {name} is not a problem of the whole catalog"
            case.expected.append(Expected(name, where[name], words, None))
        elif key == "source-add":
            case.source_add.append(value)
        elif key == "msgfmt-refuses":
            number, _, words = value.partition(": ")
            case.refuses = (int(number), words)
        elif key == "known-bug":
            case.known_bug = value
        else:
            raise AssertionError(f"{path}: {key} is an entry marker")
    for block, entry in zip(entries, case.po, strict=True):
        for is_entry, key, value in block.markers:
            assert is_entry, f"{path}: entry markers are extracted comments (#.)"
            if key == "expect":
                name, words = split_marker(value)
                line = block.msgid_line if name in ("fuzzy", "not-in-source") else block.msgstr_line
                case.expected.append(Expected(name, line, words, entry))
            elif key == "expect-silenced":
                name, reason = split_marker(value)
                assert block.msgstr_line is not None
                case.silenced.append((name, block.msgstr_line, reason, entry.msgid))
            elif key not in ("source", "source-msgid"):
                raise AssertionError(f"{path}: {key} is a header marker")
    return case


def source_messages(case: Case) -> list[SourceMessage]:
    """The source messages a data file is checked against: its own msgids, adjusted by its markers."""
    messages = []
    for entry in case.po:
        notes = dict(line.partition(": ")[::2] for line in entry.comment.splitlines())
        if notes.get("source") == "none":
            continue
        messages.append(
            SourceMessage(
                notes.get("source-msgid", entry.msgid),
                entry.msgctxt,
                [(file, int(line)) for file, line in entry.occurrences],
                flags=[flag for flag in entry.flags if flag in SOURCE_FLAGS],
                msgid_plural=None if notes.get("source-plural") == "none" else entry.msgid_plural or None,
            )
        )
    messages.extend(SourceMessage(msgid, occurrences=[("content/checks.md", 99)]) for msgid in case.source_add)
    return messages


def catalog_of(case: Case) -> Catalog:
    """load_catalog's reading of a data file; for a file msgfmt refuses, polib's own reading."""
    locale = get_locale(case.language)
    if case.refuses is None:
        return load_catalog(case.path, locale, DOMAIN)
    line, words = case.refuses
    with pytest.raises((CatalogError, ErrorGroup)) as info:
        load_catalog(case.path, locale, DOMAIN)
    message = str(info.value)
    assert f"{case.path.name}:{line}: catalog-error: " in message and words in message, message
    return Catalog(case.path, locale, DOMAIN, polib.pofile(case.text, wrapwidth=0), case.text.splitlines())


def describe(report: Report) -> str:
    return "\n" + "\n".join([*map(str, report.problems), *map(str, report.silenced)])


CASES = [read_case(path) for path in sorted(DATA.glob("*/*.po"))]


def case_param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.known_bug)] if case.known_bug else []
    return pytest.param(case, id=f"{case.outcome}/{case.path.stem}", marks=marks)


# --- the data files themselves ------------------------------------------------------------------


def test_every_check_has_a_passing_and_a_failing_catalog() -> None:
    assert {case.outcome for case in CASES} == {"pass", "fail"}
    assert {case.check for case in CASES} <= set(CHECKS)
    passing = {case.check for case in CASES if case.outcome == "pass" and not case.known_bug}
    failing = {case.check for case in CASES if case.outcome == "fail"}
    assert passing == set(CHECKS)
    # A missing catalog is the absence of a file: test_missing_catalog_both_ways asks for one.
    assert failing == set(CHECKS) - {"missing-catalog"}


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome == "fail"], ids=lambda c: c.path.stem)
def test_failing_catalog_announces_its_own_check(case: Case) -> None:
    assert any(x.check == case.check for x in case.expected), f"{case.path} expects no {case.check} problem"


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome == "pass"], ids=lambda c: c.path.stem)
def test_passing_catalog_expects_no_problem(case: Case) -> None:
    assert not case.expected and case.refuses is None


def test_data_catalogs_have_the_locale_plural_forms_unless_that_is_the_point() -> None:
    for case in CASES:
        if case.check in ("plurals", "plural-rule") or case.path.stem == "header--plural-forms-missing":
            continue
        rule, default = case.po.metadata["Plural-Forms"], get_locale(case.language).plural_forms
        assert parse_plural_forms(rule).same_as(parse_plural_forms(default)), case.path
        assert case.po.metadata["Content-Type"] == "text/plain; charset=UTF-8", case.path


# --- the checks, both ways ----------------------------------------------------------------------


def assert_problem_shows_its_entry(problem: Problem, expected: Expected) -> None:
    """A problem names its catalog, and an entry's problem shows the source and the translation."""
    entry = expected.entry
    if entry is None:
        if expected.check == "missing":
            assert problem.source == expected.words
            assert f'"{expected.words}" (from content/checks.md:' in problem.message
        return
    assert problem.source == entry.msgid
    if expected.check in SILENCEABLE:
        forms = [str(v) for _, v in sorted(entry.msgstr_plural.items())] if entry.msgid_plural else [entry.msgstr]
        assert problem.translation in forms
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        assert any(f"\n    source:      {source}\n" in problem.message for source in sources), problem.message
        assert problem.message.endswith(f"\n    translation: {problem.translation}"), problem.message
    elif expected.check in COMPLETENESS:
        assert f'"{entry.msgid}"' in problem.message, problem.message


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_check(case: Case) -> None:
    catalog = catalog_of(case)
    report = check_catalog(catalog, source_messages(case))
    assert report.catalogs == [case.path]
    want = Counter((x.check, x.line) for x in case.expected)
    got = Counter((p.check, p.line) for p in report.problems)
    assert got == want, describe(report)
    for expected in case.expected:
        matches = [
            p
            for p in report.problems
            if (p.check, p.line) == (expected.check, expected.line) and expected.words in p.message
        ]
        assert matches, f"no {expected.check} problem at line {expected.line} saying {expected.words!r}" + describe(
            report
        )
        assert_problem_shows_its_entry(matches[0], expected)
    for problem in report.problems:
        assert (problem.path, problem.locale, problem.domain) == (case.path, catalog.locale.tag, DOMAIN)
        where = f"{case.path.name}:{problem.line}" if problem.line is not None else case.path.name
        assert f"{where}: {problem.check}: " in str(problem), str(problem)
    assert sorted((s.check, s.line, s.reason, s.source) for s in report.silenced) == sorted(case.silenced)
    assert all(s.path == case.path for s in report.silenced)


def test_msgfmt_plural_count_refusal_keeps_its_reason() -> None:
    with pytest.raises((CatalogError, ErrorGroup)) as info:
        load_catalog(DATA / "fail/plurals--entry-count.po", get_locale("es"), DOMAIN)
    message = str(info.value)
    assert "some messages have 3 plural forms" in message and "first defined" not in message, message


def test_missing_catalog_both_ways(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.path.name == "missing-catalog.po")
    locale = get_locale(case.language)
    catalogs = LocaleCatalogs(locale, {DOMAIN: load_catalog(case.path, locale, DOMAIN)})
    sources = {DOMAIN: source_messages(case)}
    locales_dir = tmp_path / "locales"
    present = check_locale(catalogs, sources, locales_dir)
    assert (present.problems, present.catalogs) == ([], [case.path])
    aftercare = [SourceMessage("Rest today.", occurrences=[("content/aftercare.md", 3)])]
    report = check_locale(catalogs, {**sources, "aftercare": aftercare}, locales_dir)
    assert [(p.check, p.path, p.line, p.locale, p.domain) for p in report.problems] == [
        ("missing-catalog", locales_dir / "es/LC_MESSAGES/aftercare.po", None, "es", "aftercare")
    ]
    assert "no catalog for 1 message(s); run `python build.py init es`" in report.problems[0].message
    # The English source needs no catalog at all.
    english = check_locale(LocaleCatalogs(get_locale("en"), {}), {**sources, "aftercare": aftercare}, locales_dir)
    assert english.problems == []


# --- the command line ---------------------------------------------------------------------------

# The command line runs on tests/roots/decades: a two-sentence handout with a decade in each,
# translated into Spanish and Arabic by the sample project itself.
ES_CONTENT = "locales/es/LC_MESSAGES/history.po"
ES_TEMPLATES = "locales/es/LC_MESSAGES/templates.po"
AR_CONTENT = "locales/ar/LC_MESSAGES/history.po"
AR_TEMPLATES = "locales/ar/LC_MESSAGES/templates.po"
SOURCE_1960S = "Doctors have used this medicine since the 1960s."
SPANISH_1960S = "Los médicos usan este medicamento desde la década de 1960."


@pytest.fixture
def decades(tmp_path: Path) -> Path:
    return copy_root("decades", tmp_path / "project")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def msgstr_line_after(path: Path, words: str) -> int:
    """The 1-based line of the msgstr of the entry whose msgid has `words`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, text in enumerate(lines) if words in text)
    return next(i for i in range(start, len(lines)) if lines[i].startswith("msgstr")) + 1


def change_spanish_decade(project: Path) -> int:
    """1960 -> 1970 in the Spanish translation; the line the numbers problem must name."""
    path = project / ES_CONTENT
    replace_once(path, "década de 1960", "década de 1970")
    return msgstr_line_after(path, "1960s")


def copy_source_as_translation(path: Path) -> None:
    """A same-as-source problem: the first entry without placeholders gets its English as translation."""
    po = polib.pofile(str(path))
    entry = next(e for e in po if "python-format" not in e.flags and not e.msgid_plural)
    entry.msgstr = entry.msgid
    po.save(str(path))


def catalogs_of(project: Path) -> list[str]:
    return sorted(str(p.relative_to(project)) for p in (project / "locales").glob("*/LC_MESSAGES/*.po"))


def test_check_exits_0_and_1(decades: Path) -> None:
    clean = run("check", cwd=decades)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"all {len(catalogs_of(decades))} catalog(s) pass" in clean.stdout
    change_spanish_decade(decades)
    failed = run("check", cwd=decades)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout.rstrip().endswith(f"1 problem(s) in {len(catalogs_of(decades))} catalog(s)")


def test_changed_decade_fails_check_naming_file_and_line(decades: Path) -> None:
    line = change_spanish_decade(decades)
    result = run("check", cwd=decades)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{ES_CONTENT}:{line}: numbers: '1960' became '1970', read as 1970" in result.stdout
    assert f"    source:      {SOURCE_1960S}" in result.stdout
    assert f"    translation: {SPANISH_1960S.replace('1960', '1970')}" in result.stdout


def test_arabic_indic_decade_passes_check(decades: Path) -> None:
    replace_once(decades / AR_CONTENT, "عقد 1960", "عقد ١٩٦٠")
    replace_once(decades / AR_CONTENT, "عقد 1990", "عقد ١٩٩٠")
    result = run("check", "--locale", "ar", cwd=decades)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_format_json(decades: Path) -> None:
    clean = json.loads(run("check", "--format", "json", cwd=decades).stdout)
    assert clean == {
        "ok": True, "unreadable": [], "problems": [], "silenced": [], "catalogs": catalogs_of(decades)
    }  # fmt: skip
    line = change_spanish_decade(decades)
    # A translator writes the 1990s as a word and silences the numbers check with a reason.
    path = decades / ES_CONTENT
    replace_once(path, "década de 1990", "década de los noventa")
    replace_once(path, '#. Keep the decade "1990s"', '# check-ignore: numbers: a word\n#. Keep the decade "1990s"')
    silenced_line = msgstr_line_after(path, "Since the 1990s")
    result = run("check", "--format", "json", cwd=decades)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"ok", "unreadable", "problems", "silenced", "catalogs"}
    assert data["ok"] is False
    assert data["catalogs"] == catalogs_of(decades)
    [problem] = data["problems"]
    assert set(problem) == {"path", "line", "check", "message", "source", "translation", "locale", "domain"}
    assert (problem["path"], problem["line"], problem["check"]) == (ES_CONTENT, line, "numbers")
    assert (problem["locale"], problem["domain"]) == ("es", "history")
    assert "1960s" in problem["source"] and "1970" in problem["translation"]
    assert problem["source"] in problem["message"] and problem["translation"] in problem["message"]
    [silenced] = data["silenced"]
    assert silenced["path"] == ES_CONTENT and silenced["line"] == silenced_line
    assert (silenced["check"], silenced["reason"]) == ("numbers", "a word")
    assert "1990s" in silenced["source"]
    text = run("check", cwd=decades).stdout
    assert f"1 check(s) silenced by translators:\n  {ES_CONTENT}:{silenced_line}: numbers silenced: a word" in text


def test_check_format_junit(decades: Path) -> None:
    clean = ElementTree.fromstring(run("check", "--format", "junit", cwd=decades).stdout)
    assert clean.tag == "testsuite" and clean.get("failures") == "0"
    change_spanish_decade(decades)
    copy_source_as_translation(decades / ES_CONTENT)  # a second problem in the same catalog
    copy_source_as_translation(decades / AR_TEMPLATES)
    result = run("check", "--format", "junit", cwd=decades)
    assert result.returncode == 1, result.stderr
    suite = ElementTree.fromstring(result.stdout)
    assert suite.tag == "testsuite"
    cases = suite.findall("testcase")
    assert sorted(case.get("name", "") for case in cases) == catalogs_of(decades)
    assert suite.get("tests") == str(len(cases))
    failing = {case.get("name"): case.find("failure") for case in cases if case.find("failure") is not None}
    assert suite.get("failures") == str(len(failing)) == "2"
    assert set(failing) == {ES_CONTENT, AR_TEMPLATES}
    es_failure, ar_failure = failing[ES_CONTENT], failing[AR_TEMPLATES]
    assert es_failure is not None and ar_failure is not None
    assert es_failure.get("message") == "2 problem(s)" and ar_failure.get("message") == "1 problem(s)"
    assert ": numbers: " in (es_failure.text or "") and ": same-as-source: " in (ar_failure.text or "")


def test_check_of_one_po_file_reports_only_that_file(decades: Path) -> None:
    replace_once(decades / AR_CONTENT, "عقد 1960", "عقد 1970")  # another locale
    copy_source_as_translation(decades / ES_TEMPLATES)  # the same locale, another domain
    only = run("check", ES_CONTENT, "--format", "json", cwd=decades)
    assert only.returncode == 0, only.stdout + only.stderr
    assert json.loads(only.stdout) == {
        "ok": True, "unreadable": [], "problems": [], "silenced": [], "catalogs": [ES_CONTENT]
    }  # fmt: skip
    line = change_spanish_decade(decades)
    result = run("check", ES_CONTENT, cwd=decades)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [text for text in result.stdout.splitlines() if re.match(r"^\S+\.po:\d+: ", text)]
    assert problems == [f"{ES_CONTENT}:{line}: numbers: '1960' became '1970', read as 1970"]
    everything = run("check", cwd=decades)
    assert everything.returncode == 1
    for path in (ES_CONTENT, ES_TEMPLATES, AR_CONTENT):
        assert f"{path}:" in everything.stdout, everything.stdout
