"""The PDF cache and the output folder: an up-to-date build stats its files instead of reading
them, and any file changed since it was written (even keeping its size and modification time)
is read, hashed and rebuilt or rewritten."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from handouts import buildcache
from handouts.buildcache import Cache, file_stamp
from handouts.pipeline import BuildOptions, Project, build

from .conftest import make_tiny


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every file hashed in full from now on."""
    names: list[str] = []
    real = buildcache.sha256_file

    def counting(path: Path) -> str:
        names.append(path.name)
        return real(path)

    monkeypatch.setattr(buildcache, "sha256_file", counting)
    return names


def rewrite_keeping_size_and_mtime(path: Path, data: bytes) -> None:
    """Tamper with a file as a careful intruder would: same size, the old modification time."""
    before = path.stat()
    assert len(data) == before.st_size
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_a_stored_file_is_stat_not_read_while_it_is_unchanged(tmp_path: Path, hashed: list[str]) -> None:
    cache = Cache(tmp_path / ".cache", secret=b"k" * 32)
    key = "ab" * 32
    digest = cache.put_bytes("pdf", key, b"%PDF-1.7 one", ".pdf")
    found = cache.get_bytes("pdf", key, ".pdf")
    assert found is not None and found[1] == digest and found[0].read_bytes() == b"%PDF-1.7 one"
    assert hashed == []  # the stamp recorded on writing vouches for it

    rewrite_keeping_size_and_mtime(found[0], b"%PDF-1.7 two")
    assert cache.get_bytes("pdf", key, ".pdf") is None  # its ctime changed: read, and refused
    assert hashed == [f"{key}.pdf"] and not found[0].exists()


def test_a_stored_file_with_a_new_stamp_but_the_same_bytes_is_verified_once(tmp_path: Path, hashed: list[str]) -> None:
    cache = Cache(tmp_path / ".cache", secret=b"k" * 32)
    key = "cd" * 32
    cache.put_bytes("pdf", key, b"%PDF-1.7 same", ".pdf")
    blob = tmp_path / ".cache/pdf/cd" / f"{key}.pdf"
    blob.touch()  # a copy restored from a CI artifact: new times, same bytes
    assert cache.get_bytes("pdf", key, ".pdf") is not None
    assert cache.get_bytes("pdf", key, ".pdf") is not None
    assert hashed == [f"{key}.pdf"]  # hashed once, then its new stamp is recorded


def test_an_output_is_stat_not_read_while_unchanged(tmp_path: Path, hashed: list[str]) -> None:
    cache = Cache(tmp_path / ".cache", secret=b"k" * 32)
    output = tmp_path / "out/a.pdf"
    output.parent.mkdir()
    output.write_bytes(b"%PDF one")
    digest = buildcache.sha256_bytes(b"%PDF one")
    cache.remember(output, digest)
    assert cache.holds(output, digest) and hashed == []
    assert not cache.holds(output, buildcache.sha256_bytes(b"%PDF two"))  # another digest: read
    assert hashed == ["a.pdf"]
    rewrite_keeping_size_and_mtime(output, b"%PDF two")
    assert not cache.holds(output, digest)
    forged = Cache(tmp_path / ".cache", secret=b"x" * 32)  # a stamp signed by another key is no stamp
    output.write_bytes(b"%PDF one")
    assert forged.holds(output, digest)  # ... so the file is read, and matches
    assert hashed == ["a.pdf", "a.pdf", "a.pdf"]


def test_the_stamp_changes_whenever_the_file_does(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"one")
    first = file_stamp(path)
    assert file_stamp(path) == first
    rewrite_keeping_size_and_mtime(path, b"two")
    assert file_stamp(path) != first


def test_an_up_to_date_build_reads_no_pdf_and_a_tampered_one_is_rewritten(tmp_path: Path, hashed: list[str]) -> None:
    project = Project.at(make_tiny(tmp_path / "project"))
    first = build(project, BuildOptions(("es", "ar"), jobs=1))
    assert len(first.built) == 2
    good = {job.output: job.output.read_bytes() for job in first.built}
    hashed.clear()

    again = build(project, BuildOptions(("es", "ar"), jobs=1))
    assert len(again.skipped) == 2 and not again.built
    assert not [name for name in hashed if name.endswith(".pdf")]

    # An output edited in place, keeping its size and modification time, is read and rewritten.
    output = first.built[0].output
    damaged = bytearray(good[output])
    damaged[len(damaged) // 2] ^= 0xFF
    rewrite_keeping_size_and_mtime(output, bytes(damaged))
    # A cached PDF edited likewise is refused, and that PDF built again.
    other = first.built[1]
    cached = [p for p in (project.cache_dir / "pdf").rglob("*.pdf") if p.read_bytes() == good[other.output]]
    assert len(cached) == 1
    blob = bytearray(cached[0].read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    rewrite_keeping_size_and_mtime(cached[0], bytes(blob))

    third = build(project, BuildOptions(("es", "ar"), jobs=1))
    assert [job.output for job in third.built] == [other.output]
    assert [job.output for job in third.skipped] == [output]
    assert all(path.read_bytes() == data for path, data in good.items())


def test_a_namespace_is_empty_until_an_entry_is_stored_in_it(tmp_path: Path) -> None:
    """`is_empty` tells a build that every PDF is to be rendered (so WeasyPrint can load early)."""
    cache = Cache(tmp_path / ".cache", secret=b"k" * 32)
    assert cache.is_empty("pdf")
    (tmp_path / ".cache/pdf/ab").mkdir(parents=True)  # a folder left empty by a cleanup
    assert cache.is_empty("pdf")
    cache.put_bytes("pdf", "ab" + "0" * 62, b"%PDF-1.7", ".pdf")
    assert not cache.is_empty("pdf")
    assert cache.is_empty("checks")
    with pytest.raises(ValueError):
        cache.is_empty("../pdf")
