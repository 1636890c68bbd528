"""HTML rendering: translators' text can never inject markup, URLs or CSS; LTR runs in RTL text."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from handouts.config import load_brand
from handouts.errors import RenderError
from handouts.extract import TEMPLATES_DOMAIN
from handouts.pipeline import Project, load_inputs
from handouts.render import (
    FigureHtml,
    HeadingHtml,
    ListHtml,
    ParagraphHtml,
    TableHtml,
    Translator,
    create_environment,
    css_counter_string,
    render_blocks,
    render_html,
    wrap_ltr_runs,
)

from .conftest import copy_root

SLUG = "sample"
FIRST = "The first paragraph"  # the sample handout's first paragraph (tests/roots/tiny)


def set_translation(project: Path, locale: str, domain: str, startswith: str, msgstr: str) -> str:
    path = project / "locales" / locale / "LC_MESSAGES" / f"{domain}.po"
    po = polib.pofile(str(path))
    entry = next(e for e in po if e.msgid.startswith(startswith))
    entry.msgstr = msgstr
    po.save(str(path))
    return str(entry.msgid)


def render(project: Path, locale: str) -> str:
    inputs = load_inputs(Project.at(project), [locale])
    brand = load_brand(project / "brands/example/brand.toml")
    env = create_environment(project / "templates")
    return render_html(env, inputs.handouts[0], inputs.catalogs[inputs.locales[0].tag], brand)


def test_template_translation_cannot_inject_markup(tiny: Path) -> None:
    evil = '<img src="https://evil.example/x.png">Preguntas %(phone)s <script>alert(1)</script>'
    set_translation(tiny, "es", TEMPLATES_DOMAIN, "Questions?", evil)
    html = render(tiny, "es")
    assert "<script>" not in html and '<img src="https://evil' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    phone = load_brand(tiny / "brands/example/brand.toml").phone
    assert f'Preguntas <span dir="ltr">{phone}</span>' in html


def test_content_translation_cannot_inject_markup(tiny: Path) -> None:
    evil = "Texto <b onclick=x>negrita</b> {{ brand.phone }} {% raw %}"
    set_translation(tiny, "es", SLUG, FIRST, evil)
    html = render(tiny, "es")
    assert "<b onclick" not in html and "&lt;b onclick=x&gt;negrita&lt;/b&gt;" in html
    assert "{{ brand.phone }} {% raw %}" in html  # rendered as text, never as template code


@pytest.mark.parametrize(
    "translation",
    [
        "Visite [esta página](https://evil.example).",
        "Visite <https://evil.example>.",
        "Texto ![x](https://evil.example)",
    ],
    ids=["link", "autolink", "image"],
)
def test_content_translation_may_not_add_a_link_or_image(tiny: Path, translation: str) -> None:
    set_translation(tiny, "es", SLUG, FIRST, translation)
    with pytest.raises(RenderError, match=r"links to 'https://evil\.example', which the source does not"):
        render(tiny, "es")


def test_content_keeps_markdown_emphasis(tiny: Path) -> None:
    set_translation(tiny, "es", SLUG, FIRST, "La ketamina es *importante*.")
    assert "<p>La ketamina es <em>importante</em>.</p>" in render(tiny, "es")


def test_percent_in_content_is_never_formatted(tiny: Path) -> None:
    content = tiny / "content/sample.md"
    content.write_text(content.read_text() + "\nIt is not 100% clear why %(phone)s and 50%% stay as written.\n")
    assert "It is not 100% clear why %(phone)s and 50%% stay as written." in render(tiny, "en")


def test_page_number_pattern_is_escaped_for_css() -> None:
    assert str(css_counter_string("Page %(page)s of %(pages)s")) == '"Page " counter(page) " of " counter(pages)'
    hostile = css_counter_string('x"; } body { display: none } </style> %(page)s')
    assert '"' not in str(hostile)[1:].split(" counter(page)")[0][:-1]
    assert "</style>" not in str(hostile)
    with pytest.raises(RenderError, match="unknown placeholder"):
        css_counter_string("Page %(phone)s")


def test_arabic_page_number_and_rtl_layout(tiny: Path) -> None:
    html = render(tiny, "ar")
    assert '<html lang="ar" dir="rtl" class="standard with-notice">' in html
    assert "@bottom-right { content: element(contact); width: 78%; }" in html  # mirrored footer
    assert "@bottom-left { content: " in html and "counter(page)" in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اتصل على +1 555 0100.", 'اتصل على <span dir="ltr">+1 555 0100</span>.'),
        ("مثل SSRIs أو SNRIs", 'مثل <span dir="ltr">SSRIs</span> أو <span dir="ltr">SNRIs</span>'),
        ("بنسبة 100% منذ عقد 1960،", 'بنسبة <span dir="ltr">100%</span> منذ عقد <span dir="ltr">1960</span>،'),
        ("(FDA) و www.example.org.", '(<span dir="ltr">FDA</span>) و <span dir="ltr">www.example.org</span>.'),
        ("هاتف (541) 555-0142", 'هاتف <span dir="ltr">(541) 555-0142</span>'),
        ("<b>", '&lt;<span dir="ltr">b</span>&gt;'),
    ],
)
def test_left_to_right_runs_are_isolated(text: str, expected: str) -> None:
    assert str(wrap_ltr_runs(text)) == expected


def test_arabic_content_wraps_latin_abbreviations(tiny: Path) -> None:
    set_translation(tiny, "ar", SLUG, FIRST, "فقرة عن *SSRIs* منذ عقد 1960 و[رابط](https://example.org/info).")
    html = render(tiny, "ar")
    assert '<em><span dir="ltr">SSRIs</span></em>' in html
    assert 'منذ عقد <span dir="ltr">1960</span> و' in html


@pytest.mark.parametrize(
    ("value", "direction"),
    [("1200 Riverbend Avenue", "ltr"), ("عيادة النهر", "rtl"), ("12 شارع النيل", "rtl"), ("+1 541", "ltr")],
)
def test_brand_values_keep_their_own_direction(value: str, direction: str) -> None:
    from handouts.render import isolate

    assert str(isolate(value)) == f'<span dir="{direction}">{value}</span>'


def test_blocks_reach_the_template_as_typed_objects(tmp_path: Path) -> None:
    inputs = load_inputs(Project.at(copy_root("sample", tmp_path / "sample")), ["en"])
    blocks = render_blocks(inputs.handouts[0], Translator(inputs.catalogs["en"]), rtl=False)
    assert [type(b) for b in blocks] == [
        ParagraphHtml, HeadingHtml, ListHtml, ListHtml, TableHtml, FigureHtml, ParagraphHtml
    ]  # fmt: skip
    assert [b.kind for b in blocks] == ["paragraph", "heading", "list", "list", "table", "figure", "paragraph"]
    first, heading, bullets, numbered, table, figure, _ = blocks
    assert isinstance(first, ParagraphHtml) and "<em>emphasis</em>" in first.html
    assert isinstance(heading, HeadingHtml) and (heading.level, heading.html) == (2, "A Heading")
    assert isinstance(bullets, ListHtml) and bullets.tag == "ul" and len(bullets.entries) == 2
    assert isinstance(numbered, ListHtml) and numbered.tag == "ol"
    assert isinstance(table, TableHtml) and table.header == ("Dose", "When") and table.rows == (("10 mg", "Morning"),)
    assert isinstance(figure, FigureHtml) and figure.src.endswith("/picture.svg") and figure.src.startswith("file://")
    assert (figure.alt, figure.alt_lang) == ("A drawing of a vein and a needle.", None)
    with pytest.raises(AttributeError):
        heading.level = 1  # type: ignore[misc]


def test_a_message_is_rendered_once_per_process_whatever_the_pdfs_it_appears_in(tiny: Path) -> None:
    """A locale's messages recur in every PDF of every clinic, paper and edition: the second page
    of the same translations parses no Markdown, and gives the same HTML."""
    from handouts.render import inline_html, link_targets

    set_translation(tiny, "es", SLUG, FIRST, "Un párrafo *único* de esta prueba.")
    first = render(tiny, "es")
    html, links = inline_html.cache_info(), link_targets.cache_info()
    assert render(tiny, "es") == first
    assert (inline_html.cache_info().misses, link_targets.cache_info().misses) == (html.misses, links.misses)
    assert inline_html.cache_info().hits > html.hits
    assert "Un párrafo <em>único</em>" in first
