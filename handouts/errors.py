"""Exception classes. Each error carries a category and, where known, a place (file, line, key).

Only the CLI formats errors and chooses exit codes; everything else raises these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, optionally a 1-based line, optionally a config key."""

    path: Path | str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        text = display_path(self.path)
        if self.line is not None:
            text += f":{self.line}"
        if self.key is not None:
            text += f": {self.key}"
        return text


def display_path(path: Path | str) -> str:
    """A path relative to the working directory when it lies below it, else as given."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


class HandoutsError(Exception):
    """Base class. `category` names the kind of problem; exit_code is what the CLI returns."""

    category = "error"
    exit_code = 2

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return f"{self.category}: {self.message}"
        return f"{self.location}: {self.category}: {self.message}"

    def __reduce__(self) -> tuple[type[HandoutsError], tuple[str, Location | None]]:
        # Errors cross from worker processes: keep the place, not only the message.
        return (type(self), (self.message, self.location))


class InputError(HandoutsError):
    """Bad input (content, catalog, brand, font, locale): exit 2."""

    category = "input-error"


class ContentError(InputError):
    category = "content-error"


class CatalogError(InputError):
    category = "catalog-error"


class ConfigError(InputError):
    category = "config-error"


class FontError(InputError):
    category = "font-error"


class LocaleError(InputError):
    category = "unknown-locale"


class DeclarationError(LocaleError):
    """A project's locale declaration (`locales/<name>/locale.toml`) is missing a field or wrong."""

    category = "locale-error"


class RenderError(InputError):
    """WeasyPrint or Jinja refused the job (a warning counts as a failure)."""

    category = "render-error"


class UsageError(HandoutsError):
    category = "usage-error"


class ErrorGroup(HandoutsError):
    """Several problems found at once (config validation reports every problem together)."""

    category = "errors"

    def __init__(self, errors: list[HandoutsError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors
        self.exit_code = max((e.exit_code for e in errors), default=2)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self) -> tuple[type[ErrorGroup], tuple[list[HandoutsError]]]:  # type: ignore[override]
        return (type(self), (self.errors,))


class CheckFailed(HandoutsError):
    """A check found problems in otherwise readable input: exit 1."""

    category = "check-failed"
    exit_code = 1


@contextmanager
def collect(errors: list[HandoutsError]) -> Iterator[None]:
    """Run a step that may fail and keep its errors, so every problem is reported at once."""
    try:
        yield
    except ErrorGroup as group:
        errors.extend(group.errors)
    except HandoutsError as error:
        errors.append(error)


class CacheError(InputError):
    """The cache cannot be trusted at all (e.g. committed to the repository): exit 2."""

    category = "cache-error"
