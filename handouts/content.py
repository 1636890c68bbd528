"""content/*.md -> Handout objects, each block split into translatable messages.

A handout is Markdown with a YAML front matter. Every heading, paragraph, list item, table cell
and image alt text becomes one message whose id is the block's inline Markdown with whitespace
normalised, so re-wrapping the English text never changes an id. An HTML comment
`<!-- i18n: ... -->` right before a block becomes the translator comment of its messages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # parsers load only when a file is parsed (an up-to-date build reads a cache)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

from .buildcache import Cache, Fingerprint
from .errors import ContentError, ErrorGroup, HandoutsError, Location, collect
from .paths import IMAGE_SUFFIXES, image_problem, inside, is_inside

FRONT_MATTER_KEYS = {
    "title",
    "slug",
    "source_version",
    "last_reviewed",
    "pages",
    "large_print_pages",
    "max_reading_grade",
}
DEFAULT_PAGES = 2
LARGE_PRINT_FACTOR = 3  # without `large_print_pages`: 18 pt at 1.5 spacing takes about 2.6 times the pages of 12 pt
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = {"templates"}  # the templates' own gettext domain
NOT_TEXT_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # YAML can spell all of these
I18N_COMMENT_RE = re.compile(r"^<!--\s*i18n:\s*(?P<text>.*?)\s*-->\s*$", re.S)
IMAGE_ONLY_RE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)$")


@dataclass(frozen=True)
class Message:
    """One translatable unit: its id is whitespace-normalised inline Markdown."""

    text: str
    path: Path
    line: int  # 1-based line of the block in the source file
    comment: str | None = None
    flags: tuple[str, ...] = ("no-python-format",)

    @property
    def location(self) -> Location:
        return Location(self.path, self.line)


@dataclass(frozen=True)
class Heading:
    level: int  # 2.. (level 1 is the handout title)
    message: Message


@dataclass(frozen=True)
class Paragraph:
    message: Message


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[Message, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[Message, ...]
    rows: tuple[tuple[Message, ...], ...]


@dataclass(frozen=True)
class Figure:
    src: str  # path relative to the handout file
    alt: Message


Block = Heading | Paragraph | ListBlock | Table | Figure


@dataclass(frozen=True)
class Handout:
    slug: str
    path: Path
    title: Message
    source_version: str
    last_reviewed: dt.date
    pages: int
    blocks: tuple[Block, ...] = field(default=())
    large_print_pages: int = 0  # 0: LARGE_PRINT_FACTOR x pages
    max_reading_grade: float | None = None

    def page_budget(self, edition: str) -> int:
        """The most pages one PDF of this handout may have in an edition."""
        if edition == "large-print":
            return self.large_print_pages or LARGE_PRINT_FACTOR * self.pages
        return self.pages

    def messages(self) -> Iterator[Message]:
        """Every message in reading order, title first."""
        yield self.title
        for block in self.blocks:
            yield from block_messages(block)


def block_messages(block: Block) -> Iterator[Message]:
    """The messages of one block, in reading order."""
    match block:
        case Heading(message=m) | Paragraph(message=m):
            yield m
        case ListBlock(items=items):
            yield from items
        case Table(header=header, rows=rows):
            yield from header
            for row in rows:
                yield from row
        case Figure(alt=alt):
            yield alt


def normalize_text(text: str) -> str:
    """Collapse every run of whitespace to one space: the message id of a block."""
    return " ".join(text.split())


def markdown_parser() -> MarkdownIt:
    """The CommonMark parser used for content, with tables; raw HTML is parsed so it can be refused."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


def load_content(content_dir: Path, cache: Cache | None = None) -> list[Handout]:
    """Load every `content/*.md`, reporting all problems of all files at once.

    With a `cache`, the parsed handouts are kept (as plain JSON) under a hash of the files' bytes
    and of this module, so an unchanged handout is not parsed again.
    """
    if cache is not None:
        key = Fingerprint(Path(__file__).read_bytes().decode("utf-8"), str(content_dir.resolve()))
        paths = content_files(content_dir)
        key.add_files(paths)
        stored = cache.get("content", key.hexdigest())
        if stored is not None:
            try:
                return [handout_from_data(item) for item in stored]
            except (KeyError, TypeError, ValueError):
                pass  # not what this version writes: parse again
        parsed = load_content(content_dir)
        cache.put("content", key.hexdigest(), [handout_to_data(h) for h in parsed])
        return parsed
    errors: list[HandoutsError] = []
    handouts: list[Handout] = []
    paths = content_files(content_dir)
    if not paths:
        raise ContentError("no handouts found (expected *.md files)", Location(content_dir))
    for path in paths:
        with collect(errors):
            handouts.append(load_handout(path))
    if errors:
        raise ErrorGroup(errors)
    return handouts


