"""GNU gettext's own tools, run the same way every time: `msgfmt`, `msgcat`, `msgmerge`, `msginit`.

The project reads and writes `.po` files with the reference implementation rather than with code
of its own: `msgfmt --check` validates, `msgcat` gives the canonical form, `msgmerge --previous`
merges a `.pot` into a `.po` exactly as Weblate's and every other gettext tool chain does,
`msginit` writes a new catalog's header. Every run gets one environment:

- `LC_ALL=C` and no `LANGUAGE`: the tools' messages are the untranslated English ones this module
  parses, and nothing depends on the user's locale (the files' own charset decides line widths);
- a fixed line width (`WRAP_WIDTH`, msgcat's default), so output is the same on every machine;
- no network: the environment holds only `PATH` and `HOME`, no proxy settings, and `msginit`
  runs with `--no-translator`, so it never asks the system for the user's e-mail address.

Tested against gettext 0.21 (Debian 12, Ubuntu 24.04 has 0.21 too).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .errors import CatalogError, InputError

WRAP_WIDTH = 79  # msgcat's and msgmerge's default, for msgid and msgstr lines
TOOLS = ("msgfmt", "msgcat", "msgmerge", "msginit")


def environment() -> dict[str, str]:
    """The one environment every gettext tool runs in."""
    env = {"LC_ALL": "C", "LANGUAGE": "", "PATH": os.environ.get("PATH", os.defpath)}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env


def executable(tool: str) -> str:
    """The path of one of GNU gettext's tools, or a clear error naming the package to install."""
    if tool not in TOOLS:
        raise ValueError(f"not a gettext tool this project runs: {tool}")
    exe = shutil.which(tool)
    if exe is None:
        raise InputError(f"GNU gettext is not installed (apt-get install gettext): {tool} is required")
    return exe


def run(tool: str, args: Sequence[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a gettext tool in the project's environment; the caller reads its exit code."""
    return subprocess.run(
        [executable(tool), *args],
        input=stdin,
        capture_output=True,
        check=False,
        env=environment(),
    )


def stderr_of(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", errors="replace").strip()


def msgcat(text: str) -> str:
    """Catalog text as GNU `msgcat` writes it: the canonical form of every file the project writes."""
    result = run("msgcat", ["--force-po", f"--width={WRAP_WIDTH}", "-"], stdin=text.encode("utf-8"))
    if result.returncode != 0:
        raise CatalogError(f"msgcat refused the catalog it was given: {stderr_of(result)}")
    return result.stdout.decode("utf-8")


def msgfmt_check(path: Path) -> subprocess.CompletedProcess[bytes]:
    """`msgfmt --check` of one catalog, compiled to nowhere; the caller turns stderr into errors."""
    return run("msgfmt", ["--check", "--output-file=/dev/null", str(path)])


def msgmerge(po: Path, pot: Path) -> str:
    """`msgmerge --previous` of a `.pot` into a `.po`: the merged catalog's text; writes no file.

    Exact matches keep their translation; a changed message gets the translation of the most
    similar old one, marked fuzzy, with the English it was made from as `#| msgid`; a message
    that is gone stays as an obsolete `#~` entry with its `#~|` history.
    """
    result = run(
        "msgmerge",
        ["--previous", "--quiet", "--force-po", f"--width={WRAP_WIDTH}", "--output-file=-", str(po), str(pot)],
    )
    if result.returncode != 0:
        raise CatalogError(f"msgmerge could not merge {pot.name} into it: {stderr_of(result)}")
    return result.stdout.decode("utf-8")


def msginit(pot: Path, locale: str) -> str:
    """The new catalog `msginit` writes for a locale from a `.pot`, without asking who translates."""
    result = run(
        "msginit",
        ["--no-translator", f"--width={WRAP_WIDTH}", f"--input={pot}", f"--locale={locale}", "--output-file=-"],
    )
    if result.returncode != 0:
        raise CatalogError(f"msginit could not create a catalog for {locale!r}: {stderr_of(result)}")
    return result.stdout.decode("utf-8")
