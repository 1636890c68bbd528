"""The font declaration (`fonts.toml`): which font files serve which script and language.

Resolves declared file names to paths (a missing file is an error naming the Debian package that
provides it), copies single faces out of font collections, writes a Fontconfig configuration
that sees the declared fonts alone, each under its declared family, weight and slant, and
produces the `:lang()` CSS (and `@font-face` for a brand's own font).

The declared fonts reach WeasyPrint through Fontconfig, not `@font-face`: WeasyPrint copies an
`@font-face` font into a temporary folder of each process and has Fontconfig scan the copy, on
every font configuration, before the first page can use it (some 60 ms for a CJK face). Fontconfig
scans the declared files once, into its cache; a rule in the configuration gives each the family,
weight and slant its declaration names, as WeasyPrint's own rule for an `@font-face` does.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import struct
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from html import escape, unescape
from pathlib import Path
from typing import Any

from .buildcache import write_atomic
from .errors import ErrorGroup, FontError, HandoutsError, Location
from .scripts import likely_script, scripts_of

DECLARATION = Path(__file__).with_name("fonts.toml")


def default_cache_dir() -> Path:
    """Where prepared fonts live: shared by every project of a user, like Fontconfig's own cache.

    `HANDOUTS_FONT_CACHE` overrides it; otherwise `$XDG_CACHE_HOME/handouts/fonts`.
    """
    if override := os.environ.get("HANDOUTS_FONT_CACHE"):
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "handouts" / "fonts"


STYLES = {
    "regular": ("normal", "normal"),
    "bold": ("bold", "normal"),
    "italic": ("normal", "italic"),
    "bold_italic": ("bold", "italic"),
}
# The same as Fontconfig constants: weight, slant (as WeasyPrint maps a `@font-face` rule's).
FONTCONFIG_STYLES = {
    "regular": ("regular", "roman"),
    "bold": ("bold", "roman"),
    "italic": ("regular", "italic"),
    "bold_italic": ("bold", "italic"),
}
SCRIPT_KEYS = {"family", "package", "codes", *STYLES}


@dataclass(frozen=True)
class FontFile:
    script: str
    family: str
    style: str  # a key of STYLES
    path: Path  # a standalone font file (collection faces already copied out)

    @property
    def weight(self) -> str:
        return STYLES[self.style][0]

    @property
    def slant(self) -> str:
        return STYLES[self.style][1]


@dataclass(frozen=True)
class Script:
    name: str
    family: str
    package: str
    files: dict[str, str]  # style -> declared file name (maybe with #index)
    codes: tuple[str, ...] = ()  # ISO 15924 scripts it serves: Latn, Cyrl, Mymr...


@dataclass(frozen=True)
class FontDeclaration:
    path: Path
    search_paths: tuple[Path, ...]
    scripts: dict[str, Script]
    languages: dict[str, tuple[str, ...]]

    def scripts_for(self, tag: str, script: str | None = None) -> tuple[str, ...]:
        """The scripts for a BCP 47 tag: the most specific declared prefix whose first script serves
        the locale's own (`script`, else CLDR's likely one), else the script serving it, else `default`."""
        code = script or likely_script(tag)
        parts = tag.split("-")
        for n in range(len(parts), 0, -1):
            key = "-".join(parts[:n])
            if key in self.languages:
                names = self.languages[key]
                if code is None or self.serves(names[0], code):
                    return names
                break
        default = self.languages["default"]
        if code is not None:
            for name in self.scripts:
                if self.serves(name, code):
                    return default if name in default else (name, *default)
        return default

    def serves(self, name: str, code: str) -> bool:
        """Whether a declared script serves an ISO 15924 script (`Jpan` by `japanese`, `Hani` by Han)."""
        codes = set(self.scripts[name].codes)
        return code in codes or bool(codes & scripts_of(code)) or any(code in scripts_of(c) for c in codes)

    def families_for(self, tag: str, script: str | None = None) -> tuple[str, ...]:
        return tuple(self.scripts[s].family for s in self.scripts_for(tag, script))


def shipped_declaration() -> FontDeclaration:
    """`load_font_declaration()` of the package's own `fonts.toml`, read once per process (and
    again should the file change): every locale's checks consult it."""
    stat = DECLARATION.stat()
    return _declaration_as_of(DECLARATION, stat.st_mtime_ns, stat.st_size)


