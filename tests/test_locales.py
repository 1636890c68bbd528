"""Locales: both spellings, direction, and plural forms exactly as GNU msginit writes them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from handouts.errors import LocaleError
from handouts.locales import PLURAL_FORMS, get_locale


@pytest.mark.parametrize(
    ("tag", "bcp47", "gettext", "direction"),
    [
        ("zh-Hans", "zh-Hans", "zh_Hans", "ltr"),
        ("zh_Hans", "zh-Hans", "zh_Hans", "ltr"),
        ("pt-BR", "pt-BR", "pt_BR", "ltr"),
        ("ar", "ar", "ar", "rtl"),
        ("fa", "fa", "fa", "rtl"),
        ("tl", "tl", "tl", "ltr"),
    ],
)
def test_spellings_and_direction(tag: str, bcp47: str, gettext: str, direction: str) -> None:
    locale = get_locale(tag)
    assert (locale.tag, locale.gettext_name, locale.direction) == (bcp47, gettext, direction)


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(LocaleError, match="unknown locale 'xx'"):
        get_locale("xx")


def msginit_plural_forms(language: str, tmp_path: Path) -> str | None:
    pot = tmp_path / "t.pot"
    pot.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
    result = subprocess.run(
        ["msginit", "--no-translator", "-i", str(pot), "-l", language, "-o", "-"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    joined = "".join(re.findall(r'^"(.*)"$', result.stdout, flags=re.M)).replace("\\n", "\n")
    match = re.search(r"^Plural-Forms: (.*)$", joined, flags=re.M)
    return match.group(1) if match else None


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_plural_forms_match_msginit_where_it_knows_the_language(language: str, tmp_path: Path) -> None:
    expected = msginit_plural_forms(language, tmp_path)
    if expected is not None:  # msginit's table lacks some languages; ours follows the gettext manual there
        assert PLURAL_FORMS[language] == expected


def test_msginit_knows_the_common_languages(tmp_path: Path) -> None:
    """Guards the test above against passing because msginit knew nothing at all."""
    assert msginit_plural_forms("es", tmp_path) == "nplurals=2; plural=(n != 1);"
    assert msginit_plural_forms("pl", tmp_path) == PLURAL_FORMS["pl"]
