"""Font coverage: every character of a locale's translations must be in a font declared for it.

A build draws a character no declared font has as `.notdef` (and fails on WeasyPrint's warning);
`check` finds it first, per locale, and says which character, which script, and which Debian
package has a font for it.
"""

from __future__ import annotations

import subprocess
import unicodedata
from functools import cache
from pathlib import Path

from .catalogs import LocaleCatalogs
from .checks import Problem, translations_of
from .errors import FontError
from .fonts import FontDeclaration, Script, character_map, find_font_file
from .scripts import char_script, script_name

# Characters no font needs to draw: controls, format characters (joiners, direction marks, the
# word joiner the templates insert), line and paragraph separators.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
FONT_FOLDERS = (Path("/usr/share/fonts"),)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def cmap(path: Path, index: int | None) -> frozenset[int]:
    return character_map(path, index or 0)


def script_cmap(declaration: FontDeclaration, script: Script) -> frozenset[int]:
    """The characters of a declared script's regular face (a missing file covers nothing)."""
    try:
        path, index = find_font_file(declaration, script, script.files["regular"])
    except FontError:
        return frozenset()
    return cmap(path, index)


def check_coverage(catalogs: LocaleCatalogs, declaration: FontDeclaration) -> list[Problem]:
    """One `font-coverage` problem per character of the locale's translations that none of the
    fonts declared for the locale has, at the first entry that uses it."""
    locale = catalogs.locale
    names = declaration.scripts_for(locale.tag, locale.script)
    covered = frozenset().union(*(script_cmap(declaration, declaration.scripts[name]) for name in names))
    families = ", ".join(declaration.scripts[name].family for name in names)
    problems: list[Problem] = []
    seen: set[str] = set()
    for catalog in catalogs.catalogs.values():
        for entry in catalog.entries():
            for text in translations_of(entry):
                for char in text:
                    if char in seen or ord(char) in covered or char.isspace():
                        continue
                    seen.add(char)
                    if unicodedata.category(char) in INVISIBLE:
                        continue
                    name = unicodedata.name(char, "unnamed")
                    where = where_to_find(declaration, char, names)
                    problems.append(
                        Problem(
                            catalog.path,
                            catalog.keyword_line(entry, "msgstr"),
                            "font-coverage",
                            f"{char} (U+{ord(char):04X} {name}, {script_name(char_script(char))} script) is in no "
                            f"font declared for {locale.tag} ({families}): {where}",
                            entry.msgid,
                            text,
                            locale.tag,
                            catalog.domain,
                        )
                    )
    return problems


def where_to_find(declaration: FontDeclaration, char: str, names: tuple[str, ...]) -> str:
    """Which declared script, or else which installed font file and its Debian package, has it."""
    for script in declaration.scripts.values():
        if script.name not in names and ord(char) in script_cmap(declaration, script):
            return (
                f"the declared {script.family} (Debian package {script.package}) has it; list {script.name!r} "
                f"for this locale under [languages] in handouts/fonts.toml, or check the locale's script"
            )
    found = installed_font_with(char)
    if found is not None:
        return (
            f"{found} (Debian package {debian_package(found)}) has it; declare it in handouts/fonts.toml "
            f"as a script with codes = [{char_script(char)!r}]"
        )
    return (
        "no installed font has it; Debian's fonts-noto-core and fonts-noto-extra have Noto for almost every "
        "script: install one, then declare its font in handouts/fonts.toml"
    )


def installed_font_with(char: str) -> Path | None:
    """An installed font file whose character map has `char`; files named after its script first."""
    hint = script_name(char_script(char)).replace(" ", "").replace("_", "").lower()
    files = sorted(
        (p for folder in FONT_FOLDERS if folder.is_dir() for p in folder.rglob("*") if p.suffix in FONT_SUFFIXES),
        key=lambda p: (hint not in p.name.lower(), p.name),
    )
    for path in files:
        try:
            if ord(char) in cmap(path, None):
                return path
        except Exception:
            continue
    return None


@cache
def debian_package(path: Path) -> str:
    result = subprocess.run(["dpkg-query", "-S", str(path)], capture_output=True, text=True, check=False)
    return result.stdout.split(":", 1)[0].strip() if result.returncode == 0 and result.stdout else "unknown"