@cache
def _declaration_as_of(path: Path, mtime_ns: int, size: int) -> FontDeclaration:
    return load_font_declaration(path)


def load_font_declaration(path: Path = DECLARATION) -> FontDeclaration:
    """Read and validate the font declaration, reporting every problem at once."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FontError(f"cannot read the font declaration: {exc}", Location(path)) from None
    errors: list[HandoutsError] = []

    def fail(key: str, message: str) -> None:
        errors.append(FontError(message, Location(path, key=key)))

    for key in sorted(set(data) - {"search_paths", "scripts", "languages"}):
        fail(key, "unknown key")
    scripts: dict[str, Script] = {}
    for name, spec in data.get("scripts", {}).items():
        if not isinstance(spec, dict):
            fail(f"scripts.{name}", "must be a table")
            continue
        for key in sorted(set(spec) - SCRIPT_KEYS):
            fail(f"scripts.{name}.{key}", "unknown key")
        for key in ("family", "package", "regular"):
            if not isinstance(spec.get(key), str):
                fail(f"scripts.{name}.{key}", "required string")
        codes = spec.get("codes", [])  # without codes, a script serves the locales [languages] lists
        if not isinstance(codes, list) or not all(isinstance(c, str) and len(c) == 4 for c in codes):
            fail(f"scripts.{name}.codes", 'must be a list of ISO 15924 script codes such as ["Latn"]')
            codes = []
        if all(isinstance(spec.get(k), str) for k in ("family", "package", "regular")):
            files = {style: spec[style] for style in STYLES if isinstance(spec.get(style), str)}
            scripts[name] = Script(name, spec["family"], spec["package"], files, tuple(codes))
    languages: dict[str, tuple[str, ...]] = {}
    for tag, names in data.get("languages", {}).items():
        if not isinstance(names, list) or not names:
            fail(f"languages.{tag}", "must be a non-empty list of script names")
            continue
        for script in names:
            if script not in data.get("scripts", {}):
                fail(f"languages.{tag}", f"unknown script {script!r}")
        languages[tag] = tuple(names)
    if "default" not in languages:
        fail("languages.default", "required")
    if errors:
        raise ErrorGroup(errors)
    search = tuple(Path(p) for p in data.get("search_paths", []))
    return FontDeclaration(path, search, scripts, languages)


def find_font_file(declaration: FontDeclaration, script: Script, name: str) -> tuple[Path, int | None]:
    """Locate a declared file name (`file.ttc#2` names face 2) in the search paths."""
    match = re.match(r"^(?P<file>.+?)(?:#(?P<index>\d+))?$", name)
    assert match is not None
    file_name, index = match["file"], match["index"]
    for folder in declaration.search_paths:
        candidate = folder / file_name
        if candidate.is_file():
            return candidate, int(index) if index is not None else None
    raise FontError(
        f"font file {file_name!r} for {script.family!r} ({script.name}) is missing; "
        f"install the Debian package {script.package!r} (searched {', '.join(map(str, declaration.search_paths))})",
        Location(declaration.path, key=f"scripts.{script.name}"),
    )


def extract_face(source: Path, index: int, cache_dir: Path) -> Path:
    """Copy face `index` of a font collection to its own file (cached by source identity)."""
    stat = source.stat()
    key = hashlib.sha256(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{index}".encode()).hexdigest()[:16]
    target = cache_dir / f"{source.stem}-{index}-{key}.otf"
    if target.exists():
        return target
    from fontTools.ttLib import TTFont  # imported here: only needed once per cache

    font = TTFont(source, fontNumber=index, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    write_atomic(target, font_bytes(font))
    return target


def font_bytes(font: Any) -> bytes:
    """A fontTools font saved to bytes (the caller writes them atomically), then closed."""
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=False)
    font.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class FontFamily:
    """A brand's own Latin family (a hyperlegible face, say): style -> font file."""

    family: str
    files: dict[str, Path]

    def covers(self, text: str) -> bool:
        """Whether every letter of `text` is in the regular face's character map."""
        cmap = character_map(self.files["regular"])
        return all(ord(char) in cmap for char in set(text) if char.isalpha())


