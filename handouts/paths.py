"""Every input path stays inside its root: a file, or a symbolic link anywhere on its way, that
leads out of the project (or the brand's folder, or a shard's folder) is an error naming the link.
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