def load_handout(path: Path) -> Handout:
    """Parse one handout file: front matter, then Markdown blocks split into messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ContentError(f"not UTF-8 text (byte {exc.object[exc.start]:#04x})", Location(path, line)) from None
    meta, meta_lines, body, body_offset = split_front_matter(path, text)
    errors: list[HandoutsError] = []
    fields = validate_front_matter(path, meta, meta_lines, errors)
    blocks = parse_blocks(path, body, body_offset, errors)
    for block in blocks:
        if isinstance(block, Figure):
            with collect(errors):
                check_image(path, block)
    if errors:
        raise ErrorGroup(errors)
    title = Message(normalize_text(fields["title"]), path, meta_lines.get("title", 1))
    return Handout(
        slug=fields["slug"],
        path=path,
        title=title,
        source_version=fields["source_version"],
        last_reviewed=fields["last_reviewed"],
        pages=fields["pages"],
        blocks=tuple(blocks),
        large_print_pages=fields["large_print_pages"],
        max_reading_grade=fields["max_reading_grade"],
    )


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """Split `---` YAML front matter from the body; return (data, key lines, body, body offset)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError("missing front matter: the file must start with a '---' line", Location(path, 1))
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError("front matter is not closed by a '---' line", Location(path, 1)) from None
    source = "".join(lines[1:end])
    import yaml

    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise ContentError(f"front matter is not valid YAML: {exc}", Location(path, line)) from None
    except (ValueError, OverflowError) as exc:  # a date that does not exist, such as 2026-02-30
        raise ContentError(f"front matter has an impossible value: {exc}", Location(path, 2)) from None
    if not isinstance(data, dict):
        raise ContentError("front matter must be a mapping of keys to values", Location(path, 2))
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
    return data, key_lines, "".join(lines[end + 1 :]), end + 1


def validate_front_matter(
    path: Path, meta: dict[str, Any], key_lines: dict[str, int], errors: list[HandoutsError]
) -> dict[str, Any]:
    """Check every front matter key; append one error per problem."""

    def fail(key: str, message: str) -> None:
        errors.append(ContentError(message, Location(path, key_lines.get(key, 1), key)))

    for key in sorted(str(k) for k in set(meta) - FRONT_MATTER_KEYS):
        fail(key, f"unknown front matter key (allowed: {', '.join(sorted(FRONT_MATTER_KEYS))})")
    fields: dict[str, Any] = {}
    for key in ("title", "slug", "source_version"):
        value = meta.get(key)
        if isinstance(value, (int, float)) and key == "source_version":
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            fail(key, "required, a non-empty string" + (" (quote version numbers)" if key == "source_version" else ""))
            fields[key] = ""
        elif NOT_TEXT_RE.search(value):
            fail(key, "must be one line of text: no control characters or unpaired surrogate escapes")
            fields[key] = ""
        else:
            fields[key] = value.strip()
    if fields["slug"] and fields["slug"] != path.stem:
        fail("slug", f"must equal the file name stem {path.stem!r}")
    if fields["slug"] and not SLUG_RE.match(fields["slug"]):
        fail("slug", "must be lowercase letters, digits and single hyphens")
    if fields["slug"] in RESERVED_SLUGS:
        fail("slug", f"{fields['slug']!r} is reserved for the templates' catalog")
    reviewed = meta.get("last_reviewed")
    if isinstance(reviewed, dt.datetime) or not isinstance(reviewed, dt.date):
        fail("last_reviewed", "required, a date written as YYYY-MM-DD")
        reviewed = dt.date(1970, 1, 1)
    fields["last_reviewed"] = reviewed
    pages = meta.get("pages", DEFAULT_PAGES)
    if isinstance(pages, bool) or not isinstance(pages, int) or pages < 1:
        fail("pages", "must be a whole number of pages, 1 or more")
        pages = DEFAULT_PAGES
    fields["pages"] = pages
    large = meta.get("large_print_pages", 0)
    if isinstance(large, bool) or not isinstance(large, int) or large < ("large_print_pages" in meta):
        fail("large_print_pages", "must be a whole number of pages, 1 or more")
        large = 0
    fields["large_print_pages"] = large
    grade = meta.get("max_reading_grade")
    if grade is not None and (isinstance(grade, bool) or not isinstance(grade, int | float) or not 1 <= grade <= 20):
        fail("max_reading_grade", "must be a school grade from 1 to 20 (for example 8)")
        grade = None
    fields["max_reading_grade"] = grade
    return fields


