"""How a parallel build shares its work: runs of one locale, a bounded set of fonts per worker,
and nothing written when the checks fail, although the workers start rendering before them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
import pytest

from handouts.errors import CheckFailed
from handouts.fonts import declared_fonts
from handouts.pipeline import BuildOptions, Project, build
from handouts.workers import runs

from .conftest import make_tiny


def test_runs_keep_one_key_each_cover_every_item_in_order_and_shrink() -> None:
    items = [(tag, n) for tag in ("ja", "ar", "en") for n in range(40)]
    cut = runs(items, key=lambda item: item[0], workers=2)
    assert [item for run in cut for item in run] == items
    assert all(len({tag for tag, _ in run}) == 1 for run in cut)
    assert len(cut[0]) == 30  # a quarter of 120 for two workers...
    assert [len(run) for run in cut[-4:]] == [1, 1, 1, 1]  # ... and short runs at the end
    assert runs([], key=lambda item: item, workers=2) == []
    assert runs([1, 2, 3], key=lambda item: 0, workers=1) == [[1, 2], [3]]


def test_a_writer_holds_every_shipped_script_and_bounds_the_font_bytes_beyond(tmp_path: Path) -> None:
    """Every declared script's fonts fit one font configuration, the four CJK faces among them;
    fonts beyond `FONT_BYTES` (a project declaring far larger ones) start a new configuration."""
    from handouts.catalogs import discover_locales
    from handouts.pdf import FONT_BYTES, PdfWriter

    from .conftest import ROOT

    fonts = declared_fonts()
    writer = PdfWriter(fonts, [])

    def files(tag: str) -> list[Path]:
        return [f.path for f in fonts.files_for([tag])]

    first = writer.font_config
    for locale in discover_locales(ROOT / "locales"):
        writer.use_fonts(files(locale.tag))
    assert writer.font_config is first
    assert len({path for tag in ("ja", "ko", "zh-Hans", "zh-Hant") for path in files(tag) if "CJK" in path.name}) == 8
    huge = tmp_path / "Huge-Regular.otf"
    with huge.open("wb") as file:
        file.truncate(FONT_BYTES)  # sparse: only its size is read
    writer.use_fonts([huge])
    assert writer.font_config is not first  # the old configuration (and its fonts) is let go
    second = writer.font_config
    writer.use_fonts([huge])
    assert writer.font_config is second  # what it holds already costs nothing more


def broken_tiny(tmp_path: Path) -> Project:
    """The tiny project with one untranslated Spanish message: its checks find a problem."""
    project = Project.at(make_tiny(tmp_path / "project"))
    path = project.locales_dir / "es/LC_MESSAGES/sample.po"
    catalog = polib.pofile(str(path))
    catalog[0].msgstr = ""
    catalog.save(str(path))
    return project


def test_a_parallel_release_build_whose_checks_fail_writes_no_pdf(tmp_path: Path) -> None:
    project = broken_tiny(tmp_path)
    with pytest.raises(CheckFailed):
        build(project, BuildOptions(("es", "ar"), jobs=2))
    assert not project.out_dir.exists()
    assert not list((project.cache_dir / "pdf").rglob("*.pdf"))
    # A draft renders it anyway, in the same workers, and marks it as such.
    result = build(project, BuildOptions(("es", "ar"), jobs=2, draft=True))
    assert sorted(job.locale.tag for job in result.built) == ["ar", "es"]
    assert all(job.output.name.endswith(".draft.pdf") and job.output.is_file() for job in result.built)


def test_ctrl_c_stops_a_parallel_build_quietly_and_leaves_only_whole_pdfs(shipped: Path, tmp_path: Path) -> None:
    """Ctrl-C reaches every process of the terminal's group: the build says "interrupted" once,
    exits 130, stops its workers (no worker prints a traceback), and every PDF left is whole."""
    import os
    import signal
    import subprocess
    import sys

    import pikepdf

    from .conftest import ROOT

    out = tmp_path / "out"
    build_py = [sys.executable, str(ROOT / "build.py"), "build", "--force", "--jobs", "2", "--out", str(out)]
    process = subprocess.Popen(
        build_py, cwd=shipped, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the first PDF is written: the workers are busy with the others
    assert first.startswith("built "), first + (process.stderr.read() if process.stderr else "")
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr == "interrupted\n"
    left = sorted(out.rglob("*"))
    assert not [path for path in left if path.is_file() and path.suffix != ".pdf"], left
    pdfs = [path for path in left if path.suffix == ".pdf"]
    assert pdfs
    for pdf in pdfs:
        with pikepdf.open(pdf) as document:
            assert len(document.pages) >= 1


def frozen_in_worker(run: list[int]) -> list[int]:
    import gc

    return [gc.get_freeze_count() for _ in run]


def test_workers_inherit_the_build_frozen_and_the_build_thaws() -> None:
    """What a worker inherits at the fork is frozen there (its collections never walk it); the
    building process itself keeps nothing frozen, so its later garbage can still be collected."""
    import gc

    from handouts.workers import Pool

    inherited = [object() for _ in range(1000)]
    pool = Pool(2, lambda: None, ())
    try:
        counts = list(pool.map_runs(frozen_in_worker, list(range(8)), key=lambda n: n % 2))
    finally:
        pool.close()
    assert len(counts) == 8 and min(counts) > len(inherited)
    assert gc.get_freeze_count() == 0


def test_the_layout_stylesheet_is_parsed_once_per_build_not_in_every_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`handout.css` holds no fonts: the build's process parses it before the workers fork, and
    no worker parses it again, whatever the locales and fonts of its jobs."""
    import os

    from handouts import pdf

    project = Project.at(make_tiny(tmp_path / "project"))
    marker = "/* layout parsed once */"
    layout = project.templates_dir / "handout.css"
    layout.write_text(layout.read_text(encoding="utf-8") + marker, encoding="utf-8")
    parses = tmp_path / "parses"
    pdf.preload(declared_fonts())
    weasyprint = pdf.import_weasyprint()
    real = weasyprint.CSS

    def counted(*args: object, string: str | None = None, **kwargs: object) -> object:
        if string is not None and marker in string:
            with parses.open("a") as log:
                log.write(f"{os.getpid()}\n")
        return real(*args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", counted)
    monkeypatch.setattr(pdf, "LAYOUTS", {})
    result = build(project, BuildOptions(("es", "ar"), jobs=2, draft=True))
    assert len(result.built) == 2
    assert parses.read_text().split() == [str(os.getpid())]


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        (
            '@font-face { font-family: "Own"; src: url(file:///usr/share/fonts/truetype/noto/NotoSans-Regular.ttf); }',
            "declares the font .Own. \\(@font-face\\)",
        ),
        ('@import url("https://example.org/x.css");', "layout stylesheet rejected"),
    ],
)
def test_the_layout_stylesheet_can_declare_no_font_and_fetch_nothing(
    tmp_path: Path, addition: str, message: str
) -> None:
    """Fonts come from the font declaration and the brands alone; the layout fetches nothing."""
    from handouts.errors import HandoutsError

    project = Project.at(make_tiny(tmp_path / "project"))
    layout = project.templates_dir / "handout.css"
    layout.write_text(layout.read_text(encoding="utf-8") + addition, encoding="utf-8")
    with pytest.raises(HandoutsError, match=message):
        build(project, BuildOptions(("es",), jobs=1, draft=True))


