"""Catalog checks: completeness, translation quality, statistics. Each check has a stable name.

A translator may silence one check on one entry with a translator comment that gives a reason:

    # check-ignore: numbers: the source's "1960s" is written as a word in this language

A silence without a reason is itself a problem; `check` lists every silenced check.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import polib

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from .catalogs import Catalog, LocaleCatalogs, SourceMessage, po_path
from .errors import Location
from .locales import LocaleInfo
from .status import CheckName, EntryStatus, status_of

CHECKS = tuple(CheckName)  # every check, in the order `check` documents them
SILENCEABLE = {name for name in CheckName if name.silenceable}
REQUIRED_HEADERS = (
    "Language",
    "Plural-Forms",
    "Content-Type",
    "X-Translation-Method",
    "X-Translator",
    "X-Reviewer",
    "X-Review-Date",
    "X-Source-Version",
)

PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
BRACE_PLACEHOLDER_RE = re.compile(r"\{\w*\}")
HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+")
# ASCII only: in scripts written without spaces the neighbouring letters are not part of it.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# An optional country code and bracketed area code, then 2-4 digit groups joined by one separator.
PHONE_RE = re.compile(r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}")
DIGIT_RE = re.compile(r"\d")  # every Unicode decimal digit (category Nd)
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_PHONE_DIGITS = 7
NUMBER_RE = re.compile(r"\d+(?:[.,٫٬\u00a0\u202f]\d+)*", re.UNICODE)
IGNORE_RE = re.compile(r"^\s*check-ignore:\s*(?P<check>[\w-]+)\s*(?::\s*(?P<reason>.*?))?\s*$")
# What ends a sentence in each script; the source's "." may become any of these.
FULL_STOPS = {".", "。", "．", "｡", "۔", "।", "॥", "።", "…", "։", "။"}
QUESTION_MARKS = {"?", "؟", "？", "՞", ";", "፧"}
EXCLAMATION_MARKS = {"!", "！", "¡"}
CLOSERS = "\"'”’»)）」』"
# Languages that end sentences without a mark (Thai, Lao and Khmer use a space).
NO_FINAL_STOP = {"th", "lo", "km"}


@dataclass(frozen=True)
class Problem:
    """One check failure at a place in a catalog: `path:LINE: check: message`."""

    path: Path
    line: int | None
    check: str
    message: str
    source: str = ""
    translation: str = ""
    locale: str = ""
    domain: str = ""

    def __str__(self) -> str:
        return f"{Location(self.path, self.line)}: {self.check}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = str(Location(self.path))
        return data


@dataclass(frozen=True)
class Silenced:
    path: Path
    line: int
    check: str
    reason: str
    source: str

    def __str__(self) -> str:
        return f"{Location(self.path, self.line)}: {self.check} silenced: {self.reason}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    silenced: list[Silenced] = field(default_factory=list)
    catalogs: list[Path] = field(default_factory=list)

    def extend(self, other: Report) -> None:
        self.problems.extend(other.problems)
        self.silenced.extend(other.silenced)
        self.catalogs.extend(other.catalogs)

    def to_json(self) -> str:
        """For the check cache: every field, paths as strings."""
        return json.dumps(
            {
                "problems": [{**asdict(p), "path": str(p.path)} for p in self.problems],
                "silenced": [{**asdict(s), "path": str(s.path)} for s in self.silenced],
                "catalogs": [str(p) for p in self.catalogs],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Report:
        data = json.loads(text)
        return cls(
            [Problem(**{**p, "path": Path(p["path"])}) for p in data["problems"]],
            [Silenced(**{**s, "path": Path(s["path"])}) for s in data["silenced"]],
            [Path(p) for p in data["catalogs"]],
        )


def word_change(old: str, new: str) -> str:
    """What changed between two versions of a source message, word by word: `"a b" -> "c"`."""
    a, b = old.split(), new.split()
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            changes.append(f"{' '.join(a[i1:i2]) or '(nothing)'!r} -> {' '.join(b[j1:j2]) or '(nothing)'!r}")
    return "; ".join(changes[:3]) + (" ..." if len(changes) > 3 else "")


def short(text: str, limit: int = 70) -> str:
    """A message quoted for a one-line report."""
    text = text.replace("\n", " ")
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


# --- text analysis -----------------------------------------------------------------------------


def digit_value_string(text: str) -> str:
    """Every decimal digit in any script (Arabic-Indic, Persian, Devanagari, full-width...) as 0-9."""
    if text.isascii():
        return text
    return DIGIT_RE.sub(lambda match: str(unicodedata.digit(match.group())), text)


def numbers_in(text: str) -> Counter[str]:
    """Numbers as sequences of digit values; group and decimal separators do not matter."""
    return Counter(re.sub(r"\D", "", n) for n in NUMBER_RE.findall(digit_value_string(text)))


def phones_in(text: str) -> Counter[str]:
    """Phone numbers as their digits: at least 7 of them, and not an ISO date."""
    found = (p.strip() for p in PHONE_RE.findall(digit_value_string(text)))
    digits = (re.sub(r"\D", "", p) for p in found if not ISO_DATE_RE.match(p))
    return Counter(d for d in digits if len(d) >= MIN_PHONE_DIGITS)


def urls_in(text: str) -> list[str]:
    """Web addresses, without the punctuation of any script that ends the sentence after them."""
    urls = []
    for url in URL_RE.findall(text):
        while url and unicodedata.category(url[-1]).startswith("P") and url[-1] not in "/#":
            url = url[:-1]
        urls.append(url)
    return sorted(urls)


@cache
def inline_markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def markdown_shape(text: str) -> tuple[Counter[str], list[str]]:
    """(count of each inline markup kind, link targets in order) of a Markdown message."""
    md = inline_markdown()
    kinds: Counter[str] = Counter()
    targets: list[str] = []
    for block in md.parseInline(text):
        for token in block.children or ():
            if token.type in ("em_open", "strong_open", "code_inline", "link_open", "image"):
                kinds[token.type] += 1
            if token.type == "link_open":
                targets.append(str(token.attrs.get("href", "")))
    return kinds, targets


def ends_with(text: str, marks: set[str]) -> bool:
    stripped = text.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in marks


def letters(text: str) -> bool:
    return any(c.isalpha() for c in PLACEHOLDER_RE.sub("", text))


# --- the quality checks: (source, translation, flags) -> message or None ----------------------

QualityCheck = Callable[[str, str, list[str]], str | None]


def check_placeholders(source: str, translation: str, flags: list[str]) -> str | None:
    # Content messages are never %-formatted: there `%` is literal text ("100%").
    pattern = BRACE_PLACEHOLDER_RE if "no-python-format" in flags else PLACEHOLDER_RE
    want, got = Counter(pattern.findall(source)), Counter(pattern.findall(translation))
    if want == got:
        return None
    return f"placeholders differ: source has {sorted(want.elements())}, translation has {sorted(got.elements())}"


def check_plural_placeholders(source: str, translation: str, flags: list[str]) -> str | None:
    """In a plural form, placeholders may be left out, but none may be added or renamed."""
    pattern = BRACE_PLACEHOLDER_RE if "no-python-format" in flags else PLACEHOLDER_RE
    extra = set(pattern.findall(translation)) - set(pattern.findall(source))
    return f"placeholders the source does not have: {sorted(extra)}" if extra else None


def check_markup(source: str, translation: str, flags: list[str]) -> str | None:
    (want_kinds, want_targets), (got_kinds, got_targets) = markdown_shape(source), markdown_shape(translation)
    if sorted(want_targets) != sorted(got_targets):
        return f"link targets differ: source {want_targets}, translation {got_targets}"
    if want_kinds != got_kinds:
        return f"emphasis or links differ: source {dict(want_kinds)}, translation {dict(got_kinds)}"
    for marker in ("**", "__"):
        if translation.count(marker) % 2:
            return f"unbalanced {marker}"
    extra = set(HTML_TAG_RE.findall(translation)) - set(HTML_TAG_RE.findall(source))
    if extra:
        return f"HTML the source does not have: {sorted(extra)}"
    return None


def check_numbers(source: str, translation: str, flags: list[str]) -> str | None:
    want, got = numbers_in(PLACEHOLDER_RE.sub("", source)), numbers_in(PLACEHOLDER_RE.sub("", translation))
    missing = want - got
    if not missing:
        return None
    found = sorted(got.elements())
    return f"number(s) {sorted(missing.elements())} of the source are not in the translation (found {found})"


def check_urls(source: str, translation: str, flags: list[str]) -> str | None:
    want, got = urls_in(source), urls_in(translation)
    return None if want == got else f"web addresses differ: source {want}, translation {got}"


def check_emails(source: str, translation: str, flags: list[str]) -> str | None:
    want, got = sorted(EMAIL_RE.findall(source)), sorted(EMAIL_RE.findall(translation))
    return None if want == got else f"e-mail addresses differ: source {want}, translation {got}"


def check_phones(source: str, translation: str, flags: list[str]) -> str | None:
    want, got = phones_in(source), phones_in(translation)
    return None if want == got else f"phone numbers differ: source {sorted(want)}, translation {sorted(got)}"


def check_same_as_source(source: str, translation: str, flags: list[str]) -> str | None:
    if translation == source and letters(source):
        return (
            "translation is identical to the source "
            "(for names and codes, silence it: `# check-ignore: same-as-source: <why>`)"
        )
    return None


def check_whitespace(source: str, translation: str, flags: list[str]) -> str | None:
    for side, (a, b) in (
        (
            "leading",
            (source[: len(source) - len(source.lstrip())], translation[: len(translation) - len(translation.lstrip())]),
        ),
        ("trailing", (source[len(source.rstrip()) :], translation[len(translation.rstrip()) :])),
    ):
        if a != b:
            return f"{side} whitespace differs: source {a!r}, translation {b!r}"
    if "\n" in translation and "\n" not in source:
        return "translation has a line break the source does not have"
    return None


def check_punctuation(source: str, translation: str, flags: list[str]) -> str | None:
    for marks, name in (
        (FULL_STOPS, "full stop"),
        (QUESTION_MARKS, "question mark"),
        (EXCLAMATION_MARKS, "exclamation mark"),
    ):
        if ends_with(source, marks) and not ends_with(translation, marks):
            return f"the source ends with a {name}; the translation should end with one ({' '.join(sorted(marks))})"
    return None


QUALITY_CHECKS: dict[str, QualityCheck] = {
    "placeholders": check_placeholders,
    "markup": check_markup,
    "numbers": check_numbers,
    "urls": check_urls,
    "emails": check_emails,
    "phones": check_phones,
    "same-as-source": check_same_as_source,
    "whitespace": check_whitespace,
    "punctuation": check_punctuation,
}


# --- running the checks -------------------------------------------------------------------------


def silences(entry: polib.POEntry) -> tuple[dict[str, str], list[str]]:
    """({check: reason}, [problems with the silences themselves]) from translator comments."""
    found: dict[str, str] = {}
    problems: list[str] = []
    for line in (entry.tcomment or "").splitlines():
        match = IGNORE_RE.match(line)
        if not match:
            continue
        name, reason = match["check"], (match["reason"] or "").strip()
        if name not in SILENCEABLE:
            problems.append(
                f"`check-ignore: {name}` names no check that can be silenced ({', '.join(sorted(SILENCEABLE))})"
            )
        elif not reason:
            problems.append(f"`check-ignore: {name}` needs a reason: `# check-ignore: {name}: <why>`")
        else:
            found[name] = reason
    return found, problems


def translations_of(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [str(v) for _, v in sorted(entry.msgstr_plural.items())]
    return [str(entry.msgstr)]


def check_entry(catalog: Catalog, entry: polib.POEntry, report: Report) -> None:
    """The quality checks on one translated, non-fuzzy entry."""
    ignored, silence_problems = silences(entry)
    line = catalog.keyword_line(entry, "msgstr")

    def problem(check: str, message: str, translation: str = "") -> Problem:
        return Problem(catalog.path, line, check, message, entry.msgid, translation, catalog.locale.tag, catalog.domain)

    for message in silence_problems:
        report.problems.append(problem("check-ignore", message))
    for index, translation in enumerate(translations_of(entry)):
        source = entry.msgid if index == 0 or not entry.msgid_plural else entry.msgid_plural
        for name, check in QUALITY_CHECKS.items():
            if name == "same-as-source" and catalog.locale.language == "en":
                continue
            if name == "punctuation" and catalog.locale.language in NO_FINAL_STOP:
                continue
            failure = check(source, translation, entry.flags)
            if failure is not None and name == "placeholders" and entry.msgid_plural:
                # A plural form for exactly one number ("two days") may leave the number out.
                failure = check_plural_placeholders(source, translation, entry.flags)
            if failure is None:
                continue
            if name in ignored:
                report.silenced.append(Silenced(catalog.path, line, name, ignored[name], entry.msgid))
            else:
                report.problems.append(
                    problem(name, f"{failure}\n    source:      {source}\n    translation: {translation}", translation)
                )
    if entry.msgid_plural:
        expected = nplurals_of(catalog.po.metadata.get("Plural-Forms", ""))
        if len(entry.msgstr_plural) != expected:
            report.problems.append(
                problem("plurals", f"{len(entry.msgstr_plural)} plural forms; Plural-Forms says {expected}")
            )


def nplurals_of(plural_forms: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    return int(match.group(1)) if match else 0


def check_header(catalog: Catalog) -> list[Problem]:
    problems = []
    meta = catalog.po.metadata
    for key in REQUIRED_HEADERS:
        if key not in meta:
            problems.append(
                Problem(
                    catalog.path,
                    1,
                    "header",
                    f"header field {key!r} is missing",
                    locale=catalog.locale.tag,
                    domain=catalog.domain,
                )
            )
    plural = " ".join(str(meta.get("Plural-Forms", "")).split())
    if "Plural-Forms" in meta and plural != catalog.locale.plural_forms:
        problems.append(
            Problem(
                catalog.path,
                catalog.header_line("Plural-Forms"),
                "plurals",
                f"Plural-Forms is {plural!r}; GNU gettext's msginit writes "
                f"{catalog.locale.plural_forms!r} for {catalog.locale.tag}",
                locale=catalog.locale.tag,
                domain=catalog.domain,
            )
        )
    return problems


def check_catalog(catalog: Catalog, messages: list[SourceMessage]) -> Report:
    """Completeness and quality of one catalog against its domain's source messages."""
    report = Report(catalogs=[catalog.path])
    report.problems.extend(check_header(catalog))
    locale, domain = catalog.locale.tag, catalog.domain
    known = {(m.msgctxt, m.msgid) for m in messages}
    for message in messages:
        entry = catalog.find(message.msgid, message.msgctxt)
        where = ", ".join(f"{file}:{line}" for file, line in message.occurrences[:1])
        status = status_of(entry)
        if entry is None:
            report.problems.append(
                Problem(
                    catalog.path,
                    None,
                    CheckName.MISSING,
                    f"{short(message.msgid)} (from {where}) is not in the catalog; run `python build.py update`",
                    message.msgid,
                    locale=locale,
                    domain=domain,
                )
            )
        elif status is EntryStatus.FUZZY:
            previous = (
                f"; the English changed: {word_change(entry.previous_msgid, message.msgid)}"
                if entry.previous_msgid
                else ""
            )
            report.problems.append(
                Problem(
                    catalog.path,
                    catalog.keyword_line(entry, "msgid"),
                    CheckName.FUZZY,
                    f"{short(message.msgid)} needs review: its source changed or the translation is a guess{previous}",
                    message.msgid,
                    str(entry.msgstr),
                    locale,
                    domain,
                )
            )
        elif status is EntryStatus.UNTRANSLATED:
            report.problems.append(
                Problem(
                    catalog.path,
                    catalog.keyword_line(entry, "msgstr"),
                    CheckName.UNTRANSLATED,
                    short(message.msgid),
                    message.msgid,
                    locale=locale,
                    domain=domain,
                )
            )
        else:
            check_entry(catalog, entry, report)
    for entry in catalog.entries():
        if (entry.msgctxt, entry.msgid) not in known:
            report.problems.append(
                Problem(
                    catalog.path,
                    catalog.keyword_line(entry, "msgid"),
                    "not-in-source",
                    f"{short(entry.msgid)} is not a source message: was its msgid edited by hand, "
                    "or did the source change without `python build.py update`?",
                    entry.msgid,
                    str(entry.msgstr),
                    locale,
                    domain,
                )
            )
    return report


