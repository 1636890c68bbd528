"""`update` is GNU `msgmerge --previous`, with the translator's header kept as it was.

A differential test makes a dozen realistic edits to a small sample project (`tests/roots/update`)
and compares every catalog `update` writes with what `msgmerge --previous` writes for the same
files, byte for byte. Property tests run over all printable Unicode (every code point but
surrogates and control characters, plus the newlines and tabs gettext strings may hold): no
translation is ever lost and msgcat's form is kept; example tests pin down what a translator sees
after an edit, and the command line runs end to end on copies of the sample and of the project.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handouts.catalogs import canonical_po_text, load_catalog
from handouts.extract import NO_WRAP, SOURCE_FLAGS
from handouts.locales import get_locale
from handouts.merge import MergeReport, merge_catalog
from handouts.pipeline import Project, extract, update

from .conftest import ROOT
from .test_new_languages import LANGUAGES, translated_project

# The sample handout of tests/roots/languages, translated into eight languages by the test data there.
CONTENT = "content/medicine.md"
EDITED_FROM, EDITED_TO = "with water every morning", "with food every morning"

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,  # write nothing into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies -----------------------------------------------------------------------------------

# Every printable character, plus newline and tab: the only control characters a gettext string
# holds here (polib and msgcat escape both as \n and \t).
ALL_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\n\t")
# The same without U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR, for tests that read a
# catalog back from text: polib.pofile(text) splits lines with str.splitlines(), which breaks a
# line at them (the product reads catalogs from their path for this reason; see
# test_line_separator_in_a_translation_survives_loading).
PARSEABLE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), include_characters="\n\t")
# Comment lines hold no newline, and polib strips the end of every line (trailing whitespace of
# a comment is not kept); a blank extracted-comment line is skipped. A comment line cannot end in
# a backslash: GNU gettext reads backslash-newline as a line continuation, even in a comment.
COMMENT_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
COMMENT_LINE = (
    st.text(COMMENT_CHARS, min_size=1, max_size=30).map(str.rstrip).filter(lambda line: line[-1:] not in ("", "\\"))
)
COMMENTS = st.lists(COMMENT_LINE, max_size=3).map("\n".join)
OCCURRENCES = st.lists(
    st.tuples(st.sampled_from(["content/a.md", "templates/handout.html", "content/ünï-cödé.md"]), st.integers(1, 9999)),
    max_size=3,
    unique=True,
).map(lambda pairs: [(file, str(line)) for file, line in pairs])
FORMAT_FLAG = st.sampled_from([None, "python-format", "no-python-format"])
METADATA = {
    "Project-Id-Version": "handouts test",
    "Language": "es",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=2; plural=(n != 1);",
    "X-Translation-Method": "machine-draft",
}


def new_po() -> polib.POFile:
    po = polib.POFile(wrapwidth=NO_WRAP)
    po.header = "Spanish translation of the test domain."
    po.metadata = dict(METADATA)
    return po


def parse(text: str) -> polib.POFile:
    """Read catalog text the way the pipeline does (load_catalog, plan_update)."""
    return polib.pofile(text, wrapwidth=NO_WRAP)


def key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


@st.composite
def po_entries(draw: st.DrawFn, chars: st.SearchStrategy[str]) -> dict[str, object]:
    """Keyword arguments of one random entry, as a translator's catalog could hold it."""
    msgstr = draw(st.one_of(st.just(""), st.text(chars, min_size=1, max_size=60)))
    # msgcat drops an untranslated obsolete entry
    obsolete = bool(msgstr) and draw(st.sampled_from([False, False, False, True]))
    flags = [flag for flag in ("no-wrap",) if draw(st.booleans())]
    if msgstr and draw(st.booleans()):  # msgcat drops `fuzzy` from an untranslated entry
        flags.insert(draw(st.integers(0, len(flags))), "fuzzy")
    if (format_flag := draw(FORMAT_FLAG)) is not None:
        flags.append(format_flag)
    previous = None
    if "fuzzy" in flags and not obsolete:  # polib skips `#~|` lines, so only active entries keep one
        previous = draw(st.one_of(st.none(), st.text(chars, min_size=1, max_size=60)))
    return {
        "msgctxt": draw(st.one_of(st.none(), st.text(chars, max_size=12))),
        "msgid": draw(st.text(chars, min_size=1, max_size=60)),
        "msgstr": msgstr,
        "tcomment": draw(COMMENTS),
        # polib writes neither extracted comments nor references of an obsolete entry
        "comment": "" if obsolete else draw(COMMENTS),
        "occurrences": [] if obsolete else draw(OCCURRENCES),
        "flags": flags,
        "previous_msgid": previous,
        "obsolete": obsolete,
    }


def entry_view(entry: polib.POEntry) -> tuple[object, ...]:
    """Everything a round trip must keep; msgcat puts flags in its own order."""
    return (
        entry.msgctxt,
        entry.msgid,
        entry.msgstr,
        entry.tcomment,
        entry.comment,
        [tuple(map(str, occurrence)) for occurrence in entry.occurrences],
        sorted(entry.flags),
        entry.previous_msgid,
        bool(entry.obsolete),
    )


