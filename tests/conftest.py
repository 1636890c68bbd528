"""Shared fixtures: copies of the real project and of the sample projects, and one build of every PDF.

No test runs in the repository itself: every build, check and release works in a copy under the
test's temporary folder, with its own `.cache/` and output folder, so results never depend on
what an earlier test (or a developer's own build) left behind.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import pytest

from handouts.pipeline import BuildOptions, Job, Project, build

ROOT = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"  # small sample projects, one per feature
T = TypeVar("T")
PROJECT_PARTS = ("content", "locales", "templates", "brands")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def repository_outputs() -> dict[str, tuple[int, int]]:
    """Every file under the repository's own `.cache/` and `dist/`: (size, modification time)."""
    found = {}
    for folder in (ROOT / ".cache", ROOT / "dist"):
        for path in folder.rglob("*") if folder.is_dir() else ():
            stat = path.lstat()
            found[str(path.relative_to(ROOT))] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="session", autouse=True)
def repository_outputs_untouched() -> Iterator[None]:
    """No test reads its results from, or writes into, the repository's `.cache/` or `dist/`."""
    before = repository_outputs()
    yield
    after = repository_outputs()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"tests wrote into the repository: {changed[:10]}"


def copy_project(target: Path) -> Path:
    """A private copy of the project's inputs that a test may break."""
    for part in PROJECT_PARTS:
        shutil.copytree(ROOT / part, target / part)
    return target


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the shipped project for tests that only read it, build into their own `--out` or check it."""
    return copy_project(tmp_path_factory.mktemp("shipped"))


def copy_root(name: str, target: Path) -> Path:
    """A private copy of the sample project `tests/roots/<name>`."""
    shutil.copytree(ROOTS / name, target)
    return target


def make_tiny(target: Path) -> Path:
    """The tiny sample project (`tests/roots/tiny`): one short handout in Spanish and Arabic, with
    the real templates (and their catalogs) and one brand."""
    shutil.copytree(ROOTS / "tiny", target)
    shutil.copytree(ROOT / "templates", target / "templates")
    shutil.copytree(ROOT / "brands/example", target / "brands/example")
    shutil.copy(ROOT / "locales/templates.pot", target / "locales")
    for locale in ("es", "ar"):
        shutil.copy(ROOT / f"locales/{locale}/LC_MESSAGES/templates.po", target / f"locales/{locale}/LC_MESSAGES")
    return target


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make_tiny(tmp_path / "project")


@pytest.fixture
def update_root(tmp_path: Path) -> Path:
    """A copy of `tests/roots/update`: one handout and the templates, translated into Spanish."""
    return copy_root("update", tmp_path / "project")


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="session")
def weasyprint_log() -> Iterator[Recorder]:
    """Every record the `weasyprint` logger emits during the session's builds."""
    recorder = Recorder()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(recorder)
    yield recorder
    logger.removeHandler(recorder)


# --- the session's big builds, each made once per run ---------------------------------------------
#
# pytest-xdist runs the suite in one process per core (`-n auto` in pyproject.toml), and a session
# fixture is set up in each worker that needs it. The big builds below are made by the first worker
# that needs one, in a folder all the workers of the run share, under a lock; the others wait for it
# and read what it left there (with `-n 0` the one process does both).


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this run shares (the run's own temporary folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


# What `once` made or loaded in this process, by name: a shuffled order sets `built` up many times.
ONCE: dict[str, object] = {}


def once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T], load: Callable[[Path], T]
) -> T:
    """`make(folder)` in the first worker that asks for `name`; `load(folder)` in the others, once it is made."""
    if name not in ONCE:
        folder = run_folder(tmp_path_factory) / f"once-{name}"
        folder.mkdir(exist_ok=True)
        done = folder / "done"
        with open(folder / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if `make` fails
            if not done.exists():
                ONCE[name] = make(folder)
                done.touch()
        if name not in ONCE:
            ONCE[name] = load(folder)
    return cast(T, ONCE[name])


# What WeasyPrint warned while rendering each paper's PDFs (filled as `built` sets up).
BUILD_WARNINGS: dict[str, list[str]] = {}


@pytest.fixture(scope="session", params=["letter", "a4"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Job]:
    """Every PDF of the real project on each paper size, built once per run into its own copy, by locale tag.

    In a shuffled order pytest tears a parametrized session fixture down and sets it up again
    whenever the paper changes; the build itself still happens once per paper.
    """
    paper = request.param
    options = BuildOptions(brands=("example",), paper=paper)

    def make(folder: Path) -> dict[str, Job]:
        project = copy_project(folder / "project")  # its own cache: nothing built before
        recorder = Recorder()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(recorder)
        try:  # rendered in this process (jobs=1), so that the recorder hears every warning
            result = build(Project(project, project / "dist"), options)
        finally:
            logger.removeHandler(recorder)
        assert len(result.built) == len(result.jobs) > 1 and not result.skipped  # every PDF rendered here
        warnings = [r.getMessage() for r in recorder.records if r.levelno >= logging.WARNING]
        (folder / "weasyprint-warnings.json").write_text(json.dumps(warnings), encoding="utf-8")
        return {job.locale.tag: job for job in result.jobs}

    def load(folder: Path) -> dict[str, Job]:
        """The same build again, which finds every PDF up to date and renders nothing."""
        project = folder / "project"
        result = build(Project(project, project / "dist"), options)
        assert len(result.skipped) == len(result.jobs) and not result.built
        return {job.locale.tag: job for job in result.jobs}

    jobs = once(tmp_path_factory, f"built-{paper}", make, load)
    warnings = json.loads((run_folder(tmp_path_factory) / f"once-built-{paper}/weasyprint-warnings.json").read_text())
    BUILD_WARNINGS[paper] = warnings
    return jobs


@dataclass(frozen=True)
class ShippedBuild:
    """The shipped project's every PDF, as one forced CLI build wrote them."""

    project: Path  # its own copy of the project, whose `.cache/` now holds every PDF
    out: Path
    stdout: str


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a separate process, as CI runs it for a release (SOURCE_DATE_EPOCH set)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1764460800"},
        timeout=900,
    )


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> ShippedBuild:
    """Every PDF of the shipped project (every clinic, language, paper and edition), rendered once per
    run by the default command (`build`) with `--force`, in two worker processes; the release and
    the build tests reuse it."""

    def make(folder: Path) -> ShippedBuild:
        project = copy_project(folder / "project")
        out = folder / "out"
        result = cli(project, "--force", "--jobs", "2", "--out", str(out))
        assert result.returncode == 0, result.stderr
        (folder / "stdout.txt").write_text(result.stdout, encoding="utf-8")
        return ShippedBuild(project, out, result.stdout)

    def load(folder: Path) -> ShippedBuild:
        return ShippedBuild(folder / "project", folder / "out", (folder / "stdout.txt").read_text(encoding="utf-8"))

    return once(tmp_path_factory, "shipped-build", make, load)


@pytest.fixture(scope="session")
def released(shipped_build: ShippedBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full release of the real project, made once per run by the CLI in a separate process (its
    PDFs come from the build cache that `shipped_build` filled: the same bytes, rendered once)."""

    def make(folder: Path) -> Path:
        result = cli(shipped_build.project, "release", "--out", str(folder / "release"))
        assert result.returncode == 0, result.stderr
        return folder / "release"

    return once(tmp_path_factory, "release", make, lambda folder: folder / "release")
