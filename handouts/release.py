"""Release artifacts: every PDF with a manifest, checksums, an offline library page and one archive.

    dist/<brand>/<locale>/<slug>.pdf     the handouts
    dist/thumbnails/...                  page 1 of every PDF, for the library page
    dist/index.html                      the library page (works from file://)
    dist/manifest.json                   what every PDF is, where it came from, its hash
    dist/SHA256SUMS                      for `sha256sum -c`
    dist/<name>.zip                      all of the above, for the print shop
    dist/review/<locale>/...             bilingual review sheets of every translation
    dist/review/SHA256SUMS               their checksums
    dist/<name>-review.zip               the review sheets, for the translators, separately

The release is named after its content: `--name`, else `handouts-<date>` with the date of
SOURCE_DATE_EPOCH (CI sets it from the commit) or else the newest `last_reviewed` of its handouts.
Archive entries are dated from SOURCE_DATE_EPOCH.

A large build can be split over CI runners: `release --shard K/N` on each writes its PDFs and a
partial manifest; `release --merge DIR...` puts them together and fails on a gap or an overlap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from . import __version__, pipeline
from .buildcache import atomic_file, sha256_file, tool_versions, write_atomic
from .checks import stats_for
from .config import load_brands
from .content import load_content
from .errors import InputError, Location, UsageError, display_path
from .fonts import FontFamily, declared_fonts
from .locales import get_locale
from .paths import inside, relative_inside
from .provenance import provenance_of

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
INDEX = "index.html"
DEFAULT_EPOCH = 315532800  # 1980-01-01, the earliest date a zip entry can hold


@dataclass(frozen=True)
class Completeness:
    translated: int
    total: int
    percent: float


@dataclass(frozen=True)
class ReviewRecord:
    """Who translated and reviewed a PDF's catalogs, from their headers; `method` as provenance says."""

    method: str
    held_back_by: tuple[str, ...]
    translator: str
    reviewer: str
    review_date: str
    translated_from_version: str


@dataclass(frozen=True)
class FontRecord:
    family: str
    style: str
    file: str
    sha256: str


@dataclass(frozen=True)
class ManifestEntry:
    """One PDF of a release, as its manifest lists it (`path` relative to the output folder)."""

    path: str
    handout: str
    locale: str
    brand: str
    clinic: str
    paper: str
    edition: str
    pages: int
    bytes: int
    sha256: str
    source_version: str
    last_reviewed: str
    completeness: Completeness
    review: ReviewRecord
    fonts: tuple[FontRecord, ...]
    thumbnail: str | None = None  # the first page's picture, once the release has drawn it

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if self.thumbnail is None:
            del data["thumbnail"]
        return data


@dataclass(frozen=True)
class ShardEntry:
    """What a merge takes from a shard's manifest: a PDF's path and hash, nothing else."""

    path: str
    sha256: str


@dataclass
class ReleaseResult:
    out_dir: Path
    entries: list[ManifestEntry]
    files: list[Path]
    left_out: list[tuple[pipeline.Job, list[str]]] = field(default_factory=list)


def shard_manifest_name(k: int, n: int) -> str:
    return f"manifest.shard-{k}-of-{n}.json"


def release(
    project: pipeline.Project, options: pipeline.BuildOptions | None = None, *, name: str | None = None
) -> ReleaseResult:
    """Check, build everything `options` chooses (or one shard of it), and write the release artifacts.

    With `ready_only`, what is not ready is left out (and listed) instead of failing the release.
    A release is never a draft.
    """
    options = options if options is not None else pipeline.BuildOptions()
    if options.draft:
        raise UsageError("a release is never a draft: build drafts with `build --draft`")
    result = pipeline.build(project, options)
    shard = options.shard
    entries = [describe(job, result.inputs, project.out_dir) for job in result.written]
    if shard is not None:
        path = project.out_dir / shard_manifest_name(*shard)
        write_json(path, {"version": __version__, "shard": list(shard), "entries": [e.to_json() for e in entries]})
        return ReleaseResult(project.out_dir, entries, [path], result.left_out)
    outcome = finish(project, entries, name)
    outcome.left_out = result.left_out
    return outcome