@st.composite
def merge_cases(draw: st.DrawFn, chars: st.SearchStrategy[str]) -> tuple[polib.POFile, polib.POFile]:
    """An old translated catalog and a new `.pot` that keeps, edits, drops and adds messages."""
    word = st.text(chars, min_size=1, max_size=10)
    sentence = st.lists(word, min_size=1, max_size=10)
    context = st.one_of(st.none(), st.none(), st.sampled_from(["", "button"]), st.text(chars, min_size=1, max_size=8))

    po = new_po()
    old: list[tuple[str | None, list[str]]] = []
    for ctxt, words in draw(st.lists(st.tuples(context, sentence), min_size=1, max_size=10)):
        if any(c == ctxt and " ".join(w) == " ".join(words) for c, w in old):
            continue
        old.append((ctxt, words))
        translated = draw(st.sampled_from([True, True, True, False]))
        msgstr = draw(st.text(chars, min_size=1, max_size=40)) if translated else ""
        obsolete = draw(st.sampled_from([False, False, False, True]))
        flags = [flag for flag in ("no-wrap", "fuzzy") if draw(st.booleans()) and (flag != "fuzzy" or translated)]
        if (format_flag := draw(FORMAT_FLAG)) is not None:
            flags.insert(draw(st.integers(0, len(flags))), format_flag)
        previous = draw(st.one_of(st.none(), sentence.map(" ".join))) if "fuzzy" in flags else None
        po.append(
            polib.POEntry(
                msgctxt=ctxt,
                msgid=" ".join(words),
                msgstr=msgstr,
                tcomment=draw(COMMENTS),
                comment="" if obsolete else draw(COMMENTS),
                occurrences=[] if obsolete else draw(OCCURRENCES),
                flags=flags,
                previous_msgid=previous,
                obsolete=obsolete,
            )
        )

    sources: list[tuple[str | None, list[str]]] = []
    for ctxt, words in old:
        action = draw(st.sampled_from(["keep", "edit", "drop"]))
        if action == "keep":
            sources.append((ctxt, words))
        elif action == "edit":
            edited = list(words)
            how = draw(st.sampled_from(["append", "replace", "insert"]))
            if how == "append":
                edited += draw(st.lists(word, min_size=1, max_size=3))
            elif how == "replace":
                edited[draw(st.integers(0, len(edited) - 1))] = draw(word)
            else:
                edited.insert(draw(st.integers(0, len(edited))), draw(word))
            sources.append((ctxt, edited))
    sources += draw(st.lists(st.tuples(context, sentence), max_size=4))  # unrelated new messages
    unique = list({(ctxt, " ".join(words)): None for ctxt, words in sources})
    order = draw(st.permutations(range(len(unique))))

    pot = polib.POFile(wrapwidth=NO_WRAP)
    pot.metadata = {name: value for name, value in METADATA.items() if name not in ("Language", "X-Translation-Method")}
    for index in order:
        ctxt, msgid = unique[index]
        format_flag = draw(FORMAT_FLAG)
        pot.append(
            polib.POEntry(
                msgctxt=ctxt,
                msgid=msgid,
                msgstr="",
                comment=draw(COMMENTS),
                occurrences=draw(OCCURRENCES),
                flags=[format_flag] if format_flag else [],
            )
        )
    return po, pot


# --- 1a. parse -> write -> parse keeps every entry ------------------------------------------------


@PROPERTY_SETTINGS
# At least one message: a catalog of a header alone is test_catalog_without_messages_keeps_its_header.
@given(st.lists(po_entries(PARSEABLE_CHARS), min_size=1, max_size=8, unique_by=lambda e: (e["msgctxt"], e["msgid"])))
def test_write_and_parse_keeps_every_entry(entries: list[dict[str, object]]) -> None:
    po = new_po()
    for fields in entries:
        po.append(polib.POEntry(**fields))
    text = canonical_po_text(str(po))
    back = parse(text)
    written = [e for e in po if not e.obsolete] + [e for e in po if e.obsolete]  # polib writes obsolete ones last
    assert [entry_view(e) for e in back] == [entry_view(e) for e in written]
    assert back.metadata == METADATA
    assert back.header == po.header
    assert canonical_po_text(text) == text  # msgcat's form is a fixed point


# --- 1b. merging after any source change keeps every translation ----------------------------------


def read_text(text: str, folder: Path, name: str = "read.po") -> polib.POFile:
    """Parse catalog text from a file, as the product does (polib splits text at U+2028)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return polib.pofile(str(path), wrapwidth=NO_WRAP)


@dataclass
class Merged:
    """One merge through files: the catalog before, the `.pot`, the text written and its report."""

    before: polib.POFile
    pot: polib.POFile
    text: str
    after: polib.POFile
    report: MergeReport


def merge_texts(old: str, pot: str) -> Merged:
    """`update` of one catalog: the `.po` and `.pot` texts written to files, merged by msgmerge."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "old.po").write_text(old, encoding="utf-8")
        (folder / "new.pot").write_text(pot, encoding="utf-8")
        text, report = merge_catalog(folder / "old.po", folder / "new.pot", folder)
        return Merged(
            polib.pofile(str(folder / "old.po"), wrapwidth=NO_WRAP),
            polib.pofile(str(folder / "new.pot"), wrapwidth=NO_WRAP),
            text,
            read_text(text, folder),
            report,
        )


