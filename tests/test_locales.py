"""Locales: any tag CLDR knows, a project's declaration of one it does not, both spellings,
direction and script, and plural forms from one source of truth (GNU msginit, else CLDR, else the
override table), read by a parser that never evaluates code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from handouts.errors import DeclarationError, ErrorGroup, LocaleError
from handouts.locales import get_locale
from handouts.plurals import (
    OVERRIDES,
    PluralFormsError,
    cldr_plural_forms,
    msginit_plural_forms,
    overrides,
    parse_plural_forms,
)


@pytest.mark.parametrize(
    ("tag", "bcp47", "gettext", "direction", "script"),
    [
        ("zh-Hans", "zh-Hans", "zh_Hans", "ltr", "Hans"),
        ("zh_Hans", "zh-Hans", "zh_Hans", "ltr", "Hans"),
        ("pt-BR", "pt-BR", "pt_BR", "ltr", "Latn"),
        ("ar", "ar", "ar", "rtl", "Arab"),
        ("fa", "fa", "fa", "rtl", "Arab"),
        ("tl", "tl", "tl", "ltr", "Latn"),
        ("uk", "uk", "uk", "ltr", "Cyrl"),
        ("ps", "ps", "ps", "rtl", "Arab"),
        ("prs", "prs", "prs", "rtl", "Arab"),
        ("fa-AF", "fa-AF", "fa_AF", "rtl", "Arab"),
        ("my", "my", "my", "ltr", "Mymr"),
        ("chr", "chr", "chr", "ltr", "Cher"),
        ("sr-Latn", "sr-Latn", "sr_Latn", "ltr", "Latn"),
        ("nv", "nv", "nv", "ltr", "Latn"),  # CLDR names Navajo but has no layout data for it
    ],
)
def test_spellings_direction_and_script(tag: str, bcp47: str, gettext: str, direction: str, script: str) -> None:
    locale = get_locale(tag)
    assert (locale.tag, locale.gettext_name, locale.direction, locale.script) == (bcp47, gettext, direction, script)


NEW_LANGUAGES = ["uk", "so", "ps", "prs", "fa-AF", "my", "ne", "ti", "om", "sw", "rw", "km", "lo", "ta"]
NEW_LANGUAGES += ["te", "hy", "sq", "bs", "ceb", "chr", "sr-Latn", "nv", "ht", "ka", "el", "bo", "iu"]


@pytest.mark.parametrize("tag", NEW_LANGUAGES)
def test_every_language_cldr_knows_is_accepted_with_a_valid_plural_rule(tag: str) -> None:
    locale = get_locale(tag)
    parse_plural_forms(locale.plural_forms)  # raises if it does not parse
    assert locale.english_name and locale.autonym


def test_dari_is_named_as_cldr_names_it() -> None:
    assert (get_locale("prs").english_name, get_locale("prs").autonym) == ("Dari", "دری")


def test_unknown_locale_names_the_tag_and_both_ways_forward() -> None:
    with pytest.raises(LocaleError) as caught:
        get_locale("chk")
    message = str(caught.value)
    assert "unknown locale 'chk'" in message
    assert "CLDR" in message and "locales/chk/locale.toml" in message
    with pytest.raises(LocaleError, match="not a language tag"):
        get_locale("../etc")


def msginit_output(language: str, tmp_path: Path) -> str | None:
    """What msginit itself writes, read independently of handouts/plurals.py."""
    pot = tmp_path / "t.pot"
    pot.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
    result = subprocess.run(
        ["msginit", "--no-translator", "-i", str(pot), "-l", language, "-o", "-"],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    joined = "".join(re.findall(r'^"(.*)"$', result.stdout, flags=re.M)).replace("\\n", "\n")
    match = re.search(r"^Plural-Forms: (.*)$", joined, flags=re.M)
    return " ".join(match.group(1).split()) if match else None


@pytest.mark.parametrize("tag", ["es", "de", "fr", "pt-BR", "pl", "ru", "uk", "ja", "vi", "sr-Latn"])
def test_msginit_comes_first_where_it_knows_the_language(tag: str, tmp_path: Path) -> None:
    locale = get_locale(tag)
    expected = msginit_output(locale.gettext_name, tmp_path)
    assert expected is not None
    assert (locale.plural_forms, locale.default_plural_forms.source) == (expected, "GNU msginit")


@pytest.mark.parametrize("tag", ["so", "ar", "fa", "my", "ti", "chr", "tl"])
def test_cldr_comes_next(tag: str, tmp_path: Path) -> None:
    locale = get_locale(tag)
    assert msginit_output(locale.gettext_name, tmp_path) is None
    assert locale.default_plural_forms.source == "CLDR (Babel)"


def test_cldr_rules_become_plain_gettext_with_the_same_forms() -> None:
    """Babel writes CLDR's operands as `e` and `(0 == 0)`; ours has n alone, the same forms."""
    import babel
    from babel.plural import to_gettext as babel_to_gettext

    for language in ("es", "fr", "it", "pt", "fil", "ar", "uk", "bs"):
        ours = cldr_plural_forms(language)
        assert ours is not None and set(re.findall(r"[a-z]+", ours.split("plural=")[1])) <= {"n"}
        assert "(0 == 0)" not in ours
        rule = parse_plural_forms(ours)
        babel_rule = babel.Locale.parse(language).plural_form
        order = [tag for tag in ("zero", "one", "two", "few", "many", "other") if tag in babel_rule.tags | {"other"}]
        assert [rule.form(n) for n in range(200)] == [order.index(babel_rule(n)) for n in range(200)], language
        assert babel_to_gettext(babel_rule).startswith(f"nplurals={rule.nplurals};")


