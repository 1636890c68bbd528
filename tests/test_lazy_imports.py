"""A build with nothing to do stays cheap: the heavy libraries are imported only to render."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handouts.pipeline import Project, build

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"weasyprint", "pikepdf", "fontTools", "PIL"}


def imported_modules(importtime_log: str) -> set[str]:
    """Every module named by `python -X importtime` (lines `import time: self | cumulative | name`)."""
    names = set()
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                names.add(name)
    return names


def test_imports_of_the_importtime_log_are_read() -> None:
    log = "import time: self [us] | cumulative | imported package\nimport time: 12 | 30 |   fontTools.ttLib\n"
    assert imported_modules(log) == {"fontTools.ttLib"}


def test_an_up_to_date_build_imports_no_renderer(tmp_path: Path) -> None:
    """`build.py build` with every PDF up to date: no WeasyPrint, pikepdf, fontTools or Pillow.

    The project has a brand with its own font (whose coverage is read with fontTools when
    rendering) and a locale of another script, so every lazy import is on the path."""
    project = tmp_path / "project"
    for part in ("content", "templates"):
        shutil.copytree(ROOT / part, project / part)
    for brand in ("example", "lakeside"):  # every language; lakeside has its own font
        shutil.copytree(ROOT / "brands" / brand, project / "brands" / brand)
    (project / "locales").mkdir()
    for pot in (ROOT / "locales").glob("*.pot"):
        shutil.copy(pot, project / "locales")
    for folder in ("es", "hi"):
        shutil.copytree(ROOT / "locales" / folder, project / "locales" / folder)
    first = build(Project.at(project))
    assert len(first.built) == 6  # en, es, hi for two brands

    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "build.py"), "--project", str(project), "build"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "0 built, 6 up to date" in result.stdout + result.stderr
    modules = imported_modules(result.stderr)
    assert "handouts.pipeline" in modules  # the log is read as it should be
    heavy = sorted(name for name in modules if name.split(".")[0] in HEAVY)
    assert heavy == []


SPAWNS = """
import subprocess, sys
sys.path.insert(0, {root!r})
spawned = []
real = subprocess.Popen.__init__
def record(self, args, *rest, **options):
    spawned.append(args)
    real(self, args, *rest, **options)
subprocess.Popen.__init__ = record
{importer}
from weasyprint.text import ffi
assert ffi.pango and ffi.harfbuzz and ffi.harfbuzz_subset and ffi.fontconfig and ffi.pangoft2
print(len(spawned))
"""


@pytest.mark.parametrize(
    ("importer", "spawns"),
    [("from handouts.pdf import import_weasyprint; import_weasyprint()", False), ("import weasyprint", True)],
)
def test_weasyprint_opens_its_libraries_without_searching_for_them(importer: str, spawns: bool) -> None:
    """Imported through `handouts.pdf`, WeasyPrint opens Pango, HarfBuzz (its subsetter too) and
    Fontconfig by their sonames: no `ldconfig`, `gcc` or `ld` is run for the names it tries first,
    as a plain `import weasyprint` does (the second case shows what the first is guarding against)."""
    code = SPAWNS.format(root=str(ROOT), importer=importer)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (int(result.stdout.split()[-1]) > 0) is spawns, result.stdout