def check_merge(po: polib.POFile, pot: polib.POFile) -> Merged:
    """Merge and check every promise of `update`; return the merge."""
    merged = merge_texts(canonical_po_text(str(po)), canonical_po_text(str(pot)))
    before, after, report = merged.before, merged.after, merged.report
    old = {key(e): e for e in before}
    new = {key(e): e for e in merged.pot}
    active = [e for e in after if not e.obsolete]
    obsolete = [e for e in after if e.obsolete]

    # (iv) the active entries are exactly the pot's messages, in the pot's order, before any obsolete
    # one, and the header is the translator's
    assert [key(e) for e in active] == [key(e) for e in merged.pot]
    assert [bool(e.obsolete) for e in after] == [False] * len(active) + [True] * len(obsolete)
    assert after.metadata == before.metadata and after.header == before.header
    assert canonical_po_text(merged.text) == merged.text  # msgcat's form

    for entry in active:
        source = new[key(entry)]
        assert entry.occurrences == source.occurrences and entry.comment == source.comment
        assert [f for f in entry.flags if f in SOURCE_FLAGS] == [f for f in source.flags if f in SOURCE_FLAGS]
        if key(entry) in old:
            # (ii) an exact match keeps its translation, translator comments and fuzzy state
            previous = old[key(entry)]
            assert (entry.msgstr, entry.tcomment) == (previous.msgstr, previous.tcomment)
            if "fuzzy" in previous.flags:
                assert "fuzzy" in entry.flags
            elif "fuzzy" in entry.flags:  # msgmerge doubts a translation once its English turns into a format string
                assert "python-format" in entry.flags and "python-format" not in previous.flags
        elif "fuzzy" in entry.flags:
            # (iii) a guess is an old translation, with the English it was made from as `#| msgid`
            sources = [e for e in before if e.msgstr == entry.msgstr != ""]
            assert sources, entry
            # a fuzzy translation was made from its `#|` English, which may be unknown (None)
            made_from = {e.previous_msgid if "fuzzy" in e.flags else e.msgid for e in sources}
            if entry.msgid in {e.msgid for e in sources}:
                made_from.add(None)  # the same English under another context: msgmerge writes no `#|`
            if not any(e.obsolete and "fuzzy" in e.flags for e in sources):  # polib does not read `#~|`
                assert entry.previous_msgid in made_from
        else:  # a new message with nothing similar inherits nothing
            assert entry.msgstr == "" and entry.tcomment == "" and entry.previous_msgid is None

    # (i) every old translation is still there: kept, offered as a guess, or obsolete
    for old_key, previous in old.items():
        if not previous.msgstr:
            continue
        same = [e for e in after if key(e) == old_key]
        if same:
            assert same[0].msgstr == previous.msgstr and same[0].tcomment == previous.tcomment
        else:
            assert any(e.msgstr == previous.msgstr and "fuzzy" in e.flags for e in active), old_key
    assert all(key(e) in old and key(e) not in new for e in obsolete)

    # the report is the difference between before and after
    assert report.kept == sum(1 for k in new if k in old)
    assert report.revived == sum(1 for k in new if k in old and old[k].obsolete)
    assert sorted(report.fuzzy) == sorted(
        (e.msgid, e.previous_msgid or "") for e in active if key(e) not in old and "fuzzy" in e.flags
    )
    assert report.added == sum(1 for e in active if key(e) not in old and "fuzzy" not in e.flags)
    assert report.obsoleted == sum(1 for e in obsolete if not old[key(e)].obsolete)
    for name, count in (("fuzzy", len(report.fuzzy)), ("revived", report.revived), ("obsoleted", report.obsoleted)):
        event(f"{name}: {'some' if count else 'none'}")  # shown by --hypothesis-show-statistics
    return merged


@PROPERTY_SETTINGS
@given(merge_cases(ALL_CHARS))
def test_merge_keeps_every_translation_and_is_idempotent(case: tuple[polib.POFile, polib.POFile]) -> None:
    po, pot = case
    merged = check_merge(po, pot)
    # (v) merging the result again with the same pot changes nothing
    again = merge_texts(merged.text, canonical_po_text(str(pot)))
    assert again.text == merged.text
    assert (again.report.fuzzy, again.report.added, again.report.obsoleted, again.report.revived) == ([], 0, 0, 0)


# --- 2. the differential test: `update` writes what `msgmerge --previous` writes -------------------

VISIT = "content/visit.md"
TEMPLATE = "templates/handout.html"