@pytest.mark.parametrize("jobs", [1, 2])
def test_beside_workers_the_checks_run_in_a_process_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """With workers, the catalogs are checked in a forked process, on the other core while this
    one imports WeasyPrint and forks the workers; the report is the one checking here gives."""
    import os

    from handouts import pipeline

    project = broken_tiny(tmp_path)
    calls = tmp_path / "calls"
    real = pipeline.check_inputs

    def logged(*args: Any, **kwargs: Any) -> Any:
        with calls.open("a") as log:
            log.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "check_inputs", logged)
    warned: list[Any] = []
    result = build(project, BuildOptions(("es", "ar"), jobs=jobs, draft=True), warn=warned.append)
    assert len(result.built) == 2
    (pid,) = calls.read_text().split()
    assert (pid != str(os.getpid())) is (jobs == 2)
    expected = real(pipeline.load_inputs(project, ("es", "ar")), project).problems
    assert warned == expected and any(problem.check == "untranslated" for problem in warned)


def dies_in_forked_processes(monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    """`handouts.pipeline.<name>` ends any forked process that calls it, as a crash would, and runs
    as ever in this one; gives the real function back."""
    import os

    from handouts import pipeline

    real = getattr(pipeline, name)
    building = os.getpid()

    def dies_in_its_process(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != building:
            os._exit(3)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, name, dies_in_its_process)
    return real


def test_checks_whose_process_fails_run_again_in_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks' process dying (or raising) costs time, never the report: the build checks the
    catalogs itself, and so reports whatever error they meet."""
    project = broken_tiny(tmp_path)
    dies_in_forked_processes(monkeypatch, "check_inputs")
    warned: list[Any] = []
    build(project, BuildOptions(("es", "ar"), jobs=2, draft=True), warn=warned.append)
    assert any(problem.check == "untranslated" for problem in warned)
    with pytest.raises(CheckFailed):
        build(project, BuildOptions(("es", "ar"), jobs=2))
    assert not project.out_dir.joinpath("example/es").exists()


def logged_calls(monkeypatch: pytest.MonkeyPatch, log: Path, *names: str) -> None:
    """Each call of these `handouts.pipeline` functions writes `name pid` to `log`."""
    import os

    from handouts import pipeline

    for name in names:
        real = getattr(pipeline, name)

        def logged(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            with log.open("a") as file:
                file.write(f"{_name} {os.getpid()}\n")
            return _real(*args, **kwargs)

        monkeypatch.setattr(pipeline, name, logged)


def test_with_nothing_built_the_inputs_load_beside_the_weasyprint_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that must render every PDF loads and checks its inputs in a process of its own, and
    this process renders with the very inputs that process checked; a build with its PDFs stored
    loads them itself and imports no WeasyPrint for them."""
    import os

    project = broken_tiny(tmp_path)
    calls = tmp_path / "calls"
    logged_calls(monkeypatch, calls, "load_inputs", "check_inputs")
    warned: list[Any] = []
    result = build(project, BuildOptions(("es", "ar"), jobs=2, draft=True), warn=warned.append)
    assert len(result.built) == 2
    (load, load_pid), (check, check_pid) = (line.split() for line in calls.read_text().splitlines())
    assert (load, check) == ("load_inputs", "check_inputs")
    assert load_pid == check_pid != str(os.getpid())
    assert any(problem.check == "untranslated" for problem in warned)
    assert result.inputs.catalogs["es"].catalogs["sample"].po[0].msgstr == ""  # what the checks saw
    calls.unlink()
    result = build(project, BuildOptions(("es", "ar"), jobs=2, draft=True))
    assert len(result.skipped) == 2
    assert calls.read_text().split() == ["load_inputs", str(os.getpid()), "check_inputs", str(os.getpid())]


def test_inputs_that_cannot_load_beside_the_import_load_here_and_report_their_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inputs' process failing costs time, never the build: this process loads the inputs
    itself, and a broken catalog is reported as ever, with its file and line."""
    from handouts import pipeline
    from handouts.errors import CatalogError, ErrorGroup

    project = Project.at(make_tiny(tmp_path / "project"))
    real = dies_in_forked_processes(monkeypatch, "load_inputs")
    assert len(build(project, BuildOptions(("es", "ar"), jobs=2)).built) == 2
    monkeypatch.setattr(pipeline, "load_inputs", real)
    path = project.locales_dir / "es/LC_MESSAGES/sample.po"
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "unterminated\n', encoding="utf-8")
    with pytest.raises((CatalogError, ErrorGroup)) as error:
        build(project, BuildOptions(("es", "ar"), jobs=2, force=True))
    assert "sample.po:82: catalog-error: unterminated string" in str(error.value)


def test_the_build_renders_one_pdf_itself_and_its_workers_inherit_what_that_loaded(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the checks run beside it, the building process renders the lightest PDF itself; the
    workers fork after it and render the others with its writer and templates, not new ones."""
    import os

    project = Project.at(shipped, tmp_path / "out")
    calls = tmp_path / "calls"
    logged_calls(monkeypatch, calls, "render_one", "start_worker")
    result = build(project, BuildOptions(("es", "ar", "hi", "de"), jobs=2, force=True))
    assert len(result.built) >= 8
    lines = [line.split() for line in calls.read_text().splitlines()]
    here = [name for name, pid in lines if pid == str(os.getpid())]
    assert here == ["start_worker", "render_one"]
    workers = {pid for name, pid in lines if pid != str(os.getpid())}
    assert len(workers) == 2
    assert not [name for name, pid in lines if name == "start_worker" and pid in workers]
    assert sum(1 for name, _ in lines if name == "render_one") == len(result.built)