def test_the_override_table_comes_last_and_says_where_each_row_comes_from() -> None:
    table = overrides()
    assert table and all(row.source.strip() for row in table.values())
    for language, row in table.items():
        parse_plural_forms(row.plural_forms)
        assert msginit_plural_forms(language) is None and cldr_plural_forms(language) is None, language
    locale = get_locale("ht")  # CLDR lets Haitian Creole inherit French's rule
    assert locale.default_plural_forms.source.startswith(OVERRIDES.name)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('nplurals=2; plural=__import__("os").system("x");', "unexpected character"),
        ("nplurals=2; plural=exit(n);", "unknown name 'exit'"),
        ("nplurals=2; plural=n > 1 ?", "ends too early"),
        ("nplurals=1; plural=n;", "gives form 1, but nplurals is 1"),
        ("nplurals=2; plural=n % 0;", "division by zero"),
        ("nplurals=2; plural=" + "(" * 100 + "n" + ")" * 100 + ";", "nested more than"),
        ("nplurals=9; plural=0;", "1 to 6 plural forms"),
        ("plural=(n != 1);", "not of the form"),
        ("nplurals=2; plural=" + "n+" * 600 + "1;", "longer than"),
    ],
)
def test_plural_forms_that_do_not_parse_or_could_run_code_are_refused(text: str, words: str) -> None:
    with pytest.raises(PluralFormsError, match=re.escape(words)):
        parse_plural_forms(text)


def test_plural_forms_evaluate_like_gettext() -> None:
    russian = parse_plural_forms(
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
    )
    assert [russian.form(n) for n in (1, 2, 5, 11, 21, 22, 25, 111, 1001)] == [0, 1, 2, 2, 0, 1, 2, 2, 0]
    assert parse_plural_forms("nplurals=2; plural=(n > 1);").same_as(
        parse_plural_forms("nplurals=2; plural=((n == 0) || (n == 1)) ? 0 : 1;")
    )
    assert not parse_plural_forms("nplurals=2; plural=n != 1;").same_as(parse_plural_forms("nplurals=2; plural=n>1;"))


