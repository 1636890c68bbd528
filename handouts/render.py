"""HTML for one job (handout x locale x brand), through Jinja alone. Never imports WeasyPrint.

Translators' text is untrusted: template messages are HTML-escaped before placeholders are filled,
content messages are Markdown rendered with raw HTML and images disabled, and a link target in a
translation must be one of the source message's link targets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

from . import __version__
from .catalogs import Catalog, LocaleCatalogs, beyond_limits
from .config import Brand, css_page_size
from .content import Figure, Handout, Heading, ListBlock, Message, Paragraph, Table
from .errors import Location, RenderError
from .extract import TEMPLATES_DOMAIN, SourceMessage
from .locales import SOURCE_LOCALE
from .provenance import provenance_of
from .status import EntryStatus, status_of

TEMPLATE_NAME = "handout.html"
PHRASES_TEMPLATE_NAME = "phrases.html"
REVIEW_TEMPLATE_NAME = "review.html"
# A run of left-to-right text inside right-to-left text: Latin words, digits, phone numbers,
# URLs, e-mails, numbers with units. WeasyPrint ignores `unicode-bidi` and `<bdi>`, so such runs
# are wrapped in `dir="ltr"` elements, or "+1 555 0100" prints as "0100 555 1+".
LATIN = "A-Za-z\u00c0-\u024f"
LTR_RUN_RE = re.compile(
    r"\+?\(?[0-9][0-9 \u00a0().\-]{5,}[0-9]"  # phone numbers, with their spaces and brackets
    rf"|[{LATIN}0-9+][{LATIN}0-9+\-./:@%&_’']*(?:[ \u00a0]+[{LATIN}0-9+][{LATIN}0-9+\-./:@%&_’']*)*"
    # A number in the locale's own digits, one unit with its separators (even with a stray digit
    # of another system, which the `digit-systems` check refuses), so it prints as it was checked.
    r"|\d(?:\d|[.,\u066b\u066c\u00a0\u202f](?=\d))*"
)
LTR_TRAILING = ".,:;!?"
# CLDR numbering systems -> CSS counter styles WeasyPrint knows.
# Languages whose lines break only between words (CSS `word-break: keep-all`, which WeasyPrint
# lacks): Korean is written with spaces, but Pango would break between any two syllables.
KEEP_ALL_LANGUAGES = {"ko"}
HANGUL_JOIN_RE = re.compile(r"(?<=[\uac00-\ud7a3])(?=[\uac00-\ud7a30-9A-Za-z])|(?<=[0-9A-Za-z])(?=[\uac00-\ud7a3])")
COUNTER_STYLES = {
    "latn": "decimal",
    "arab": "arabic-indic",
    "arabext": "persian",
    "deva": "devanagari",
    "beng": "bengali",
    "guru": "gurmukhi",
    "gujr": "gujarati",
    "thai": "thai",
}


# --- the Jinja environment ----------------------------------------------------------------------


def render_template(env: Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template; a template error names the template file and line."""
    try:
        return env.get_template(name).render(context)
    except TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        raise RenderError(f"template error: {exc}", Location(where, getattr(exc, "lineno", None))) from None


def create_environment(templates_dir: Path) -> Environment:
    """The one Jinja environment: autoescape, StrictUndefined, new-style gettext."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    # Callables are passed per render (see `template_translations`); `{% trans %}` blocks
    # compile to new-style calls `gettext(msgid, **variables)`.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.filters["css_counter_string"] = css_counter_string
    env.globals["ltr"] = ltr
    return env


def ltr(value: Any) -> Markup:
    """A left-to-right run (a phone number, a version) that keeps its order on right-to-left pages."""
    return Markup('<span dir="ltr">{}</span>').format(value)


# --- translating --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Translator:
    """Looks messages up in one locale's catalogs; in strict mode a missing one is an error."""

    catalogs: LocaleCatalogs
    strict: bool = True

    @property
    def is_source(self) -> bool:
        return self.catalogs.locale.is_source

    def translate(self, domain: str, msgid: str, where: Location | None = None) -> tuple[str, bool]:
        """(text, translated?). The source locale returns the id itself.

        A draft (not strict) takes fuzzy translations too, and falls back to the English source.
        """
        if self.is_source:
            return msgid, True
        catalog = self.catalogs.catalogs.get(domain)
        if catalog is not None:
            translation = catalog.translation(msgid) if self.strict else catalog.draft_translation(msgid)
            if translation is not None:
                if self.catalogs.locale.language in KEEP_ALL_LANGUAGES:
                    translation = keep_words_together(translation)
                return translation, True
        if self.strict:
            raise RenderError(
                f"no reviewed-ready translation in {self.catalogs.locale.tag!r} for {msgid[:60]!r} "
                "(missing, untranslated or fuzzy; run `python build.py check`)",
                where,
            )
        return msgid, False


