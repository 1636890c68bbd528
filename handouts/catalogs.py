"""Gettext `.po` files: create, read, validate and write them, in GNU msgcat's canonical form.

Layout (what Poedit and Weblate read unchanged):

    locales/<gettext_locale>/LC_MESSAGES/<domain>.po

Every catalog is validated by GNU `msgfmt --check` before polib reads it, because polib accepts
broken files silently (an unterminated string reads as empty, a duplicate msgid is dropped).
Files are written in exactly the form GNU `msgcat` writes, by letting `msgcat` write them.
Extraction and `.pot` files are in `extract`, the pseudo-locale in `pseudo`, updates in `merge`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polib

from . import gnu
from .buildcache import Cache, Fingerprint, sha256_bytes, write_atomic
from .errors import CatalogError, ErrorGroup, HandoutsError, InputError, Location, collect, display_path
from .extract import NO_WRAP, SourceMessage, format_po_date, now
from .locales import SOURCE_LOCALE, LocaleInfo, get_locale, to_gettext_name
from .paths import inside, is_inside
from .plurals import PluralFormsError, parse_plural_forms
from .pseudo import pseudo_po
from .status import EntryStatus, status_of

TRANSLATION_METHODS = ("machine-draft", "human", "human-reviewed")
PROVENANCE_KEYS = ("X-Translation-Method", "X-Translator", "X-Reviewer", "X-Review-Date", "X-Source-Version")
MSGFMT_LINE_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<message>.*)$")


# --- writing ------------------------------------------------------------------------------------


def po_path(locales_dir: Path, locale: LocaleInfo, domain: str) -> Path:
    return locales_dir / locale.gettext_name / "LC_MESSAGES" / f"{domain}.po"


def canonical_po_text(text: str) -> str:
    """Pass catalog text through GNU `msgcat`, so files are byte-for-byte what msgcat writes."""
    return gnu.msgcat(text)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file through a temporary file in the same folder, then rename it into place."""
    write_atomic(path, text.encode("utf-8"))


def write_catalog(po: polib.POFile, path: Path) -> None:
    """Write a catalog atomically in msgcat's canonical form."""
    write_text_atomic(path, canonical_po_text(str(po)))


# --- new catalogs -------------------------------------------------------------------------------


def read_po(path: Path) -> polib.POFile:
    """Parse a catalog file with polib. From the path, not from its text: polib splits text with
    str.splitlines(), which also breaks at U+2028 and U+2029 inside a translation."""
    return polib.pofile(str(path), wrapwidth=NO_WRAP)


@dataclass(frozen=True)
class Authorship:
    """Who makes a new catalog's translation, and how: never "machine draft" for a person's work."""

    method: str = "machine-draft"  # machine-draft or human; a review comes later
    translator: str = ""

    def __post_init__(self) -> None:
        if self.method not in INIT_METHODS:
            raise InputError(f"a new translation is {' or '.join(INIT_METHODS)} (not {self.method!r})")
        if self.method == "human" and not self.translator.strip():
            raise InputError("a human translation needs the translator's name (--translator NAME)")
        if any(c in self.translator for c in '\n\r"\\'):
            raise InputError("the translator's name must be one line without quotes or backslashes")

    @property
    def translator_field(self) -> str:
        if self.method == "machine-draft":
            return f"{self.translator} (machine draft)" if self.translator else "handouts project (machine draft)"
        return self.translator

    @property
    def notice(self) -> str:
        if self.method == "machine-draft":
            return "MACHINE-DRAFTED: this translation awaits review by a qualified human medical translator."
        return "Translated by a person: it awaits review by a second, qualified medical translator."

    @classmethod
    def of(cls, catalog: polib.POFile) -> Authorship:
        """The provenance of a locale's existing catalog, for a new domain of the same locale."""
        method = str(catalog.metadata.get("X-Translation-Method", ""))
        translator = str(catalog.metadata.get("X-Translator", ""))
        if method in ("human", "human-reviewed") and translator.strip():
            return cls("human", translator)
        return cls()


INIT_METHODS = ("machine-draft", "human")


