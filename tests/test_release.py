"""Builds for CI: reproducible, incremental, parallel, sharded; release artifacts that check out."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import zipfile
from pathlib import Path

import polib
import pytest

from handouts import release
from handouts.errors import UsageError
from handouts.pipeline import BuildOptions, Project, build

from .conftest import ShippedBuild, copy_project
from .test_cli import run

SAMPLE = ["--locale", "en", "--locale", "ar", "--locale", "zh-Hans", "--locale", "hi"]


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.pdf"))
    }


def test_two_builds_in_separate_processes_are_byte_identical(shipped_build: ShippedBuild, tmp_path: Path) -> None:
    """A second process, serial this time, renders the same bytes as the session's build of every PDF."""
    result = run("build", "--force", "--jobs", "1", "--out", str(tmp_path / "two"), *SAMPLE, cwd=shipped_build.project)
    assert result.returncode == 0, result.stderr
    two = digests(tmp_path / "two")
    one = {name: digest for name, digest in digests(shipped_build.out).items() if name in two}
    assert len(two) == 4 + 4 + 4 and one == two  # two brands x 4 locales, and Northside's English x 4
    assert set(two) == {name for name in digests(shipped_build.out) if name.split("/")[1] in SAMPLE}


def test_parallel_and_serial_builds_give_the_same_bytes(shipped_build: ShippedBuild, tmp_path: Path) -> None:
    """In-process and serial against the session's build in two worker processes."""
    build(Project(shipped_build.project, tmp_path / "serial"), BuildOptions(("es", "ko"), jobs=1, force=True))
    serial = digests(tmp_path / "serial")
    parallel = {name: sha for name, sha in digests(shipped_build.out).items() if name.split("/")[1] in ("es", "ko")}
    assert len(serial) == 2 + 2 + 4 and serial == parallel  # two brands, and Northside's Spanish x 4


@pytest.fixture
def project(tmp_path: Path) -> Project:
    copy_project(tmp_path / "project")
    return Project.at(tmp_path / "project")


def outcome(project: Project, **options: object) -> tuple[set[str], set[str]]:
    result = build(project, BuildOptions(**options))  # type: ignore[arg-type]
    name = lambda job: f"{job.brand.id}/{job.locale.tag}"  # noqa: E731
    return {name(j) for j in result.built}, {name(j) for j in result.skipped}


def test_incremental_builds_rebuild_only_what_changed(project: Project) -> None:
    locales = ["es", "fr", "ar"]
    built, skipped = outcome(project, locales=locales)
    assert len(built) == 7 and not skipped  # Northside offers Spanish only of these
    built, skipped = outcome(project, locales=locales)
    assert not built and len(skipped) == 7
    # One translation in one locale: only that locale, in both brands.
    path = project.locales_dir / "fr/LC_MESSAGES/ketamine-infusions.po"
    po = polib.pofile(str(path))
    title = po[0].msgstr
    po[0].msgstr = title[0].lower() + title[1:]  # the translator writes the title in lower case
    assert po[0].msgstr != title
    po.save(str(path))
    built, _ = outcome(project, locales=locales)
    assert built == {"example/fr", "lakeside/fr"}
    # One brand: only that brand's PDFs.
    brand = project.brands_dir / "lakeside/brand.toml"
    text, count = re.subn(r'(?m)^accent = "#[0-9a-fA-F]{6}"$', 'accent = "#ffffff"', brand.read_text())
    assert count == 1 and text != brand.read_text()
    brand.write_text(text)
    built, _ = outcome(project, locales=locales)
    assert built == {"lakeside/es", "lakeside/fr", "lakeside/ar"}
    # --force rebuilds everything.
    built, _ = outcome(project, locales=locales, force=True)
    assert len(built) == 7