@dataclass(frozen=True)
class Bilingual:
    """A template message in the page's language and in the English source."""

    translation: Markup
    source: str
    source_lang: str
    differs: bool


def template_translations(translator: Translator) -> dict[str, Any]:
    """The gettext callables a template sees: escape the translation, then fill placeholders."""

    def gettext(msgid: str, **variables: Any) -> Markup:
        text, _ = translator.translate(TEMPLATES_DOMAIN, msgid)
        safe = escape(text)  # untrusted: a translation never becomes markup
        if not variables:
            return safe
        try:
            return Markup(safe % variables)  # Markup's % escapes each value unless it is Markup
        except (KeyError, ValueError, TypeError) as exc:
            raise RenderError(f"translation of {msgid!r} has bad placeholders: {exc}") from None

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> Markup:
        raise RenderError("plural messages are not used by the templates yet")

    def bilingual(msgid: str) -> Bilingual:
        english_page = translator.catalogs.locale.language == SOURCE_LOCALE
        return Bilingual(gettext(msgid), msgid, SOURCE_LOCALE, not english_page)

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext, "bilingual": bilingual}


def css_counter_string(pattern: str, style: str = "decimal") -> Markup:
    """`Page %(page)s of %(pages)s` -> `"Page " counter(page) " of " counter(pages)` for CSS `content:`."""
    text = Markup(pattern).unescape() if isinstance(pattern, Markup) else str(pattern)
    parts: list[str] = []
    position = 0
    for match in re.finditer(r"%\((\w+)\)s|%%", text):
        literal = text[position : match.start()]
        if literal:
            parts.append(css_string(literal))
        if match.group(0) == "%%":
            parts.append(css_string("%"))
        elif match.group(1) in ("page", "pages"):
            parts.append(f"counter({match.group(1)})" if style == "decimal" else f"counter({match.group(1)}, {style})")
        else:
            raise RenderError(f"unknown placeholder {match.group(0)!r} in page-number pattern {text!r}")
        position = match.end()
    if position < len(text):
        parts.append(css_string(text[position:]))
    return Markup(" ".join(parts) or '""')


def css_string(text: str) -> str:
    """A CSS string literal that nothing in `text` can break out of (`"`, `\\`, `</style>`...)."""
    out = []
    for char in text:
        if char.isalnum() or char in " \u00a0" or (ord(char) > 127 and char.isprintable()):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def keep_words_together(text: str) -> str:
    """Join the syllables of each Korean word with U+2060 WORD JOINER, so lines break at spaces."""
    return HANGUL_JOIN_RE.sub("\u2060", text)


def counter_style(babel_name: str) -> str:
    """The CSS counter style of a locale's default numbering system, as CLDR (Babel) gives it."""
    from babel import Locale

    return COUNTER_STYLES.get(Locale.parse(babel_name).default_numbering_system, "decimal")


def hyphenation_dictionary(babel_name: str) -> str | None:
    """Pyphen's dictionary for a locale, if it has one (WeasyPrint hyphenates with Pyphen)."""
    import pyphen

    dictionary: str | None = pyphen.language_fallback(babel_name)
    return dictionary


def isolate(value: str) -> Markup:
    """A brand value in its own direction (the first strong letter decides, like `dir="auto"`,
    which WeasyPrint does not support): "1200 Riverbend Avenue" stays in order on an Arabic page."""
    direction = "ltr"
    for char in value:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            direction = "ltr" if kind == "L" else "rtl"
            break
    return Markup('<span dir="{}">{}</span>').format(direction, value)


# --- content Markdown ---------------------------------------------------------------------------