def new_catalog(
    pot_file: Path, locale: LocaleInfo, domain: str, created: str, authorship: Authorship | None = None
) -> polib.POFile:
    """A new `.po` for a locale from a `.pot`: headers as msginit writes them plus provenance keys."""
    authorship = authorship or Authorship()
    pot = read_po(pot_file)
    po = polib.POFile(wrapwidth=NO_WRAP)
    po.header = (
        f"{locale.english_name} translation of the {domain!r} domain of the clinic handouts.\n"
        f"{authorship.notice}\n"
        "Record the translator, the reviewer and the review date in the X- header fields."
    )
    source_version = pot.metadata.get("X-Source-Version", "")
    po.metadata = {
        "Project-Id-Version": pot.metadata.get("Project-Id-Version", f"handouts {domain}"),
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": pot.metadata.get("POT-Creation-Date", created),
        "PO-Revision-Date": created,
        "Last-Translator": authorship.translator if authorship.method == "human" else "",
        "Language-Team": f"{locale.english_name}",
        "Language": locale.gettext_name,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": locale.plural_forms,
        "X-Translation-Method": authorship.method,
        "X-Translator": authorship.translator_field,
        "X-Reviewer": "",
        "X-Review-Date": "",
        "X-Source-Version": source_version,
    }
    for entry in pot:
        po.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgctxt=entry.msgctxt,
                msgid_plural=entry.msgid_plural,
                msgstr="",
                msgstr_plural={i: "" for i in range(nplurals(locale.plural_forms))} if entry.msgid_plural else {},
                occurrences=list(entry.occurrences),
                comment=entry.comment,
                flags=list(entry.flags),
            )
        )
    return po


