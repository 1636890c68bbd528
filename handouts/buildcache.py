"""The incremental build cache: every PDF stored under a hash of everything that shapes it.

`.cache/pdf/<key[:2]>/<key>.pdf`, beside `<key>.sha256`. An entry is used only when the PDF's
own hash matches the recorded one, so a corrupt or half-written entry is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import __version__


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Fingerprint:
    """Builds a cache key from labelled parts: file contents, file identities and plain values."""

    def __init__(self, *parts: str) -> None:
        self._digest = hashlib.sha256()
        for part in parts:
            self.add_value(part)

    def add_value(self, value: str) -> Fingerprint:
        encoded = value.encode("utf-8")
        self._digest.update(len(encoded).to_bytes(8, "big") + encoded)
        return self

    def add_files(self, paths: Iterable[Path]) -> Fingerprint:
        """The bytes of each file (small inputs: templates, catalogs, brand files)."""
        for path in sorted(paths):
            self.add_value(path.name)
            self.add_value(sha256_file(path))
        return self

    def add_identities(self, paths: Iterable[Path]) -> Fingerprint:
        """Path, size and modification time of each file (large inputs: fonts)."""
        for path in sorted(paths):
            stat = path.stat()
            self.add_value(f"{path}|{stat.st_size}|{stat.st_mtime_ns}")
        return self

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


RENDERING_PACKAGES = ("weasyprint", "pydyf", "pikepdf", "jinja2", "markdown_it", "babel", "pyphen")


def tool_versions() -> dict[str, str]:
    """The versions of the tools that shape a PDF (for manifests)."""
    from importlib import metadata

    versions = {"handouts": __version__}
    for package in ("weasyprint", "pydyf", "pikepdf", "jinja2", "markdown-it-py", "babel", "pyphen"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


def tool_identity() -> str:
    """Which installed copies of the rendering packages are in use, found without importing
    them (importing WeasyPrint alone takes 0.4 s): an upgrade changes their files."""
    from importlib.util import find_spec

    parts = [__version__]
    for package in RENDERING_PACKAGES:
        spec = find_spec(package)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is None or not origin.exists():
            parts.append(f"{package}:absent")
            continue
        stat = origin.stat()
        parts.append(f"{package}:{origin}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


class BuildCache:
    """Content-addressed store of built PDFs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.pdf", folder / f"{key}.sha256"

    def get(self, key: str) -> tuple[Path, str] | None:
        """The cached PDF and its hash, if present and intact; a damaged entry is removed."""
        pdf, recorded = self.paths(key)
        if not pdf.exists() or not recorded.exists():
            return None
        expected = recorded.read_text(encoding="ascii").strip()
        if sha256_file(pdf) != expected:
            pdf.unlink(missing_ok=True)
            recorded.unlink(missing_ok=True)
            return None
        return pdf, expected

    def put(self, key: str, data: bytes) -> str:
        """Store a PDF (atomically: the hash is written last) and return its sha256."""
        pdf, recorded = self.paths(key)
        pdf.parent.mkdir(parents=True, exist_ok=True)
        digest = sha256_bytes(data)
        write_atomic(pdf, data)
        write_atomic(recorded, (digest + "\n").encode("ascii"))
        return digest


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
