"""One model of where a message stands in a catalog, and of the names checks and builds report.

Checks, stats, rendering and the review sheet all ask `status_of()`, so they cannot disagree
about what "fuzzy" or "translated" means. The names are string enums: they print, compare and
serialise (JSON, JUnit) as the plain words users and CI dashboards already see.
"""

from __future__ import annotations

from enum import StrEnum

import polib


class EntryStatus(StrEnum):
    """Where one source message stands in a locale's catalog, as translators count it."""

    TRANSLATED = "translated"
    FUZZY = "fuzzy"  # never counted as done, never shown to a patient
    UNTRANSLATED = "untranslated"
    MISSING = "missing"  # no entry at all: `update` was not run

    @property
    def done(self) -> bool:
        return self is EntryStatus.TRANSLATED


def status_of(entry: polib.POEntry | None) -> EntryStatus:
    """The status of a catalog entry (None: the catalog has no entry for the message)."""
    if entry is None:
        return EntryStatus.MISSING
    if "fuzzy" in entry.flags:
        return EntryStatus.FUZZY
    if entry.msgid_plural:
        forms = list(entry.msgstr_plural.values())
        translated = bool(forms) and all(str(form) for form in forms)
    else:
        translated = bool(entry.msgstr)
    return EntryStatus.TRANSLATED if translated else EntryStatus.UNTRANSLATED


class CheckName(StrEnum):
    """Every check `check` runs, by the stable name it prints."""

    MISSING_CATALOG = "missing-catalog"
    MISSING = "missing"
    UNTRANSLATED = "untranslated"
    FUZZY = "fuzzy"
    NOT_IN_SOURCE = "not-in-source"
    HEADER = "header"
    PLURALS = "plurals"
    PLACEHOLDERS = "placeholders"
    MARKUP = "markup"
    NUMBERS = "numbers"
    ADDED_NUMBERS = "added-numbers"
    DIGIT_SYSTEMS = "digit-systems"
    URLS = "urls"
    EMAILS = "emails"
    PHONES = "phones"
    SAME_AS_SOURCE = "same-as-source"
    WHITESPACE = "whitespace"
    PUNCTUATION = "punctuation"
    SCRIPT = "script"
    PLURAL_RULE = "plural-rule"  # silenced in the catalog's header comment
    LENGTH = "length"
    CHECK_IGNORE = "check-ignore"

    @property
    def silenceable(self) -> bool:
        """A translator may silence it on one entry (`# check-ignore: NAME: reason`): the quality
        checks. Completeness, headers, plural forms and the silences themselves never."""
        return self not in NOT_SILENCEABLE

    @property
    def completeness(self) -> bool:
        """A problem of this check means the catalog is incomplete or stale."""
        return self in (CheckName.MISSING_CATALOG, CheckName.MISSING, CheckName.UNTRANSLATED, CheckName.FUZZY)


NOT_SILENCEABLE = frozenset(
    {
        CheckName.MISSING_CATALOG,
        CheckName.MISSING,
        CheckName.UNTRANSLATED,
        CheckName.FUZZY,
        CheckName.NOT_IN_SOURCE,
        CheckName.HEADER,
        CheckName.PLURALS,
        CheckName.LENGTH,  # checked first and alone: every other check is then bounded
        CheckName.CHECK_IGNORE,
    }
)


class Outcome(StrEnum):
    """What a build did with one PDF, as its progress line says."""

    BUILT = "built"
    SKIPPED = "skipped"  # up to date in the cache
    LEFT_OUT = "left out"  # --ready-only: its catalogs do not pass every check, or it is over budget
    FAILED = "failed"