def check_image(path: Path, figure: Figure) -> None:
    """An image must be an SVG, PNG or JPEG file beside the handout, inside the content folder."""
    where = Location(path, figure.alt.line)
    src = figure.src
    if "://" in src or src.startswith(("/", "data:")) or ".." in Path(src).parts:
        raise ContentError(f"image {src!r} must be a file beside the handout (a relative path)", where)
    image = path.parent / src
    if not is_inside(image, path.parent):
        raise ContentError(f"image {src!r} is a link to a file outside the content folder", where)
    if Path(src).suffix.lower() not in IMAGE_SUFFIXES:
        raise ContentError(f"image {src!r} must be one of {', '.join(sorted(IMAGE_SUFFIXES))}", where)
    if not image.is_file():
        raise ContentError(f"image {src!r} does not exist beside {path.name}", where)
    if (problem := image_problem(image)) is not None:
        raise ContentError(f"image {src!r} {problem}", where)


def parse_blocks(path: Path, body: str, offset: int, errors: list[HandoutsError]) -> list[Block]:
    """Walk markdown-it's token stream and build blocks; unsupported constructs are errors."""
    tokens = markdown_parser().parse(body)
    blocks: list[Block] = []
    comment: str | None = None
    previous_level = 1
    i = 0

    def line_of(token: Token) -> int:
        return offset + (token.map[0] if token.map else 0) + 1

    def message(inline: Token, line: int) -> Message:
        if any(child.type == "html_inline" for child in inline.children or ()):
            errors.append(ContentError("raw HTML is not allowed in handout text", Location(path, line)))
        return Message(normalize_text(inline.content), path, line, comment)

    while i < len(tokens):
        token = tokens[i]
        line = line_of(token)
        if token.type == "html_block":
            match = I18N_COMMENT_RE.match(token.content.strip())
            if match is None:
                errors.append(
                    ContentError(
                        "raw HTML is not allowed; only '<!-- i18n: comment for translators -->'",
                        Location(path, line),
                    )
                )
            else:
                comment = normalize_text(match["text"])
            i += 1
            continue
        if token.type == "heading_open":
            level = int(token.tag[1])
            if level == 1:
                errors.append(
                    ContentError(
                        "level-1 headings are not allowed: the front matter title is the page heading",
                        Location(path, line),
                    )
                )
            elif level > previous_level + 1:
                errors.append(
                    ContentError(f"heading level skips from {previous_level} to {level}", Location(path, line))
                )
            previous_level = level
            blocks.append(Heading(level, message(tokens[i + 1], line)))
            i += 3
        elif token.type == "paragraph_open":
            inline = tokens[i + 1]
            image = IMAGE_ONLY_RE.match(inline.content.strip())
            if image:
                alt = Message(normalize_text(image["alt"]), path, line, comment)
                if not alt.text:
                    errors.append(ContentError("an image needs alt text: ![alt](file)", Location(path, line)))
                blocks.append(Figure(image["src"], alt))
            else:
                if any(child.type == "image" for child in inline.children or ()):
                    errors.append(ContentError("an image must stand alone in its own paragraph", Location(path, line)))
                blocks.append(Paragraph(message(inline, line)))
            i += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            end = matching_close(tokens, i)
            items = []
            for j in range(i + 1, end):
                if tokens[j].type == "inline" and tokens[j].level == token.level + 3:
                    items.append(message(tokens[j], line_of(tokens[j])))
                elif tokens[j].type in ("bullet_list_open", "ordered_list_open"):
                    errors.append(ContentError("nested lists are not supported", Location(path, line_of(tokens[j]))))
            blocks.append(ListBlock(token.type == "ordered_list_open", tuple(items)))
            i = end + 1
        elif token.type == "table_open":
            end = matching_close(tokens, i)
            header: list[Message] = []
            rows: list[list[Message]] = []
            in_head = False
            for j in range(i + 1, end):
                t = tokens[j]
                if t.type == "thead_open":
                    in_head = True
                elif t.type == "thead_close":
                    in_head = False
                elif t.type == "tr_open" and not in_head:
                    rows.append([])
                elif t.type == "inline":
                    cell = message(t, line_of(t))
                    (header if in_head else rows[-1]).append(cell)
            blocks.append(Table(tuple(header), tuple(tuple(r) for r in rows)))
            i = end + 1
        else:
            errors.append(
                ContentError(f"unsupported Markdown block {token.type.removesuffix('_open')!r}", Location(path, line))
            )
            i = matching_close(tokens, i) + 1 if token.nesting == 1 else i + 1
        comment = None
    return blocks


