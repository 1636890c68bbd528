"""Content: front matter, segmentation into messages, stable ids, translator comments, errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from handouts.content import Figure, Heading, ListBlock, Paragraph, Table, load_content, load_handout
from handouts.errors import ContentError, ErrorGroup

SAMPLE = Path(__file__).parent / "roots/sample/content/sample.md"
BAD = Path(__file__).parent / "data/bad-content"
# The clinic's article exactly as it was handed over; the handout must keep every sentence of it.
ORIGINAL = Path(__file__).parent / "data/ketamine-infusions-original.txt"


def test_each_block_kind_becomes_messages() -> None:
    handout = load_handout(SAMPLE)
    kinds = [type(block) for block in handout.blocks]
    assert kinds == [Paragraph, Heading, ListBlock, ListBlock, Table, Figure, Paragraph]
    texts = [m.text for m in handout.messages()]
    assert texts == [
        "A Sample Handout",
        "The first paragraph has *emphasis* and a [link](https://example.org/info).",
        "A Heading",
        "First item of a list.",
        "Second item, which is wrapped over two lines.",
        "An ordered item.",
        "Dose",
        "When",
        "10 mg",
        "Morning",
        "A drawing of a vein and a needle.",
        "The first paragraph has *emphasis* and a [link](https://example.org/info).",
    ]
    figure = handout.blocks[5]
    assert isinstance(figure, Figure) and figure.src == "picture.svg"
    ordered = handout.blocks[3]
    assert isinstance(ordered, ListBlock) and ordered.ordered


def test_front_matter_and_lines() -> None:
    handout = load_handout(SAMPLE)
    assert (handout.slug, handout.source_version, str(handout.last_reviewed), handout.pages) == (
        "sample",
        "2.1",
        "2026-01-15",
        2,
    )
    lines = SAMPLE.read_text().splitlines()
    for message in handout.messages():
        if message is handout.title:
            assert lines[message.line - 1] == "title: A Sample Handout"
        else:
            assert message.text.split()[0].strip("*|") in lines[message.line - 1]


def test_i18n_comment_goes_to_the_next_block_only() -> None:
    messages = list(load_handout(SAMPLE).messages())
    assert messages[1].comment == "A note for translators about the first paragraph."
    assert all(m.comment is None for m in messages[2:])


def test_rewrapping_a_paragraph_keeps_its_message_id(tmp_path: Path) -> None:
    source = SAMPLE.read_text()
    paragraph = "The first paragraph has *emphasis* and a [link](https://example.org/info)."
    rewrapped = textwrap.fill(paragraph, width=18, break_long_words=False, break_on_hyphens=False) + "\n"
    changed = source.replace(paragraph + "\n\n## A Heading", rewrapped + "\n\n\n##   A Heading  ", 1)
    assert changed != source
    copy = tmp_path / "sample.md"
    copy.write_text(changed)
    (tmp_path / "picture.svg").write_bytes(SAMPLE.with_name("picture.svg").read_bytes())  # images must exist
    before = [m.text for m in load_handout(SAMPLE).messages()]
    after = [m.text for m in load_handout(copy).messages()]
    assert before == after


def test_ketamine_article_keeps_every_sentence(root: Path) -> None:
    (handout,) = [h for h in load_content(root / "content") if h.slug == "ketamine-infusions"]
    text = " ".join(m.text for m in handout.messages())
    original = ORIGINAL.read_text(encoding="utf-8").replace("little to know", "little to no")
    for line in original.splitlines():
        if line.strip():
            assert " ".join(line.split()) in text, line
    assert "little to know" not in text
    # The original's first line is its title; its other lines without a full stop are its headings.
    title, *lines = [" ".join(line.split()) for line in original.splitlines() if line.strip()]
    headings = [b.message.text for b in handout.blocks if isinstance(b, Heading)]
    assert headings == [line for line in lines if not line.endswith(".")] and len(headings) == 3
    assert handout.title.text == title


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown-key.md", ["unknown-key.md:6: author: content-error: unknown front matter key"]),
        (
            "raw-html.md",
            [
                "raw-html.md:8: content-error: raw HTML is not allowed",
                "raw-html.md:10: content-error: raw HTML is not allowed in handout text",
            ],
        ),
        (
            "skipped-heading.md",
            [
                "skipped-heading.md:8: content-error: heading level skips from 1 to 4",
                "skipped-heading.md:10: content-error: level-1 headings are not allowed",
            ],
        ),
        (
            "wrong-slug.md",
            [
                "wrong-slug.md:3: slug: content-error: must equal the file name stem 'wrong-slug'",
                "wrong-slug.md:5: last_reviewed: content-error: required, a date",
                "wrong-slug.md:6: pages: content-error: must be a whole number",
            ],
        ),
    ],
)
def test_bad_content_reports_every_problem_with_its_line(name: str, expected: list[str]) -> None:
    with pytest.raises((ErrorGroup, ContentError)) as info:
        load_handout(BAD / name)
    errors = info.value.errors if isinstance(info.value, ErrorGroup) else [info.value]
    found = [str(e) for e in errors]
    assert len(found) == len(expected), found
    for want, got in zip(expected, found, strict=True):
        assert want in got, (want, got)