@dataclass(frozen=True)
class Scenario:
    """Source edits, each step followed by `extract` and `update`, and what the translator then sees."""

    name: str
    steps: list[list[tuple[str, str, str]]]  # per step: (file, old text, new text)
    fuzzy: dict[str, str] = field(default_factory=dict)  # new msgid -> the English its translation was made from
    obsolete: dict[str, str | None] = field(default_factory=dict)  # msgid -> its `#~|` English, if any
    new: list[str] = field(default_factory=list)  # new messages that start untranslated


FIRST = (
    "Please arrive fifteen minutes early so that the nurse can check your blood pressure and your heart rate "
    "before the infusion starts."
)
FASTING = "Do not eat anything for 4 hours before your appointment. You may drink clear liquids up to 2 hours before."
DIZZY = "You may feel dizzy or sleepy for a few hours. This is expected and usually passes by the evening."
CALL = "Call the clinic if you feel unwell after you get home."
LIST = "A list of every medicine you take, with the dose."
DRIVER = "Someone who can drive you home afterwards."

SCENARIOS = [
    Scenario(
        "reword",
        [[(VISIT, "usually passes by", "usually wears off by")]],
        fuzzy={DIZZY.replace("passes", "wears off"): DIZZY},
    ),
    Scenario(
        "typo", [[(VISIT, "every medicine", "every medecine")]], fuzzy={LIST.replace("medicine", "medecine"): LIST}
    ),
    Scenario("re-wrap", [[(VISIT, "check your blood pressure and", "check your blood pressure\nand")]]),
    Scenario(
        "split",
        [[(VISIT, "appointment. You may", "appointment.\n\nYou may")]],
        fuzzy={
            "Do not eat anything for 4 hours before your appointment.": FASTING,
            "You may drink clear liquids up to 2 hours before.": FASTING,
        },
    ),
    Scenario(
        "merge",
        [[(VISIT, "by the evening.\n\nCall", "by the evening. Call")]],
        fuzzy={f"{DIZZY} {CALL}": DIZZY},
        obsolete={CALL: None},
    ),
    Scenario("reorder", [[(VISIT, f"- {LIST}\n- {DRIVER}", f"- {DRIVER}\n- {LIST}")]]),
    Scenario("delete", [[(VISIT, f"\n{CALL}\n", "")]], obsolete={CALL: None}),
    Scenario(
        "add",
        [[(VISIT, f"{CALL}\n", f"{CALL}\n\nTell the nurse if you are pregnant or breastfeeding.\n")]],
        new=["Tell the nurse if you are pregnant or breastfeeding."],
    ),
    Scenario("number change", [[(VISIT, "for 4 hours", "for 6 hours")]], fuzzy={FASTING.replace("4", "6"): FASTING}),
    Scenario(
        "heading change",
        [[(VISIT, "## What To Bring", "## What To Bring With You")]],
        fuzzy={"What To Bring With You": "What To Bring"},
    ),
    Scenario(
        "template string change",
        [[(TEMPLATE, "Keep this sheet for your records.", "Keep this sheet with your records.")]],
        fuzzy={"Keep this sheet with your records.": "Keep this sheet for your records."},
    ),
    Scenario(
        "two edits in a row",
        [
            [(VISIT, "usually passes by the evening", "usually wears off by the evening")],
            [(VISIT, "usually wears off by the evening", "usually wears off within a day")],
        ],
        fuzzy={DIZZY.replace("passes by the evening", "wears off within a day"): DIZZY},
    ),
    Scenario(
        "edit, then delete",
        [
            [(VISIT, "after you get home", "once you are home")],
            [(VISIT, "\nCall the clinic if you feel unwell once you are home.\n", "")],
        ],
        obsolete={CALL.replace("after you get home", "once you are home"): CALL},
    ),
]