def matching_close(tokens: list[Token], start: int) -> int:
    """Index of the token that closes the block opened at `start`."""
    depth = 0
    for j in range(start, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


# --- plain data for the cache -------------------------------------------------------------------


def content_files(content_dir: Path) -> list[Path]:
    """Every `content/*.md`, each a real file inside the folder (a link pointing out is an error)."""
    return [inside(path, content_dir, "content file") for path in sorted(content_dir.glob("*.md"))]


def message_to_data(message: Message) -> dict[str, Any]:
    return {
        "text": message.text,
        "path": str(message.path),
        "line": message.line,
        "comment": message.comment,
        "flags": list(message.flags),
    }


def message_from_data(data: dict[str, Any]) -> Message:
    comment = data["comment"]
    if not isinstance(data["text"], str) or not isinstance(data["line"], int) or not isinstance(comment, str | None):
        raise TypeError("not a message")
    return Message(data["text"], Path(data["path"]), data["line"], comment, tuple(str(f) for f in data["flags"]))


def block_to_data(block: Block) -> dict[str, Any]:
    match block:
        case Heading(level=level, message=m):
            return {"kind": "heading", "level": level, "message": message_to_data(m)}
        case Paragraph(message=m):
            return {"kind": "paragraph", "message": message_to_data(m)}
        case ListBlock(ordered=ordered, items=items):
            return {"kind": "list", "ordered": ordered, "items": [message_to_data(m) for m in items]}
        case Table(header=header, rows=rows):
            return {
                "kind": "table",
                "header": [message_to_data(m) for m in header],
                "rows": [[message_to_data(m) for m in row] for row in rows],
            }
        case Figure(src=src, alt=alt):
            return {"kind": "figure", "src": src, "alt": message_to_data(alt)}
    raise TypeError(block)


def block_from_data(data: dict[str, Any]) -> Block:
    kind = data["kind"]
    if kind == "heading":
        return Heading(int(data["level"]), message_from_data(data["message"]))
    if kind == "paragraph":
        return Paragraph(message_from_data(data["message"]))
    if kind == "list":
        return ListBlock(bool(data["ordered"]), tuple(message_from_data(m) for m in data["items"]))
    if kind == "table":
        return Table(
            tuple(message_from_data(m) for m in data["header"]),
            tuple(tuple(message_from_data(m) for m in row) for row in data["rows"]),
        )
    if kind == "figure":
        return Figure(str(data["src"]), message_from_data(data["alt"]))
    raise ValueError(f"unknown block kind {kind!r}")


def handout_to_data(handout: Handout) -> dict[str, Any]:
    return {
        "slug": handout.slug,
        "path": str(handout.path),
        "title": message_to_data(handout.title),
        "source_version": handout.source_version,
        "last_reviewed": handout.last_reviewed.isoformat(),
        "pages": handout.pages,
        "blocks": [block_to_data(b) for b in handout.blocks],
    }


def handout_from_data(data: dict[str, Any]) -> Handout:
    return Handout(
        slug=str(data["slug"]),
        path=Path(data["path"]),
        title=message_from_data(data["title"]),
        source_version=str(data["source_version"]),
        last_reviewed=dt.date.fromisoformat(data["last_reviewed"]),
        pages=int(data["pages"]),
        blocks=tuple(block_from_data(b) for b in data["blocks"]),
    )