def nplurals(plural_forms: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    return int(match.group(1)) if match else 1


@dataclass(frozen=True)
class PlannedWrite:
    """A catalog file `init` or `update` will write, and why."""

    path: Path
    text: str
    report: Any = None  # update's `merge.MergeReport`; None for a catalog created from scratch


def plan_init(
    locales_dir: Path, locales: Iterable[LocaleInfo], authorship: Authorship | None = None
) -> list[PlannedWrite]:
    """The `.po` of every domain each locale lacks, from the `.pot` files, in memory; never one
    that exists. For a new locale that is every domain; for a new handout, just its domain.
    Every problem of every locale is raised before anything is written."""
    pots = [inside(path, locales_dir, "template catalog") for path in sorted(locales_dir.glob("*.pot"))]
    if not pots:
        raise InputError("no .pot files; run `python build.py extract` first", Location(locales_dir))
    created = format_po_date(now())
    errors: list[HandoutsError] = []
    planned: list[PlannedWrite] = []
    for locale in locales:
        if locale.is_source or locale.is_pseudo:
            errors.append(InputError(f"{locale.tag!r} is the source language or the pseudo-locale; it has no catalog"))
            continue
        targets = [(pot, po_path(locales_dir, locale, pot.stem)) for pot in pots]
        missing = [(pot, target) for pot, target in targets if not target.exists()]
        if not missing:
            existing = ", ".join(display_path(target) for _, target in targets)
            errors.append(InputError(f"refusing to overwrite existing catalog(s): {existing}"))
            continue
        with collect(errors):
            for pot, target in missing:
                po = new_catalog(pot, locale, pot.stem, created, authorship)
                planned.append(PlannedWrite(target, canonical_po_text(str(po)), None))
    if errors:
        raise ErrorGroup(errors)
    return planned


def init_locales(locales_dir: Path, locales: Iterable[LocaleInfo], authorship: Authorship | None = None) -> list[Path]:
    """Create the `.po` of every domain each locale lacks, from the `.pot` files: every catalog is
    planned before any is written, and none is ever overwritten."""
    planned = plan_init(locales_dir, locales, authorship)
    # Never overwrite, even a catalog another `init` created a moment ago.
    return [write.path for write in planned if write_atomic(write.path, write.text.encode("utf-8"), overwrite=False)]


# --- loading ------------------------------------------------------------------------------------

# A translation may be at most LENGTH_RATIO times as long as its source (plus LENGTH_SLACK
# characters, for short sources), with at most LENGTH_RATIO times its markup characters (plus
# MARKUP_SLACK). Real translations stay well inside (the longest languages run about 1.5-2x); a
# text beyond it is a mistake or an attack on the renderer, and is never rendered, not even in
# a draft or a review sheet. The `length` check reports it.
LENGTH_RATIO = 4
LENGTH_SLACK = 40
MARKUP_CHARACTERS = "*_[]()`<>\\&"
MARKUP_SLACK = 8
WITHOUT_MARKUP = str.maketrans("", "", MARKUP_CHARACTERS)


def markup_count(text: str) -> int:
    return len(text) - len(text.translate(WITHOUT_MARKUP))


def beyond_limits(source: str, translation: str) -> str | None:
    """Why a translation is too long or too marked up for its source, or None. Linear in both."""
    if len(translation) > LENGTH_RATIO * len(source) + LENGTH_SLACK:
        return (
            f"the translation has {len(translation)} characters, more than {LENGTH_RATIO}x "
            f"the source's {len(source)} (+{LENGTH_SLACK})"
        )
    want, got = markup_count(source), markup_count(translation)
    if got > LENGTH_RATIO * want + MARKUP_SLACK:
        return f"the translation has {got} markup characters ({MARKUP_CHARACTERS}), the source {want}"
    return None


@dataclass
class Catalog:
    """One `.po` file, validated and parsed, with the 1-based line of every entry."""

    path: Path
    locale: LocaleInfo
    domain: str
    po: polib.POFile
    lines: list[str]

    @property
    def method(self) -> str:
        return str(self.po.metadata.get("X-Translation-Method", ""))

    @property
    def is_reviewed(self) -> bool:
        return self.method == "human-reviewed"

    def entries(self) -> Iterator[polib.POEntry]:
        """Active (not obsolete) entries, header excluded."""
        return (entry for entry in self.po if not entry.obsolete)

    def find(self, msgid: str, msgctxt: str | None = None) -> polib.POEntry | None:
        return self.index.get((msgctxt, msgid))

    @property
    def index(self) -> dict[tuple[str | None, str], polib.POEntry]:
        cached: dict[tuple[str | None, str], polib.POEntry] | None = self.__dict__.get("_index")
        if cached is None:
            cached = {(entry.msgctxt, entry.msgid): entry for entry in self.entries()}
            self.__dict__["_index"] = cached
        return cached

    def translation(self, msgid: str, msgctxt: str | None = None) -> str | None:
        """The translation a patient may see: translated, not fuzzy, within the length limits,
        and of the source's form (a plural entry for a one-form source has no msgstr), else None."""
        entry = self.find(msgid, msgctxt)
        if status_of(entry) is not EntryStatus.TRANSLATED:
            return None
        return self.draft_translation(msgid, msgctxt)

    def draft_translation(self, msgid: str, msgctxt: str | None = None) -> str | None:
        """For draft builds and reviews: fuzzy translations count too (never an oversized one)."""
        entry = self.find(msgid, msgctxt)
        if entry is None or not entry.msgstr or entry.msgid_plural:
            return None
        if beyond_limits(msgid, str(entry.msgstr)) is not None:
            return None
        return str(entry.msgstr)

    def keyword_line(self, entry: polib.POEntry, keyword: str) -> int:
        """The 1-based line where `keyword` (msgid, msgstr, ...) of an entry starts."""
        start = (entry.linenum or 1) - 1
        for number in range(start, len(self.lines)):
            if self.lines[number].startswith(keyword + " ") or self.lines[number].startswith(keyword + "["):
                return number + 1
        return entry.linenum or 1

    def header_line(self, key: str) -> int:
        for number, text in enumerate(self.lines, start=1):
            if text.startswith(f'"{key}:'):
                return number
        return 1


@functools.cache
def msgfmt_identity() -> str:
    """Which msgfmt runs: a different gettext may judge the same bytes differently."""
    version = gnu.run("msgfmt", ["--version"]).stdout.decode(errors="replace")
    return f"{gnu.executable('msgfmt')}|{version.splitlines()[0] if version else ''}"


def validate_po_syntax(path: Path, data: bytes | None = None, cache: Cache | None = None) -> None:
    """Run `msgfmt --check` and turn its complaints into errors with a 1-based line.

    With a `cache`, bytes that passed msgfmt before are not checked again. Only a run of msgfmt
    on exactly these bytes records a pass: the entry is keyed by their sha256 and this msgfmt,
    stores that sha256 again, and is signed by the cache (a forged or copied entry is ignored).
    """
    data = path.read_bytes() if data is None else data
    digest = sha256_bytes(data)
    key = Fingerprint(digest, msgfmt_identity()).hexdigest()
    if cache is not None:
        stored = cache.get("msgfmt-passed", key)
        if isinstance(stored, dict) and stored.get("sha256") == digest and stored.get("passed") is True:
            return
    # msgfmt reads the bytes we hold, from its standard input: the file cannot change in between.
    result = gnu.run("msgfmt", ["--check", "--output-file=/dev/null", "-"], stdin=data)
    if result.returncode == 0:
        if cache is not None:
            cache.put("msgfmt-passed", key, {"sha256": digest, "passed": True})
        return
    stderr = result.stderr.decode("utf-8", errors="replace").replace("<stdin>", str(path))
    errors: list[HandoutsError] = []
    for raw in stderr.splitlines():
        match = MSGFMT_LINE_RE.match(raw)
        if not match or Path(match["path"]).name != path.name or match["message"].startswith("warning:"):
            continue
        line, message = int(match["line"]), match["message"]
        if message.startswith("...") and errors:
            # msgfmt's second line of one error, e.g. where a duplicate was first defined
            first = errors[-1]
            if first.message.startswith("duplicate message definition"):
                joined = f"{first.message.rstrip('.')} (first defined at line {line})"
            else:
                joined = f"{first.message.rstrip('.')}, {message.strip('.')} (line {line})"
            errors[-1] = CatalogError(joined, first.location)
            continue
        if message == "end-of-line within string":
            line -= 1  # msgfmt counts the line break it just read; the string starts a line above
            message = "unterminated string: a closing quote is missing"
        errors.append(CatalogError(message, Location(path, line)))
    if not errors:
        message = stderr.strip() or "msgfmt --check failed"
        errors.append(CatalogError(message.replace(str(path), display_path(path)), Location(path)))
    raise ErrorGroup(errors) if len(errors) > 1 else errors[0]


CHARSET_RE = re.compile(r'^"Content-Type:[^"\n]*charset=(?P<charset>[^\s"\\;]*)', re.M)


def decode_catalog(path: Path, data: bytes) -> str:
    """A catalog's text. Catalogs must be UTF-8 and say so: any other charset is refused with how
    to convert it (`msgconv --to-code=UTF-8`), and a header contradicting the bytes is caught."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = CHARSET_RE.search(data.decode("latin-1"))
        said = f" (its header says charset={declared['charset']})" if declared else ""
        raise CatalogError(
            f"not UTF-8 text: byte {data[exc.start]:#04x}{said}; catalogs must be UTF-8: "
            f"convert it with `msgconv --to-code=UTF-8 -o FILE FILE`",
            Location(path, data[: exc.start].count(b"\n") + 1),
        ) from None
    match = CHARSET_RE.search(text)
    if match and match["charset"].lower() not in ("utf-8", "utf8"):
        line = text[: match.start()].count("\n") + 1
        if not text.isascii():
            raise CatalogError(
                f"the header says charset={match['charset']}, but the file is UTF-8 text: "
                "it would print as mojibake; set `charset=UTF-8`",
                Location(path, line),
            )
        raise CatalogError(
            f"charset={match['charset']}: catalogs must be UTF-8; set `charset=UTF-8`", Location(path, line)
        )
    return text


def read_checked(path: Path, cache: Cache | None = None) -> tuple[bytes, str]:
    """A catalog's bytes and text, once they are UTF-8 and `msgfmt --check` has passed them."""
    data = path.read_bytes()
    text = decode_catalog(path, data)
    validate_po_syntax(path, data, cache)
    return data, text


def load_catalog(
    path: Path,
    locale: LocaleInfo,
    domain: str,
    cache: Cache | None = None,
    checked: Future[tuple[bytes, str]] | None = None,
) -> Catalog:
    """Validate and parse one `.po`; check the header keys the pipeline relies on. `checked` is
    `read_checked` of the file already under way (see `load_catalogs`)."""
    data, text = read_checked(path, cache) if checked is None else checked.result()
    try:
        po = read_po(path)
    except (OSError, ValueError) as exc:  # msgfmt accepted it, so this is unexpected
        raise CatalogError(f"cannot parse: {exc}", Location(path)) from None
    if path.read_bytes() != data:  # polib read the file again: it must have read what msgfmt checked
        raise CatalogError("the file changed while it was being read (run the command again)", Location(path))
    catalog = Catalog(path, locale, domain, po, text.split("\n"))
    if po.metadata_is_fuzzy:
        raise CatalogError(
            "the header entry is marked fuzzy: gettext ignores a fuzzy header (its charset and plural forms "
            "with it); review the header and remove `#, fuzzy`",
            Location(path, catalog.header_line("Content-Type")),
        )
    method = catalog.method
    if method not in TRANSLATION_METHODS:
        raise CatalogError(
            f"X-Translation-Method must be one of {', '.join(TRANSLATION_METHODS)} (found {method!r})",
            Location(path, catalog.header_line("X-Translation-Method")),
        )
    language = po.metadata.get("Language", "")
    if language and to_gettext_name(language.strip()) != locale.gettext_name:
        raise CatalogError(
            f"Language header {language!r} does not match the folder {locale.gettext_name!r}",
            Location(path, catalog.header_line("Language")),
        )
    plural_forms = po.metadata.get("Plural-Forms", "")
    if plural_forms:
        try:
            parse_plural_forms(plural_forms)
        except PluralFormsError as error:
            raise CatalogError(
                f"Plural-Forms {plural_forms!r} is not a valid plural rule: {error}",
                Location(path, catalog.header_line("Plural-Forms")),
            ) from None
    return catalog


@dataclass
class LocaleCatalogs:
    """All catalogs of one locale, by domain."""

    locale: LocaleInfo
    catalogs: dict[str, Catalog]

    @property
    def is_reviewed(self) -> bool:
        return bool(self.catalogs) and all(c.is_reviewed for c in self.catalogs.values())


def discover_locales(locales_dir: Path, errors: list[HandoutsError] | None = None) -> list[LocaleInfo]:
    """Every locale with a folder in `locales/`, plus the source locale.

    An unknown or badly declared folder is an error of that locale alone: raised with every other
    one, or, given `errors`, collected there while the other locales are returned.
    """
    found = [get_locale(SOURCE_LOCALE)]
    problems: list[HandoutsError] = []
    for folder in sorted(p for p in locales_dir.iterdir() if p.is_dir()):
        try:
            found.append(get_locale(folder.name, locales_dir))
        except ErrorGroup as group:
            problems.extend(group.errors)
        except HandoutsError as error:
            problems.append(error if error.location else type(error)(error.message, Location(folder)))
    if errors is not None:
        errors.extend(problems)
    elif problems:
        raise ErrorGroup(problems)
    return found


def load_catalogs(
    locales_dir: Path,
    locales: Iterable[LocaleInfo],
    sources: dict[str, list[SourceMessage]],
    cache: Cache | None = None,
    collected: list[HandoutsError] | None = None,
) -> dict[str, LocaleCatalogs]:
    """Load every catalog of the given locales; report every unreadable file at once.

    Given `collected`, a locale with an unreadable catalog is left out and its errors go there,
    so the other locales can still be checked.
    """
    errors: list[HandoutsError] = []
    result: dict[str, LocaleCatalogs] = {}
    domains = list(sources)
    locales = list(locales)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as threads:
        # Every msgfmt runs at once, on every core, while this thread parses the catalogs one by
        # one; each catalog's outcome is taken in order, so errors come as they would one by one.
        checked = {
            path: threads.submit(read_checked, path, cache)
            for locale in locales
            if not (locale.is_source or locale.is_pseudo)
            for domain in domains
            if (path := po_path(locales_dir, locale, domain)).exists() and is_inside(path, locales_dir)
        }
        for locale in locales:
            load_locale(locale, locales_dir, domains, sources, cache, checked, errors, result, collected)
    if collected is not None:
        collected.extend(errors)
    elif errors:
        raise ErrorGroup(errors)
    return result


def load_locale(
    locale: LocaleInfo,
    locales_dir: Path,
    domains: list[str],
    sources: dict[str, list[SourceMessage]],
    cache: Cache | None,
    checked: dict[Path, Future[tuple[bytes, str]]],
    errors: list[HandoutsError],
    result: dict[str, LocaleCatalogs],
    collected: list[HandoutsError] | None,
) -> None:
    """`load_catalogs` for one locale: into `result`, or its errors into `errors`."""
    if locale.is_source:
        result[locale.tag] = LocaleCatalogs(locale, {})
        return
    if locale.is_pseudo:
        result[locale.tag] = pseudo_catalogs(locale, sources, locales_dir)
        return
    folder = locales_dir / locale.gettext_name
    if not folder.is_dir():
        errors.append(
            InputError(
                f"no catalog for locale {locale.tag!r} (expected {display_path(folder)}/); "
                f"create it with `python build.py init {locale.tag}`"
            )
        )
        return
    catalogs: dict[str, Catalog] = {}
    failed = len(errors)
    for domain in domains:
        path = po_path(locales_dir, locale, domain)
        if not path.exists():
            continue  # reported by the completeness check as a missing catalog
        with collect(errors):
            path = inside(path, locales_dir, "catalog")
            catalogs[domain] = load_catalog(path, locale, domain, cache, checked.get(path))
    if collected is None or len(errors) == failed:
        result[locale.tag] = LocaleCatalogs(locale, catalogs)


def pseudo_catalogs(locale: LocaleInfo, sources: dict[str, list[SourceMessage]], locales_dir: Path) -> LocaleCatalogs:
    """Catalogs of the pseudo-locale, made in memory from the source messages."""
    catalogs = {}
    for domain, messages in sources.items():
        po = pseudo_po(locale.gettext_name, messages)
        catalogs[domain] = Catalog(po_path(locales_dir, locale, domain), locale, domain, po, [])
    return LocaleCatalogs(locale, catalogs)
