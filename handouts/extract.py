"""Source messages: extract them from the content and the templates, and write the `.pot` files.

One domain per handout (its slug) plus the `templates` domain for strings in `templates/`:
`locales/<domain>.pot`, written in exactly the form GNU `msgcat` writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polib

from . import gnu
from .buildcache import Cache, Fingerprint, sha256_bytes
from .content import Handout, normalize_text
from .errors import InputError, Location, display_path
from .paths import inside

TEMPLATES_DOMAIN = "templates"
TEMPLATE_PATTERNS = ("*.html",)
# Names the templates call to translate; `bilingual` also returns the English source.
TEMPLATE_KEYWORDS: dict[str, object] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "bilingual": None,
}
PYTHON_FORMAT_RE = re.compile(r"%\((\w+)\)[sd]")
SOURCE_FLAGS = {"python-format", "no-python-format"}  # set by extraction; every other flag is the translator's
# polib writes unwrapped text and msgcat wraps strings; comments stay one line each, as xgettext writes them.
NO_WRAP = 0


# --- extraction -------------------------------------------------------------------------------


@dataclass
class SourceMessage:
    """A message as extracted from the sources, with every place it occurs."""

    msgid: str
    msgctxt: str | None = None
    occurrences: list[tuple[str, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    msgid_plural: str | None = None  # content and templates have none today


def relative_to_root(path: Path, root: Path) -> str:
    """A path as written in `#:` references: relative to the project root, with slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def extract_handout(handout: Handout, root: Path) -> list[SourceMessage]:
    """The messages of one handout, in reading order, identical ids merged."""
    found: dict[str, SourceMessage] = {}
    for message in handout.messages():
        entry = found.setdefault(message.text, SourceMessage(message.text, flags=list(message.flags)))
        entry.occurrences.append((relative_to_root(message.path, root), message.line))
        if message.comment and message.comment not in entry.comments:
            entry.comments.append(message.comment)
    return list(found.values())


def extract_templates(templates_dir: Path, root: Path, cache: Cache | None = None) -> list[SourceMessage]:
    """The messages of every template, by Babel's Jinja extractor, with translator comments.

    With a `cache`, the result is kept under a hash of the templates' bytes: a build that
    changes no template does not even import Babel's extractor and Jinja.
    """
    paths = [
        inside(p, templates_dir, "template")
        for p in sorted(p for pattern in TEMPLATE_PATTERNS for p in templates_dir.glob(pattern))
    ]
    key = None
    if cache is not None:
        fingerprint = Fingerprint(Path(__file__).read_bytes().decode("utf-8"))
        for path in paths:
            fingerprint.add_value(relative_to_root(path, root)).add_value(sha256_bytes(path.read_bytes()))
        key = fingerprint.hexdigest()
        stored = cache.get("template-messages", key)
        if isinstance(stored, list):
            try:
                return [
                    SourceMessage(**{**item, "occurrences": [tuple(o) for o in item["occurrences"]]}) for item in stored
                ]
            except (KeyError, TypeError, ValueError):
                pass  # not what this version writes: extract again
    messages = extract_template_files(paths, root)
    if cache is not None and key is not None:
        cache.put("template-messages", key, [dataclasses.asdict(m) for m in messages])
    return messages


def extract_template_files(paths: list[Path], root: Path) -> list[SourceMessage]:
    from babel.messages.extract import extract as babel_extract

    found: dict[tuple[str | None, str], SourceMessage] = {}
    for path in paths:
        with path.open("rb") as fileobj:
            extracted = babel_extract(
                "jinja2.ext:babel_extract",
                fileobj,
                keywords=TEMPLATE_KEYWORDS,  # type: ignore[arg-type]
                comment_tags=("Translators:",),
                options={"trimmed": "true"},
            )
            for lineno, message, comments, context in extracted:
                if not isinstance(message, str):
                    # Plural forms need msgid_plural all the way to rendering; until they have it,
                    # say so rather than silently keep the singular alone.
                    raise InputError(
                        "plural messages (ngettext, {% trans count=... %}) are not supported yet; "
                        "write the sentence without a count",
                        Location(path, lineno),
                    )
                msgid = normalize_text(message)
                key = (context, msgid)
                flags = ["python-format"] if PYTHON_FORMAT_RE.search(msgid) else []
                entry = found.setdefault(key, SourceMessage(msgid, context, flags=flags))
                entry.occurrences.append((relative_to_root(path, root), lineno))
                for comment in comments:
                    if comment not in entry.comments:
                        entry.comments.append(comment)
    return list(found.values())


