"""One model of an entry's status: checks, stats, rendering and the review sheet agree on it."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from handouts.catalogs import Catalog, LocaleCatalogs
from handouts.checks import SILENCEABLE, check_catalog, stats_for
from handouts.extract import SourceMessage
from handouts.locales import get_locale
from handouts.render import review_row
from handouts.status import CheckName, EntryStatus, status_of

# One source message per status, and the catalog entry (or none) that gives it.
CASES: dict[str, tuple[EntryStatus, polib.POEntry | None]] = {
    "Done.": (EntryStatus.TRANSLATED, polib.POEntry(msgid="Done.", msgstr="Hecho.")),
    "Changed.": (
        EntryStatus.FUZZY,
        polib.POEntry(msgid="Changed.", msgstr="Cambiado.", flags=["fuzzy"], previous_msgid="Change."),
    ),
    "Empty.": (EntryStatus.UNTRANSLATED, polib.POEntry(msgid="Empty.", msgstr="")),
    "Absent.": (EntryStatus.MISSING, None),
}


def catalog() -> Catalog:
    po = polib.POFile()
    po.metadata = {"Language": "es", "X-Translation-Method": "machine-draft"}
    for _, entry in CASES.values():
        if entry is not None:
            po.append(entry)
    return Catalog(Path("locales/es/LC_MESSAGES/d.po"), get_locale("es"), "d", po, [])


@pytest.mark.parametrize("msgid", list(CASES))
def test_status_of_each_entry(msgid: str) -> None:
    status, entry = CASES[msgid]
    assert status_of(entry) is status
    assert status.done == (status is EntryStatus.TRANSLATED)


def test_a_plural_entry_is_translated_only_with_every_form() -> None:
    half = polib.POEntry(msgid="a day", msgid_plural="%(n)s days", msgstr_plural={0: "un día", 1: ""})
    assert status_of(half) is EntryStatus.UNTRANSLATED
    half.msgstr_plural[1] = "%(n)s días"
    assert status_of(half) is EntryStatus.TRANSLATED


def test_checks_stats_rendering_and_review_agree() -> None:
    messages = [SourceMessage(msgid) for msgid in CASES]
    cat = catalog()
    problems = {p.source: p.check for p in check_catalog(cat, messages).problems if p.check != CheckName.HEADER}
    (stats,) = stats_for(get_locale("es"), LocaleCatalogs(get_locale("es"), {"d": cat}), {"d": messages})
    for msgid, (status, _) in CASES.items():
        row = review_row(1, "paragraph", SourceMessage(msgid), cat, rtl=False)
        assert row["status"] is status  # the review sheet
        assert (cat.translation(msgid) is not None) == status.done  # what a patient's PDF shows
        if status.done:
            assert msgid not in problems
        else:
            assert problems[msgid] == status.value  # `check` names the problem after the status
    assert (stats.translated, stats.fuzzy, stats.untranslated, stats.missing) == (1, 1, 1, 1)


def test_silenceable_checks_are_a_property_of_each_check() -> None:
    assert {
        "placeholders", "markup", "numbers", "added-numbers", "digit-systems", "urls", "emails", "phones",
        "same-as-source", "whitespace", "punctuation", "script", "plural-rule",
    } == SILENCEABLE  # fmt: skip
    assert not any(name.silenceable for name in CheckName if name.completeness)
