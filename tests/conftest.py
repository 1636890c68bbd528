"""Shared fixtures: the real project, copies of it to break, and one build of every PDF."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from handouts.pipeline import Job, Project, build

ROOT = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"  # small sample projects, one per feature
PROJECT_PARTS = ("content", "locales", "templates", "brands")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_project(target: Path) -> Path:
    """A private copy of the project's inputs that a test may break."""
    for part in PROJECT_PARTS:
        shutil.copytree(ROOT / part, target / part)
    return target


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


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


@pytest.fixture(scope="session", params=["letter", "a4"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, weasyprint_log: Recorder
) -> dict[str, Job]:
    """Every PDF of the real project on each paper size, built once into a temporary folder, by locale tag."""
    paper = request.param
    out = tmp_path_factory.mktemp(f"dist-{paper}")
    jobs = build(Project(ROOT, out), brands=["example"], paper=paper)
    return {job.locale.tag: job for job in jobs}


@pytest.fixture(scope="session")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full release of the real project, made once by the CLI in a separate process."""
    out = tmp_path_factory.mktemp("release")
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "release", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1764460800"},
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return out