def release_name(entries: list[ManifestEntry]) -> str:
    """`handouts-<date>`: SOURCE_DATE_EPOCH's date when set (CI takes it from the commit), else the
    newest `last_reviewed` date of the released handouts."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return f"handouts-{dt.datetime.fromtimestamp(source_date_epoch(), tz=dt.UTC).date().isoformat()}"
    dates = sorted(entry.last_reviewed for entry in entries)
    return f"handouts-{dates[-1]}" if dates else "handouts"


def merge(project: pipeline.Project, shard_dirs: list[Path]) -> ReleaseResult:
    """Combine the outputs of `release --shard K/N` runs; every job exactly once, or an error.

    Shard folders come from CI runners and are untrusted: every manifest is read and every path
    and hash validated before the first file is written.
    """
    entries: dict[str, ShardEntry] = {}
    sources: dict[str, Path] = {}
    sizes: set[int] = set()
    seen_shards: set[int] = set()
    for folder in shard_dirs:
        if not folder.is_dir():
            raise InputError("not a folder (expected the output of `release --shard K/N`)", Location(folder))
        manifests = sorted(folder.glob("manifest.shard-*-of-*.json"))
        if not manifests:
            raise InputError("no shard manifest here (run `release --shard K/N` first)", Location(folder))
        for manifest in manifests:
            k, n, shard_entries = read_shard_manifest(inside(manifest, folder, "shard manifest"))
            sizes.add(n)
            if k in seen_shards:
                raise InputError(f"shard {k}/{n} given twice", Location(manifest))
            seen_shards.add(k)
            for entry in shard_entries:
                path = entry.path
                if path in entries:
                    raise InputError(f"overlap: {path} is in more than one shard", Location(manifest))
                source = relative_inside(folder, path, "a PDF path in the shard manifest")
                relative_inside(project.out_dir, path, "a PDF path in the shard manifest")
                if not source.is_file() or sha256_file(source) != entry.sha256:
                    raise InputError(f"{path} is missing or does not match its hash", Location(manifest))
                entries[path] = entry
                sources[path] = source
    if len(sizes) != 1:
        raise InputError(f"shards of different splits were given: {sorted(sizes)}")
    (n,) = sizes
    missing_shards = sorted(set(range(1, n + 1)) - seen_shards)
    inputs = pipeline.load_inputs(project)
    jobs = pipeline.plan(inputs, load_brands(project.brands_dir), project.out_dir)
    expected = {job.output.relative_to(project.out_dir).as_posix() for job in jobs}
    gaps = sorted(expected - set(entries))
    extra = sorted(set(entries) - expected)
    if missing_shards or gaps or extra:
        raise InputError(
            f"the shards do not add up to the whole build: missing shards {missing_shards}, "
            f"missing PDFs {gaps[:5]}{'...' if len(gaps) > 5 else ''}, unexpected PDFs {extra[:5]}"
        )
    for path, source in sources.items():  # everything is known good: now write
        target = project.out_dir / path
        if source.resolve() != target.resolve():
            write_atomic(target, source.read_bytes())
    # The manifest is described again from this project and the PDFs themselves: nothing but a
    # shard's paths and hashes is taken from its runner.
    return finish(project, [describe(job, inputs, project.out_dir) for job in jobs])


ENTRY_FIELDS = {"path": str, "sha256": str, "locale": str, "brand": str, "handout": str}


def read_shard_manifest(manifest: Path) -> tuple[int, int, list[ShardEntry]]:
    """(k, n, entries) of a shard manifest; anything truncated or malformed is an input error."""
    where = Location(manifest)
    try:
        data = json.loads(manifest.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"not a readable shard manifest: {exc}", where) from None
    if not isinstance(data, dict):
        raise InputError("a shard manifest must be a JSON object", where)
    shard = data.get("shard")
    if (
        not isinstance(shard, list)
        or len(shard) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in shard)
        or not 1 <= shard[0] <= shard[1]
    ):
        raise InputError(f"`shard` must be [K, N] with 1 <= K <= N (found {str(shard)[:50]})", where)
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise InputError("`entries` must be a list", where)
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), t) for f, t in ENTRY_FIELDS.items()):
            raise InputError(f"entry {number} lacks one of {', '.join(ENTRY_FIELDS)}", where)
        if not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
            raise InputError(f"entry {number}: sha256 is not a hash", where)
    return shard[0], shard[1], [ShardEntry(entry["path"], entry["sha256"]) for entry in entries]


def finish(project: pipeline.Project, entries: list[ManifestEntry], name: str | None = None) -> ReleaseResult:
    """Thumbnails, library page, manifest, checksums and the print shop's archive; the review
    sheets with their own checksums and archive."""
    from .thumbnails import rasterise

    out = project.out_dir
    entries = sorted(entries, key=lambda e: e.path)
    name = name or release_name(entries)
    written: list[Path] = [out / e.path for e in entries]
    reviews: list[Path] = []
    for locale in sorted({e.locale for e in entries} - {"en"}):
        reviews.extend(pipeline.review(project, locale, out / "review" / locale))
    pictured = []
    for entry in entries:
        folder = out / "thumbnails" / entry.brand / entry.locale
        (page,) = rasterise(out / entry.path, folder, Path(entry.path).stem, first_page_only=True)
        pictured.append(dataclasses.replace(entry, thumbnail=page.relative_to(out).as_posix()))
        written.append(page)
    entries = pictured
    write_atomic(out / INDEX, library_page(project, entries, name).encode("utf-8"))
    manifest = {
        "release": name,
        "tool_version": __version__,
        "tools": tool_versions(),
        "source_date_epoch": source_date_epoch(),
        "pdfs": [entry.to_json() for entry in entries],
    }
    write_json(out / MANIFEST, manifest)
    files = sorted({p.relative_to(out).as_posix() for p in written} | {INDEX, MANIFEST})
    write_sums(out, files, SUMS)
    archive = out / f"{name}.zip"
    write_zip(archive, out, [*files, SUMS], name)
    artifacts = [out / f for f in files] + [out / SUMS, archive]
    if reviews:
        review_files = sorted(p.relative_to(out).as_posix() for p in reviews)
        review_sums = f"review/{SUMS}"
        write_sums(out, review_files, review_sums, strip="review/")
        review_archive = out / f"{name}-review.zip"
        write_zip(review_archive, out, [*review_files, review_sums], f"{name}-review")
        artifacts += [out / f for f in review_files] + [out / review_sums, review_archive]
    return ReleaseResult(out, entries, artifacts)


def write_sums(out: Path, files: list[str], target: str, strip: str = "") -> None:
    """A SHA256SUMS file for `sha256sum -c`, run in the folder the file lies in."""
    sums = "".join(f"{sha256_file(out / f)}  {f.removeprefix(strip)}\n" for f in files)
    write_atomic(out / target, sums.encode("ascii"))


def describe(job: pipeline.Job, inputs: pipeline.Inputs, out: Path) -> ManifestEntry:
    """The manifest entry of one PDF."""
    catalogs = inputs.catalogs[job.locale.tag]
    stats = stats_for(
        job.locale, catalogs, {d: m for d, m in inputs.sources.items() if d in (job.handout.slug, "templates")}
    )
    translated = sum(s.translated for s in stats)
    total = sum(s.total for s in stats)
    used = [c for c in (catalogs.catalogs.get(job.handout.slug), catalogs.catalogs.get("templates")) if c is not None]
    headers = [c.po.metadata for c in used]
    status = provenance_of(catalogs, job.handout.slug)
    with pikepdf.open(job.output) as pdf:
        pages = len(pdf.pages)
        embedded = sorted(embedded_families(pdf))
    return ManifestEntry(
        path=job.output.relative_to(out).as_posix(),
        handout=job.handout.slug,
        locale=job.locale.tag,
        brand=job.brand.id,
        clinic=job.brand.name,
        paper=job.paper,
        edition=job.edition,
        pages=pages,
        bytes=job.output.stat().st_size,
        sha256=sha256_file(job.output),
        source_version=job.handout.source_version,
        last_reviewed=job.handout.last_reviewed.isoformat(),
        completeness=Completeness(translated, total, round(100 * translated / total, 1)),
        review=ReviewRecord(
            method=status.method,
            held_back_by=tuple(display_path(p) for p in status.held_back_by),
            translator=common_value(headers, "X-Translator"),
            reviewer=common_value(headers, "X-Reviewer"),
            review_date=common_value(headers, "X-Review-Date"),
            translated_from_version=common_value(headers, "X-Source-Version"),
        ),
        fonts=tuple(fonts_of(embedded, job.brand.font)),
    )


def common_value(headers: list[dict[str, str]], key: str) -> str:
    """A header value shared by every catalog of a locale, or all of them joined."""
    values = sorted({str(h.get(key, "")) for h in headers})
    return " / ".join(v for v in values if v) if values else ""


def embedded_families(pdf: pikepdf.Pdf) -> set[str]:
    """Names of the fonts embedded in a PDF, without the subset prefix."""
    names = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font", pikepdf.Dictionary())
        for font in fonts.values():
            names.add(str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1])
    return names


_FONT_HASHES: dict[Path, str] = {}


def fonts_of(embedded: list[str], brand_font: FontFamily | None) -> list[FontRecord]:
    """The font files (declared, or the brand's own) of every face embedded in a PDF, with their sha256."""
    suffixes = {"regular": "", "bold": "-Bold", "italic": "-Italic", "bold_italic": "-BoldItalic"}
    faces = [(f.family, f.style, f.path) for f in declared_fonts().files]
    if brand_font is not None:
        faces.extend((brand_font.family, style, path) for style, path in brand_font.files.items())
    found = []
    for family, style, path in faces:
        if family.replace(" ", "-") + suffixes[style] in embedded:
            if path not in _FONT_HASHES:
                _FONT_HASHES[path] = sha256_file(path)
            found.append(FontRecord(family, style, path.name, _FONT_HASHES[path]))
    return found


def library_page(project: pipeline.Project, entries: list[ManifestEntry], name: str) -> str:
    from .render import create_environment, render_index_html

    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    titles = {h.slug: h.title.text for h in load_content(project.content_dir)}
    for entry in entries:
        locale = get_locale(entry.locale, project.locales_dir)
        group = groups.setdefault(
            (entry.handout, entry.brand, entry.edition, entry.paper),
            {
                "title": titles.get(entry.handout, entry.handout),
                "brand": entry.clinic,
                "paper": ("US Letter" if entry.paper == "letter" else "A4")
                + (", large print" if entry.edition == "large-print" else ""),
                "entries": [],
            },
        )
        method = entry.review.method
        group["entries"].append(
            {
                "pdf": entry.path,
                "thumbnail": entry.thumbnail,
                "locale": locale.tag,
                "direction": locale.direction,
                "autonym": locale.autonym,
                "english_name": locale.english_name,
                "pages": entry.pages,
                "draft": method not in ("source", "human-reviewed"),
                "status": status_text(method, entry.completeness.percent, entry.review.held_back_by),
            }
        )
    env = create_environment(project.templates_dir)
    ordered = [groups[key] for key in sorted(groups)]
    return render_index_html(env, name, ordered, len(entries))


def status_text(method: str, percent: float, held_back_by: Sequence[str] = ()) -> str:
    """What the library page says of a translation, and which catalog keeps it from being reviewed."""
    if method == "source":
        return "English source"
    label = {"machine-draft": "machine draft, not yet reviewed", "human": "human translation, not yet reviewed"}.get(
        method, "reviewed by a qualified medical translator"
    )
    held = f" (held back by {', '.join(Path(p).name for p in held_back_by)})" if held_back_by else ""
    return f"{percent:g}% translated · {label}{held}"


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH when set, else a fixed date: identical inputs give an identical archive."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value else DEFAULT_EPOCH


def write_zip(archive: Path, root: Path, names: list[str], folder: str = "handouts") -> None:
    """A reproducible zip: sorted entries, fixed dates and permissions."""
    stamp = dt.datetime.fromtimestamp(max(source_date_epoch(), DEFAULT_EPOCH), tz=dt.UTC)
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with (
        atomic_file(archive) as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
    ):
        for name in sorted(names):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, (root / name).read_bytes())


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"))
