"""Post-processing of the tagged PDF: a language of its own for each passage in another language.

PDF/UA (WCAG technique PDF19) wants `/Lang` on the structure element of a passage whose language
differs from the document's — the English half of a draft notice on a Spanish page, English text
standing in for a missing translation in a draft. WeasyPrint writes `/Lang` for the document only,
so after rendering we read which text every marked-content sequence shows (through each font's
ToUnicode map), find the structure elements whose text is such a passage, and give them `/Lang`.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pikepdf

BFCHAR_RE = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
BFRANGE_RE = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(frozen=True)
class Passage:
    lang: str
    text: str


class PassageFinder(HTMLParser):
    """Collects the text of every element whose `lang` differs from the root's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []  # (tag, lang declared on it)
        self.root_lang: str | None = None
        self.open: list[tuple[int, str, list[str]]] = []  # (depth, lang, text parts)
        self.passages: list[Passage] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        if tag == "html":
            self.root_lang = lang
        if tag in VOID_ELEMENTS:
            return
        self.stack.append((tag, lang))
        if lang and tag != "html" and lang != self.root_lang and not self.open:
            self.open.append((len(self.stack), lang, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS or not self.stack:
            return
        depth = len(self.stack)
        self.stack.pop()
        if self.open and self.open[-1][0] == depth:
            _, lang, parts = self.open.pop()
            self.passages.append(Passage(lang, "".join(parts)))

    def handle_data(self, data: str) -> None:
        if self.open:
            self.open[-1][2].append(data)


def passages_in(html: str) -> list[Passage]:
    """The passages of a page in another language than the page itself."""
    finder = PassageFinder()
    finder.feed(html)
    return [p for p in finder.passages if comparable(p.text)]


def comparable(text: str) -> str:
    """Letters and digits only: extracted text differs in spaces, hyphenation and marks."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def read_cmap(stream: Any) -> tuple[dict[bytes, str], int]:
    """A ToUnicode CMap as {code: text} and its code length in bytes."""
    data = stream.read_bytes().decode("latin-1")
    mapping: dict[bytes, str] = {}
    width = 2
    space = re.search(r"begincodespacerange\s*<([0-9a-fA-F]+)>", data)
    if space:
        width = len(space.group(1)) // 2
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, flags=re.S):
        for code, text in BFCHAR_RE.findall(block):
            mapping[bytes.fromhex(code)] = bytes.fromhex(text).decode("utf-16-be", errors="replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, flags=re.S):
        for start, end, first in BFRANGE_RE.findall(block):
            base = int(first, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[code.to_bytes(width, "big")] = chr(base + offset)
    return mapping, width


def decode(raw: bytes, cmap: tuple[dict[bytes, str], int]) -> str:
    mapping, width = cmap
    return "".join(mapping.get(raw[i : i + width], "") for i in range(0, len(raw), width))


def marked_texts(pdf: pikepdf.Pdf) -> dict[tuple[tuple[int, int], int], str]:
    """{(page object id, MCID): the text that marked-content sequence shows}."""
    texts: dict[tuple[tuple[int, int], int], str] = {}
    for page in pdf.pages:
        resources: Any = page.obj.get("/Resources", pikepdf.Dictionary())
        fonts: Any = resources.get("/Font", pikepdf.Dictionary())
        cmaps = {str(name): read_cmap(font.ToUnicode) for name, font in fonts.items() if "/ToUnicode" in font}
        current: tuple[dict[bytes, str], int] = ({}, 2)
        stack: list[int | None] = []
        instructions: Any = pikepdf.parse_content_stream(page)
        for operands, operator in instructions:
            op = str(operator)
            if op == "BDC":
                properties = operands[1] if len(operands) > 1 else None
                mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
                stack.append(int(mcid) if mcid is not None else None)
            elif op == "BMC":
                stack.append(None)
            elif op == "EMC" and stack:
                stack.pop()
            elif op == "Tf":
                current = cmaps.get(str(operands[0]), ({}, 2))
            elif op in ("Tj", "TJ", "'", '"'):
                owner = next((m for m in reversed(stack) if m is not None), None)
                if owner is None:
                    continue
                strings = operands[0] if op == "TJ" else operands[-1:]
                text = "".join(decode(bytes(s), current) for s in strings if isinstance(s, pikepdf.String))
                key = (page.obj.objgen, owner)
                texts[key] = texts.get(key, "") + text
    return texts


def structure_elements(node: Any) -> Iterator[Any]:
    """Every structure element under a node, parents before children."""
    kids = node.get("/K")
    items = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    for kid in items:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/MCR" and "/S" in kid:
            yield kid
            yield from structure_elements(kid)


def element_text(element: Any, texts: dict[tuple[tuple[int, int], int], str]) -> str:
    """All text an element shows, in order, from its marked content and its children."""
    page = element.get("/Pg")
    kids = element.get("/K")
    items = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    parts = []
    for kid in items:
        if isinstance(kid, int) and page is not None:
            parts.append(texts.get((page.objgen, int(kid)), ""))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            owner = kid.get("/Pg", page)
            parts.append(texts.get((owner.objgen, int(kid.MCID)), "") if owner is not None else "")
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            parts.append(element_text(kid, texts))
    return "".join(parts)


def mark_passage_languages(pdf_bytes: bytes, html: str) -> tuple[bytes, list[Passage]]:
    """Give `/Lang` to the structure element of every passage in another language.

    Returns the new PDF and the passages that could not be found (none, when all went well).
    """
    passages = passages_in(html)
    if not passages:
        return pdf_bytes, []
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return pdf_bytes, passages
        texts = marked_texts(pdf)
        wanted = {comparable(p.text): p for p in passages}
        found: set[str] = set()
        for element in structure_elements(root):
            key = comparable(element_text(element, texts))
            passage = wanted.get(key)
            if passage is None or (key in found and element_has_marked_ancestor(element)):
                continue
            element.Lang = pikepdf.String(passage.lang)
            found.add(key)
        # A line that mixes directions (an Arabic sentence with a phone number) is drawn in visual
        # order, so its runs come out of the content stream in another order than the HTML's text:
        # those passages are found by the letters they show, in any order.
        unordered = {"".join(sorted(key)): p for key, p in wanted.items() if key not in found}
        for element in structure_elements(root) if unordered else ():
            key = comparable(element_text(element, texts))
            passage = unordered.pop("".join(sorted(key)), None)
            if passage is not None and "/Lang" not in element:
                element.Lang = pikepdf.String(passage.lang)
                found.add(comparable(passage.text))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    missing = [p for key, p in wanted.items() if key not in found]
    return out.getvalue(), missing


def element_has_marked_ancestor(element: Any) -> bool:
    parent = element.get("/P")
    while parent is not None and isinstance(parent, pikepdf.Dictionary):
        if "/Lang" in parent:
            return True
        parent = parent.get("/P")
    return False
