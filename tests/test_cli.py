"""The command line: every command's help, exit codes, and errors that name the file and line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import polib
import pytest

from handouts import cli

from .conftest import ROOT, ShippedBuild


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, inside a copy of a project (never in the repository itself)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["extract"], ["init"]])
def test_help_on_every_command(shipped: Path, command: list[str]) -> None:
    result = run(*command, "--help", cwd=shipped)
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_build_writes_a_pdf_per_locale_and_brand(shipped_build: ShippedBuild) -> None:
    """`--force --out DIR` (no command: build): the session's one build of every shipped PDF (conftest.py)."""
    out, stdout = shipped_build.out, shipped_build.stdout
    locales = ["en", *sorted(p.name.replace("_", "-") for p in (ROOT / "locales").iterdir() if p.is_dir())]
    brands = sorted(p.parent.name for p in (ROOT / "brands").glob("*/brand.toml"))
    assert brands == ["example", "lakeside", "northside"]
    for brand in ("example", "lakeside"):  # every shipped language, on the brand's one paper
        for tag in locales:
            assert f"built {out}/{brand}/{tag}/ketamine-infusions.pdf" in stdout
            assert (out / brand / tag / "ketamine-infusions.pdf").read_bytes().startswith(b"%PDF-")
    # Northside offers three languages, on two papers, in two editions
    northside = [
        f"{tag}/ketamine-infusions{edition}.{paper}.pdf"
        for tag in ("en", "es", "vi")
        for edition in ("", ".large-print")
        for paper in ("letter", "a4")
    ]
    for name in northside:
        assert f"built {out}/northside/{name}" in stdout
    total = len(locales) * 2 + len(northside)
    assert f"{total} PDF(s): {total} built, 0 up to date, 0 failed" in stdout
    assert len(list(out.rglob("*.pdf"))) == total


@pytest.mark.parametrize("spelling", ["zh-Hans", "zh_Hans"])
def test_locale_accepts_both_spellings(shipped: Path, tmp_path: Path, spelling: str) -> None:
    result = run("--locale", spelling, "--out", str(tmp_path), cwd=shipped)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "example/zh-Hans/ketamine-infusions.pdf").is_file()
    assert len(list(tmp_path.rglob("*.pdf"))) == 2  # one per brand


def test_unknown_locale_exits_2(shipped: Path) -> None:
    result = run("--locale", "xx", cwd=shipped)
    assert result.returncode == 2
    assert "unknown locale 'xx'" in result.stderr


def test_locale_without_catalog_exits_2(shipped: Path) -> None:
    result = run("--locale", "he", cwd=shipped)
    assert result.returncode == 2
    assert "no catalog for locale 'he'" in result.stderr and "build.py init he" in result.stderr


def test_bad_option_exits_2(shipped: Path) -> None:
    result = run("build", "--colour", "red", cwd=shipped)
    assert result.returncode == 2
    assert "usage-error" in result.stderr


def test_broken_po_exits_2_naming_file_and_line(tiny: Path, tmp_path: Path) -> None:
    path = tiny / "locales/es/LC_MESSAGES/templates.po"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("msgstr") and i > 20)
    lines[index] = lines[index].rstrip().rstrip('"') + "\n"  # drop the closing quote
    path.write_text("".join(lines), encoding="utf-8")
    for command in (["check"], ["build", "--out", str(tmp_path / "out")]):
        result = run(*command, cwd=tiny)
        assert result.returncode == 2, result.stderr
        assert f"locales/es/LC_MESSAGES/templates.po:{index + 1}: catalog-error: " in result.stderr
    assert not (tmp_path / "out").exists()


def test_bad_brand_exits_2_naming_every_key(tiny: Path) -> None:
    brand = tiny / "brands/example/brand.toml"
    text, count = re.subn(r'(?m)^primary = "#[0-9a-fA-F]{6}"$', 'primary = "#12"', brand.read_text())
    assert count == 1
    brand.write_text('slogan = "Care"\n' + text)
    result = run("build", cwd=tiny)
    assert result.returncode == 2
    assert "brands/example/brand.toml: colors.primary: config-error: '#12' is not a colour" in result.stderr
    assert "brands/example/brand.toml: slogan: config-error: unknown key" in result.stderr


def test_blanked_spanish_translation_fails_check_and_build_with_exit_1(tiny: Path) -> None:
    path = tiny / "locales/es/LC_MESSAGES/sample.po"
    po = polib.pofile(str(path))
    po[0].msgstr = ""
    po.save(str(path))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text == 'msgstr ""' and i > 20)
    for command in (["check"], ["build"]):
        result = run(*command, cwd=tiny)
        assert result.returncode == 1, result.stderr
        output = result.stdout + result.stderr
        assert f"locales/es/LC_MESSAGES/sample.po:{line}: untranslated: " in output
    assert not (tiny / "dist").exists()


def test_check_passes_on_the_committed_catalogs(shipped: Path) -> None:
    result = run("check", cwd=shipped)
    assert result.returncode == 0, result.stdout + result.stderr


