"""Reading PDFs back the way a person or a screen reader would: text, fonts, tags, positions."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"))


# Top and bottom page margins of templates/handout.css, in points: the running header and footer.
BODY_MARGINS = (22 * 72 / 25.4, 24 * 72 / 25.4)


def page_texts(pdf: Path, margins: tuple[float, float] | None = None) -> list[str]:
    """The text of every page, as poppler's pdftotext extracts it (reading order, no layout).

    With `margins` (top, bottom in points), only the body between the running header and footer.
    """
    reader = PdfReader(pdf)
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        crop: list[str] = []
        if margins is not None:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            top, bottom = margins
            crop = ["-x", "0", "-y", str(int(top)), "-W", str(int(width)), "-H", str(int(height - top - bottom))]
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-f", str(number), "-l", str(number), *crop, str(pdf), "-"],
            capture_output=True,
            check=True,
        )
        texts.append(unhyphenate(result.stdout.decode("utf-8")))
    return texts


def unhyphenate(text: str) -> str:
    """Undo automatic hyphenation: WeasyPrint breaks words with U+2010 HYPHEN at a line end
    (the source text writes its own hyphens as U+002D)."""
    return re.sub("\u2010\n(?=\\w)", "", text)


def script_of(char: str) -> str:
    """A coarse script class, enough to split tokens where the script changes."""
    name = unicodedata.name(char, "")
    for script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "ARABIC", "HEBREW", "DEVANAGARI", "THAI"):
        if script in name:
            return script
    if char.isdigit():
        return "DIGIT"
    return "OTHER"


def normalise(text: str) -> str:
    """NFKD, no bidi controls, no combining marks, punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text).translate(BIDI_CONTROLS)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category.startswith("M") or category == "Cf":
            continue
        out.append(" " if category[0] in "PSZC" else char.lower())
    return "".join(out)


def tokens(text: str) -> list[str]:
    """Words of the normalised text, split again wherever the script changes; CJK by character."""
    result = []
    for word in normalise(text).split():
        current = word[0]
        for char in word[1:]:
            if script_of(char) != script_of(current[-1]) or script_of(char) == "CJK":
                result.append(current)
                current = char
            else:
                current += char
        result.append(current)
    return result


def pieces_between_marks(text: str) -> list[str]:
    """Right-to-left comparison units: runs of letters, cut at spaces, punctuation and marks."""
    text = unicodedata.normalize("NFKD", text).translate(BIDI_CONTROLS)
    cut = "".join(" " if unicodedata.category(c)[0] in "MPSZC" else c.lower() for c in text)
    return cut.split()