def msgmerge_previous(po: Path, pot: Path) -> str:
    """What GNU msgmerge itself writes, run directly as a translator or Weblate would run it."""
    result = subprocess.run(
        ["msgmerge", "--previous", "--quiet", "--output-file=-", str(po), str(pot)],
        capture_output=True,
        check=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    return result.stdout.decode("utf-8")


def header_and_entries(text: str) -> tuple[str, str]:
    """A catalog in msgcat's form split into its header entry and the rest."""
    header, _, rest = text.partition("\n\n")
    return header, rest


def edit(project: Path, file: str, old: str, new: str) -> None:
    path = project / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_update_writes_what_msgmerge_previous_writes(update_root: Path, tmp_path: Path, scenario: Scenario) -> None:
    project = Project.at(update_root)
    catalogs = sorted((update_root / "locales").glob("*/LC_MESSAGES/*.po"))
    original = {path.stem: {e.msgid: e.msgstr for e in polib.pofile(str(path))} for path in catalogs}
    for number, step in enumerate(scenario.steps):
        for file, old, new in step:
            edit(update_root, file, old, new)
        extract(project)
        before = {path: path.read_text(encoding="utf-8") for path in catalogs}
        for path in catalogs:  # msgmerge's own result from a copy of the catalog before
            shutil.copyfile(path, tmp_path / f"{path.stem}-{number}.po")
        update(project)
        for path in catalogs:
            expected = msgmerge_previous(
                tmp_path / f"{path.stem}-{number}.po", project.locales_dir / f"{path.stem}.pot"
            )
            after = path.read_text(encoding="utf-8")
            assert header_and_entries(after)[1] == header_and_entries(expected)[1], path.name
            assert header_and_entries(after)[0] == header_and_entries(before[path])[0]  # the translator's header

    final = {path.stem: polib.pofile(str(path)) for path in catalogs}
    texts = {path.stem: path.read_text(encoding="utf-8") for path in catalogs}
    translations = {msgid: msgstr for domain in original.values() for msgid, msgstr in domain.items()}
    found: dict[str, polib.POEntry] = {}
    for po in final.values():
        found.update({e.msgid: e for e in po})
    for msgid, english in scenario.fuzzy.items():
        entry = found[msgid]
        assert "fuzzy" in entry.flags and not entry.obsolete
        assert entry.previous_msgid == english  # `#|`: the English the translation was made from
        assert entry.msgstr == translations[english]
    for msgid, english in scenario.obsolete.items():
        entry = found[msgid]
        assert entry.obsolete and entry.msgstr == translations[english or msgid]
        if english is not None:
            assert f'#~| msgid "{english}"\n#~ msgid "{msgid}"' in "".join(texts.values())
    for msgid in scenario.new:
        assert found[msgid].msgstr == "" and "fuzzy" not in found[msgid].flags
    untouched = (
        set(translations)
        - set(scenario.fuzzy.values())
        - set(scenario.obsolete)
        - {e for e in scenario.obsolete.values() if e}
    )
    for msgid in untouched - {"", *scenario.fuzzy.values()}:
        if msgid in found:  # every other message keeps its translation as it was, not fuzzy
            assert found[msgid].msgstr == translations[msgid] and "fuzzy" not in found[msgid].flags, msgid
    if not (scenario.fuzzy or scenario.obsolete or scenario.new):  # entries may move, references change
        for path in catalogs:
            assert without_references(texts[path.stem]) == without_references(before[path])


def without_references(text: str) -> list[str]:
    """The entries of a catalog, `#:` lines left out, in sorted order."""
    return sorted(
        "\n".join(line for line in block.split("\n") if not line.startswith("#:")) for block in text.split("\n\n")
    )


# --- 3. examples: what a translator sees ----------------------------------------------------------

HEADER = """\
# Spanish translation of the test domain.
msgid ""
msgstr ""
"Project-Id-Version: handouts test\\n"
"Language: es\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"X-Translation-Method: machine-draft\\n"
"""
POT_HEADER = """\
msgid ""
msgstr ""
"Project-Id-Version: handouts test\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""
LONG_OLD = "One of the main goals of ketamine infusion therapy is to maintain treatment with little to no side effects."
LONG_NEW = LONG_OLD.replace("little to no", "few or no")
LONG_TRANSLATION = "Uno de los objetivos principales es mantener el tratamiento con pocos o ningún efecto secundario."


def po_text(*blocks: str) -> str:
    return "\n".join([HEADER, *blocks])


def pot_text(*blocks: str) -> str:
    return "\n".join([POT_HEADER, *blocks])


def merged_text(old: str, pot: str) -> str:
    """What `update` writes for a `.po` with text `old` and a `.pot` with text `pot`."""
    assert canonical_po_text(old) == old, "the example itself must be in msgcat's form"
    return merge_texts(old, pot).text


# The long message, old and edited, and its translation, as msgcat wraps them.
OLD_MSGID = (
    'msgid ""\n'
    '"One of the main goals of ketamine infusion therapy is to maintain treatment "\n'
    '"with little to no side effects."\n'
)
NEW_MSGID = OLD_MSGID.replace("little to no", "few or no")
TRANSLATION = (
    'msgstr ""\n'
    '"Uno de los objetivos principales es mantener el tratamiento con pocos o "\n'
    '"ningún efecto secundario."\n'
)


def test_edited_sentence_becomes_fuzzy_with_the_old_text_as_previous_msgid() -> None:
    comments = "#. Translators: a note from the author.\n#: content/a.md:3\n"
    old = po_text(comments + "#, no-python-format\n" + OLD_MSGID + TRANSLATION)
    pot = pot_text(comments + "#, no-python-format\n" + NEW_MSGID + 'msgstr ""\n')
    text = merged_text(old, pot)
    assert text == po_text(
        comments + "#, fuzzy, no-python-format\n"
        '#| msgid ""\n'
        '#| "One of the main goals of ketamine infusion therapy is to maintain "\n'
        '#| "treatment with little to no side effects."\n' + NEW_MSGID + TRANSLATION
    )
    entry = parse(text).find(LONG_NEW)
    assert entry.previous_msgid == LONG_OLD and entry.msgstr == LONG_TRANSLATION


def test_unrelated_new_message_inherits_no_translation() -> None:
    old = po_text("#: content/a.md:3\n" + OLD_MSGID + TRANSLATION)
    new = '#: content/a.md:3\nmsgid "Call the clinic at any hour of the day."\nmsgstr ""\n'
    text = merged_text(old, pot_text(new))
    assert text == po_text(
        new,
        '#~ msgid ""\n'
        '#~ "One of the main goals of ketamine infusion therapy is to maintain "\n'
        '#~ "treatment with little to no side effects."\n'
        '#~ msgstr ""\n'
        '#~ "Uno de los objetivos principales es mantener el tratamiento con pocos o "\n'
        '#~ "ningún efecto secundario."\n',
    )
    entry = parse(text).find("Call the clinic at any hour of the day.")
    assert entry.msgstr == "" and entry.flags == [] and entry.previous_msgid is None


def test_removed_message_becomes_obsolete_and_comes_back_with_its_translation() -> None:
    kept = '#: content/a.md:1\nmsgid "Ketamine"\nmsgstr "Ketamina"\n'
    removed = (
        "# Reviewed by the clinic pharmacist.\n"
        "#: content/a.md:3\n"
        "#, no-wrap\n"
        'msgid "Bring a list of your medicines."\n'
        'msgstr "Traiga una lista de sus medicamentos."\n'
    )
    untranslated = '#: content/a.md:5\nmsgid "Parking is free."\nmsgstr ""\n'
    old = po_text(kept, removed, untranslated)
    without = merged_text(old, pot_text('#: content/a.md:1\nmsgid "Ketamine"\nmsgstr ""\n'))
    assert without == po_text(
        kept,
        "# Reviewed by the clinic pharmacist.\n"
        "#, no-wrap\n"
        '#~ msgid "Bring a list of your medicines."\n'
        '#~ msgstr "Traiga una lista de sus medicamentos."\n',
    )  # the untranslated message is dropped: there is no work to keep
    source = pot_text(
        '#: content/a.md:1\nmsgid "Ketamine"\nmsgstr ""\n',
        '#: content/a.md:3\nmsgid "Bring a list of your medicines."\nmsgstr ""\n',
        '#: content/a.md:5\nmsgid "Parking is free."\nmsgstr ""\n',
    )
    # revived: translation and comment, not fuzzy; `no-wrap` is a source flag, which msgmerge takes from the .pot
    assert merged_text(without, source) == old.replace("#, no-wrap\n", "")


def test_translator_comments_survive_an_update() -> None:
    entry = (
        "# check-ignore: numbers: the dose is written out in words in Spanish\n"
        "# Reviewed by the clinic pharmacist.\n"
        "#. Keep the dose exactly.\n"
        "#: content/a.md:{line}\n"
        "#, no-python-format, no-wrap\n"
        'msgid "Take 2 tablets with water."\n'
        'msgstr "Tome dos comprimidos con agua."\n'
    )
    old = po_text("#: content/a.md:1\n" + OLD_MSGID + TRANSLATION, entry.format(line=3))
    pot = pot_text(
        "#: content/a.md:1\n" + NEW_MSGID + 'msgstr ""\n',
        '#. Keep the dose exactly.\n#: content/a.md:7\n#, no-python-format\nmsgid "Take 2 tablets with water."\n'
        'msgstr ""\n',
    )
    text = merged_text(old, pot)
    # only its reference moved, and its flags are the source's (msgmerge takes `no-wrap` from the .pot)
    assert entry.format(line=7).replace(", no-wrap", "") in text
    assert "#, fuzzy\n" in text  # while the other message was edited
    merged = parse(text).find("Take 2 tablets with water.")
    assert merged.tcomment.splitlines()[0] == "check-ignore: numbers: the dose is written out in words in Spanish"


# --- 4. examples: the command line on a copy of the project ---------------------------------------


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(project)): p.read_bytes() for p in sorted((project / "locales").rglob("*")) if p.is_file()
    }


def edit_content(project: Path, *replacements: tuple[str, str]) -> None:
    path = project / CONTENT
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def catalog_paths(project: Path, domain: str) -> list[Path]:
    return sorted((project / "locales").glob(f"*/LC_MESSAGES/{domain}.po"))


def block_of(lines: list[str], needle: str) -> range:
    """The lines of the one entry (a blank-line separated block) that has a line containing `needle`."""
    starts = [0] + [i + 1 for i, line in enumerate(lines) if line == ""]
    found = [
        range(start, end - 1)
        for start, end in zip(starts, [*starts[1:], len(lines) + 1], strict=True)
        if any(needle in lines[i] for i in range(start, end - 1))
    ]
    assert len(found) == 1, (needle, found)
    return found[0]


def test_edited_sentence_is_fuzzy_in_every_locale_and_nothing_else_changes(tmp_path: Path) -> None:
    project = translated_project(tmp_path / "project")  # eight languages, each with its own plural rule and script
    before = snapshot(project)
    edit_content(project, (EDITED_FROM, EDITED_TO))
    assert run("extract", cwd=project).returncode == 0
    result = run("update", cwd=project)
    assert result.returncode == 0, result.stderr
    after = snapshot(project)

    paths = catalog_paths(project, "medicine")
    assert [p.parent.parent.name for p in paths] == sorted(LANGUAGES)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"locales/medicine.pot"} | {str(p.relative_to(project)) for p in paths}

    expected_problems = []
    for path in paths:
        name = str(path.relative_to(project))
        old_lines, new_lines = before[name].decode().split("\n"), after[name].decode().split("\n")
        old_po, new_po = parse(before[name].decode()), parse(after[name].decode())
        [old_entry] = [e for e in old_po if EDITED_FROM in e.msgid]
        fuzzy = [e for e in new_po if "fuzzy" in e.flags]
        assert [e.msgid for e in fuzzy] == [old_entry.msgid.replace(EDITED_FROM, EDITED_TO)]
        assert fuzzy[0].previous_msgid == old_entry.msgid
        assert (fuzzy[0].msgstr, fuzzy[0].tcomment, fuzzy[0].comment) == (
            old_entry.msgstr,
            old_entry.tcomment,
            old_entry.comment,
        )
        assert canonical_po_text(after[name].decode()) == after[name].decode()

        # the diff touches that entry and `#:` references, nothing else
        old_block, new_block = block_of(old_lines, EDITED_FROM), block_of(new_lines, EDITED_TO)
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            assert all(i in old_block or old_lines[i].startswith("#:") for i in range(i1, i2)), old_lines[i1:i2]
            assert all(j in new_block or new_lines[j].startswith("#:") for j in range(j1, j2)), new_lines[j1:j2]
        # comments and references as they were, then the fuzzy flag and the old text, then the new one
        flags = next(i for i in old_block if old_lines[i].startswith("#,")) - old_block.start
        assert (
            new_lines[new_block.start : new_block.start + flags] == old_lines[old_block.start : old_block.start + flags]
        )
        assert old_lines[old_block.start + flags] == "#, no-python-format"
        assert new_lines[new_block.start + flags : new_block.start + flags + 2] == [
            "#, fuzzy, no-python-format",
            f'#| msgid "{old_entry.msgid}"',
        ]
        old_msgstr = next(i for i in old_block if old_lines[i].startswith("msgstr "))
        new_msgstr = next(i for i in new_block if new_lines[i].startswith("msgstr "))
        assert new_lines[new_msgstr : new_block.stop] == old_lines[old_msgstr : old_block.stop]
        msgid_line = next(i for i in new_block if new_lines[i].startswith("msgid ")) + 1
        expected_problems.append(f"{name}:{msgid_line}: fuzzy: ")
        assert f"updated {name}: 1 fuzzy, 0 new, 0 obsolete" in result.stdout

    check = run("check", cwd=project)
    assert check.returncode == 1, check.stdout + check.stderr
    problems = [line for line in (check.stdout + check.stderr).splitlines() if line.startswith("locales/")]
    assert [line[: len(prefix)] for line, prefix in zip(problems, expected_problems, strict=True)] == expected_problems
    assert all("'water' -> 'food'" in line for line in problems), problems


def test_update_with_a_broken_catalog_writes_nothing(update_root: Path) -> None:
    edit(update_root, VISIT, "usually passes by", "usually wears off by")  # visit.po would change
    edit(update_root, TEMPLATE, "for your records", "with your records")  # and so would templates.po
    assert run("extract", cwd=update_root).returncode == 0
    broken = update_root / "locales/es/LC_MESSAGES/templates.po"
    original = broken.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("msgstr") and i > 20)
    lines[index] = lines[index].rstrip().rstrip('"') + "\n"  # drop the closing quote
    broken.write_text("".join(lines), encoding="utf-8")
    before = snapshot(update_root)

    result = run("update", cwd=update_root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"locales/es/LC_MESSAGES/templates.po:{index + 1}: catalog-error: unterminated string" in result.stderr
    assert "updated" not in result.stdout
    assert snapshot(update_root) == before

    broken.write_bytes(original)  # once the file is repaired, the same update writes both catalogs
    result = run("update", cwd=update_root)
    assert result.returncode == 0, result.stderr
    changed = {name for name, data in snapshot(update_root).items() if data != before[name]}
    assert changed == {"locales/es/LC_MESSAGES/templates.po", "locales/es/LC_MESSAGES/visit.po"}


def test_update_reports_what_changed_and_a_second_update_changes_no_byte(update_root: Path) -> None:
    edit(update_root, VISIT, "usually passes by", "usually wears off by")
    edit(update_root, VISIT, f"\n{CALL}\n", "")
    edit(update_root, VISIT, f"- {DRIVER}\n", f"- {DRIVER}\n- Your glasses or hearing aids.\n")
    assert run("extract", cwd=update_root).returncode == 0
    first = run("update", cwd=update_root)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "updated locales/es/LC_MESSAGES/visit.po: 1 fuzzy, 1 new, 1 obsolete",
        f"  fuzzy: {DIZZY.replace('passes', 'wears off')[:60]!r} (was {DIZZY[:60]!r})",
    ]
    written = snapshot(update_root)
    second = run("update", cwd=update_root)
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""
    assert snapshot(update_root) == written


def test_removed_paragraph_comes_back_byte_for_byte(update_root: Path) -> None:
    """Removing a translated paragraph and restoring it later gives back every catalog unchanged."""
    original = snapshot(update_root)
    project = Project.at(update_root)
    content = (update_root / VISIT).read_text(encoding="utf-8")
    edit(update_root, VISIT, f"\n{CALL}\n", "")
    extract(project)
    [write] = update(project)
    assert write.path == update_root / "locales/es/LC_MESSAGES/visit.po"
    assert write.report is not None
    assert (write.report.obsoleted, write.report.added, write.report.fuzzy) == (1, 0, [])
    assert f'#~ msgid "{CALL}"\n#~ msgstr "Llame a la clínica' in write.text

    (update_root / VISIT).write_text(content, encoding="utf-8")
    extract(project)
    [write] = update(project)
    assert write.report is not None and write.report.revived == 1
    catalogs = {name: data for name, data in snapshot(update_root).items() if name.endswith(".po")}
    assert catalogs == {name: data for name, data in original.items() if name.endswith(".po")}


def test_translator_comment_and_fuzzy_flag_survive_update_in_a_project(update_root: Path) -> None:
    """The same through the files: a silenced check and a fuzzy flag added by hand in a catalog."""
    path = update_root / "locales/es/LC_MESSAGES/visit.po"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = block_of(lines, "What To Bring").start
    assert lines[start : start + 2] == ["#: content/visit.md:13", "#, no-python-format"]
    lines[start : start + 2] = [
        "# check-ignore: same-as-source: a heading the clinic keeps in English",
        lines[start],
        "#, fuzzy, no-python-format",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert canonical_po_text(path.read_text(encoding="utf-8")) == path.read_text(encoding="utf-8")
    before = path.read_text(encoding="utf-8").split("\n")
    edit(update_root, VISIT, "## What To Bring", "Eat a light meal the day before.\n\n## What To Bring")
    project = Project.at(update_root)
    extract(project)
    update(project)
    after = path.read_text(encoding="utf-8").split("\n")
    block = [after[i] for i in block_of(after, "What To Bring")]
    old_block = [before[i] for i in block_of(before, "What To Bring")]
    assert block[0] == old_block[0] and block[2:] == old_block[2:]
    assert block[1] == "#: content/visit.md:15"  # only the reference moved
    entry = polib.pofile(str(path)).find("What To Bring")
    assert entry.tcomment == "check-ignore: same-as-source: a heading the clinic keeps in English"
    assert entry.flags == ["fuzzy", "no-python-format"]


# --- regressions found by the properties -----------------------------------------------------------------


@pytest.mark.parametrize("translation", ["Página %(page)s\u2028de %(pages)s", "Página %(page)s de %(pages)s\u2029"])
def test_line_separator_in_a_translation_survives_loading(tmp_path: Path, translation: str) -> None:
    path = tmp_path / "locales/es/LC_MESSAGES/templates.po"
    path.parent.mkdir(parents=True)
    po = new_po()
    po.append(polib.POEntry(msgid="Page %(page)s of %(pages)s", msgstr=translation, flags=["python-format"]))
    path.write_text(canonical_po_text(str(po)), encoding="utf-8")  # GNU msgcat and msgfmt --check accept it
    catalog = load_catalog(path, get_locale("es"), "templates")
    assert catalog.po.find("Page %(page)s of %(pages)s").msgstr == translation


def test_catalog_without_messages_keeps_its_header(tmp_path: Path) -> None:
    old = po_text('#: content/a.md:3\nmsgid "Gone, never translated"\nmsgstr ""\n')
    path = tmp_path / "locales/es/LC_MESSAGES/empty.po"
    path.parent.mkdir(parents=True)
    path.write_text(merged_text(old, POT_HEADER), encoding="utf-8")
    assert path.read_text(encoding="utf-8") == HEADER
    assert load_catalog(path, get_locale("es"), "empty").po.metadata == parse(old).metadata


@pytest.mark.parametrize("created", [None, "2026-01-15 09:00+0000"])
def test_the_translators_header_is_kept_byte_for_byte(created: str | None) -> None:
    """msgmerge alone copies POT-Creation-Date and Report-Msgid-Bugs-To from the `.pot` into the header."""
    header = (
        HEADER if created is None else HEADER.replace('"Language:', f'"POT-Creation-Date: {created}\\n"\n"Language:')
    )
    entry = '#: content/a.md:1\nmsgid "Ketamine"\nmsgstr "Ketamina"\n'
    old = "\n".join([header, entry])
    pot = POT_HEADER + '"POT-Creation-Date: 2030-06-01 12:00+0000\\n"\n"Report-Msgid-Bugs-To: bugs@example.org\\n"\n'
    source = pot + '\n#: content/a.md:9\nmsgid "Ketamine"\nmsgstr ""\n'
    text = merged_text(old, source)
    assert text == "\n".join([header, entry.replace("a.md:1", "a.md:9")])