def check_locale(
    catalogs: LocaleCatalogs,
    sources: dict[str, list[SourceMessage]],
    locales_dir: Path,
    only: Iterable[Path] | None = None,
) -> Report:
    """Every catalog of one locale (or only the given files)."""
    report = Report()
    locale = catalogs.locale
    if locale.is_source:
        return report
    wanted = {p.resolve() for p in only} if only is not None else None
    for domain, messages in sources.items():
        path = po_path(locales_dir, locale, domain)
        if wanted is not None and path.resolve() not in wanted:
            continue
        catalog = catalogs.catalogs.get(domain)
        if catalog is None:
            report.problems.append(
                Problem(
                    path,
                    None,
                    "missing-catalog",
                    f"no catalog for {len(messages)} message(s); run `python build.py init {locale.tag}`",
                    locale=locale.tag,
                    domain=domain,
                )
            )
            continue
        report.extend(check_catalog(catalog, messages))
    return report


def completeness_problems(report: Report) -> list[Problem]:
    """The problems that make a catalog unusable for a patient build."""
    return [p for p in report.problems if CheckName(p.check).completeness]


# --- statistics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    locale: str
    domain: str
    translated: int
    fuzzy: int
    untranslated: int
    missing: int
    obsolete: int
    total: int
    words: int  # source words of the domain
    words_translated: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.translated / self.total, 1) if self.total else 100.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "percent": self.percent}


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", PLACEHOLDER_RE.sub("", text)))


def stats_for(locale: LocaleInfo, catalogs: LocaleCatalogs, sources: dict[str, list[SourceMessage]]) -> list[Stats]:
    """Counts per domain the way translators count: fuzzy is never translated."""
    rows = []
    for domain, messages in sources.items():
        catalog = catalogs.catalogs.get(domain)
        counts: Counter[str] = Counter()
        words = words_done = 0
        for message in messages:
            words += word_count(message.msgid)
            entry = catalog.find(message.msgid, message.msgctxt) if catalog else None
            state = EntryStatus.TRANSLATED if locale.is_source else status_of(entry)
            counts[state] += 1
            words_done += word_count(message.msgid) if state.done else 0
        obsolete = sum(1 for e in catalog.po if e.obsolete) if catalog else 0
        rows.append(
            Stats(
                locale.tag,
                domain,
                counts[EntryStatus.TRANSLATED],
                counts[EntryStatus.FUZZY],
                counts[EntryStatus.UNTRANSLATED],
                counts[EntryStatus.MISSING],
                obsolete,
                len(messages),
                words,
                words_done,
            )
        )
    return rows