def markdown_to_text(message: str) -> str:
    """What a reader sees of a Markdown message: no emphasis marks, link text without target."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", message)
    return re.sub(r"[*_`]", "", text)


def squeeze(text: str) -> str:
    """Normalised text without any space: compares across line breaks in scripts without spaces."""
    return "".join(normalise(text).split())


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    page: int


def words_with_boxes(pdf: Path) -> list[Word]:
    """Every word with its box, from `pdftotext -bbox`: positions as printed on the page.

    Right-to-left words come out in visual order; they are turned back into reading order.
    """
    result = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    words = []
    page = 0
    for line in result.stdout.decode("utf-8").splitlines():
        if "<page " in line:
            page += 1
        match = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line)
        if match:
            x_min, y_min, x_max, text = match.groups()
            if any(script_of(c) in ("ARABIC", "HEBREW") for c in text):
                text = text[::-1]
            words.append(Word(text, float(x_min), float(y_min), float(x_max), page))
    return words


def resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def embedded_font_names(pdf: Path) -> set[str]:
    """BaseFont names of every font the pages use, without the subset prefix (ABCDEF+)."""
    reader = PdfReader(pdf)
    names: set[str] = set()
    for page in reader.pages:
        fonts = resolve(resolve(page.get("/Resources", {})).get("/Font", {}))
        for ref in fonts.values():
            font = resolve(ref)
            names.add(str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def catalog(pdf: Path) -> DictionaryObject:
    return PdfReader(pdf).trailer["/Root"].get_object()


def structure_elements(pdf: Path) -> list[DictionaryObject]:
    """Every structure element of the tagged PDF, in document order."""
    found: list[DictionaryObject] = []

    def walk(node: Any) -> None:
        node = resolve(node)
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject):
            if "/S" in node:
                found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(resolve(catalog(pdf).get("/StructTreeRoot")))
    return found


def structure_types(pdf: Path) -> list[str]:
    """Structure element types in document order (/H1, /P, /L, /Figure ...)."""
    return [str(element["/S"]) for element in structure_elements(pdf)]


def figure_alt_texts(pdf: Path) -> list[str]:
    return [str(e.get("/Alt", "")) for e in structure_elements(pdf) if e.get("/S") == "/Figure"]


def languages_of_elements(pdf: Path) -> list[tuple[str, str]]:
    """(structure type, /Lang) of every structure element that declares a language of its own."""
    return [(str(e["/S"]), str(e["/Lang"])) for e in structure_elements(pdf) if "/Lang" in e]


def content_streams(pdf: Path) -> list[bytes]:
    reader = PdfReader(pdf)
    return [page.get_contents().get_data() for page in reader.pages if page.get_contents() is not None]


# --- the structure tree, walked as assistive technology walks it (pikepdf) -----------------------

TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}


@dataclass
class TaggedText:
    """Where every text-showing operator of a PDF stands: in referenced structure, an artifact, or neither."""

    referenced: int = 0
    artifact: int = 0
    unmarked: list[str] | None = None  # page number and operator of text in no structure and no artifact

    @property
    def total(self) -> int:
        return self.referenced + self.artifact + len(self.unmarked or [])


def attached_content(pdf: Any) -> dict[tuple[int, int], Any]:
    """{(page object number, MCID): structure element} for every MCID reachable from the tree's root."""
    import pikepdf

    found: dict[tuple[int, int], Any] = {}

    def walk(element: Any, page: Any) -> None:
        page = element.get("/Pg", page)
        kids = element.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        for kid in items:
            if isinstance(kid, int) and page is not None:
                found[(page.objgen[0], int(kid))] = element
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                owner = kid.get("/Pg", page)
                found[(owner.objgen[0], int(kid.MCID))] = element
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, page)

    root = pdf.Root.StructTreeRoot
    for top in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
        walk(top, None)
    return found


def tagged_text(path: Path) -> TaggedText:
    """Every text-showing operator, and whether it is in referenced marked content or an artifact."""
    import pikepdf

    result = TaggedText(unmarked=[])
    with pikepdf.open(path) as pdf:
        attached = attached_content(pdf)
        for number, page in enumerate(pdf.pages, start=1):
            stack: list[tuple[str, int | None]] = []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    properties = operands[1] if op == "BDC" and len(operands) > 1 else None
                    mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
                    stack.append((str(operands[0]), int(mcid) if mcid is not None else None))
                elif op == "EMC":
                    stack.pop()
                elif op in TEXT_OPERATORS:
                    owner = next((m for _, m in reversed(stack) if m is not None), None)
                    if any(tag == "/Artifact" for tag, _ in stack):
                        result.artifact += 1
                    elif owner is not None and (page.objgen[0], owner) in attached:
                        result.referenced += 1
                    else:
                        result.unmarked.append(f"page {number}: {op} {operands!r}"[:160])  # type: ignore[union-attr]
    return result


def effective_languages(path: Path) -> list[tuple[str, str, str]]:
    """(structure type, the language it resolves to, its text) of every element with text of its own.

    The language is the element's /Lang, else its nearest ancestor's, else the document's.
    """
    import pikepdf

    rows: list[tuple[str, str, str]] = []
    with pikepdf.open(path) as pdf:
        texts = structure_texts_by_mcid(path)
        document_lang = str(pdf.Root.get("/Lang", ""))

        def walk(element: Any, lang: str, page: Any) -> None:
            lang = str(element.get("/Lang", lang))
            page = element.get("/Pg", page)
            kids = element.get("/K")
            items = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
            own = "".join(
                logical_order(texts.get((page.objgen[0], int(kid)), ""))
                for kid in items
                if isinstance(kid, int) and page is not None
            )
            if own.strip():
                rows.append((str(element.S), lang, str(element.get("/ActualText", own))))
            for kid in items:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, lang, page)

        root = pdf.Root.StructTreeRoot
        for top in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
            walk(top, document_lang, None)
    return rows


