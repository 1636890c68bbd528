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
# Known lossy extraction, removed on both sides before comparing: Noto Naskh Arabic draws alef with
# hamza or madda (أ إ آ) as two glyphs; WeasyPrint maps the letter to the raised hamza glyph and the
# alef glyph to nothing, and pdftotext prints raised marks on a line of their own.
# The same happens to yeh and waw with hamza (ئ ؤ). And marks above or below a letter (shadda,
# tanwin, kasra) are shown with a text rise, so pdftotext may cut a word in two at a mark.
# Devanagari is lossy too: WeasyPrint gives each glyph the text of the first cluster it was drawn
# in, so a consonant first seen before a pre-base vowel sign (कि) extracts as "कि" everywhere,
# conjuncts repeat letters, and a reph (र् drawn above the next letter) extracts as nothing. Such
# scripts are compared in pieces between marks, with the reph removed on both sides.
REPH_RE = re.compile("[\u0930\u09b0\u0ab0][\u094d\u09cd\u0acd]")
LOSSY = dict.fromkeys(map(ord, "\u0622\u0623\u0624\u0625\u0626"))


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
    text = unicodedata.normalize("NFKD", REPH_RE.sub("", text.translate(LOSSY))).translate(BIDI_CONTROLS)
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
    text = unicodedata.normalize("NFKD", REPH_RE.sub("", text.translate(LOSSY))).translate(BIDI_CONTROLS)
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