def extract_all(
    handouts: Iterable[Handout], templates_dir: Path, root: Path, cache: Cache | None = None
) -> dict[str, list[SourceMessage]]:
    """Every domain's source messages: one per handout slug plus the templates."""
    domains = {handout.slug: extract_handout(handout, root) for handout in handouts}
    domains[TEMPLATES_DOMAIN] = extract_templates(templates_dir, root, cache)
    return domains


def build_pot(domain: str, messages: list[SourceMessage], source_version: str | None, created: str) -> polib.POFile:
    """A `.pot` file object for one domain."""
    pot = polib.POFile(wrapwidth=NO_WRAP)
    pot.header = (
        f"Message catalog for the {domain!r} domain of the clinic handouts.\n"
        "This file is generated by `python build.py extract`; do not edit it."
    )
    pot.metadata = {
        "Project-Id-Version": f"handouts {domain} {source_version}" if source_version else f"handouts {domain}",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": created,
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": "LANGUAGE <LL@li.org>",
        "Language": "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    if source_version:
        pot.metadata["X-Source-Version"] = source_version
    for message in messages:
        pot.append(
            polib.POEntry(
                msgid=message.msgid,
                msgctxt=message.msgctxt,
                msgstr="",
                occurrences=list(message.occurrences),
                comment="\n".join(message.comments),
                flags=list(message.flags),
            )
        )
    return pot


def format_po_date(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M%z")


def now() -> dt.datetime:
    """The current time, or SOURCE_DATE_EPOCH when it is set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def pot_path(locales_dir: Path, domain: str) -> Path:
    return locales_dir / f"{domain}.pot"


def render_pot_text(pot: polib.POFile) -> str:
    """The bytes a `.pot` gets on disk, in msgcat's form."""
    return gnu.msgcat(str(pot))


def without_creation_date(text: str) -> str:
    return re.sub(r'^"POT-Creation-Date: [^"]*\\n"$', "", text, flags=re.M)


def plan_pots(handouts: list[Handout], templates_dir: Path, locales_dir: Path, root: Path) -> dict[Path, str]:
    """The text every `.pot` file should have; an unchanged domain keeps its creation date."""
    versions = {handout.slug: handout.source_version for handout in handouts}
    planned: dict[Path, str] = {}
    stamp = format_po_date(now())
    for domain, messages in extract_all(handouts, templates_dir, root).items():
        path = pot_path(locales_dir, domain)
        text = render_pot_text(build_pot(domain, messages, versions.get(domain), stamp))
        if path.exists():
            old = path.read_text(encoding="utf-8")
            if without_creation_date(old) == without_creation_date(text):
                text = old
        planned[path] = text
    return planned


def stale_pots(planned: dict[Path, str], locales_dir: Path, context_lines: int = 2) -> list[str]:
    """Describe every `.pot` that differs from what extraction gives, with a diff (`extract --check`)."""
    problems = []
    for path, text in planned.items():
        if not path.exists():
            problems.append(f"{display_path(path)}: missing; run `python build.py extract`")
            continue
        old = path.read_text(encoding="utf-8")
        if old == text:
            continue
        diff = difflib.unified_diff(
            old.splitlines(),
            text.splitlines(),
            f"{display_path(path)} (committed)",
            f"{display_path(path)} (from sources)",
            n=context_lines,
            lineterm="",
        )
        problems.append(
            f"{display_path(path)}: out of date with the sources; run `python build.py extract`\n" + "\n".join(diff)
        )
    for path in sorted(locales_dir.glob("*.pot")):
        if path not in planned:
            problems.append(f"{display_path(path)}: no source produces this domain any more")
    return problems
