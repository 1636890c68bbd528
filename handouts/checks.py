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
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

import polib

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from .catalogs import (
    LENGTH_RATIO,
    MARKUP_SLACK,
    Catalog,
    LocaleCatalogs,
    beyond_limits,
    markup_count,
    po_path,
)
from .errors import LocaleError, Location
from .extract import SourceMessage
from .locales import LocaleInfo
from .numbers import compare_numbers
from .plurals import parse_plural_forms
from .scripts import punctuation_problem, wrong_script_problem
from .status import CheckName, EntryStatus, status_of

CHECKS = tuple(CheckName)  # every check, in the order `check` documents them
# Checks a translator may silence with `# check-ignore: NAME: reason` (a `plural-rule` silence
# goes in the catalog's header comment).
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
PLACEHOLDER_NAME_RE = re.compile(r"%\(\w+\)|\{\w*\}")
HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+")
# ASCII only: in scripts written without spaces the neighbouring letters are not part of it.
# Linear: a match starts only where a local part starts, and the possessive quantifier never
# gives back (else a 400,000-letter word without "@" is rescanned from every letter).
EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# An optional country code and bracketed area code, then 2-4 digit groups joined by one separator.
PHONE_RE = re.compile(r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}")
DIGIT_RE = re.compile(r"\d")  # every Unicode decimal digit (category Nd)
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_PHONE_DIGITS = 7
IGNORE_RE = re.compile(r"^\s*check-ignore:\s*(?P<check>[\w-]+)\s*(?::\s*(?P<reason>.*?))?\s*$")


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


# The characters without which CommonMark has no emphasis, code, link, image or autolink.
MARKDOWN_STARTS = "*_`[<"


def markdown_shape(text: str) -> tuple[Counter[str], list[str]]:
    """(count of each inline markup kind, link targets in order) of a Markdown message."""
    kinds: Counter[str] = Counter()
    targets: list[str] = []
    if not any(char in text for char in MARKDOWN_STARTS):
        return kinds, targets  # nothing to parse: one pass in C instead of markdown-it's tokens
    md = inline_markdown()
    for block in md.parseInline(text):
        for token in block.children or ():
            if token.type in ("em_open", "strong_open", "code_inline", "link_open", "image"):
                kinds[token.type] += 1
            if token.type == "link_open":
                targets.append(str(token.attrs.get("href", "")))
    return kinds, targets


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
    # Beyond the markup limit (the `length` check, which `check_entry` runs first and alone), a
    # translation is never parsed: parsing a megabyte of emphasis markers takes seconds.
    want, got = markup_count(source), markup_count(translation)
    if got > LENGTH_RATIO * want + MARKUP_SLACK:
        return f"the translation has {got} markup characters, the source {want}: far too many to compare"
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
    # Each script's own marks (Burmese ။, Khmer ។, Ethiopic ። ፧...); Thai and Lao need none.
    return punctuation_problem(source, translation)


def check_script(locale: LocaleInfo, source: str, translation: str, flags: list[str]) -> str | None:
    return wrong_script_problem(locale.script, locale.language, source, translation)


def number_checks(locale: LocaleInfo) -> dict[str, QualityCheck]:
    """`numbers`, `added-numbers` and `digit-systems`: numbers read by value, the way the locale
    writes them (handouts/numbers.py)."""

    def check(field: str) -> QualityCheck:
        def run(source: str, translation: str, flags: list[str]) -> str | None:
            # A placeholder's name is no number ("{0}"); "%i" in "100%ig" may be text or a placeholder.
            found = compare_numbers(
                PLACEHOLDER_NAME_RE.sub("", source), PLACEHOLDER_NAME_RE.sub("", translation), locale.babel_name
            )
            message: str | None = getattr(found, field)
            return message

        return run

    return {name: check(name.replace("-", "_")) for name in ("numbers", "added-numbers", "digit-systems")}


QUALITY_CHECKS: dict[str, QualityCheck] = {
    "placeholders": check_placeholders,
    "markup": check_markup,
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
        if (oversized := beyond_limits(source, translation)) is not None:
            # Checked first, alone: every other check is then bounded by the source's size.
            report.problems.append(problem("length", f"{oversized}\n    source:      {source}", translation[:200]))
            continue
        checks: dict[str, QualityCheck] = {
            **QUALITY_CHECKS,
            **number_checks(catalog.locale),
            "script": partial(check_script, catalog.locale),
        }
        for name, check in checks.items():
            if name == "same-as-source" and catalog.locale.language == "en":
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
    return problems


def check_plural_rule(catalog: Catalog, report: Report) -> None:
    """The catalog's Plural-Forms is its truth (load_catalog parsed it); where it picks other forms
    than the language's default rule, say so, unless the header comment says why."""
    text = str(catalog.po.metadata.get("Plural-Forms", ""))
    if not text:
        return
    try:
        default = catalog.locale.default_plural_forms
    except LocaleError:
        return  # no rule known for the language: the catalog's own is all there is
    if " ".join(text.split()) == default.text:  # the default itself, as most catalogs have it
        return
    rule, expected = parse_plural_forms(text), parse_plural_forms(default.text)
    if rule.same_as(expected):
        return
    line = catalog.header_line("Plural-Forms")
    ignored, _ = silences(polib.POEntry(tcomment=catalog.po.header or ""))
    if "plural-rule" in ignored:
        report.silenced.append(Silenced(catalog.path, line, "plural-rule", ignored["plural-rule"], "Plural-Forms"))
        return
    if rule.nplurals != expected.nplurals:
        difference = f"{rule.nplurals} forms instead of {expected.nplurals}"
    else:
        n = rule.first_difference(expected)
        difference = f"for n = {n} it picks form {rule.form(n or 0)}, the default form {expected.form(n or 0)}"
    report.problems.append(
        Problem(
            catalog.path,
            line,
            "plural-rule",
            f"Plural-Forms {' '.join(text.split())!r} differs from the default for {catalog.locale.tag} "
            f"({default.source}: {default.text!r}): {difference}. If the catalog is right, say why in its "
            "header comment: `# check-ignore: plural-rule: <why>`",
            locale=catalog.locale.tag,
            domain=catalog.domain,
        )
    )


def check_catalog(catalog: Catalog, messages: list[SourceMessage]) -> Report:
    """Completeness and quality of one catalog against its domain's source messages."""
    report = Report(catalogs=[catalog.path])
    report.problems.extend(check_header(catalog))
    check_plural_rule(catalog, report)
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
        elif entry.msgid_plural and not message.msgid_plural:
            report.problems.append(
                Problem(
                    catalog.path,
                    catalog.keyword_line(entry, "msgstr"),
                    "plurals",
                    f"{short(message.msgid)} has one form in the source, but this entry has plural forms "
                    "(msgid_plural); it would print nothing: remove msgid_plural and write one msgstr",
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