def test_extract_is_deterministic_and_current(project_copy: Path) -> None:
    before = {p: p.read_bytes() for p in (project_copy / "locales").glob("*.pot")}
    assert run("extract", "--check", cwd=project_copy).returncode == 0
    assert run("extract", cwd=project_copy).returncode == 0
    assert {p: p.read_bytes() for p in (project_copy / "locales").glob("*.pot")} == before
    content = project_copy / "content/ketamine-infusions.md"
    content.write_text(content.read_text() + "\nA paragraph the catalogs have never seen.\n")
    result = run("extract", "--check", cwd=project_copy)
    assert result.returncode == 1
    assert "locales/ketamine-infusions.pot: out of date" in result.stdout


def test_init_creates_catalogs_and_refuses_to_overwrite(project_copy: Path) -> None:
    shutil.rmtree(project_copy / "locales/de")
    result = run("init", "de", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    po = polib.pofile(str(project_copy / "locales/de/LC_MESSAGES/ketamine-infusions.po"))
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert po.metadata["X-Translation-Method"] == "machine-draft"
    assert len(po) == len(polib.pofile(str(project_copy / "locales/ketamine-infusions.pot")))
    again = run("init", "de", cwd=project_copy)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    # A new handout: only its catalog is created, the existing ones stay as they are.
    (project_copy / "locales/de/LC_MESSAGES/templates.po").write_text("edited by a translator")
    (project_copy / "locales/de/LC_MESSAGES/ketamine-infusions.po").unlink()
    third = run("init", "de", cwd=project_copy)
    assert third.returncode == 0 and "ketamine-infusions.po" in third.stdout and "templates.po" not in third.stdout
    assert (project_copy / "locales/de/LC_MESSAGES/templates.po").read_text() == "edited by a translator"
    assert run("init", "xx", cwd=project_copy).returncode == 2


def test_internal_error_exits_70(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def crash(args: object) -> int:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli, "run", crash)
    assert cli.main(["check"]) == 70
    assert "internal-error" in capsys.readouterr().err


def test_console_script_is_declared() -> None:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["scripts"]["handouts"] == "handouts.cli:main"


def test_errors_keep_their_place_when_they_cross_processes() -> None:
    import pickle

    from handouts.errors import ErrorGroup, Location, RenderError

    error = RenderError("WeasyPrint warned", Location("dist/x.pdf", 3))
    group = pickle.loads(pickle.dumps(ErrorGroup([error])))
    assert str(group) == "dist/x.pdf:3: render-error: WeasyPrint warned"
    assert isinstance(group.errors[0], RenderError) and group.exit_code == 2


def test_a_plural_message_in_a_template_is_refused_with_its_line(project_copy: Path) -> None:
    """Plural forms are not supported end to end yet: extraction says so instead of keeping
    the singular alone."""
    page = project_copy / "templates/handout.html"
    lines = page.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "<main>" in line)
    lines.insert(index + 1, '<p>{{ ngettext("%(num)s visit", "%(num)s visits", 2) }}</p>\n')
    page.write_text("".join(lines))
    result = run("extract", cwd=project_copy)
    assert result.returncode == 2
    assert f"templates/handout.html:{index + 2}: input-error: plural messages" in result.stderr


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_jobs_must_be_a_positive_number(shipped: Path, value: str) -> None:
    result = run("build", "--jobs", value, cwd=shipped)
    assert result.returncode == 2 and "--jobs" in result.stderr and "whole number" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_check_with_a_locale_it_cannot_read_never_reports_success(tiny: Path, fmt: str) -> None:
    """The other locales are still checked, but no report of the run may read as a pass."""
    result = run("check", "--locale", "es", "--locale", "xx", "--format", fmt, cwd=tiny)
    assert result.returncode == 2 and "unknown locale 'xx'" in result.stderr
    if fmt == "text":
        assert "all " not in result.stdout
        assert result.stdout.splitlines()[-2:] == [
            "2 catalog(s) pass",
            "1 locale(s) could not be checked (see the errors)",
        ]
    elif fmt == "json":
        data = json.loads(result.stdout)
        assert data["ok"] is False and len(data["catalogs"]) == 2
        [unreadable] = data["unreadable"]
        assert "unknown locale 'xx'" in unreadable
    else:
        suite = ElementTree.fromstring(result.stdout)
        assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "0", "1")
        [error] = [case.find("error") for case in suite.findall("testcase") if case.find("error") is not None]
        assert error is not None and "unknown locale 'xx'" in (error.text or "")


def test_the_command_line_leaves_with_its_exit_code_its_output_and_its_exit_handlers(tmp_path: Path) -> None:
    """`build.py` skips the interpreter's teardown, and nothing else of an ordinary exit: the exit
    handlers run (a temporary folder is removed), buffered output is flushed, the code is kept."""
    marker = tmp_path / "handlers-ran"
    script = (
        "import atexit, pathlib, sys, tempfile\n"
        "from handouts.cli import leave\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "folder = tempfile.TemporaryDirectory()\n"
        f"pathlib.Path({str(tmp_path / 'folder')!r}).write_text(folder.name)\n"
        "sys.stdout.write('last words, unflushed')\n"
        "sys.stderr.write('a warning, unflushed')\n"
        "leave(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert (result.stdout, result.stderr) == ("last words, unflushed", "a warning, unflushed")
    assert marker.read_text() == "yes"
    assert not Path((tmp_path / "folder").read_text()).exists()
