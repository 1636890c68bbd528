"""Adding languages: `init` of several at once with an honest provenance, each locale standing
alone, and the font coverage check that runs before a build could draw `.notdef`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest

from handouts.catalogs import read_po, write_catalog
from handouts.cli import main
from handouts.errors import HandoutsError
from handouts.pipeline import Project, check

ES = "locales/es/LC_MESSAGES/ketamine-infusions.po"


def cli(project: Path, *args: str) -> int:
    return main(["--project", str(project), *args])


def test_init_takes_several_locales_and_writes_them_from_the_language_defaults(project_copy: Path) -> None:
    assert cli(project_copy, "init", "uk", "so", "prs") == 0
    for tag, plural in (("uk", "nplurals=3;"), ("so", "nplurals=2;"), ("prs", "nplurals=2;")):
        po = polib.pofile(str(project_copy / "locales" / tag / "LC_MESSAGES" / "templates.po"))
        assert po.metadata["Language"] == tag and po.metadata["Plural-Forms"].startswith(plural)
        assert po.metadata["X-Translation-Method"] == "machine-draft" and "machine draft" in po.metadata["X-Translator"]
        assert "MACHINE-DRAFTED" in po.header
    assert polib.pofile(str(project_copy / "locales/prs/LC_MESSAGES/templates.po")).metadata["Language-Team"] == "Dari"


def test_init_never_calls_a_persons_work_a_machine_draft(project_copy: Path) -> None:
    assert cli(project_copy, "init", "uk", "--translator", "Olena Kovalenko") == 0
    po = polib.pofile(str(project_copy / "locales/uk/LC_MESSAGES/ketamine-infusions.po"))
    assert po.metadata["X-Translation-Method"] == "human"
    assert po.metadata["X-Translator"] == po.metadata["Last-Translator"] == "Olena Kovalenko"
    assert "MACHINE" not in po.header and "machine" not in po.metadata["X-Translator"]
    # A handout added later gets a catalog that keeps the locale's provenance.
    (project_copy / "locales/uk/LC_MESSAGES/ketamine-infusions.po").unlink()
    assert cli(project_copy, "update") == 0
    again = polib.pofile(str(project_copy / "locales/uk/LC_MESSAGES/ketamine-infusions.po"))
    assert (again.metadata["X-Translation-Method"], again.metadata["X-Translator"]) == ("human", "Olena Kovalenko")
    # A machine draft may name who ran it, and still says it is a machine draft.
    assert cli(project_copy, "init", "so", "--method", "machine-draft", "--translator", "Ayaan") == 0
    draft = polib.pofile(str(project_copy / "locales/so/LC_MESSAGES/templates.po")).metadata
    assert (draft["X-Translation-Method"], draft["X-Translator"]) == ("machine-draft", "Ayaan (machine draft)")


def test_init_refuses_a_human_translation_without_a_name(project_copy: Path) -> None:
    assert cli(project_copy, "init", "uk", "--method", "human") == 2
    assert not (project_copy / "locales/uk").exists()


def test_init_writes_nothing_when_one_tag_is_unknown(project_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(project_copy, "init", "uk", "chk") == 2
    err = capsys.readouterr().err
    assert "unknown locale 'chk'" in err and "locales/chk/locale.toml" in err
    assert not (project_copy / "locales/uk").exists()


def test_a_declared_language_goes_through_init_and_check(project_copy: Path) -> None:
    folder = project_copy / "locales/chk"
    folder.mkdir()
    (folder / "locale.toml").write_text(
        'name = "Chuukese"\nautonym = "Chuukese"\ndirection = "ltr"\nscript = "Latn"\n'
        'plural_forms = "nplurals=2; plural=(n != 1);"\nformats = "en"\n',
        encoding="utf-8",
    )
    assert cli(project_copy, "init", "chk") == 0
    po = polib.pofile(str(folder / "LC_MESSAGES/templates.po"))
    assert (po.metadata["Language"], po.metadata["Plural-Forms"]) == ("chk", "nplurals=2; plural=(n != 1);")
    report = check(Project.at(project_copy), ["chk"])
    assert {p.check for p in report.problems} == {"untranslated"}


def change_a_number(path: Path) -> None:
    """A numbers problem: a number the English and its translation share, changed in the translation."""
    po = polib.pofile(str(path), wrapwidth=0)
    entry = next(e for e in po if set(re.findall(r"\d+", e.msgid)) & set(re.findall(r"\d+", e.msgstr)))
    number = sorted(set(re.findall(r"\d+", entry.msgid)) & set(re.findall(r"\d+", entry.msgstr)))[0]
    entry.msgstr = re.sub(rf"\b{number}\b", str(int(number) + 10), entry.msgstr)
    write_catalog(po, path)


def break_locales(project: Path) -> None:
    (project / "locales/xx/LC_MESSAGES").mkdir(parents=True)  # a tag nobody knows
    (project / "locales/chk").mkdir()
    (project / "locales/chk/locale.toml").write_text('name = "Chuukese"\n', encoding="utf-8")
    shutil.copytree(project / "locales/de", project / "locales/uk")  # Ukrainian with a German header
    broken = project / "locales/fr/LC_MESSAGES/templates.po"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "unterminated\n', encoding="utf-8")


def test_each_locale_stands_alone(project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    break_locales(project_copy)
    assert cli(project_copy, "check", "--locale", "es") == 0
    assert (
        cli(project_copy, "build", "--locale", "es", "--brand", "example", "--out", str(tmp_path), "--jobs", "1") == 0
    )
    assert (tmp_path / "example/es/ketamine-infusions.pdf").is_file()
    capsys.readouterr()
    # A full check lists every locale's problems at once, and exits 2 for the unreadable ones.
    change_a_number(project_copy / ES)
    assert cli(project_copy, "check") == 2
    captured = capsys.readouterr()
    assert f"{ES}:" in captured.out and "numbers" in captured.out  # the readable locales were checked
    assert "locales/xx: unknown-locale: unknown locale 'xx'" in captured.err
    assert "locales/chk/locale.toml: autonym: locale-error: required" in captured.err
    assert "locales/uk/LC_MESSAGES/templates.po:" in captured.err and "does not match the folder" in captured.err
    assert "locales/fr/LC_MESSAGES/templates.po:" in captured.err
    # A full build refuses to start while any locale is broken.
    assert cli(project_copy, "build", "--out", str(tmp_path / "all")) == 2
    assert not (tmp_path / "all").exists()


def test_check_names_a_character_no_declared_font_has(project_copy: Path) -> None:
    path = project_copy / ES
    po = read_po(path)
    entry = next(e for e in po if e.msgstr and not e.obsolete)
    entry.msgstr += " ကျေးဇူး 𞤀"  # Burmese, which Spanish pages have no font for, and Adlam
    write_catalog(po, path)
    problems = [p for p in check(Project.at(project_copy), ["es"]).problems if p.check == "font-coverage"]
    by_char = {p.message.split(" ", 1)[0]: p for p in problems}
    assert set(by_char) == set("ကျေးဇူ𞤀")
    burmese = by_char["က"]
    assert burmese.path == path and burmese.line is not None and burmese.locale == "es"
    assert "U+1000 MYANMAR LETTER KA, Myanmar script" in burmese.message
    assert "Noto Sans Myanmar (Debian package fonts-noto-core)" in burmese.message
    adlam = by_char["𞤀"]
    assert "Adlam script" in adlam.message and "Debian package" in adlam.message


def test_a_plural_rule_silenced_in_the_header_is_listed_not_failed(project_copy: Path) -> None:
    path = project_copy / ES
    po = read_po(path)
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
    write_catalog(po, path)
    problems = check(Project.at(project_copy), ["es"]).problems
    assert [(p.check, p.path) for p in problems] == [("plural-rule", path)]
    po.header += "\ncheck-ignore: plural-rule: the team's choice until the plural messages are reviewed"
    write_catalog(po, path)
    report = check(Project.at(project_copy), ["es"])
    assert not report.problems and [s.check for s in report.silenced] == ["plural-rule"]


def test_a_plural_rule_msgfmt_accepts_but_no_language_has_is_bad_input(project_copy: Path) -> None:
    path = project_copy / ES
    text = path.read_text(encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith('"Plural-Forms:'))
    old = text.splitlines()[line - 1]
    path.write_text(text.replace(old, '"Plural-Forms: nplurals=7; plural=(n % 7);\\n"'), encoding="utf-8")
    with pytest.raises(HandoutsError) as caught:
        check(Project.at(project_copy), ["es"])
    assert caught.value.exit_code == 2
    assert f"{path}:{line}: catalog-error: Plural-Forms" in str(caught.value)
    assert "1 to 6 plural forms" in str(caught.value)


def test_projects_declaring_other_fonts_share_the_font_cache_safely(tmp_path: Path) -> None:
    """Fontconfig sees only the declared files; a project that declares fewer (an older checkout
    of the tool, say) must not take a newly declared script's font out of another one's view."""
    import re

    from handouts.fonts import DECLARATION, load_font_declaration, prepare_fonts

    cache = tmp_path / "cache"
    everything = prepare_fonts(cache)
    text = DECLARATION.read_text(encoding="utf-8")
    latin_only = text[: text.index("[scripts.arabic]")] + '[languages]\ndefault = ["latin"]\n'
    (tmp_path / "fonts.toml").write_text(latin_only, encoding="utf-8")
    prepare_fonts(cache, load_font_declaration(tmp_path / "fonts.toml"))
    folder = Path(re.findall(r"<dir>(.*)</dir>", everything.fontconfig_file.read_text())[0])
    assert (folder / "NotoSansMyanmar-Regular.ttf").exists()


def test_the_shipped_locales_keep_their_font_stacks() -> None:
    """Fonts now follow each locale's script; the shipped languages get exactly the stacks they
    had when fonts.toml listed them by hand, so their PDFs stay byte-identical."""
    from handouts.catalogs import discover_locales
    from handouts.fonts import load_font_declaration

    from .conftest import ROOT

    declaration = load_font_declaration()
    own = {
        "ar": "Noto Naskh Arabic",
        "fa": "Noto Naskh Arabic",
        "hi": "Noto Sans Devanagari",
        "ja": "Noto Sans CJK JP",
        "ko": "Noto Sans CJK KR",
        "zh-Hans": "Noto Sans CJK SC",
        "zh-Hant": "Noto Sans CJK TC",
    }
    for locale in discover_locales(ROOT / "locales"):
        expected = (own[locale.tag], "Noto Sans") if locale.tag in own else ("Noto Sans",)
        assert declaration.families_for(locale.tag, locale.script) == expected, locale.tag
        assert declaration.families_for(locale.tag) == expected, locale.tag
