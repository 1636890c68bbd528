"""Property tests: random bytes and random Unicode in catalogs, front matter and brand files end
in exit 0, 1 or 2 with a message, never in a traceback or exit 70."""

from __future__ import annotations

import json
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import make_tiny
from .test_hostile import po, run_cli

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)
# Text as translators and clinics might paste it: any code point, control characters included.
TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_tiny(tmp_path / "project")


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_a_catalog(project: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    po(project).write_bytes(data)
    code, out, err = run_cli(project, "check", "--locale", "es", capsys=capsys)
    assert code in (1, 2)
    assert "sample.po" in out + err


@FUZZ
@given(data=st.binary(min_size=1, max_size=200), where=st.integers(min_value=0))
def test_random_bytes_inside_a_catalog(
    project: Path, capsys: pytest.CaptureFixture[str], data: bytes, where: int
) -> None:
    original = project / "original.po"
    if not original.exists():
        original.write_bytes(po(project).read_bytes())
    text = original.read_bytes()
    at = where % len(text)
    po(project).write_bytes(text[:at] + data + text[at:])
    code, _, _ = run_cli(project, "check", "--locale", "es", capsys=capsys)
    assert code in (0, 1, 2)


@FUZZ
@given(translation=TEXT)
def test_random_unicode_as_a_translation(project: Path, capsys: pytest.CaptureFixture[str], translation: str) -> None:
    catalog = polib.pofile(str(po(project)), wrapwidth=0)
    entry = catalog.find("First item of a list.")
    assert entry is not None
    entry.msgstr = translation
    catalog.save()
    code, _, _ = run_cli(project, "check", "--locale", "es", capsys=capsys)
    assert code in (0, 1, 2)


@FUZZ
@given(data=st.binary(max_size=1000))
def test_random_bytes_as_a_handout(project: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    (project / "content/sample.md").write_bytes(data)
    code, _, err = run_cli(project, "check", capsys=capsys)
    assert code in (1, 2)
    assert "sample.md" in err


@FUZZ
@given(front_matter=TEXT)
def test_random_unicode_as_front_matter(project: Path, capsys: pytest.CaptureFixture[str], front_matter: str) -> None:
    page = project / "content/sample.md"
    body = page.read_text().split("---\n", 2)[2]
    page.write_text(f"---\n{front_matter}\n---\n{body}")
    code, _, _ = run_cli(project, "check", capsys=capsys)
    assert code in (1, 2)


@FUZZ
@given(key=st.sampled_from(["title", "slug", "source_version", "last_reviewed", "pages"]), value=TEXT)
def test_random_values_in_front_matter(project: Path, capsys: pytest.CaptureFixture[str], key: str, value: str) -> None:
    page = project / "content/sample.md"
    original = project / "original.md"
    if not original.exists():
        original.write_text(page.read_text())
    lines = original.read_text().splitlines(keepends=True)
    lines = [f"{key}: {json.dumps(value)}\n" if line.startswith(f"{key}:") else line for line in lines]
    page.write_text("".join(lines))
    code, _, _ = run_cli(project, "check", capsys=capsys)
    assert code in (0, 1, 2)


@FUZZ
@given(data=st.binary(max_size=1000))
def test_random_bytes_as_a_brand_file(project: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    (project / "brands/example/brand.toml").write_bytes(data)
    code, _, err = run_cli(project, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code == 2
    assert "brand.toml" in err


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True)
@given(key=st.sampled_from(["name", "phone", "website", "email", "logo.alt", "colors.primary"]), value=TEXT)
def test_random_values_in_a_brand_file(project: Path, capsys: pytest.CaptureFixture[str], key: str, value: str) -> None:
    brand = project / "brands/example/brand.toml"
    original = project / "original.toml"
    if not original.exists():
        original.write_text(brand.read_text())
    name = key.split(".")[-1]
    lines = original.read_text().splitlines(keepends=True)
    lines = [f"{name} = {json.dumps(value)}\n" if line.startswith(f"{name} =") else line for line in lines]
    brand.write_text("".join(lines))
    code, _, _ = run_cli(project, "build", "--locale", "es", "--jobs", "1", capsys=capsys)
    assert code in (0, 2)