def font_parse_problem(path: Path) -> str | None:
    """Why fontTools cannot read a font file (its tables and character map), or None: a damaged
    brand font is refused before rendering starts, naming its key, not inside a render worker."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, lazy=False) as font:
            if font.getBestCmap() is None:
                return "it has no Unicode character map"
            for tag in ("head", "hhea", "maxp"):
                font[tag]  # decoding the table is the check
    except Exception as exc:  # fontTools raises many kinds of error on a damaged file
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


@cache
def character_map(path: Path, index: int = 0) -> frozenset[int]:
    """The characters a font file (face `index` of a collection) maps to a glyph: the keys of
    fontTools' `getBestCmap()`, read straight from the `cmap` subtable where it can be.

    Only the characters are wanted. fontTools maps each to a glyph name, which for a CJK face means
    decoding 40,000 entries and its CFF charset (a third of a second); the subtable's segments
    and groups give the characters alone in a few milliseconds. WOFF files, and subtable formats
    other than 4, 12 and 13, are read by fontTools."""
    try:
        found = read_cmap_characters(path, index)
    except (OSError, ValueError, IndexError, struct.error):
        found = None
    if found is not None:
        return found
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        # placeholder glyph names spare reading the real ones, which the cmap would look up
        font.setGlyphOrder([f"glyph{n}" for n in range(font["maxp"].numGlyphs)])
        return frozenset(font.getBestCmap() or {})


# fontTools' `getBestCmap` order: (platform, encoding) of the subtable to read.
CMAP_PREFERENCE = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def read_cmap_characters(path: Path, index: int) -> frozenset[int] | None:
    """The characters of the preferred `cmap` subtable, or None where this reader cannot say
    (not an sfnt file or collection, no such subtable, or a format it does not read)."""
    import mmap

    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = 0
        if data[:4] == b"ttcf":
            (count,) = struct.unpack_from(">I", data, 8)
            if not 0 <= index < count:
                return None
            (start,) = struct.unpack_from(">I", data, 12 + 4 * index)
        if data[start : start + 4] not in (b"\0\1\0\0", b"OTTO", b"true"):
            return None
        (tables,) = struct.unpack_from(">H", data, start + 4)
        for n in range(tables):
            tag, _, offset, _ = struct.unpack_from(">4sIII", data, start + 12 + 16 * n)
            if tag == b"cmap":
                return subtable_characters(data, offset)
        return None


def subtable_characters(data: Any, cmap: int) -> frozenset[int] | None:
    _, count = struct.unpack_from(">HH", data, cmap)
    subtables: dict[tuple[int, int], int] = {}
    for n in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * n)
        subtables.setdefault((platform, encoding), cmap + offset)
    chosen = next((subtables[key] for key in CMAP_PREFERENCE if key in subtables), None)
    if chosen is None:
        return None
    (form,) = struct.unpack_from(">H", data, chosen)
    found: set[int] = set()
    if form == 4:  # segments of 16-bit characters; the last one only marks the end
        (seg_x2,) = struct.unpack_from(">H", data, chosen + 6)
        segments = seg_x2 // 2
        ends = struct.unpack_from(f">{segments}H", data, chosen + 14)
        base = chosen + 16 + seg_x2
        starts = struct.unpack_from(f">{segments}H", data, base)
        deltas = struct.unpack_from(f">{segments}H", data, base + seg_x2)
        range_offsets = struct.unpack_from(f">{segments}H", data, base + 2 * seg_x2)
        last_end = -1
        for i in range(segments - 1):
            first, last, delta, range_offset = starts[i], ends[i], deltas[i], range_offsets[i]
            if first > last or first <= last_end:  # unsorted or overlapping: skipped, as HarfBuzz does
                continue
            last_end = last
            if range_offset == 0:  # glyph = character + delta: only one character can map to glyph 0
                found.update(c for c in range(first, last + 1) if (c + delta) & 0xFFFF)
                continue
            where = base + 2 * seg_x2 + 2 * i + range_offset  # the glyph of `first`, in glyphIdArray
            glyphs = struct.unpack_from(f">{last - first + 1}H", data, where)
            found.update(
                c for c, glyph in zip(range(first, last + 1), glyphs, strict=True) if glyph and (glyph + delta) & 0xFFFF
            )
    elif form in (12, 13):  # groups of characters (12: consecutive glyphs; 13: one glyph)
        (groups,) = struct.unpack_from(">I", data, chosen + 12)
        last_end = 0
        for first, last, glyph in struct.iter_unpack(">III", data[chosen + 16 : chosen + 16 + 12 * groups]):
            last = min(last, 0x10FFFF)
            if first > last or first < last_end:  # unsorted or overlapping: skipped, as HarfBuzz does
                continue
            last_end = last
            if glyph == 0:  # glyph 0 is no glyph: a format 12 group's first character, a format 13 group
                if form == 13:
                    continue
                first += 1
            found.update(range(first, last + 1))
    else:
        return None
    return frozenset(found)


def font_face_rule(family: str, path: Path, style: str) -> str:
    weight, slant = STYLES[style]
    return (
        "@font-face {\n"
        f'  font-family: "{family}";\n'
        f"  src: url({path.resolve().as_uri()});\n"
        f"  font-weight: {weight};\n"
        f"  font-style: {slant};\n"
        "}"
    )


@dataclass(frozen=True)
class PreparedFonts:
    """The declared fonts, resolved to files, with a Fontconfig configuration seeing only them."""

    declaration: FontDeclaration
    files: tuple[FontFile, ...]
    fontconfig_file: Path
    cache_dir: Path

    def stylesheet(
        self,
        tags: list[str],
        brand_font: FontFamily | None = None,
        brand_tags: Iterable[str] = (),
        scripts_of_tags: Mapping[str, str | None] | None = None,
    ) -> str:
        """CSS for pages in these locales: a `:lang()` font stack per locale, of the declared
        families (Fontconfig has their files, see `write_fontconfig`). A brand's Latin family, which
        `@font-face` declares, leads the stack of the locales in `brand_tags` (those whose letters
        it covers). `scripts_of_tags` gives the ISO 15924 script of a locale CLDR does not know (a
        declared one)."""
        own = dict(scripts_of_tags or {})
        rules: list[str] = []
        if brand_font is not None:
            rules.extend(
                font_face_rule(brand_font.family, self.unwrapped(path), style)
                for style, path in brand_font.files.items()
            )
        branded = set(brand_tags) if brand_font is not None else set()

        def stack(tag: str) -> str:
            families = list(self.declaration.families_for(tag, own.get(tag)))
            if tag in branded and brand_font is not None:
                families.insert(0, brand_font.family)
            return ", ".join(f'"{family}"' for family in families)

        rules.append(f"html {{ font-family: {stack('default')}; }}")
        rules.extend(f":lang({tag}) {{ font-family: {stack(tag)}; }}" for tag in tags)
        return "\n".join(rules) + "\n"

    def files_for(self, tags: Iterable[str], scripts_of_tags: Mapping[str, str | None] | None = None) -> list[FontFile]:
        """The declared font files that pages in these locales load (those of the families in
        `stylesheet`'s font stacks)."""
        own = dict(scripts_of_tags or {})
        scripts = {"latin"} | {s for tag in tags for s in self.declaration.scripts_for(tag, own.get(tag))}
        return [f for f in self.files if f.script in scripts]

    @property
    def configured(self) -> frozenset[tuple[Path, str, str, str]]:
        """What `configured_fonts` reads back from this `fontconfig_file`."""
        return frozenset((font.path.resolve(), font.family, *FONTCONFIG_STYLES[font.style]) for font in self.files)

    def unwrapped(self, path: Path) -> Path:
        """A WOFF font as a plain TrueType/OpenType file in the cache; other fonts as they are.

        WeasyPrint can read WOFF itself, but it re-saves the font with the current time in its
        header, so the PDF would differ from build to build; ours keeps the font's own date.
        """
        if path.suffix.lower() != ".woff":
            return path
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        target = self.cache_dir / "unwrapped" / f"{path.stem}-{digest}.ttf"
        if not target.exists():
            from fontTools.ttLib import TTFont

            font = TTFont(path, recalcTimestamp=False, recalcBBoxes=False)
            font.flavor = None
            write_atomic(target, font_bytes(font))
        return target


def prepare_fonts(cache_dir: Path | None = None, declaration: FontDeclaration | None = None) -> PreparedFonts:
    """Resolve every declared file (all missing files reported together) and write fonts.conf."""
    cache_dir = cache_dir or default_cache_dir()
    declaration = declaration or shipped_declaration()
    errors: list[HandoutsError] = []
    files: list[FontFile] = []
    face_dir = cache_dir / "faces"
    for script in declaration.scripts.values():
        for style, name in script.files.items():
            try:
                path, index = find_font_file(declaration, script, name)
            except FontError as error:
                errors.append(error)
                continue
            if index is not None:
                path = extract_face(path, index, face_dir)
            files.append(FontFile(script.name, script.family, style, path.resolve()))
    if errors:
        raise ErrorGroup(errors)
    fontconfig_file = write_fontconfig(cache_dir, files)
    return PreparedFonts(declaration, tuple(files), fontconfig_file, cache_dir.resolve())


def declared_fonts() -> PreparedFonts:
    """The project's declared fonts in the user's font cache, prepared once per process."""
    return _prepared_in(default_cache_dir())


@cache
def _prepared_in(cache_dir: Path) -> PreparedFonts:
    return prepare_fonts(cache_dir)


def write_fontconfig(cache_dir: Path, files: list[FontFile]) -> Path:
    """A Fontconfig file listing the declared font files alone (no system fonts), each under the
    family, weight and slant its declaration gives it."""
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">', "<fontconfig>"]
    # One folder per set of fonts: projects (or versions of this tool) declaring other fonts share
    # the user's cache and must not remove each other's files from Fontconfig's view. Fontconfig
    # keeps what it scanned of a folder (the names the rules below give) until the folder changes:
    # other names, another folder.
    described = sorted(f"{font.path}\t{font.family}\t{font.style}" for font in files)
    digest = hashlib.sha256("\n".join(["names", *described]).encode()).hexdigest()[:16]
    folder = cache_dir / f"fontconfig-dir-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for font in files:
        link = folder / font.path.name
        wanted.add(link.name)
        if not link.is_symlink() or link.resolve() != font.path.resolve():
            # A new link under a unique name, renamed over the old one: two runs at once never
            # find the name taken, nor a moment without the link.
            temporary = folder / f".{link.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            temporary.symlink_to(font.path.resolve())
            os.replace(temporary, link)
    for stale in folder.iterdir():
        if stale.name not in wanted and not stale.name.startswith("."):
            stale.unlink(missing_ok=True)
    lines.append(f"  <dir>{escape(str(folder.resolve()))}</dir>")
    for font in files:
        lines.extend(scan_rule(folder.resolve() / font.path.name, font))
    lines.append(f"  <cachedir>{escape(str((cache_dir / 'fontconfig-cache').resolve()))}</cachedir>")
    lines.append("</fontconfig>")
    conf = cache_dir / f"fonts-{digest}.conf"
    text = "\n".join(lines) + "\n"
    if not conf.exists() or conf.read_text(encoding="utf-8") != text:
        write_atomic(conf, text.encode("utf-8"))
    return conf


def scan_rule(link: Path, font: FontFile) -> list[str]:
    """The Fontconfig rule that names a declared file as its declaration does when it is scanned:
    the family first (the font's own names stay after it), the weight and slant replaced."""
    weight, slant = FONTCONFIG_STYLES[font.style]
    return [
        '  <match target="scan">',
        f'    <test name="file" compare="eq"><string>{escape(str(link))}</string></test>',
        f'    <edit name="family" mode="prepend"><string>{escape(font.family)}</string></edit>',
        f'    <edit name="weight" mode="assign_replace"><const>{weight}</const></edit>',
        f'    <edit name="slant" mode="assign_replace"><const>{slant}</const></edit>',
        "  </match>",
    ]


SCAN_RULE = re.compile(
    r'<test name="file" compare="eq"><string>(.*?)</string></test>\s*'
    r'<edit name="family" mode="prepend"><string>(.*?)</string></edit>\s*'
    r'<edit name="weight" mode="assign_replace"><const>(\w+)</const></edit>\s*'
    r'<edit name="slant" mode="assign_replace"><const>(\w+)</const></edit>'
)


def configured_fonts(conf: Path) -> frozenset[tuple[Path, str, str, str]]:
    """The font files a Fontconfig file written by `write_fontconfig` makes visible, each with the
    family, weight and slant it gives them."""
    if not conf.exists():
        return frozenset()
    return frozenset(
        (Path(unescape(link)).resolve(), unescape(family), weight, slant)
        for link, family, weight, slant in SCAN_RULE.findall(conf.read_text(encoding="utf-8"))
    )