def test_a_corrupt_cache_entry_is_rebuilt_never_trusted(project: Project) -> None:
    (job,) = build(project, BuildOptions(("es",), ("example",))).jobs
    good = job.output.read_bytes()
    cached = sorted((project.cache_dir / "pdf").rglob("*.pdf"))
    assert len(cached) == 1
    cached[0].write_bytes(good[: len(good) // 2])  # a half-written entry
    job.output.unlink()
    result = build(project, BuildOptions(("es",), ("example",)))
    assert [j.output for j in result.built] == [job.output]
    assert job.output.read_bytes() == good


def test_shards_together_are_the_whole_build_exactly_once(shipped_build: ShippedBuild, tmp_path: Path) -> None:
    shipped = shipped_build.project  # its cache holds every PDF: the shards copy them
    seen: list[str] = []
    for k in (1, 2, 3):
        result = build(Project(shipped, tmp_path / f"shard{k}"), BuildOptions(shard=(k, 3)))
        seen.extend(j.output.relative_to(tmp_path / f"shard{k}").as_posix() for j in result.jobs)
    full = [j.output.relative_to(tmp_path / "full").as_posix() for j in build(Project(shipped, tmp_path / "full")).jobs]
    assert sorted(seen) == sorted(full) and len(seen) == len(set(seen))
    again = [j.output.name for j in build(Project(shipped, tmp_path / "again"), BuildOptions(shard=(2, 3))).jobs]
    assert len(again) in (len(full) // 3, len(full) // 3 + 1)


def test_merge_refuses_a_gap_and_an_overlap(shipped_build: ShippedBuild, tmp_path: Path) -> None:
    shipped = shipped_build.project  # its cache holds every PDF
    first = Project(shipped, tmp_path / "s1")
    release.release(first, BuildOptions(shard=(1, 2)))
    with pytest.raises(Exception, match="missing shards \\[2\\]"):
        release.merge(Project(shipped, tmp_path / "merged"), [tmp_path / "s1"])
    (tmp_path / "s1b").mkdir()
    manifest = next((tmp_path / "s1").glob("manifest.shard-*.json"))
    (tmp_path / "s1b" / manifest.name).write_text(manifest.read_text())
    with pytest.raises(Exception, match=r"given twice|overlap"):
        release.merge(Project(shipped, tmp_path / "merged"), [tmp_path / "s1", tmp_path / "s1b"])


def translation_method(project: Path, locale: str, domain: str) -> str:
    path = project / "locales" / locale.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"
    return str(polib.pofile(str(path)).metadata["X-Translation-Method"])


def test_manifest_describes_every_pdf_and_its_hashes_match(released: Path, shipped: Path) -> None:
    manifest = json.loads((released / "manifest.json").read_text())
    pdfs = manifest["pdfs"]
    assert len(pdfs) == 36 + 12 and manifest["source_date_epoch"] == 1764460800
    assert manifest["release"] == "handouts-2025-11-30" and manifest["tool_version"]
    fields = "path handout locale brand clinic paper edition pages bytes sha256 source_version last_reviewed"
    for entry in pdfs:
        assert set(entry) == {*fields.split(), "completeness", "review", "fonts", "thumbnail"}, entry
        assert (released / entry["thumbnail"]).is_file()
        data = (released / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        budget = 6 if entry["edition"] == "large-print" else 2
        assert entry["pages"] <= budget and entry["fonts"] and all(len(f["sha256"]) == 64 for f in entry["fonts"])
        assert entry["completeness"]["percent"] == 100.0
        if entry["locale"] == "en":
            assert entry["review"]["method"] == "source"
            continue
        # the weaker of the two catalogs' own X-Translation-Method, whatever review has landed
        methods = {translation_method(shipped, entry["locale"], d) for d in (entry["handout"], "templates")}
        assert entry["review"]["method"] in methods, (entry["review"], methods)
        if methods == {"machine-draft"}:  # both catalogs are machine drafts
            held = entry["review"]["held_back_by"]
            assert [Path(p).name for p in held] == [f"{entry['handout']}.po", "templates.po"], held
    assert manifest["tools"]["weasyprint"].startswith("70.")


def test_sha256sums_checks_out_with_sha256sum(released: Path) -> None:
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=released, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listed = (released / "SHA256SUMS").read_text().splitlines()
    assert any(line.endswith("  manifest.json") for line in listed) and any(
        line.endswith("  index.html") for line in listed
    )
    assert sum(line.endswith(".pdf") for line in listed) == 48  # the handouts; review sheets are apart
    assert not any("review/" in line for line in listed)
    review = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=released / "review", capture_output=True, text=True
    )
    assert review.returncode == 0, review.stdout + review.stderr
    assert len(review.stdout.splitlines()) == 17  # a review sheet per translated language


def test_the_library_page_says_which_catalog_holds_a_translation_back(released: Path, shipped: Path) -> None:
    page = (released / "index.html").read_text()
    domains = ("ketamine-infusions", "templates")
    tags = [p.name for p in (shipped / "locales").iterdir() if p.is_dir()]
    drafts = [t for t in tags if {translation_method(shipped, t, d) for d in domains} == {"machine-draft"}]
    assert not drafts or "machine draft, not yet reviewed (held back by ketamine-infusions.po, templates.po)" in page
    assert "Patient handouts, release handouts-2025-11-30" in page
    assert "A4, large print" in page and "US Letter, large print" in page


def test_review_sheets_are_an_archive_of_their_own(released: Path) -> None:
    with zipfile.ZipFile(released / "handouts-2025-11-30-review.zip") as zf:
        names = zf.namelist()
    assert names and all(n.startswith("handouts-2025-11-30-review/review/") for n in names)
    assert sum(n.endswith(".review.pdf") for n in names) == 17
    with zipfile.ZipFile(released / "handouts-2025-11-30.zip") as zf:
        assert not any("/review/" in n for n in zf.namelist())


def test_archive_is_reproducible_and_dated_from_source_date_epoch(released: Path, tmp_path: Path) -> None:
    archive = released / "handouts-2025-11-30.zip"  # named after the content: SOURCE_DATE_EPOCH's date
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        assert {info.date_time for info in infos} == {(2025, 11, 30, 0, 0, 0)}
        names = [info.filename.split("/", 1)[1] for info in infos]
        assert "manifest.json" in names and "SHA256SUMS" in names and names == sorted(names)
    files = [n for n in names if n != "SHA256SUMS"] + ["SHA256SUMS"]
    release.write_zip(tmp_path / "one.zip", released, files)
    release.write_zip(tmp_path / "two.zip", released, list(reversed(files)))
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_build_options_report_every_mistake_at_once() -> None:
    with pytest.raises(UsageError) as caught:
        BuildOptions(paper="a5", editions=("huge",), jobs=0, shard=(3, 2), time_limit=0)
    message = str(caught.value)
    for mistake in ("paper 'a5'", "edition 'huge'", "jobs must", "shard must", "time_limit must"):
        assert mistake in message, message


def test_build_options_are_normalised() -> None:
    options = BuildOptions(locales=["es", "es", "ar"], brands="example", editions=[])  # type: ignore[arg-type]
    assert options.locales == ("es", "ar") and options.brands == ("example",) and options.editions is None
    assert BuildOptions(editions=("large-print", "large-print")).variants.editions == ("large-print",)


def test_a_release_is_never_a_draft(project: Project) -> None:
    with pytest.raises(UsageError, match="never a draft"):
        release.release(project, BuildOptions(draft=True))
    assert not project.out_dir.exists() or not any(project.out_dir.iterdir())
