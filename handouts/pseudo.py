"""The pseudo-locale `en-XA`: every source message accented, bracketed and 35 % longer, made in
memory, to find text that escapes translation and layouts that do not stretch."""

from __future__ import annotations

import re

import polib

from .extract import NO_WRAP, SourceMessage

PSEUDO_MAP = str.maketrans(
    "abcdeghiklmnoprstuwyzABCDEGHIKLMNOPRSTUWYZ",
    "àƀçđéğĥîķĺɱñöþŕšţûŵýžÀƁÇĐÉĜĤÎĶĹṀÑÖÞŔŠŢÛŴÝŽ",
)
# Markdown syntax, link targets and placeholders pass through untouched.
PSEUDO_KEEP_RE = re.compile(r"%\(\w+\)[sd]|%%|\{\w+\}|\]\([^)]*\)|<[^>]*>|\*+|_+|`")
PSEUDO_EXPANSION = 0.35


def pseudo_translate(text: str) -> str:
    """`Call %(phone)s` -> `[Çàĺĺ %(phone)s ·····]`: accented, 35 % longer, bracketed."""
    out, position = [], 0
    for match in PSEUDO_KEEP_RE.finditer(text):
        out.append(text[position : match.start()].translate(PSEUDO_MAP))
        out.append(match.group(0))
        position = match.end()
    out.append(text[position:].translate(PSEUDO_MAP))
    padding = "·" * max(1, round(len(text) * PSEUDO_EXPANSION))
    return f"[{''.join(out)} {padding}]"


def pseudo_po(gettext_name: str, messages: list[SourceMessage]) -> polib.POFile:
    """The pseudo-locale's catalog of one domain: every message pseudo-translated."""
    po = polib.POFile(wrapwidth=NO_WRAP)
    po.metadata = {"Language": gettext_name, "X-Translation-Method": "machine-draft"}
    for message in messages:
        po.append(
            polib.POEntry(
                msgid=message.msgid,
                msgctxt=message.msgctxt,
                msgstr=pseudo_translate(message.msgid),
                flags=list(message.flags),
            )
        )
    return po
