"""Every input path stays inside its root: a file, or a symbolic link anywhere on its way, that
leads out of the project (or the brand's folder, or a shard's folder) is an error naming the link.
And a file named as a picture must be one.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError, Location, display_path


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every link on its way followed, is `root` or below it."""
    resolved, base = path.resolve(), root.resolve()
    return resolved == base or base in resolved.parents


def inside(path: Path, root: Path, what: str = "file") -> Path:
    """`path` itself when it stays inside `root` after following links; else an input error."""
    if not is_inside(path, root):
        target = path.resolve()
        via = f"a link to {target}" if path.is_symlink() or path.absolute() != target else str(target)
        raise InputError(f"{what} is {via}, outside {display_path(root)}/; links must stay inside", Location(path))
    return path


def relative_inside(root: Path, relative: str, what: str) -> Path:
    """`root / relative` for an untrusted relative path (a manifest's, a brand's): no absolute
    path, no `..`, nothing outside `root` once links are followed."""
    candidate = Path(relative)
    if not relative or candidate.is_absolute() or ".." in candidate.parts or "\0" in relative:
        raise InputError(f"{what} {relative!r} must be a relative path inside {display_path(root)}/")
    return inside(root / candidate, root, what)


IMAGE_SIGNATURES = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}
IMAGE_SUFFIXES = {".svg", *IMAGE_SIGNATURES}


def image_problem(path: Path) -> str | None:
    """Why a file is not the SVG, PNG or JPEG picture its name says, or None."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        return f"must be one of {', '.join(sorted(IMAGE_SUFFIXES))}"
    head = path.read_bytes()[:4096]
    if suffix == ".svg":
        return None if b"<svg" in head else "is not an SVG file (no <svg element at its start)"
    return None if head.startswith(IMAGE_SIGNATURES[suffix]) else f"is not a {suffix.lstrip('.').upper()} file"