DECLARATION = """\
name = "Chuukese"
autonym = "Chuukese"
direction = "ltr"
script = "Latn"
plural_forms = "nplurals=1; plural=0;"
formats = "en"
"""


def declare(tmp_path: Path, text: str, tag: str = "chk") -> Path:
    folder = tmp_path / "locales" / tag
    folder.mkdir(parents=True)
    (folder / "locale.toml").write_text(text, encoding="utf-8")
    return tmp_path / "locales"


def test_a_declared_language_is_accepted(tmp_path: Path) -> None:
    locales_dir = declare(tmp_path, DECLARATION)
    locale = get_locale("chk", locales_dir)
    assert (locale.tag, locale.english_name, locale.direction, locale.script) == ("chk", "Chuukese", "ltr", "Latn")
    assert locale.plural_forms == "nplurals=1; plural=0;" and locale.babel_name == "en"
    assert locale.default_plural_forms.source.endswith("locale.toml")


def test_a_declared_right_to_left_language_in_another_script(tmp_path: Path) -> None:
    text = DECLARATION.replace('"ltr"', '"rtl"').replace('"Latn"', '"Arab"').replace('"en"', '"fa"')
    locale = get_locale("xyz", declare(tmp_path, text, "xyz"))
    assert (locale.direction, locale.script, locale.babel_name) == ("rtl", "Arab", "fa")


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (('name = "Chuukese"\n', ""), "name", "required"),
        (('direction = "ltr"', 'direction = "up"'), "direction", "ltr or rtl"),
        (('script = "Latn"', 'script = "Latin"'), "script", "ISO 15924"),
        (('"nplurals=1; plural=0;"', '"nplurals=2; plural=eval(n);"'), "plural_forms", "unknown name 'eval'"),
        (('formats = "en"', 'formats = "zz"'), "formats", "no locale CLDR"),
        (("formats", "colour = 1\nformats"), "colour", "unknown key"),
    ],
)
def test_a_bad_declaration_names_its_file_and_key(
    tmp_path: Path, change: tuple[str, str], key: str, words: str
) -> None:
    locales_dir = declare(tmp_path, DECLARATION.replace(*change))
    with pytest.raises(ErrorGroup) as caught:
        get_locale("chk", locales_dir)
    [error] = [e for e in caught.value.errors if e.location and e.location.key == key]
    assert isinstance(error, DeclarationError) and error.exit_code == 2
    assert f"locale.toml: {key}: locale-error: " in str(error) and words in str(error)


@pytest.mark.parametrize("name", ["pl", "ar", "ja", "fil", "ht", "yue"])
def test_default_plural_rules_come_from_the_user_cache_as_they_were_found(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """msginit's and CLDR's rules are kept in the user-wide cache: the kept rule is the one found,
    a second run asks neither msginit nor Babel, and a forged entry is found again."""
    from handouts import gnu, plurals

    fresh = (plurals.run_msginit_plural_forms(name), plurals.read_cldr_plural_forms(name))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    asked: list[str] = []
    real_run = gnu.run
    monkeypatch.setattr(gnu, "run", lambda tool, *args, **kw: asked.append(tool) or real_run(tool, *args, **kw))
    real_cldr = plurals.read_cldr_plural_forms
    monkeypatch.setattr(plurals, "read_cldr_plural_forms", lambda n: asked.append("cldr") or real_cldr(n))

    def both() -> tuple[str | None, str | None]:
        plurals.msginit_plural_forms.cache_clear()
        return plurals.msginit_plural_forms(name), plurals.cldr_plural_forms(name)

    try:
        assert both() == fresh and asked == ["msginit", "cldr"]
        assert both() == fresh and asked == ["msginit", "cldr"]
        for record in (tmp_path / "handouts" / "plurals").rglob("*.json"):
            record.write_text(record.read_text().replace('\\"value\\": ', '\\"value\\":  '))  # signature broken
        assert both() == fresh and asked == ["msginit", "cldr"] * 2
    finally:
        plurals.msginit_plural_forms.cache_clear()
