"""Hostile and malformed input: no input runs code or skips a check, nothing is read outside the
project or written outside `--out`, every bad input is exit 1 or 2 (never a crash), every check
and render is bounded in time, and concurrent runs never corrupt a file.

Each test runs in its own tiny project (`tests/roots/tiny` with the real templates and brand).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

import polib
import pytest

from handouts import checks
from handouts.buildcache import Cache, write_atomic
from handouts.cli import format_report, main
from handouts.errors import ErrorGroup, HandoutsError, InputError, RenderError
from handouts.pipeline import BuildOptions, Project, build

from .conftest import ROOT


def run_cli(project: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The CLI in this process: (exit code, stdout, stderr); a traceback is always a failure."""
    code = main(["--project", str(project), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal-error" not in err, err
    return code, out, err


def po(project: Path, locale: str = "es", domain: str = "sample") -> Path:
    return project / f"locales/{locale}/LC_MESSAGES/{domain}.po"


def set_translation(path: Path, msgid: str, msgstr: str) -> None:
    catalog = polib.pofile(str(path), wrapwidth=0)
    entry = catalog.find(msgid)
    assert entry is not None
    entry.msgstr = msgstr
    catalog.save()


def test_the_tiny_project_passes_and_builds(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(tiny, "check", capsys=capsys)
    assert code == 0, out
    code, _, _ = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 0
    assert (tiny / "dist/example/es/sample.pdf").read_bytes().startswith(b"%PDF-")


# --- 1. no input runs code or skips a check -----------------------------------------------------


class Planted:
    """Unpickling this writes a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (Path(str(self.marker)), "code ran"))  # type: ignore[return-value]


def test_a_planted_pickle_in_the_content_cache_never_runs(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import handouts.content

    marker = tiny.parent / "pwned"
    # The name the parsed-content cache once computed from the sources.
    digest = hashlib.sha256(Path(handouts.content.__file__).read_bytes())
    for path in sorted((tiny / "content").glob("*.md")):
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    planted = tiny / ".cache/content" / f"{digest.hexdigest()}.pickle"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps(Planted(marker)))
    for name in ("content", "checks", "template-messages"):  # and a pickle wherever JSON is expected
        folder = tiny / ".cache" / name / "ab"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ("ab" * 32 + ".json")).write_bytes(pickle.dumps(Planted(marker)))
    code, _, _ = run_cli(tiny, "check", capsys=capsys)
    assert code == 0
    assert not marker.exists()
    assert not any(p.suffix == ".pickle" for p in (tiny / ".cache").rglob("*") if p != planted)


def duplicate_entry(path: Path) -> None:
    """Append a second definition of the first message: msgfmt refuses it, polib would drop it."""
    path.write_text(path.read_text() + '\nmsgid "A Sample Handout"\nmsgstr "Otro folleto"\n')


def test_a_forged_msgfmt_pass_does_not_skip_msgfmt(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = po(tiny)
    duplicate_entry(catalog)
    data = catalog.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    # The empty marker file an earlier version trusted...
    (tiny / ".cache/msgfmt-passed").mkdir(parents=True)
    (tiny / ".cache/msgfmt-passed" / digest).touch()
    # ...and a record in today's format, signed with a key that is not this user's.
    forged = Cache(tiny / ".cache", secret=b"attacker" * 4)
    for key in (digest, hashlib.sha256(digest.encode()).hexdigest()):
        forged.put("msgfmt-passed", key, {"sha256": digest, "passed": True})
    code, _, err = run_cli(tiny, "check", "--locale", "es", capsys=capsys)
    assert code == 2
    assert "sample.po" in err and "duplicate message definition" in err


def test_a_msgfmt_pass_is_recorded_only_for_the_bytes_that_passed(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(tiny, "check", "--locale", "es", capsys=capsys)[0] == 0
    passes = list((tiny / ".cache/msgfmt-passed").rglob("*.json"))
    assert passes and all(json.loads(p.read_text())["signature"] for p in passes)
    duplicate_entry(po(tiny))
    code, _, err = run_cli(tiny, "check", "--locale", "es", capsys=capsys)
    assert code == 2 and "duplicate message definition" in err


def test_cache_entries_are_verified_on_read(tmp_path: Path) -> None:
    cache = Cache(tmp_path / ".cache", secret=b"k" * 32)
    key = "ab" * 32
    cache.put("checks", key, {"problems": [1, 2]})
    assert cache.get("checks", key) == {"problems": [1, 2]}
    record_path = next((tmp_path / ".cache/checks").rglob("*.json"))
    record = json.loads(record_path.read_text())
    # Tampered data, an entry moved to another namespace, another user's key: all ignored.
    record_path.write_text(json.dumps({**record, "payload": '{"problems": []}'}))
    assert cache.get("checks", key) is None and not record_path.exists()
    cache.put("content", key, [1])
    shutil.copytree(tmp_path / ".cache/content", tmp_path / ".cache/pdf")
    assert cache.get("pdf", key) is None
    assert Cache(tmp_path / ".cache", secret=b"x" * 32).get("content", key) is None
    (tmp_path / ".cache/content" / key[:2] / f"{key}.json").write_bytes(b"\x80\x04garbage")
    assert cache.get("content", key) is None


def test_cache_files_tracked_by_git_are_refused(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git = ["git", "-C", str(tiny), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tiny / ".cache/checks").mkdir(parents=True)
    (tiny / ".cache/checks/forged.json").write_text("{}")
    subprocess.run([*git, "add", "-f", ".cache/checks/forged.json"], check=True)
    code, _, err = run_cli(tiny, "check", capsys=capsys)
    assert code == 2
    assert "tracked by git" in err and ".cache/checks/forged.json" in err


# --- 2. nothing read outside the project, nothing written outside --out -----------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def test_a_catalog_linked_outside_the_project_is_refused(
    tiny: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = outside / "secret.po"
    shutil.copy(po(tiny), secret)
    secret.write_text(secret.read_text().replace("Un folleto de muestra", "SECRET-TEXT"))
    po(tiny).unlink()
    po(tiny).symlink_to(secret)
    code, out, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2
    assert "locales/es/LC_MESSAGES/sample.po" in err and "outside" in err
    assert "SECRET-TEXT" not in out + err
    assert not (tiny / "dist/example/es/sample.pdf").exists()


def test_a_locale_folder_linked_outside_is_refused(
    tiny: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.move(tiny / "locales/es", outside / "es")
    (tiny / "locales/es").symlink_to(outside / "es")
    code, _, err = run_cli(tiny, "check", "--locale", "es", capsys=capsys)
    assert code == 2 and "outside" in err


@pytest.mark.parametrize(
    "relative",
    ["content/sample.md", "content/picture.svg", "templates/handout.html", "brands/example/brand.toml"],
)
def test_an_input_linked_outside_the_project_is_refused(
    tiny: Path, outside: Path, relative: str, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tiny / relative
    shutil.copy(link, outside / link.name)
    link.unlink()
    link.symlink_to(outside / link.name)
    code, _, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2, err
    assert link.name in err and "outside" in err


def test_a_link_inside_out_never_carries_a_pdf_outside(
    tiny: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tiny / "dist"
    (out / "example").mkdir(parents=True)
    (out / "example/es").symlink_to(outside)
    code, _, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2 and "dist/example/es/sample.pdf" in err and "outside" in err
    assert list(outside.iterdir()) == []


def shard_folder(folder: Path, entries: list[dict[str, object]], text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.shard-1-of-1.json"
    manifest.write_text(text if text is not None else json.dumps({"version": "x", "shard": [1, 1], "entries": entries}))
    return folder


def test_merge_never_writes_outside_out(tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard = tmp_path / "a/shard"
    escape = tmp_path / "a/escape.pdf"
    shard.mkdir(parents=True)
    escape.write_bytes(b"%PDF-1.7 not really")
    entry = {
        "path": "../escape.pdf",
        "sha256": hashlib.sha256(escape.read_bytes()).hexdigest(),
        "locale": "es",
        "brand": "example",
        "handout": "sample",
    }
    shard_folder(shard, [entry])
    out = tmp_path / "b/out"
    code, _, err = run_cli(tiny, "release", "--out", str(out), "--merge", str(shard), capsys=capsys)
    assert code == 2 and "../escape.pdf" in err
    assert not (tmp_path / "b/escape.pdf").exists()
    assert not out.exists() or not any(out.rglob("*"))


@pytest.mark.parametrize(
    "text",
    ['{"version": "x", "shard": [1, 1], "entr', "[]", '{"shard": "1/1", "entries": []}', '{"shard": [1, 1]}'],
)
def test_a_truncated_or_malformed_manifest_is_bad_input(
    tiny: Path, tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shard = shard_folder(tmp_path / "shard", [], text)
    code, _, err = run_cli(tiny, "release", "--out", str(tmp_path / "out"), "--merge", str(shard), capsys=capsys)
    assert code == 2 and "manifest.shard-1-of-1.json" in err


# --- 3. every bad input is exit 1 or 2 with its place ------------------------------------------


def test_a_latin1_catalog_is_refused_with_how_to_convert_it(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = po(tiny)
    subprocess.run(["msgconv", "--to-code=ISO-8859-1", "-o", str(catalog), str(catalog)], check=True)
    assert b"\xe1" in catalog.read_bytes()  # "á" in Latin-1
    code, _, err = run_cli(tiny, "check", capsys=capsys)
    assert code == 2
    assert re.search(r"locales/es/LC_MESSAGES/sample\.po:\d+: .*not UTF-8.*msgconv --to-code=UTF-8", err)


def test_a_header_contradicting_the_bytes_is_refused(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = po(tiny)
    catalog.write_text(catalog.read_text().replace("charset=UTF-8", "charset=ISO-8859-1"))
    code, _, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2
    assert re.search(r"sample\.po:\d+: .*charset=ISO-8859-1.*UTF-8", err)
    assert not (tiny / "dist/example/es/sample.pdf").exists()


def test_a_fuzzy_header_is_refused(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = po(tiny)
    catalog.write_text(catalog.read_text().replace('msgid ""\nmsgstr ""\n', '#, fuzzy\nmsgid ""\nmsgstr ""\n', 1))
    code, _, err = run_cli(tiny, "check", capsys=capsys)
    assert code == 2 and "sample.po" in err and "fuzzy" in err


def test_a_plural_entry_for_a_one_form_source_fails_the_check(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = po(tiny)
    catalog.write_text(
        catalog.read_text().replace(
            'msgid "Morning"\nmsgstr "Mañana"',
            'msgid "Morning"\nmsgid_plural "Mornings"\nmsgstr[0] "Mañana"\nmsgstr[1] "Mañanas"',
        )
    )
    code, out, _ = run_cli(tiny, "check", capsys=capsys)
    assert code == 1
    assert re.search(r"sample\.po:\d+: plurals: \"Morning\" has one form in the source", out)
    # Not even a draft prints the blank paragraph: it shows the English, marked as such.
    code, _, _ = run_cli(tiny, "build", "--draft", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 0
    text = pdftext(tiny / "dist/drafts/example/es/sample.draft.pdf")
    assert "Morning" in text and "Mañana" not in text


def pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("last_reviewed: 2026-01-15", "last_reviewed: 2026-02-30", r"sample\.md:\d+: .*impossible value"),
        ("last_reviewed: 2026-01-15", "last_reviewed: [1, 2]", r"sample\.md:\d+: last_reviewed"),
        ("title: A Sample Handout", "title: {a: b}", r"sample\.md:\d+: title"),
        (
            "title: A Sample Handout",
            "title: A Sample Handout\n7: seven",
            r"sample\.md:\d+: 7: content-error: unknown front matter key",
        ),
        ("(picture.svg)", "(missing.svg)", r"sample\.md:\d+: .*'missing.svg' does not exist"),
        ("(picture.svg)", "(picture.txt)", r"sample\.md:\d+: .*must be one of"),
        ("(picture.svg)", "(../../etc/x.svg)", r"sample\.md:\d+: .*beside the handout"),
    ],
)
def test_bad_content_is_bad_input_with_its_line(
    tiny: Path, replace: str, by: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tiny / "content/sample.md"
    page.write_text(page.read_text().replace(replace, by))
    code, _, err = run_cli(tiny, "check", capsys=capsys)
    assert code == 2
    assert re.search(expected, err), err


def test_an_image_that_is_not_an_image_is_bad_input(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tiny / "content/picture.svg").write_text("just some text, no drawing\n")
    code, _, err = run_cli(tiny, "check", capsys=capsys)
    assert code == 2 and re.search(r"sample\.md:\d+: .*not an SVG file", err)


def test_a_logo_that_is_not_a_picture_is_refused(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tiny / "brands/example/logo.svg").write_text("<html><body>not a logo</body></html>")
    code, _, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2
    assert "brands/example/brand.toml: logo.file: config-error: 'logo.svg' is not an SVG file" in err


def test_a_corrupt_brand_font_is_refused_at_config_time(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    brand = tiny / "brands/example"
    (brand / "Broken.ttf").write_bytes(b"\x00\x01\x00\x00" + os.urandom(2000))
    with (brand / "brand.toml").open("a") as handle:
        handle.write('\n[font]\nfamily = "Broken Sans"\nregular = "Broken.ttf"\n')
    code, _, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2
    assert "brands/example/brand.toml: font.regular: config-error: 'Broken.ttf' is not a usable font" in err


def test_out_must_be_a_writable_folder(tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for out in (a_file, a_file / "below"):
        code, _, err = run_cli(tiny, "build", "--out", str(out), capsys=capsys)
        assert code == 2 and "--out" in err


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_ends_quietly(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`stats --format json | head -1`: the reader left; no traceback, no internal error."""
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    code = main(["--project", str(tiny), "stats", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 141 and err == ""


def test_a_closed_pipe_ends_quietly_in_a_real_pipe(tiny: Path) -> None:
    reader, writer = os.pipe()
    os.close(reader)
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--project", str(tiny), "stats", "--format", "json"],
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    os.close(writer)
    assert result.returncode == 141 and result.stderr == ""


def test_reports_are_well_formed_for_any_text() -> None:
    text = "".join(chr(c) for c in range(32)) + "\ufffe\uffff <&>\"' ok"
    problem = checks.Problem(Path("locales/es/LC_MESSAGES/x.po"), 3, "numbers", text, text, text, "es", "x")
    report = checks.Report([problem], [], [Path("locales/es/LC_MESSAGES/x.po")])
    root = ElementTree.fromstring(format_report(report, "junit").split("?>", 1)[1])
    failure = root.find("testcase/failure")
    assert failure is not None and failure.text is not None and "\\x01" in failure.text and "ok" in failure.text
    assert json.loads(format_report(report, "json"))["problems"][0]["message"] == text


# --- 4. bounded time ----------------------------------------------------------------------------

MEGABYTE = 1 << 20
ADVERSARIAL = {
    "letters": "a" * MEGABYTE,
    "dotted": "a." * (MEGABYTE // 2),
    "digits": "1 " * (MEGABYTE // 2),
    "dashed digits": "1-" * (MEGABYTE // 2),
    "arabic-indic digits": "\u0661 " * (MEGABYTE // 2),
    "doses": "1 mg " * (MEGABYTE // 5),
    "at signs": "a@" * (MEGABYTE // 2),
    "emphasis": "*a" * (MEGABYTE // 2),
    "brackets": "[a](" * (MEGABYTE // 4),
    "tags": "<a " * (MEGABYTE // 3),
    "mixed": "aب" * (MEGABYTE // 2),
    # Numbers counted by form and context: the same numbers in every guise they can take.
    "two numbers in turn": "1 2 " * (MEGABYTE // 4),
    "numbers in mixed digits": "1\u0661 \u06f1\u0967 \uff11 " * (MEGABYTE // 8),
    "grouped numbers": "1,234,567.5 " * (MEGABYTE // 12),
    "one long number": "1" * MEGABYTE,
    "one long grouped number": "1" + ",234" * (MEGABYTE // 4),
    "signed ranges": "-1–-2 mg " * (MEGABYTE // 9),
    "ranges in words": "1 a 2 % " * (MEGABYTE // 8),
    "percent signs before numbers": "%1 " * (MEGABYTE // 3),
    "numbers spelled out": "dos " * (MEGABYTE // 4) + "tres",
    "numbers spelled out in words": "dosdos" * (MEGABYTE // 6),
}
# CPU seconds, with room for a busy machine: a superlinear check takes minutes here.
QUALITY_CHECK_LIMIT = 1.0


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_every_check_of_a_megabyte_of_adversarial_text_is_quick(tiny: Path, name: str) -> None:
    """The e-mail pattern once rescanned a long word from every letter: 400,000 letters took over a
    minute; markdown-it took 7 s on a megabyte of emphasis markers and the number checks 13 s on
    half a million numbers, then 2 s, one Python object per number. They now count numbers by form
    and context. Each check, and all of them on one entry, take well under a second."""
    from handouts.locales import get_locale
    from handouts.numbers import compare_numbers

    text = ADVERSARIAL[name]
    source = "Call 555-0100 or write to info@example.org."
    for check_name, check in checks.QUALITY_CHECKS.items():
        started = time.process_time()
        check(source, text, ["no-python-format"])
        assert time.process_time() - started < QUALITY_CHECK_LIMIT, check_name
    # Small numbers in the source: the translation is searched for them spelled out ("tres").
    for tag, numbers in (("es", source), ("ar", source), ("es", "Take 3 tablets 2 times a day.")):
        checks.number_checks(get_locale(tag))["numbers"](numbers, "1", [])  # the locale's CLDR data, once
        compare_numbers.cache_clear()
        started = time.process_time()
        for check in checks.number_checks(get_locale(tag)).values():  # one reading, shared by the three
            check(numbers, text, ["no-python-format"])
        assert time.process_time() - started < QUALITY_CHECK_LIMIT, (tag, numbers)
    catalog = polib.pofile(str(po(tiny)), wrapwidth=0)
    catalog.find("A Heading").msgstr = text
    catalog.save()
    from handouts.catalogs import load_catalog

    loaded = load_catalog(po(tiny), get_locale("es"), "sample")
    report = checks.Report()
    started = time.perf_counter()
    checks.check_entry(loaded, loaded.find("A Heading"), report)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 1.0
    assert [p.check for p in report.problems] == ["length"]


def test_a_translation_far_longer_than_its_source_fails_the_length_check(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_translation(po(tiny), "A Heading", "Un encabezado " * 20)
    code, out, _ = run_cli(tiny, "check", capsys=capsys)
    assert code == 1 and re.search(r"sample\.po:\d+: length: the translation has \d+ characters", out)
    set_translation(po(tiny), "A Heading", "Un *encabezado* " * 2)  # twice as long: fine
    code, out, _ = run_cli(tiny, "check", capsys=capsys)
    assert "length" not in out


def test_thirty_thousand_emphasis_markers_never_reach_a_draft_or_a_review(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_translation(po(tiny), "A Heading", "*a* " * 30000)
    started = time.perf_counter()
    code, _, _ = run_cli(tiny, "build", "--draft", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 0
    assert "A Heading" in pdftext(tiny / "dist/drafts/example/es/sample.draft.pdf")  # the English instead
    code, _, _ = run_cli(tiny, "review", "es", "--out", str(tiny / "review"), capsys=capsys)
    assert code == 0
    assert "not shown: the translation has" in pdftext(tiny / "review/sample.es.review.pdf")
    assert time.perf_counter() - started < 30


def test_latin_letters_inside_arabic_words_are_not_wrapped_one_by_one(tiny: Path) -> None:
    """One `<span dir="ltr">` per Latin letter made WeasyPrint's line breaking take minutes."""
    from handouts.catalogs import load_catalogs
    from handouts.config import load_brand
    from handouts.content import load_content
    from handouts.locales import get_locale
    from handouts.render import create_environment, render_html, wrap_ltr_runs

    assert str(wrap_ltr_runs("aب" * 5000)).count("<span") == 0
    assert str(wrap_ltr_runs("اتصل بـ +1 555 0100 أو SSRIs مثل")).count("<span") == 2
    set_translation(po(tiny, "ar"), "Second item, which is wrapped over two lines.", "aب" * 40 + ".")
    handouts = load_content(tiny / "content")
    sources = {"sample": [], "templates": []}  # type: ignore[var-annotated]
    catalogs = load_catalogs(tiny / "locales", [get_locale("ar")], sources)["ar"]
    html = render_html(
        create_environment(tiny / "templates"),
        handouts[0],
        catalogs,
        load_brand(tiny / "brands/example/brand.toml"),
    )
    assert "aبaب" in html
    assert html.count('<span dir="ltr">a</span>') == 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_runaway_render_is_stopped_naming_locale_and_handout(tiny: Path, jobs: int) -> None:
    with pytest.raises(HandoutsError) as caught:
        build(Project.at(tiny), BuildOptions(("ar", "es"), ("example",), jobs=jobs, time_limit=0.001))
    errors = caught.value.errors if isinstance(caught.value, ErrorGroup) else [caught.value]
    assert all(isinstance(error, RenderError) and "stopped" in str(error) for error in errors)
    messages = sorted(str(error) for error in errors)
    assert len(messages) == 2
    assert "'sample' handout in 'ar' for 'example'" in messages[0]
    assert "'sample' handout in 'es' for 'example'" in messages[1]
    assert not list((tiny / "dist").rglob("*.pdf"))


def test_brand_fields_have_length_limits(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    brand = tiny / "brands/example/brand.toml"
    text = brand.read_text()
    name = re.search(r'^name = "(.*)"$', text, re.M)
    assert name is not None
    brand.write_text(text.replace(name.group(0), f'name = "{"Riverbend " * 10000}"'))
    code, _, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2
    assert "brand.toml: name: config-error: is 100000 characters long; at most 200 are allowed" in err


# --- 5. concurrency -----------------------------------------------------------------------------


def test_writers_at_once_never_collide_nor_leave_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "shared.bin"
    payloads = [bytes([n]) * 200_000 for n in range(8)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(5):
                write_atomic(target, data)
        except BaseException as error:  # pragma: no cover - the failure being tested for
            errors.append(error)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["shared.bin"]


def test_a_font_face_is_copied_out_while_another_run_is_doing_the_same(tmp_path: Path) -> None:
    """A second build with a fresh font cache found the first one's fixed `.tmp` name taken."""
    from handouts.fonts import extract_face

    source = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    face_dir = tmp_path / "faces"
    face_dir.mkdir()
    expected_name = extract_face(source, 2, tmp_path / "probe").name
    in_flight = face_dir / Path(expected_name).with_suffix(".tmp").name
    in_flight.mkdir()  # the other run's temporary file, still being written
    face = extract_face(source, 2, face_dir)
    assert face.read_bytes() == (tmp_path / "probe" / expected_name).read_bytes()


def test_init_never_overwrites_a_catalog_created_meanwhile(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts import catalogs
    from handouts.locales import get_locale

    (tiny / "locales/es/LC_MESSAGES/sample.po").unlink()
    translated = po(tiny, "ar").read_bytes()
    real = catalogs.canonical_po_text

    def slow(text: str) -> str:  # another `init` finishes first
        result = real(text)
        target = po(tiny)
        if not target.exists():
            target.write_bytes(translated)
        return result

    monkeypatch.setattr(catalogs, "canonical_po_text", slow)
    made = catalogs.init_locales(tiny / "locales", [get_locale("es")])
    assert made == []
    assert po(tiny).read_bytes() == translated


def test_an_update_and_a_build_at_once_never_crash(tiny: Path) -> None:
    env = {**os.environ}
    command = [sys.executable, str(ROOT / "build.py"), "--project", str(tiny)]
    running = [
        subprocess.Popen([*command, "build", "--jobs", "1", "--locale", "es"], env=env, stderr=subprocess.PIPE),
        subprocess.Popen([*command, "update"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL),
        subprocess.Popen([*command, "build", "--jobs", "1", "--locale", "es"], env=env, stderr=subprocess.PIPE),
    ]
    for process in running:
        _, err = process.communicate(timeout=120)
        assert process.returncode in (0, 1), err.decode()
        assert b"Traceback" not in err


def test_inside_names_the_link(tmp_path: Path) -> None:
    from handouts.paths import inside, relative_inside

    (tmp_path / "root").mkdir()
    (tmp_path / "root/link").symlink_to(tmp_path)
    with pytest.raises(InputError, match="link"):
        inside(tmp_path / "root/link", tmp_path / "root")
    for bad in ("../x", "/etc/passwd", "", "a/../../x"):
        with pytest.raises(InputError):
            relative_inside(tmp_path / "root", bad, "path")


def test_the_cache_key_lives_outside_the_project_and_is_made_once(tmp_path: Path) -> None:
    from handouts.buildcache import PROCESS_SECRET, cache_secret

    first = cache_secret(tmp_path / "user")
    assert first == cache_secret(tmp_path / "user") and len(first) == 32
    assert (tmp_path / "user/cache.key").stat().st_mode & 0o077 == 0
    (tmp_path / "readonly").write_text("a file, so no folder can be made below it")
    assert cache_secret(tmp_path / "readonly") == PROCESS_SECRET


def test_a_brand_font_damaged_inside_its_tables_is_refused_before_rendering(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its table directory is sound (so loading the brand accepts it), but its character map is
    zeroed: the full parse before rendering refuses it with the brand's key, not a worker crash."""
    from fontTools.ttLib import TTFont

    brand = tiny / "brands/example"
    source = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
    data = bytearray(source.read_bytes())
    with TTFont(source, lazy=True) as font:
        offset, length = font.reader.tables["cmap"].offset, font.reader.tables["cmap"].length
    data[offset : offset + length] = bytes(length)
    (brand / "Damaged.ttf").write_bytes(bytes(data))
    with (brand / "brand.toml").open("a") as handle:
        handle.write('\n[font]\nfamily = "Damaged Sans"\nregular = "Damaged.ttf"\n')
    code, _, err = run_cli(tiny, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2
    assert "brands/example/brand.toml: font.regular: config-error: 'Damaged.ttf' is not a usable font" in err


def test_the_time_limit_survives_code_that_swallows_an_alarm() -> None:
    """WeasyPrint catches BaseException around drawing an SVG: an alarm landing there is lost,
    so the timer keeps firing until the render stops."""
    from handouts.pipeline import time_limit

    stopped = pytest.raises(RenderError, match=r"took more than 0\.05 s and was stopped")
    with stopped, time_limit(0.05, "the test", Path("test.pdf")):
        try:
            while True:  # busy until the first alarm
                pass
        except BaseException:  # swallowed, as WeasyPrint's SVGImage.draw does
            pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            pass
        pytest.fail("the render went on after its first alarm was swallowed")