@functools.cache
def inline_parser(rtl: bool) -> MarkdownIt:
    """Markdown for one message: no raw HTML, no images; in RTL text, LTR runs are isolated.
    One parser per direction and process (a parser keeps no state between texts)."""
    md = MarkdownIt("commonmark", {"html": False}).disable(["image"])
    if rtl:
        md.add_render_rule("text", render_text_rtl)
    return md


def render_text_rtl(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return str(wrap_ltr_runs(tokens[idx].content))


def wrap_ltr_runs(text: str) -> Markup:
    """Escape `text`, wrapping each left-to-right run of whole words in `<span dir="ltr">`.

    A run that touches a letter of another script (one Latin letter inside an Arabic word) is
    part of that word and left alone: wrapping it would make an inline box per letter, and
    WeasyPrint's line breaking is quadratic in inline boxes. Each run is scanned once.
    """
    out: list[str] = []
    position = 0
    for match in LTR_RUN_RE.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if before.isalpha() or after.isalpha():
            continue  # inside a word of the surrounding script
        run = match.group(0)
        core = run.rstrip(LTR_TRAILING + " ")
        if core.startswith("(") and ")" not in core:
            core = core[1:]
        if not core:
            continue
        start = match.start() + run.find(core)
        out.append(str(escape(text[position:start])))
        out.append(f'<span dir="ltr">{escape(core)}</span>')
        position = start + len(core)
    out.append(str(escape(text[position:])))
    return Markup("".join(out))


# A locale's messages recur in every PDF of every clinic, paper and edition: each text is parsed
# and rendered once per process and direction.
@functools.lru_cache(maxsize=4096)
def inline_html(text: str, rtl: bool) -> Markup:
    """A message's Markdown as safe inline HTML."""
    return Markup(inline_parser(rtl).renderInline(text))


@functools.lru_cache(maxsize=4096)
def link_targets(text: str) -> tuple[str, ...]:
    targets = []
    for token in inline_parser(False).parseInline(text):
        for child in token.children or ():
            if child.type == "link_open":
                targets.append(str(child.attrs.get("href", "")))
    return tuple(targets)


def render_message(message: Message, translator: Translator, domain: str, rtl: bool) -> Markup:
    """One content message, translated, as safe inline HTML (never through % or {} formatting)."""
    text, translated = translator.translate(domain, message.text, message.location)
    if not translated:  # a draft showing the English source: say so to screen readers
        return Markup('<span lang="{}" dir="ltr">{}</span>').format(SOURCE_LOCALE, inline_html(text, rtl))
    if not translator.is_source:
        allowed = set(link_targets(message.text))
        for target in link_targets(text):
            if target not in allowed:
                raise RenderError(
                    f"translation of {message.text[:50]!r} links to {target!r}, which the source does not",
                    message.location,
                )
    return inline_html(text, rtl)


@dataclass(frozen=True)
class HeadingHtml:
    """A heading of the page: `<h{level}>` around safe inline HTML."""

    level: int
    html: Markup
    kind: ClassVar[str] = "heading"


@dataclass(frozen=True)
class ParagraphHtml:
    html: Markup
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class ListHtml:
    """A list: `tag` is "ol" or "ul", each entry safe inline HTML."""

    tag: str
    entries: tuple[Markup, ...]
    kind: ClassVar[str] = "list"


@dataclass(frozen=True)
class TableHtml:
    header: tuple[Markup, ...]
    rows: tuple[tuple[Markup, ...], ...]
    kind: ClassVar[str] = "table"


@dataclass(frozen=True)
class FigureHtml:
    """An image by file URI, its translated alt text, and `alt_lang` when the alt text is a
    draft's English stand-in."""

    src: str
    alt: str
    alt_lang: str | None
    kind: ClassVar[str] = "figure"


BlockHtml = HeadingHtml | ParagraphHtml | ListHtml | TableHtml | FigureHtml


def render_blocks(handout: Handout, translator: Translator, rtl: bool) -> list[BlockHtml]:
    """The handout's blocks as safe HTML for the template, one typed object each."""
    domain = handout.slug

    def html(message: Message) -> Markup:
        return render_message(message, translator, domain, rtl)

    blocks: list[BlockHtml] = []
    for block in handout.blocks:
        match block:
            case Heading(level=level, message=m):
                blocks.append(HeadingHtml(level, html(m)))
            case Paragraph(message=m):
                blocks.append(ParagraphHtml(html(m)))
            case ListBlock(ordered=ordered, items=items):
                blocks.append(ListHtml("ol" if ordered else "ul", tuple(html(i) for i in items)))
            case Table(header=header, rows=rows):
                blocks.append(TableHtml(tuple(html(c) for c in header), tuple(tuple(html(c) for c in r) for r in rows)))
            case Figure(src=src, alt=alt):
                plain, translated = translator.translate(domain, alt.text, alt.location)
                image = (handout.path.parent / src).resolve()
                alt_lang = None if translated else SOURCE_LOCALE  # a draft's English stand-in
                blocks.append(FigureHtml(image.as_uri(), plain, alt_lang))
    return blocks


# --- the page -----------------------------------------------------------------------------------


def assistance_lines(env: Environment, brand: Brand, assistance: list[LocaleCatalogs]) -> list[dict[str, Any]]:
    """The language-assistance sentence in each of the given languages, each with its language and
    direction. A language whose catalog has no patient-ready translation of it is left out."""
    if brand.language_assistance is None:
        return []
    phrases = env.get_template(PHRASES_TEMPLATE_NAME).module
    lines = []
    for catalogs in assistance:
        gettext = template_translations(Translator(catalogs, strict=True))["gettext"]
        try:
            sentence = phrases.language_assistance(gettext, brand.language_assistance)  # type: ignore[attr-defined]
        except RenderError:
            continue  # not translated yet: `check` of that locale names the entry
        lines.append({"lang": catalogs.locale.tag, "dir": catalogs.locale.direction, "html": Markup(sentence)})
    return lines


def render_html(
    env: Environment,
    handout: Handout,
    catalogs: LocaleCatalogs,
    brand: Brand,
    *,
    draft_build: bool = False,
    paper: str | None = None,
    edition: str = "standard",
    assistance: list[LocaleCatalogs] | None = None,
) -> str:
    """The complete HTML of one handout in one locale for one clinic, on one paper, in one edition.

    A draft build takes fuzzy translations, falls back to English where a translation is
    missing, and says on every page that it is a draft. `assistance` are the catalogs of the
    languages the language-assistance notice speaks (when the brand prints one).
    """
    locale = catalogs.locale
    translator = Translator(catalogs, strict=not draft_build)
    rtl = locale.direction == "rtl"
    title, title_translated = translator.translate(handout.slug, handout.title.text, handout.title.location)
    logo_width, logo_height = brand.logo.size_mm
    status = provenance_of(catalogs, handout.slug)
    context: dict[str, Any] = {
        **template_translations(translator),
        "isolate": isolate,
        "version": __version__,
        "locale": locale,
        "handout": {
            "title": title,
            "title_lang": None if title_translated else SOURCE_LOCALE,  # a draft's English stand-in
            "plain_title": title.replace("\u2060", ""),  # for metadata: no word joiners
            "slug": handout.slug,
            "source_version": handout.source_version,
        },
        "blocks": render_blocks(handout, translator, rtl),
        "brand": {
            "name": brand.name,
            "address": brand.address,
            "phone": brand.contact_phone,
            "website": brand.website,
            "logo_url": brand.logo.file.as_uri(),
            "logo_width": f"{logo_width}mm",
            "logo_height": f"{logo_height}mm",
            "colors": brand.colors,
        },
        "page": {
            "size": css_page_size(paper or brand.papers[0]),
            "counter_style": counter_style(locale.babel_name),
            # Patient text is not hyphenated (CMS Toolkit) unless the clinic asks for it, and
            # large print never is (APH); only where Pyphen has a dictionary for the language.
            "hyphenate": brand.hyphenate
            and edition == "standard"
            and hyphenation_dictionary(locale.babel_name) is not None,
            "edition": edition,
            "contact_box": "@bottom-right" if rtl else "@bottom-left",
            "number_box": "@bottom-left" if rtl else "@bottom-right",
        },
        "reviewed_date": format_date(handout.last_reviewed, format="long", locale=locale.babel),
        "provenance": status.method,
        "draft": not locale.is_source and status.method != "human-reviewed",
        "draft_build": draft_build,
        "assistance": assistance_lines(env, brand, assistance or []),
    }
    return render_template(env, TEMPLATE_NAME, context)


# --- the bilingual review sheet -----------------------------------------------------------------

STATUS_TEXT = {
    EntryStatus.FUZZY: "FUZZY: the English changed or this is a guess; not shown to patients until confirmed",
    EntryStatus.UNTRANSLATED: "UNTRANSLATED",
    EntryStatus.MISSING: "MISSING from the catalog (run `python build.py update`)",
}


def review_row(number: int, kind: str, message: SourceMessage, catalog: Catalog | None, rtl: bool) -> dict[str, Any]:
    """One source message beside its translation, with its status."""
    source_md, target_md = inline_parser(False), inline_parser(rtl)
    entry = catalog.find(message.msgid, message.msgctxt) if catalog is not None else None
    status = status_of(entry)
    translation = None
    if entry is not None and entry.msgstr:
        oversized = beyond_limits(message.msgid, str(entry.msgstr))
        # An oversized translation is never rendered (it could take the renderer minutes): say why.
        translation = (
            Markup(target_md.renderInline(str(entry.msgstr)))
            if oversized is None
            else escape(f"[not shown: {oversized}]")
        )
    return {
        "number": number,
        "kind": kind,
        "source": Markup(source_md.renderInline(message.msgid)),
        "translation": translation,
        "status": status,
        "status_text": STATUS_TEXT.get(status, ""),
        "previous": entry.previous_msgid if entry is not None and status is EntryStatus.FUZZY else None,
        "comment": " ".join(message.comments),
        "translator_comment": entry.tcomment if entry is not None else "",
        "where": ", ".join(f"{file}:{line}" for file, line in message.occurrences),
    }


def block_kinds(handout: Handout) -> dict[str, str]:
    """What kind of block each message of a handout comes from, for reviewers."""
    kinds = {handout.title.text: "title"}
    for block in handout.blocks:
        match block:
            case Heading(message=m):
                kinds.setdefault(m.text, "heading")
            case Paragraph(message=m):
                kinds.setdefault(m.text, "paragraph")
            case ListBlock(items=items):
                for item in items:
                    kinds.setdefault(item.text, "list item")
            case Table(header=header, rows=rows):
                for cell in [*header, *(c for row in rows for c in row)]:
                    kinds.setdefault(cell.text, "table cell")
            case Figure(alt=alt):
                kinds.setdefault(alt.text, "image text")
    return kinds


def render_review_html(
    env: Environment, handout: Handout, catalogs: LocaleCatalogs, sources: dict[str, list[SourceMessage]]
) -> str:
    """A bilingual review sheet: every message of a handout and of the page template, side by side."""
    locale = catalogs.locale
    rtl = locale.direction == "rtl"
    kinds = block_kinds(handout)
    sections = []
    counts = dict.fromkeys(EntryStatus, 0)
    for domain, title in ((handout.slug, "Handout text"), (TEMPLATES_DOMAIN, "Text on every page")):
        catalog = catalogs.catalogs.get(domain)
        rows = [
            review_row(n, kinds.get(m.msgid, "page text"), m, catalog, rtl)
            for n, m in enumerate(sources.get(domain, []), start=1)
        ]
        for row in rows:
            counts[row["status"]] += 1
        sections.append({"title": title, "rows": rows})
    catalog_facts = [
        {
            "file": c.path.name,
            "method": c.po.metadata.get("X-Translation-Method", ""),
            "translator": c.po.metadata.get("X-Translator", ""),
            "reviewer": c.po.metadata.get("X-Reviewer", ""),
            "review_date": c.po.metadata.get("X-Review-Date", ""),
            "source_version": c.po.metadata.get("X-Source-Version", ""),
        }
        for c in catalogs.catalogs.values()
    ]
    context = {
        "version": __version__,
        "locale": locale,
        "handout": handout,
        "catalogs": catalog_facts,
        "counts": counts,
        "sections": sections,
    }
    return render_template(env, REVIEW_TEMPLATE_NAME, context)


# --- the release's library page -----------------------------------------------------------------

INDEX_TEMPLATE_NAME = "index.html"


def render_index_html(env: Environment, version: str, groups: list[dict[str, Any]], count: int) -> str:
    """The offline library page listing every handout in every language."""
    return render_template(env, INDEX_TEMPLATE_NAME, {"version": version, "groups": groups, "count": count})