def logical_order(text: str) -> str:
    """A right-to-left run drawn glyph by glyph (visual order) back in reading order; digits keep theirs."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return text
    reversed_text = text[::-1]
    return re.sub(r"[0-9\u0660-\u0669\u06f0-\u06f9]+", lambda m: m.group(0)[::-1], reversed_text)


def structure_texts_by_mcid(path: Path) -> dict[tuple[int, int], str]:
    """{(page object number, MCID): text} decoded by pdfminer.six through each font's ToUnicode map."""
    from pdfminer.converter import PDFLayoutAnalyzer
    from pdfminer.layout import LTChar
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    texts: dict[tuple[int, int], str] = {}

    class Device(PDFLayoutAnalyzer):  # type: ignore[misc]
        def __init__(self, manager: Any) -> None:
            super().__init__(manager)
            self.stack: list[int | None] = []
            self.page_number = 0

        def begin_tag(self, tag: Any, props: Any = None) -> None:
            mcid = props.get("MCID") if isinstance(props, dict) else None
            self.stack.append(mcid)

        def end_tag(self) -> None:
            if self.stack:
                self.stack.pop()

        def render_char(self, *args: Any, **kwargs: Any) -> float:
            before = len(self.cur_item._objs) if self.cur_item is not None else 0
            width: float = super().render_char(*args, **kwargs)
            owner = next((m for m in reversed(self.stack) if m is not None), None)
            if owner is not None:
                for item in self.cur_item._objs[before:]:
                    if isinstance(item, LTChar):
                        key = (self.page_number, owner)
                        texts[key] = texts.get(key, "") + item.get_text()
            return width

    with path.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        manager = PDFResourceManager()
        device = Device(manager)
        interpreter = PDFPageInterpreter(manager, device)
        for page in PDFPage.create_pages(document):
            device.page_number = page.pageid
            interpreter.process_page(page)
    return texts


def structure_text(path: Path) -> str:
    """The text a reader that walks the structure tree gets (pdf.js, Firefox): each element's
    /ActualText where it has one, else its marked content decoded by pdfminer.six."""
    return "\n".join(text for _, _, text in effective_languages(path))


# Format characters that are no part of a word's spelling: bidi controls. The zero-width
# (non-)joiners of Persian and Indic spelling stay, unless a comparison asks to leave every format
# character aside; so do word joiners, which no reader should get.
NOT_SPELLING = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")


def words_of(text: str, ignore_format: bool = False) -> list[str]:
    """Words to compare extracted text with a catalog's: NFC, no bidi controls, line-end hyphens
    joined, split at spaces, punctuation and wherever the script changes."""
    text = unhyphenate(unicodedata.normalize("NFC", text))
    joiners = "\u200c\u200d"
    text = "".join(
        " " if unicodedata.category(c)[0] in "PSZ" or (unicodedata.category(c)[0] == "C" and c not in joiners) else c
        for c in text
        if c not in NOT_SPELLING and not (ignore_format and unicodedata.category(c) == "Cf")
    )
    words = []
    for chunk in text.split():
        current = chunk[0]
        for char in chunk[1:]:
            changes = script_of(char) != script_of(current[-1]) or script_of(char) in ("CJK", "HIRAGANA", "KATAKANA")
            if changes and not unicodedata.category(char).startswith("M"):
                words.append(current)
                current = char
            else:
                current += char
        words.append(current)
    return words


def identical_word_share(expected: str, extracted: str, ignore_format: bool = False) -> tuple[float, list[str]]:
    """The share of the expected words found, in order, in the extracted text; and the words missed."""
    import difflib

    want, got = words_of(expected, ignore_format), words_of(extracted, ignore_format)
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    missed = [w for op, a1, a2, _, _ in matcher.get_opcodes() if op != "equal" for w in want[a1:a2]]
    return (matched / len(want) if want else 1.0), missed


def text_sizes(pdf: Path) -> list[tuple[str, float]]:
    """Every run of text drawn on the pages, with its size in points as printed (font size x matrices)."""
    runs: list[tuple[str, float]] = []
    for page in PdfReader(pdf).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
            if text.strip():
                scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
                runs.append((text.strip(), round(size * scale, 1)))

        page.extract_text(visitor_text=visit)
    return runs
