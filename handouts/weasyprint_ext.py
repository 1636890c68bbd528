"""An extension of WeasyPrint's tagged PDF (PDF/UA-1), made where WeasyPrint makes each decision.

WeasyPrint 70 tags a page's boxes in `weasyprint/pdf/tags.py` and draws their glyphs in
`weasyprint/draw/text.py`. Four things a screen reader needs are missing there; each is added at
the function that decides it, and each could be offered upstream as it stands:

1. **Languages from the source.** A structure element whose box's `lang` (WeasyPrint's computed
   style keeps it) differs from the language its structure parent resolves to, or whose HTML
   element declares `lang` itself, gets `/Lang` (PDF/UA-1 7.2, WCAG technique PDF19). An element
   split over a page break is a structure element on each page, and each gets it. A tagged box
   with no language at all is logged as an error, which fails the build.
2. **Margin boxes are pagination artifacts.** Running headers and footers repeat on every page;
   WeasyPrint marks their text as structure content that no structure element ever references
   (Matterhorn 01-005). Here each margin box is drawn inside `/Artifact <</Type /Pagination
   /Subtype /Header>>` (or `/Footer`) and left out of the structure tree.
3. **The real text of every glyph cluster.** A font's ToUnicode map gives one text per glyph, so it
   cannot say that a Devanagari pre-base vowel sign drawn first is read after its consonant, that
   Noto Naskh's alef and raised hamza are one letter أ, or that a glyph first drawn in one cluster
   means something else in another. Where the map does not give a cluster's text in logical order,
   or a glyph of the cluster is drawn with a rise (which readers take for another line) where
   reading the glyphs by their position would not give their order, the cluster is wrapped in
   `/Span <</ActualText (text)>> BDC … EMC` (ISO 32000-1 14.9.4), the way Chromium's PDF backend
   does. The text box's structure element gets the same text as `/ActualText`, for readers that
   take it from the structure tree (pdf.js, Firefox). The ToUnicode map itself gives each glyph
   of a cluster its own letters (`glyph_texts`), for readers that ignore ActualText, and no text
   a reader gets carries the word joiners that keep Korean words whole.
4. **Notes.** An element with the ARIA role `note` becomes a `/Note` structure element, with the
   unique `/ID` PDF/UA-1 7.9 asks of notes.

Three more replacements are for speed alone. In WeasyPrint's fonts (`weasyprint/pdf/fonts.py`), its
subsetting asks cffi for an array type of a new length (`hb_codepoint_t[N]`) for nearly every font
of every PDF, and cffi parses each new type name in full, some 4 ms each (see `ArraysByContent`);
and it copies each font's whole file for every PDF, which HarfBuzz's subsetting never reads (see
`read_font_files_when_needed`). pydyf compresses the PDF's streams at zlib's slowest level; here
at level 6 (`StreamCompression`).

`install()` checks that the installed WeasyPrint and pydyf are ones this code is tested with, and
fails loudly otherwise: what is replaced here is internal to them and changes between versions.
Import this module from `handouts.pdf` only, after WeasyPrint is imported.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from codecs import BOM_UTF16_BE
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from typing import Any, NamedTuple, cast

from .errors import RenderError

# The WeasyPrint and pydyf releases this extension is tested with; keep in step with pyproject.toml.
TESTED_WEASYPRINT = ((70, 0), (71, 0))  # at least the first, below the second
TESTED_PYDYF = ((0, 13), (0, 14))
# The zlib level of the PDF's streams. pydyf's own, 9, makes a render 1-6 % slower than 6 does
# (CJK fonts and the ActualText of Devanagari the most) for PDFs 0.2-1.2 % smaller.
STREAM_COMPRESSION = 6
PAGINATION = {"top": "/Header", "bottom": "/Footer"}
# Invisible characters that are no part of any word's spelling: the word joiners that keep Korean
# words whole on a line (see `handouts.render`). They are left out of every text a reader gets.
WORD_JOINERS = "\u2060\ufeff"
NOT_TEXT = str.maketrans("", "", WORD_JOINERS)
JOINER_BYTES = tuple(joiner.encode() for joiner in WORD_JOINERS)


def readable(text: str) -> str:
    """`text` as a reader should get it: without word joiners."""
    return text.translate(NOT_TEXT)


def has_word_joiners(utf8: bytes) -> bool:
    return any(joiner in utf8 for joiner in JOINER_BYTES)


def check_version(
    version: str, name: str = "WeasyPrint", tested: tuple[tuple[int, int], tuple[int, int]] = TESTED_WEASYPRINT
) -> None:
    """Refuse a WeasyPrint (or pydyf) this extension was not tested with."""
    try:
        numbers = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        numbers = ()
    low, high = tested
    if not (len(numbers) == 2 and low <= numbers < high):
        raise RenderError(
            f"{name} {version} is installed, but handouts' tagged-PDF extension (handouts/weasyprint_ext.py) "
            f"is tested with {name} >= {'.'.join(map(str, low))}, < {'.'.join(map(str, high))} only; "
            "install the version pyproject.toml pins"
        )


def install() -> None:
    """Put the four extensions in place; idempotent."""
    import pydyf
    import weasyprint

    check_version(weasyprint.__version__)
    check_version(pydyf.__version__, "pydyf", TESTED_PYDYF)
    if getattr(install, "done", False):
        return
    check_glyph_layout()
    import weasyprint.draw
    import weasyprint.draw.text
    import weasyprint.pdf
    import weasyprint.pdf.stream
    import weasyprint.pdf.tags

    global _original_build_box_tree, _original_add_tags, _original_draw_stacking_context, _original_marked
    _original_build_box_tree = weasyprint.pdf.tags._build_box_tree
    _original_add_tags = weasyprint.pdf.add_tags
    _original_draw_stacking_context = weasyprint.draw.draw_stacking_context
    _original_marked = weasyprint.pdf.stream.Stream.marked

    weasyprint.pdf.tags._build_box_tree = build_box_tree
    weasyprint.pdf.add_tags = add_tags
    weasyprint.draw.draw_stacking_context = draw_stacking_context
    weasyprint.pdf.stream.Stream.marked = marked
    weasyprint.draw.text.draw_first_line = draw_first_line
    import weasyprint.pdf.fonts

    if not isinstance(weasyprint.pdf.fonts.ffi, ArraysByContent):
        weasyprint.pdf.fonts.ffi = ArraysByContent(weasyprint.pdf.fonts.ffi)
    read_font_files_when_needed(weasyprint.pdf.fonts)
    if not isinstance(pydyf.zlib, StreamCompression):
        pydyf.zlib = StreamCompression(STREAM_COMPRESSION)
    install.done = True  # type: ignore[attr-defined]


_original_build_box_tree: Any = None
_original_add_tags: Any = None
_original_draw_stacking_context: Any = None
_original_marked: Any = None


# --- arrays sized by their contents -----------------------------------------------------------------

SIZED_ARRAY = re.compile(r"(\w+(?: \w+)*) *\[(\d+)\]")


class ArraysByContent:
    """cffi's `FFI`, as WeasyPrint's font subsetting uses it, except that `new("T[N]", items)` with
    N items is `new("T[]", items)`: the same array, of one type for every N.

    cffi parses a type name it has not met, with every typedef of WeasyPrint's C declarations,
    in 3-4 ms; WeasyPrint names `hb_codepoint_t[N]` with the number of glyphs a font uses on a
    page, a new N for nearly every font of every PDF (some 90 names, 0.3 s, over the shipped set).
    Upstream, `ffi.new('hb_codepoint_t[]', ...)` in `Font._harfbuzz_subset` does the same.
    """

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)

    def new(self, cdecl: Any, init: Any = None) -> Any:
        if isinstance(cdecl, str) and init is not None and hasattr(init, "__len__"):
            sized = SIZED_ARRAY.fullmatch(cdecl)
            if sized is not None and int(sized[2]) == len(init):
                cdecl = f"{sized[1]}[]"
        return self._ffi.new(cdecl, init)


# --- stream compression ----------------------------------------------------------------------------


class StreamCompression:
    """The `zlib` module as pydyf sees it, except that a stream's compressor (`Stream.data`, the
    only caller of `compressobj`) works at `level`, not at pydyf's 9. Inline images
    (`zlib.compress`) keep zlib's default."""

    def __init__(self, level: int) -> None:
        self.level = level

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    def compressobj(self, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(self.level, *args, **kwargs)


# --- font files read when needed ------------------------------------------------------------------

_opening_font: ContextVar[bool] = ContextVar("opening_font", default=False)
_NOT_READ = object()  # a font's file, not copied out of HarfBuzz yet


def read_font_files_when_needed(fonts_module: Any) -> None:
    """Make `Font.file_content` (`weasyprint/pdf/fonts.py`) read the font's file the first time
    something reads it, instead of when WeasyPrint opens the font for a PDF.

    WeasyPrint copies every font's whole file out of HarfBuzz for each PDF that uses it, 16 MB for
    a CJK face, though subsetting with HarfBuzz reads the face itself and then replaces the copy
    with the subset: most PDFs never read it. Anything that does (fontTools subsetting, a variable
    or colour font, a font embedded whole) gets the same bytes as before.
    """
    font_class = fonts_module.Font
    if isinstance(font_class.__dict__.get("file_content"), property):
        return
    read_face = fonts_module.get_hb_object_data
    open_font = font_class.__init__

    def get_hb_object_data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
        if ot_color is None and _opening_font.get():
            return _NOT_READ
        return read_face(hb_object, ot_color, glyph)

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        token = _opening_font.set(True)
        try:
            open_font(self, *args, **kwargs)
        finally:
            _opening_font.reset(token)

    def file_content(self: Any) -> Any:
        content = self.__dict__["_file_content"]
        if content is _NOT_READ:
            content = self.__dict__["_file_content"] = read_face(self.hb_face)
        return content

    def set_file_content(self: Any, content: Any) -> None:
        self.__dict__["_file_content"] = content

    fonts_module.get_hb_object_data = get_hb_object_data
    font_class.__init__ = init
    font_class.file_content = property(file_content, set_file_content)


# --- 2. margin boxes as pagination artifacts ------------------------------------------------------

_in_artifact: ContextVar[bool] = ContextVar("in_artifact", default=False)


def draw_stacking_context(stream: Any, stacking_context: Any) -> None:
    """WeasyPrint's `draw_stacking_context`, with each margin box drawn as a pagination artifact."""
    from weasyprint.formatting_structure import boxes

    box = stacking_context.box
    if not isinstance(box, boxes.MarginBox) or _in_artifact.get() or getattr(stream, "_tags", None) is None:
        _original_draw_stacking_context(stream, stacking_context)
        return
    import pydyf

    side = box.at_keyword.lstrip("@").split("-")[0]
    properties = pydyf.Dictionary({"Type": "/Pagination"})
    if side in PAGINATION:
        properties["Subtype"] = PAGINATION[side]
    token = _in_artifact.set(True)
    pydyf.Stream.begin_marked_content(stream, "Artifact", properties)
    try:
        _original_draw_stacking_context(stream, stacking_context)
    finally:
        pydyf.Stream.end_marked_content(stream)
        _in_artifact.reset(token)


@contextmanager
def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
    """WeasyPrint's `Stream.marked`, except inside an artifact, where content is not structure."""
    if _in_artifact.get():
        yield
        return
    with _original_marked(self, box, tag):
        yield


# --- 1, 3 and 4: structure elements --------------------------------------------------------------


@dataclass
class TaggingState:
    """What the structure builder needs to know about the structure elements being built."""

    pdf: Any
    document_lang: str | None
    # One entry per box being tagged, innermost last: (makes a structure element?, its HTML
    # element, the language it resolves to).
    stack: list[tuple[bool, Any, str | None]] = field(default_factory=list)


_tagging: ContextVar[TaggingState | None] = ContextVar("tagging", default=None)


def add_tags(pdf: Any, document: Any, pdf_version: Any, page_streams: Any) -> None:
    """WeasyPrint's `add_tags`, with the state the extended structure builder needs."""
    token = _tagging.set(TaggingState(pdf, document.metadata.lang or None))
    try:
        _original_add_tags(pdf, document, pdf_version, page_streams)
    finally:
        _tagging.reset(token)


def build_box_tree(
    box: Any, parent: Any, pdf: Any, page_number: int, nums: Any, annotations: Any, tags: Any
) -> Iterator[Any]:
    """WeasyPrint's `_build_box_tree`, extended: languages, notes, ActualText; no margin boxes."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    if isinstance(box, boxes.MarginBox):
        return  # drawn as a pagination artifact, see draw_stacking_context
    state = _tagging.get()
    if state is None:  # not called through add_tags
        yield from _original_build_box_tree(box, parent, pdf, page_number, nums, annotations, tags)
        return
    real = box._box if isinstance(box, AbsolutePlaceholder) else box
    element_tag = None if real.element is None else real.element_tag
    # The same condition as WeasyPrint's: these boxes make no structure element of their own.
    transparent = (element_tag in ("html", "body") or isinstance(real, boxes.PageBox)) and (
        isinstance(real, boxes.ParentBox) and not isinstance(real, boxes.LineBox)
    )
    makers = [entry for entry in state.stack if entry[0]]
    inherited = makers[-1][2] if makers else state.document_lang
    parent_html = makers[-1][1] if makers else None
    lang = real.style["lang"] or None
    if not transparent and lang is None and inherited is None:
        from weasyprint.logger import LOGGER

        LOGGER.error("No language for the text of <%s>: its structure element gets no /Lang", element_tag)
    own_html = real.element if real.element is not parent_html else None
    actual_texts = text_box_actual_texts(real, tags)
    state.stack.append((not transparent, real.element, lang or inherited))
    try:
        for element in _original_build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
            if not transparent:
                declared = own_html is not None and own_html.get("lang")
                if lang is not None and (lang != inherited or declared):
                    import pydyf

                    element["Lang"] = pydyf.String(lang)
                if own_html is not None and (own_html.get("role") or "").strip().lower() == "note":
                    make_note(element)
                if any(needed for _, needed in actual_texts.values()):
                    attach_actual_texts(element, actual_texts, state.pdf)
            yield element
    finally:
        state.stack.pop()


def make_note(element: Any) -> None:
    import pydyf

    element["S"] = "/Note"
    element["ID"] = pydyf.String(f"note-{element.number}")


def text_box_actual_texts(box: Any, tags: Any) -> dict[int, tuple[str, bool]]:
    """{MCID: (text, whether its glyphs needed ActualText)} of the box's own text boxes."""
    from weasyprint.formatting_structure import boxes

    found: dict[int, tuple[str, bool]] = {}
    if tags is None or not isinstance(box, boxes.ParentBox):
        return found
    for child in box.children:
        for grandchild in child.children if isinstance(child, boxes.LineBox) else [child]:
            if isinstance(grandchild, boxes.TextBox) and grandchild in tags:
                kid = tags[grandchild]
                found[kid["mcid"]] = (readable(grandchild.text), bool(kid.get("actual_text")))
    return found


def attach_actual_texts(element: Any, texts: dict[int, tuple[str, bool]], pdf: Any) -> None:
    """Give each structure element made for a text box that needed ActualText its text as `/ActualText`."""
    import pydyf

    own: list[int] = []
    for kid in element["K"]:
        if isinstance(kid, bytes) and kid.endswith(b" R"):
            child = pdf.objects[int(kid.split()[0])]
            mcids = child.get("K") if child.get("S") == "/Span" else None
            if mcids and len(mcids) == 1 and texts.get(mcids[0], ("", False))[1]:
                child["ActualText"] = pydyf.String(texts[mcids[0]][0])
        elif isinstance(kid, int) and kid in texts:  # a link's own marked content
            own.append(kid)
    if any(texts[mcid][1] for mcid in own):
        element["ActualText"] = pydyf.String("".join(texts[mcid][0] for mcid in own))


# --- 3. glyph clusters ----------------------------------------------------------------------------


def cluster_spans(log_clusters: list[int], length: int, rtl: bool, text: bytes) -> list[list[Any]]:
    """[first glyph, end glyph, first byte, end byte, text] of each cluster of a Pango glyph string,
    in logical order.

    Glyphs are in visual order; a cluster is a run of glyphs with the same byte offset. Its text
    ends where the next cluster in logical order starts: the next glyph's cluster left to right,
    the previous glyph's right to left. A cluster whose text starts with a combining mark (Pango
    keeps Arabic harakat apart from their letter) joins the letter's cluster before it in
    logical order, so that a reader gets the letter and its marks together.
    """
    heads = [0, *(i for i, (a, b) in enumerate(pairwise(log_clusters), 1) if a != b)]
    tails = [*heads[1:], len(log_clusters)]
    firsts = [log_clusters[head] for head in heads]  # each cluster's first byte
    # Each cluster's end byte: where the cluster drawn right of it starts left to right, the one
    # drawn left of it right to left (never before its own start).
    afters = [length, *firsts[:-1]] if rtl else [*firsts[1:], length]
    lasts = [after if after > first else first for first, after in zip(firsts, afters, strict=True)]
    clusters: list[list[Any]] = [
        [head, tail, first, last, text[first:last].decode()]
        for head, tail, first, last in zip(heads, tails, firsts, lasts, strict=True)
    ]
    if rtl:
        clusters.reverse()  # logical order
    merged = clusters[:1]
    category = unicodedata.category
    for cluster in clusters[1:]:
        piece = cluster[4]
        if piece and piece[0] >= "\u0300" and category(piece[0])[0] == "M":  # no mark comes before U+0300
            previous = merged[-1]
            first, end, t1 = cluster[0], cluster[1], cluster[2]
            if previous[3] == t1 and (previous[1] == first or end == previous[0]):
                previous[0], previous[1] = min(first, previous[0]), max(end, previous[1])
                previous[3] = cluster[3]
                previous[4] += piece
                continue
        merged.append(cluster)
    return merged


def glyph_texts(glyphs: list[int], text: str, nominal: dict[int, str]) -> list[str]:
    """The text of each glyph of one cluster (glyphs in logical order), for the font's ToUnicode map.

    WeasyPrint gives a cluster's whole text to its last glyph and nothing to the others, so a
    Devanagari consonant first drawn with its pre-base vowel sign (कि) reads as both letters
    wherever else it appears, and the vowel sign reads as nothing (readers without ActualText,
    such as pdf.js's text layer, then show the glyph's number as a character). Here a glyph that is
    the font's own glyph for a character (its `cmap`) reads as that character, one of the cluster's
    (canonically decomposed: a two-part Tamil vowel sign is drawn as the glyphs of its two parts)
    where it can; the other glyphs share the characters left over, in logical order, the last
    taking the rest.
    """
    left = list(unicodedata.normalize("NFD", text))
    texts = [""] * len(glyphs)
    for index, glyph in enumerate(glyphs):
        chars = nominal.get(glyph, "")
        own = next((char for char in chars if pieces_left(char, left)), None)
        for piece in unicodedata.normalize("NFD", own or ""):
            left.remove(piece)
        texts[index] = own or chars[:1]
    others = [index for index, glyph in enumerate(glyphs) if not texts[index]]
    for n, index in enumerate(others):
        texts[index] = "".join(left) if n == len(others) - 1 else (left.pop(0) if left else "")
    return texts


def pieces_left(char: str, left: list[str]) -> bool:
    """Whether every character of `char`'s canonical decomposition is still in `left`."""
    pieces = unicodedata.normalize("NFD", char)
    return all(left.count(piece) >= pieces.count(piece) for piece in set(pieces))


NOMINAL_GLYPHS: dict[str, dict[int, str]] = {}  # by WeasyPrint's font hash


def nominal_glyphs(font: Any) -> dict[int, str]:
    """{glyph: the characters the font's cmap maps to it}, read once per font and process."""
    found = NOMINAL_GLYPHS.get(font.hash)
    if found is None:
        from io import BytesIO

        from fontTools.ttLib import TTFont

        ttfont = TTFont(BytesIO(font.file_content), fontNumber=font.index, lazy=True)
        found = {}
        for codepoint, name in sorted((ttfont.getBestCmap() or {}).items()):
            glyph = ttfont.getGlyphID(name)
            found[glyph] = found.get(glyph, "") + chr(codepoint)
        NOMINAL_GLYPHS[font.hash] = found
    return found


def needs_actual_text(mapped: str, text: str) -> bool:
    """Whether the glyphs' ToUnicode text differs from the cluster's text (NFC, either way)."""
    return mapped != text and unicodedata.normalize("NFC", mapped) != unicodedata.normalize("NFC", text)


class GlyphRun(NamedTuple):
    """One Pango glyph run (`PangoGlyphItem`) read into Python lists at once, glyphs in visual order.

    Reading a `PangoGlyphInfo` field through cffi builds a Python object per access; a run's
    glyphs are read here in one pass over their memory instead (`install` checks the layout)."""

    ids: list[int]
    widths: list[int]
    x_offsets: list[int]
    y_offsets: list[int]
    clusters: list[int]  # each glyph's byte offset in the item's text
    offset: int  # the item's first byte in the layout's UTF-8 text
    length: int
    rtl: bool


GLYPH_INFO_WORDS = 5  # PangoGlyphInfo: glyph, width, x_offset, y_offset, attr; 4 bytes each
# Pango's glyph of a character drawn as nothing, and the flag of a character no font has.
GLYPH_EMPTY = 0x0FFFFFFF
GLYPH_UNKNOWN = 0x10000000


def glyph_run(glyph_item: Any, ffi: Any) -> GlyphRun:
    glyphs, item = glyph_item.glyphs, glyph_item.item
    count = glyphs.num_glyphs
    rtl = bool(item.analysis.level % 2)
    if count <= 0:
        return GlyphRun([], [], [], [], [], item.offset, item.length, rtl)
    memory = memoryview(ffi.buffer(glyphs.glyphs, count * GLYPH_INFO_WORDS * 4))
    signed = memory.cast("i")
    return GlyphRun(
        memory.cast("I")[0::GLYPH_INFO_WORDS].tolist(),
        signed[1::GLYPH_INFO_WORDS].tolist(),
        signed[2::GLYPH_INFO_WORDS].tolist(),
        signed[3::GLYPH_INFO_WORDS].tolist(),
        memoryview(ffi.buffer(glyphs.log_clusters, count * 4)).cast("i").tolist(),
        item.offset,
        item.length,
        rtl,
    )


def check_glyph_layout() -> None:
    """Refuse a Pango binding whose `PangoGlyphInfo` is not laid out as `glyph_run` reads it."""
    from weasyprint.text.ffi import ffi

    # One C type parsed (cffi parses each new type name in full, some milliseconds), the rest
    # read from its fields.
    string = dict(ffi.typeof("PangoGlyphString").fields)
    info = string["glyphs"].type.item
    fields = dict(info.fields)
    geometry = dict(fields["geometry"].type.fields)
    layout = (
        ffi.sizeof(info),
        fields["geometry"].offset,
        ffi.sizeof(fields["geometry"].type),
        geometry["x_offset"].offset,
        geometry["y_offset"].offset,
        ffi.sizeof(fields["glyph"].type),
        ffi.sizeof(string["log_clusters"].type.item),
    )
    if layout != (GLYPH_INFO_WORDS * 4, 4, 12, 4, 8, 4, 4):
        raise RenderError(f"WeasyPrint's Pango glyph structures are laid out as {layout}, not as handouts reads them")
    from weasyprint.text.ffi import pango

    if (pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG) != (GLYPH_EMPTY, GLYPH_UNKNOWN):
        raise RenderError("WeasyPrint's Pango glyph constants are not the ones handouts reads glyphs with")


def map_new_glyphs(run: GlyphRun, font: Any, utf8_text: bytes, new: set[int]) -> None:
    """Give each glyph of the run that the font's ToUnicode map lacks its text, as WeasyPrint does:
    the text from the glyph's cluster offset to the next cluster's, the first time it is drawn.

    `new` holds those glyphs. Only the clusters that hold one are looked at, in visual order. A
    cluster of several glyphs shares its text out among them (`glyph_texts`).
    """
    empty, unknown = GLYPH_EMPTY, GLYPH_UNKNOWN
    ids, log, offset, length, rtl = run.ids, run.clusters, run.offset, run.length, run.rtl
    to_unicode = font.to_unicode
    count = len(ids)
    looked_to = 0  # glyphs before this one are in clusters already looked at
    for index, glyph in enumerate(ids):
        if index < looked_to or glyph not in new or glyph in to_unicode or glyph & unknown:
            continue
        cluster = log[index]
        first, end = index, index + 1
        while first > 0 and log[first - 1] == cluster:
            first -= 1
        while end < count and log[end] == cluster:
            end += 1
        looked_to = end
        following = (log[first - 1] if first > 0 else length) if rtl else (log[end] if end < count else length)
        text = readable(utf8_text[offset + cluster : offset + max(cluster, following)].decode())
        if end - first == 1:  # the common case, a cluster of one glyph
            to_unicode[glyph] = text
            continue
        drawn = [
            ids[i]
            for i in (range(end - 1, first - 1, -1) if rtl else range(first, end))  # logical order
            if ids[i] != empty and not ids[i] & unknown
        ]
        texts = glyph_texts(drawn, text, nominal_glyphs(font)) if len(drawn) > 1 else [text] * len(drawn)
        for drawn_glyph, glyph_text in zip(drawn, texts, strict=True):
            to_unicode.setdefault(drawn_glyph, glyph_text)


def actual_text_spans(run: GlyphRun, font: Any, utf8_text: bytes) -> tuple[dict[int, str], set[int], bool]:
    """Where one Pango glyph run needs ActualText: ({first glyph: text}, {last glyphs}, and whether
    its glyphs leave out text that no span restores).

    Sets the font's ToUnicode text of each glyph it meets first, as WeasyPrint does (the text from
    the glyph's cluster offset to the next glyph's), then compares each cluster's mapped text, in
    logical order, with its real text. Left to right, a word with such a cluster, or with a mark
    drawn over its letter, gets one span for the whole word: readers place an ActualText's letters
    evenly over the span's glyphs, and take a mark with no advance for text drawn twice.

    A character drawn as no glyph (a zero-width non-joiner) joins its word's span left to right.
    Right to left it is left to the structure element's ActualText: poppler lays a span's letters
    out left to right and then reverses the right-to-left line, so a span of two letters or more
    comes out reversed there. For the same reason a raised mark right to left needs no span where
    each glyph of its cluster reads as its own text and is drawn left of the glyph after it (Noto
    Naskh's tanwin on the alef of lam-alef, "معمولاً"): readers that order glyphs by position then
    put the mark after its letter, as they put every other glyph of the line. A mark drawn right
    of its letter's origin (most harakat) keeps its span.
    """
    empty, unknown = GLYPH_EMPTY, GLYPH_UNKNOWN
    ids, log, offset, length, rtl = run.ids, run.clusters, run.offset, run.length, run.rtl
    to_unicode = font.to_unicode
    new = set(ids).difference(to_unicode)
    new.discard(empty)
    if new and not all(glyph & unknown for glyph in new):
        map_new_glyphs(run, font, utf8_text, new)
    # Most runs (Latin, Cyrillic, CJK): one glyph per cluster, none raised, each reading as its
    # text; left to right, none drawn over its neighbour either. Tibetan and Odia vowel signs are
    # clusters of their own, drawn back over their letter with no advance: readers see that as
    # text drawn twice and cut the word there, so such a run is looked at cluster by cluster.
    run_text = utf8_text[offset : offset + length]
    plain = not has_word_joiners(run_text)
    if len(set(log)) == len(ids) and empty not in ids:
        found = list(map(to_unicode.get, reversed(ids) if rtl else ids))  # logical order
        mapped = cast(list[str], found)
        if all(found) and "".join(mapped) == run_text.decode().translate(NOT_TEXT):
            if not any(run.y_offsets) and (rtl or (not any(run.x_offsets) and all(run.widths))):
                return {}, set(), False
            # Right to left, where each glyph reads as exactly its own cluster's text (each starts
            # where the text before it ends), only a raised glyph's cluster can need a span.
            if rtl and plain and list(accumulate((len(text.encode()) for text in mapped[:-1]), initial=0)) == log[::-1]:
                return (*raised_clusters(run, mapped), False)
    return spans_cluster_by_cluster(run, to_unicode, utf8_text)


def spans_cluster_by_cluster(
    run: GlyphRun, to_unicode: dict[int, str], utf8_text: bytes
) -> tuple[dict[int, str], set[int], bool]:
    """What `actual_text_spans` returns, found by looking at each cluster in logical order, once
    `to_unicode` maps every glyph of the run. `actual_text_spans` takes shorter ways where a run
    needs no span or only its raised marks' (a test compares the two on random runs)."""
    empty, unknown = GLYPH_EMPTY, GLYPH_UNKNOWN
    ids, log, offset, length, rtl = run.ids, run.clusters, run.offset, run.length, run.rtl
    run_text = utf8_text[offset : offset + length]
    plain = not has_word_joiners(run_text)
    starts: dict[int, str] = {}
    ends: set[int] = set()
    lost = False
    y_offsets, x_offsets, widths = run.y_offsets, run.x_offsets, run.widths
    origins = glyph_origins(run) if rtl else []
    word_first = word_end = word_t1 = word_t2 = 0  # left to right: the current word's glyphs and bytes
    in_word = word_needed = False
    for first, end, t1, t2, text in cluster_spans(log, length, rtl, run_text):
        if not plain:
            text = readable(text)
        if not rtl:
            if text.isspace():  # the end of a word
                if in_word and word_needed:
                    starts[word_first] = readable(utf8_text[offset + word_t1 : offset + word_t2].decode())
                    ends.add(word_end - 1)
                in_word = word_needed = False
                continue
            if word_needed and text:  # the word gets its span anyway
                word_end, word_t2 = end, t2
                continue
        if end - first == 1:  # the common case, a cluster of one glyph
            glyph = ids[first]
            drawn_glyphs = [first] if glyph != empty and not glyph & unknown else []
        else:
            drawn_glyphs = [i for i in range(first, end) if ids[i] != empty and not ids[i] & unknown]
        if not drawn_glyphs:
            if text and not text.isspace():  # text drawn as no glyph
                lost = lost or rtl
                needed = True
            else:
                continue
        elif len(drawn_glyphs) == 1 and end - first == 1:
            mapped = to_unicode[ids[first]]
            # One glyph is never stacked; raised right to left, it reads in place (see above).
            needed = (mapped != text and needs_actual_text(mapped, text)) or (
                not rtl and (bool(y_offsets[first]) or not mapped)
            )
        elif rtl:
            cluster_mapped = "".join(to_unicode[ids[i]] for i in reversed(drawn_glyphs))
            # A raised mark drawn left of its letter reads in place (see the docstring).
            needed = (
                any(y_offsets[i] for i in drawn_glyphs)
                and not all(origins[i] < origins[j] for i, j in pairwise(drawn_glyphs))
            ) or needs_actual_text(cluster_mapped, text)
        else:
            # Raised; or a mark drawn over its letter with no advance of its own, which looks to
            # readers like text drawn twice at one place (poppler then cuts the word there); or a
            # glyph that reads as nothing; or glyphs that read otherwise than the text.
            stacked = len(drawn_glyphs) > 1
            needed = any(
                y_offsets[i] or (stacked and (not widths[i] or x_offsets[i])) or not to_unicode[ids[i]]
                for i in drawn_glyphs
            ) or needs_actual_text("".join(to_unicode[ids[i]] for i in drawn_glyphs), text)
        if rtl:
            if needed and drawn_glyphs:
                starts[first] = text
                ends.add(end - 1)
        else:
            if not in_word:
                in_word, word_first, word_t1 = True, first, t1
            word_end, word_t2 = end, t2
            word_needed = word_needed or needed
    if in_word and word_needed:
        starts[word_first] = readable(utf8_text[offset + word_t1 : offset + word_t2].decode())
        ends.add(word_end - 1)
    return starts, ends, lost


def actual_text_span(text: str) -> bytes:
    """The operators that open a marked-content span reading as `text`, as pydyf writes
    `begin_marked_content("Span", Dictionary({"ActualText": String(text)}))`, in one piece."""
    import pydyf

    if text.isascii():
        string: bytes = pydyf.String(text).data
    else:  # pydyf's own form for text beyond ASCII, without its failed ASCII encoding first
        string = b"<" + (BOM_UTF16_BE + text.encode("utf-16-be")).hex().encode() + b">"
    return b"/Span\n<</ActualText " + string + b">>\nBDC"


def glyph_origins(run: GlyphRun) -> list[int]:
    """Where each glyph of the run is drawn along the line, left to right."""
    pens = accumulate(run.widths[:-1], initial=0)
    return [pen + x_offset for pen, x_offset in zip(pens, run.x_offsets, strict=True)]


def raised_clusters(run: GlyphRun, mapped: list[str]) -> tuple[dict[int, str], set[int]]:
    """`actual_text_spans` of a right-to-left run of one glyph per cluster, each reading as exactly
    its cluster's text (`mapped`, in logical order): ({first glyph: text}, {last glyphs}) of the
    clusters with a raised glyph that readers ordering glyphs by position would put out of order.

    A cluster here is the one `cluster_spans` makes: a letter's and the marks' after it.
    """
    count = len(mapped)

    def text_of(glyph: int) -> str:
        return mapped[count - 1 - glyph]

    def is_mark(glyph: int) -> bool:
        first = text_of(glyph)[0]
        return first >= "\u0300" and unicodedata.category(first)[0] == "M"

    starts: dict[int, str] = {}
    ends: set[int] = set()
    origins: list[int] = []
    for raised in [i for i, y_offset in enumerate(run.y_offsets) if y_offset]:
        head = raised  # the cluster's letter: logically first, drawn rightmost
        while head < count - 1 and is_mark(head):
            head += 1
        first = head
        while first > 0 and is_mark(first - 1):
            first -= 1
        if head == first or first in starts:  # a glyph alone reads in place
            continue
        if not origins:
            origins = glyph_origins(run)
        if not all(origins[i] < origins[i + 1] for i in range(first, head)):
            starts[first] = "".join(text_of(glyph) for glyph in range(head, first - 1, -1))
            ends.add(head)
    return starts, ends


def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any, matrix: Any) -> list[Any]:
    """WeasyPrint 70's `draw_first_line`, with ActualText around the clusters that need it.

    The changes to WeasyPrint's code are marked "handouts:"; the rest is WeasyPrint's own
    (BSD-3-Clause, Copyright 2011-2025 Simon Sapin, Guillaume Ayoub and contributors).
    """
    from io import BytesIO
    from xml.etree import ElementTree

    import pydyf
    from PIL import Image
    from weasyprint.images import RasterImage, SVGImage
    from weasyprint.logger import LOGGER
    from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango
    from weasyprint.text.fonts import get_hb_object_data
    from weasyprint.text.line_break import get_last_word_end

    # Don’t draw lines with only invisible characters.
    if not textbox.text.strip():
        return []

    if textbox.style["font_size"] < 1e-6:  # default float precision used by pydyf
        return []

    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)

    if text_overflow == "ellipsis" or block_ellipsis != "none":
        assert textbox.pango_layout.max_width is not None
        max_width = textbox.pango_layout.max_width
        pango.pango_layout_set_width(textbox.pango_layout.layout, int(max_width * TO_UNITS))
        if text_overflow == "ellipsis":
            pango.pango_layout_set_ellipsize(textbox.pango_layout.layout, pango.PANGO_ELLIPSIZE_END)
        else:
            if block_ellipsis == "auto":
                ellipsis = "…"
            else:
                assert block_ellipsis[0] == "string"
                ellipsis = block_ellipsis[1]

            # Remove last word if hyphenated.
            new_text = textbox.pango_layout.text
            if new_text.endswith(textbox.style["hyphenate_character"]):
                last_word_end = get_last_word_end(
                    new_text[: -len(textbox.style["hyphenate_character"])], textbox.style["lang"]
                )
                if last_word_end:
                    new_text = new_text[:last_word_end]

            textbox.pango_layout.set_text(new_text + ellipsis)

    first_line, index = textbox.pango_layout.get_first_line()

    if block_ellipsis != "none":
        while index:
            last_word_end = get_last_word_end(textbox.pango_layout.text[: -len(ellipsis)], textbox.style["lang"])
            if last_word_end is None:
                break
            new_text = textbox.pango_layout.text[:last_word_end]
            textbox.pango_layout.set_text(new_text + ellipsis)
            first_line, index = textbox.pango_layout.get_first_line()

    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ""
    x_advance = 0
    emojis: list[Any] = []
    utf8_text: bytes | None = None
    any_actual_text = False  # handouts
    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG  # handouts: read once
    pango_run = first_line.runs[0]
    while pango_run != ffi.NULL:
        # Get Pango objects.
        glyph_item = pango_run.data
        pango_run = pango_run.next
        glyphs = glyph_run(glyph_item, ffi)  # handouts: every glyph's fields read at once
        num_glyphs = len(glyphs.ids)
        clusters = glyphs.clusters

        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            # Add font file content and get font size.
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)

            # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
            # This is also needed by raster emoji fonts, see #2800.
            if pango.pango_version() < 14802 or font.png:
                font_size = textbox.style["font_size"]

            # Go through the run glyphs.
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, 1 if font.bitmap else font_size)

        # handouts: where this run needs ActualText.
        utf8_text = utf8_text or textbox.pango_layout.text.encode()
        item_offset, rtl = glyphs.offset, glyphs.rtl
        starts, ends, lost = actual_text_spans(glyphs, font, utf8_text)
        any_actual_text = any_actual_text or lost
        to_unicode, widths, bitmap = font.to_unicode, font.widths, font.bitmap
        emoji = font.svg or font.png or font.colr

        string += "<"
        for i, (glyph_id, width, x_offset, y_offset) in enumerate(
            zip(glyphs.ids, glyphs.widths, glyphs.x_offsets, glyphs.y_offsets, strict=True)
        ):
            # handouts: open the cluster's ActualText span.
            if i in starts:
                string = string[:-1] if string[-1] == "<" else string + ">"
                if string:
                    stream.show_text(string)
                stream.stream.append(actual_text_span(starts[i]))
                any_actual_text = True
                string = "<"

            # Display zero-width empty glyph.
            if glyph_id == empty:
                string += f">{-width / font_size}<"
            else:
                # Display .notdef and log warning for missing glyphs.
                if glyph_id & unknown:
                    codepoint = glyph_id - unknown
                    LOGGER.warning(
                        '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
                        chr(codepoint),
                        codepoint,
                    )
                    glyph_id = font.get_unused_glyph_id(codepoint)
                    font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                    if 0 not in font.widths:
                        font.widths[0] = font.widths[glyph_id]

                # Create mapping between glyphs and Unicode codepoints.
                if glyph_id not in to_unicode:
                    # Get positions of the glyph in the UTF-8 string.
                    t1 = clusters[i]
                    if rtl:  # rtl
                        t2 = glyphs.length if i == 0 else clusters[i - 1]
                    else:
                        t2 = glyphs.length if i == num_glyphs - 1 else clusters[i + 1]
                    to_unicode[glyph_id] = readable(utf8_text[item_offset + t1 : item_offset + t2].decode())

                # Set horizontal and vertical offsets.
                offset = x_offset / font_size
                rise = y_offset / 1000
                if rise:
                    if string[-1] == "<":
                        string = string[:-1]
                    else:
                        string += ">"
                    if string:
                        stream.show_text(string)
                    stream.set_text_rise(-rise)
                    string = ""
                    if offset:
                        string = f"{-offset}"
                    string += f"<{glyph_id:02x}>" if bitmap else f"<{glyph_id:04x}>"
                    stream.show_text(string)
                    stream.set_text_rise(0)
                    string = "<"
                else:
                    if offset:
                        string += f">{-offset}<"
                    string += f"{glyph_id:02x}" if bitmap else f"{glyph_id:04x}"

                # Get glyph logical widths.
                logical_width = widths.get(glyph_id)
                if logical_width is None:
                    pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                    logical_width = widths[glyph_id] = round(stream.logical_rect.width * 1000 * FROM_UNITS / font_size)

                # Set kerning, word spacing, letter spacing.
                kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
                if kerning:
                    string += f">{int(kerning)}<"

                # Create list of emojis.
                if not emoji:  # handouts: most fonts have none
                    pass
                elif font.svg:
                    svg_data = get_hb_object_data(font.hb_face, "svg", glyph_id)
                    if svg_data:
                        # Do as explained in specification
                        # https://learn.microsoft.com/typography/opentype/spec/svg
                        tree = ElementTree.fromstring(svg_data)
                        if tree.get("id") != f"glyph{glyph_id}":
                            defs = ElementTree.Element("defs")
                            for child in list(tree):
                                defs.append(child)
                                tree.remove(child)
                            tree.append(defs)
                            ElementTree.SubElement(tree, "use", attrib={"href": f"#glyph{glyph_id}"})
                        if "viewBox" not in tree.attrib:
                            tree.attrib["viewBox"] = f"0 0 {font.upem} {font.upem}"
                        image = SVGImage(tree, None, None, None)
                        a = d = 1
                        emojis.append([image, font, a, d, x_advance, 0])
                elif font.png:
                    png_data = get_hb_object_data(font.hb_font, "png", glyph_id)
                    if png_data:
                        pillow_image = Image.open(BytesIO(png_data))
                        image_id = f"{font.hash}{glyph_id}"
                        image = RasterImage(pillow_image, image_id, png_data)
                        d = logical_width / 1000
                        a = pillow_image.width / pillow_image.height * d
                        pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                        f = -stream.logical_rect.y
                        f = f * FROM_UNITS / font_size - font_size
                        emojis.append([image, font, a, d, x_advance, f])
                elif font.colr:
                    svg_data = get_hb_object_data(font.hb_font, "colr", glyph_id)
                    if svg_data:
                        tree = ElementTree.fromstring(svg_data)
                        image = SVGImage(tree, None, None, None)
                        a = d = 1
                        e = x_advance - kerning
                        emojis.append([image, font, a, d, e, -textbox.baseline])

                x_advance += (logical_width + offset - kerning) / 1000

            # handouts: close the cluster's ActualText span.
            if i in ends:
                string = string[:-1] if string[-1] == "<" else string + ">"
                if string:
                    stream.show_text(string)
                pydyf.Stream.end_marked_content(stream)
                string = "<"

        # Close the last glyphs list, remove if empty.
        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"

    # Draw text.
    if string:  # handouts: no empty TJ after a closing ActualText span
        stream.show_text(string)

    # handouts: the structure element of this text gets the whole text too (see attach_actual_texts).
    tags = getattr(stream, "_tags", None)
    if any_actual_text and tags is not None and textbox in tags:
        tags[textbox]["actual_text"] = True
    return emojis
