"""Shared fixtures: copies of the real project and of the sample projects, and one build of every PDF.

No test runs in the repository itself: every build, check and release works in a copy under the
test's temporary folder, with its own `.cache/` and output folder, so results never depend on
what an earlier test (or a developer's own build) left behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from handouts.pipeline import BuildOptions, Job, Project, build

ROOT = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"  # small sample projects, one per feature
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


@pytest.fixture(scope="session")
def builds() -> dict[str, dict[str, Job]]:
    """The session's builds by paper size, kept while pytest sets `built` up again for another order."""
    return {}


@pytest.fixture(scope="session", params=["letter", "a4"])
def built(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    weasyprint_log: Recorder,
    builds: dict[str, dict[str, Job]],
) -> dict[str, Job]:
    """Every PDF of the real project on each paper size, built once per session into its own copy, by locale tag.

    In a shuffled order pytest tears a parametrized session fixture down and sets it up again
    whenever the paper changes; the build itself still happens once per paper.
    """
    paper = request.param
    if paper not in builds:
        project = copy_project(tmp_path_factory.mktemp(f"project-{paper}"))  # its own cache: nothing built before
        jobs = build(Project(project, project / "dist"), BuildOptions(brands=("example",), paper=paper))
        builds[paper] = {job.locale.tag: job for job in jobs}
    return builds[paper]


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
    session by the default command (`build`) with `--force`, in two worker processes; the release and
    the build tests reuse it."""
    project = copy_project(tmp_path_factory.mktemp("release-project"))
    out = tmp_path_factory.mktemp("shipped-build")
    result = cli(project, "--force", "--jobs", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return ShippedBuild(project, out, result.stdout)


@pytest.fixture(scope="session")
def released(shipped_build: ShippedBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full release of the real project, made once by the CLI in a separate process (its PDFs come
    from the build cache that `shipped_build` filled: the same bytes, rendered once)."""
    out = tmp_path_factory.mktemp("release")
    result = cli(shipped_build.project, "release", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


# Tests that read one of the session's big builds run in one worker of pytest-xdist (`--dist
# loadgroup`), so that each set of PDFs is still built once per session; the other tests spread out.
def build_group(item: pytest.Item) -> str | None:
    names = getattr(item, "fixturenames", ())
    if "built" in names:
        callspec = getattr(item, "callspec", None)
        return f"built-{callspec.params['built']}" if callspec is not None else "built"
    if "released" in names or "shipped_build" in names:
        return "shipped-build"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = build_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
