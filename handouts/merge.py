"""`update`: merge the `.pot` files into every `.po`, by GNU `msgmerge --previous`.

msgmerge decides everything a translator sees: an exact match keeps its translation, comments
and flags; a changed message gets the translation of the most similar old one, marked fuzzy,
with the English that translation was made from as `#| msgid` (kept through a second edit); a
message that is gone stays as an obsolete `#~` entry, with its `#~|` history. Teams that also run
msgmerge elsewhere (Weblate's add-on, a Makefile) get the same bytes.

One thing differs, on purpose: msgmerge copies `POT-Creation-Date` and `Report-Msgid-Bugs-To`
from the `.pot` into the header, and the header is the translator's. So msgmerge is given, as its
reference, the `.pot`'s messages under the `.po`'s own header: the header comes out as it went in,
and an update changes nothing but the entries whose source changed.

What `update` reports is the difference between each catalog before and after.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polib

from . import gnu
from .catalogs import (
    Authorship,
    PlannedWrite,
    canonical_po_text,
    load_catalog,
    new_catalog,
    po_path,
    read_po,
)
from .errors import CatalogError, ErrorGroup, HandoutsError, InputError, Location, collect
from .extract import format_po_date, now
from .locales import LocaleInfo
from .paths import inside

Key = tuple[str | None, str]


@dataclass
class MergeReport:
    """What a merge did to one catalog, read from the catalog before and after."""

    kept: int = 0
    fuzzy: list[tuple[str, str]] = field(default_factory=list)  # (new msgid, the English it was made from)
    added: int = 0
    obsoleted: int = 0
    revived: int = 0


def key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def compare(before: polib.POFile, after: polib.POFile) -> MergeReport:
    """What changed between two versions of a catalog, entry by entry (the header excluded)."""
    active_before = {key(e) for e in before if not e.obsolete and e.msgid}
    obsolete_before = {key(e) for e in before if e.obsolete}
    report = MergeReport()
    for entry in after:
        if not entry.msgid and not entry.msgctxt:
            continue
        k = key(entry)
        if entry.obsolete:
            report.obsoleted += k in active_before
        elif k in active_before:
            report.kept += 1
        elif k in obsolete_before:
            report.kept += 1
            report.revived += 1
        elif "fuzzy" in entry.flags:
            report.fuzzy.append((entry.msgid, entry.previous_msgid or ""))
        else:
            report.added += 1
    return report


def reference_with_header(pot: Path, po: polib.POFile, target: Path) -> Path:
    """The `.pot`'s messages under the `.po`'s header: msgmerge then leaves the header alone."""
    reference = read_po(pot)
    reference.header = po.header
    reference.metadata = dict(po.metadata)
    target.write_text(str(reference), encoding="utf-8")
    return target


def merge_catalog(po: Path, pot: Path, workdir: Path) -> tuple[str, MergeReport]:
    """The text `update` writes for one catalog, and what changed; writes only into `workdir`."""
    before = read_po(po)
    reference = reference_with_header(pot, before, workdir / "reference.pot")
    try:
        text = gnu.msgmerge(po, reference)
    except CatalogError as error:
        raise CatalogError(error.message, Location(po)) from None
    merged = workdir / "merged.po"
    merged.write_text(text, encoding="utf-8")
    return text, compare(before, read_po(merged))


def plan_update(locales_dir: Path, locales: Iterable[LocaleInfo]) -> list[PlannedWrite]:
    """Merge every `.pot` into every locale's `.po`, in memory; nothing is written.

    Every catalog is validated first (`msgfmt --check`): if any cannot be read, all errors are
    raised and the caller writes nothing at all.
    """
    pots = {path.stem: inside(path, locales_dir, "template catalog") for path in sorted(locales_dir.glob("*.pot"))}
    if not pots:
        raise InputError("no .pot files; run `python build.py extract` first", Location(locales_dir))
    errors: list[HandoutsError] = []
    targets: list[tuple[Path, LocaleInfo, str, bool]] = []
    # A new handout's catalog keeps the locale's authorship: a person's language stays theirs.
    authors: dict[str, Authorship] = {}
    for locale in locales:
        if locale.is_source or locale.is_pseudo:
            continue
        for domain in pots:
            path = po_path(locales_dir, locale, domain)
            exists = path.exists()
            if exists:
                with collect(errors):
                    catalog = load_catalog(inside(path, locales_dir, "catalog"), locale, domain)
                    authors.setdefault(locale.tag, Authorship.of(catalog.po))
            targets.append((path, locale, domain, exists))
    if errors:
        raise ErrorGroup(errors)
    planned = []
    created = format_po_date(now())
    with tempfile.TemporaryDirectory(prefix="handouts-update-") as tmp:
        for path, locale, domain, exists in targets:
            if not exists:
                po = new_catalog(pots[domain], locale, domain, created, authors.get(locale.tag))
                planned.append(PlannedWrite(path, canonical_po_text(str(po)), None))
                continue
            with collect(errors):
                text, report = merge_catalog(path, pots[domain], Path(tmp))
                if text != path.read_text(encoding="utf-8"):
                    planned.append(PlannedWrite(path, text, report))
    if errors:
        raise ErrorGroup(errors)
    return planned
