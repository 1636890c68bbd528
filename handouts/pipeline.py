"""Plans and runs builds: the only module that uses every stage.

Everything is loaded and checked before anything is written:

    config -> content -> catalogs -> check -> plan -> render HTML -> write PDF
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .buildcache import BuildCache, Fingerprint, sha256_file, tool_identity, write_atomic
from .catalogs import (
    TEMPLATES_DOMAIN,
    LocaleCatalogs,
    SourceMessage,
    discover_locales,
    extract_all,
    init_locale,
    load_catalogs,
    plan_pots,
    stale_pots,
    write_text_atomic,
)
from .checks import Problem, Report, Stats, check_locale, stats_for
from .config import Brand, load_brands
from .content import Handout, load_content
from .errors import CheckFailed, ContentError, ErrorGroup, HandoutsError, LocaleError, Location
from .fonts import PreparedFonts, declared_fonts
from .locales import LocaleInfo, get_locale
from .merge import PlannedWrite, plan_update
from .status import Outcome

if TYPE_CHECKING:
    from .pdf import PdfWriter


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live."""

    root: Path
    out_dir: Path

    @classmethod
    def at(cls, root: Path, out_dir: Path | None = None) -> Project:
        root = root.resolve()
        return cls(root, (out_dir or root / "dist").resolve())

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def brands_dir(self) -> Path:
        return self.root / "brands"

    @property
    def cache_dir(self) -> Path:
        """The incremental build cache (git-ignored)."""
        return self.root / ".cache"


@dataclass(frozen=True)
class Job:
    """One PDF: a handout in a locale for a clinic."""

    handout: Handout
    locale: LocaleInfo
    brand: Brand
    output: Path


@dataclass(frozen=True)
class Inputs:
    """Everything a build or check needs, loaded and validated."""

    handouts: list[Handout]
    locales: list[LocaleInfo]
    catalogs: dict[str, LocaleCatalogs]
    sources: dict[str, list[SourceMessage]]


def select_locales(project: Project, requested: Iterable[str] | None) -> list[LocaleInfo]:
    """The locales to work on: the requested ones (each must have a catalog), else all found.

    The pseudo-locale has no catalog on disk; it is made on the fly when asked for by name.
    """
    available = discover_locales(project.locales_dir)
    if not requested:
        return available
    by_tag = {locale.tag: locale for locale in available}
    chosen: list[LocaleInfo] = []
    errors: list[HandoutsError] = []
    for tag in requested:
        try:
            locale = get_locale(tag)
        except LocaleError as error:
            errors.append(LocaleError(error.message))
            continue
        if locale.is_pseudo:
            chosen.append(locale)
        elif locale.tag not in by_tag:
            errors.append(
                LocaleError(
                    f"no catalog for locale {locale.tag!r} in {project.locales_dir.name}/ "
                    f"(available: {', '.join(sorted(by_tag))}); create one with `python build.py init {locale.tag}`"
                )
            )
        elif locale not in chosen:
            chosen.append(locale)
    if errors:
        raise ErrorGroup(errors)
    return chosen


def select_handouts(handouts: list[Handout], requested: Iterable[str] | None, content_dir: Path) -> list[Handout]:
    if not requested:
        return handouts
    by_slug = {h.slug: h for h in handouts}
    unknown = [slug for slug in requested if slug not in by_slug]
    if unknown:
        raise ContentError(
            f"unknown handout(s) {', '.join(unknown)} (available: {', '.join(sorted(by_slug))})", Location(content_dir)
        )
    return [by_slug[slug] for slug in dict.fromkeys(requested)]


def load_inputs(
    project: Project, locales: Iterable[str] | None = None, handouts: Iterable[str] | None = None
) -> Inputs:
    """Load content, locales and catalogs; every unreadable input is reported at once."""
    all_handouts = load_content(project.content_dir, project.cache_dir / "content")
    chosen_handouts = select_handouts(all_handouts, handouts, project.content_dir)
    chosen_locales = select_locales(project, locales)
    sources = extract_all(chosen_handouts, project.templates_dir, project.root, project.cache_dir / "extract")
    catalogs = load_catalogs(project.locales_dir, chosen_locales, sources, project.cache_dir / "msgfmt-passed")
    return Inputs(chosen_handouts, chosen_locales, catalogs, sources)


def check_inputs(inputs: Inputs, project: Project, only: list[Path] | None = None) -> Report:
    """Completeness and quality of every selected locale's catalogs."""
    report = Report()
    for locale in inputs.locales:
        if locale.is_pseudo:
            continue
        report.extend(checked_locale(inputs, project, locale, only))
    return report


def checked_locale(inputs: Inputs, project: Project, locale: LocaleInfo, only: list[Path] | None) -> Report:
    """One locale's check report, kept in the cache under a hash of its catalogs, the source
    messages and the checks' own code: an unchanged locale is not checked again."""
    catalogs = inputs.catalogs[locale.tag]
    if only is not None or locale.is_source:
        return check_locale(catalogs, inputs.sources, project.locales_dir, only)
    key = Fingerprint(
        locale.tag,
        str(project.locales_dir),
        json.dumps(
            {domain: [dataclasses.asdict(m) for m in messages] for domain, messages in inputs.sources.items()},
            ensure_ascii=False,
            sort_keys=True,
        ),
    )
    key.add_files([*Path(__file__).parent.glob("*.py"), *(c.path for c in catalogs.catalogs.values())])
    cached = project.cache_dir / "checks" / f"{key.hexdigest()}.json"
    if cached.exists():
        try:
            return Report.from_json(cached.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError):
            cached.unlink()  # damaged: check again
    report = check_locale(catalogs, inputs.sources, project.locales_dir)
    write_atomic(cached, report.to_json().encode("utf-8"))
    return report


def plan(inputs: Inputs, brands: list[Brand], out_dir: Path, draft: bool = False) -> list[Job]:
    """Every handout x locale x brand: `<out>/<brand>/<locale>/<slug>.pdf`.

    Drafts go to `<out>/drafts/<brand>/<locale>/<slug>.draft.pdf`, never under a release name.
    """
    base, suffix = (out_dir / "drafts", ".draft.pdf") if draft else (out_dir, ".pdf")
    return [
        Job(handout, locale, brand, base / brand.id / locale.tag / f"{handout.slug}{suffix}")
        for brand in brands
        for locale in inputs.locales
        for handout in inputs.handouts
    ]


class CheckFailedWithProblems(CheckFailed):
    """A check failed; `problems` lists each one with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass
class BuildResult:
    """What a build did: every job, which were rendered, which came from the cache, which failed."""

    jobs: list[Job]
    inputs: Inputs
    built: list[Job] = dataclasses.field(default_factory=list)
    skipped: list[Job] = dataclasses.field(default_factory=list)
    failed: list[tuple[Job, HandoutsError]] = dataclasses.field(default_factory=list)

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs)

    def __len__(self) -> int:
        return len(self.jobs)


def build(
    project: Project,
    locales: Iterable[str] | None = None,
    brands: list[str] | None = None,
    handouts: Iterable[str] | None = None,
    progress: Callable[[Job, Outcome], None] | None = None,
    draft: bool = False,
    warn: Callable[[Problem], None] | None = None,
    paper: str | None = None,
    jobs: int = 1,
    force: bool = False,
    shard: tuple[int, int] | None = None,
) -> BuildResult:
    """Check every input, then render one PDF per job, skipping those already built.

    A release build refuses any catalog problem. A draft build renders incomplete or stale
    catalogs anyway (fuzzy translations, English where none exists), marked as drafts. With
    `jobs` > 1 the PDFs render in a pool of worker processes. `shard=(k, n)` builds the k-th of
    n deterministic shares of the jobs, for CI matrices.
    """
    chosen_brands = load_brands(project.brands_dir, brands)
    if paper is not None:  # the same letterhead on other paper (tests print every locale on both)
        chosen_brands = [dataclasses.replace(brand, paper=paper) for brand in chosen_brands]
    inputs = load_inputs(project, locales, handouts)
    report = check_inputs(inputs, project)
    if report.problems and not draft:
        raise CheckFailedWithProblems(report.problems)
    if warn is not None:
        for problem in report.problems:
            warn(problem)
    planned = plan(inputs, chosen_brands, project.out_dir, draft)
    if shard is not None:
        planned = select_shard(planned, project.out_dir, *shard)
    result = BuildResult(planned, inputs)
    cache = BuildCache(project.cache_dir / "pdf")
    keys = job_keys(project, inputs, planned, draft)
    todo = []
    for job in planned:
        if not force and restore_from_cache(cache, keys[job.output], job.output):
            result.skipped.append(job)
            if progress:
                progress(job, Outcome.SKIPPED)
        else:
            todo.append(job)
    if not todo:
        return result
    context = RenderContext(project, inputs, [b.path.parent for b in chosen_brands], draft)
    # One locale after another: a worker then loads the fonts of few scripts in its lifetime.
    todo.sort(key=lambda job: (job.locale.tag, job.brand.id, job.handout.slug))
    for job, outcome in render_all(context, todo, jobs):
        if isinstance(outcome, HandoutsError):
            result.failed.append((job, outcome))
            if progress:
                progress(job, Outcome.FAILED)
            continue
        digest = cache.put(keys[job.output], outcome)
        if not same_file(job.output, digest):
            write_atomic(job.output, outcome)
        result.built.append(job)
        if progress:
            progress(job, Outcome.BUILT)
    if result.failed:
        raise ErrorGroup([error for _, error in result.failed])
    return result


def planned_jobs(project: Project) -> list[Job]:
    """Every job of a full build, without checking or rendering anything."""
    return plan(load_inputs(project), load_brands(project.brands_dir), project.out_dir)


def select_shard(planned: list[Job], out_dir: Path, k: int, n: int) -> list[Job]:
    """The k-th of n shares (1-based): jobs sorted by output path, then every n-th one.

    The same inputs give the same shares on every machine, and the n shares together are
    exactly the whole build.
    """
    ordered = sorted(planned, key=lambda job: job.output.relative_to(out_dir).as_posix())
    return ordered[k - 1 :: n]


def same_file(path: Path, digest: str) -> bool:
    return path.exists() and sha256_file(path) == digest


def restore_from_cache(cache: BuildCache, key: str, output: Path) -> bool:
    """Put the cached PDF at `output` when there is an intact one; False when it must be built."""
    entry = cache.get(key)
    if entry is None:
        return False
    pdf, digest = entry
    if not same_file(output, digest):
        write_atomic(output, pdf.read_bytes())
    return True


def job_keys(project: Project, inputs: Inputs, jobs: list[Job], draft: bool) -> dict[Path, str]:
    """A hash of everything that shapes each output: sources and translations, templates, CSS,
    brand, declared fonts, and the versions of the tools."""
    from .fonts import DECLARATION

    common = Fingerprint(tool_identity(), f"draft={draft}")
    common.add_files(Path(__file__).parent.glob("*.py"))  # this tool's own code shapes the PDF too
    common.add_files(p for p in project.templates_dir.iterdir() if p.is_file())
    common.add_files([DECLARATION]).add_identities(f.path for f in declared_fonts().files)
    common_key = common.hexdigest()
    brand_keys = {}
    for job in jobs:
        brand = job.brand
        if brand.id not in brand_keys:
            files = [p for p in brand.path.parent.rglob("*") if p.is_file()]
            brand_keys[brand.id] = Fingerprint(brand.paper).add_files(files).hexdigest()
    file_hashes = {
        c.path: sha256_file(c.path) for lc in inputs.catalogs.values() for c in lc.catalogs.values() if c.lines
    }
    keys = {}
    for job in jobs:
        catalogs = inputs.catalogs[job.locale.tag]
        translations = Fingerprint(job.locale.tag)
        for domain in (job.handout.slug, TEMPLATES_DOMAIN):
            catalog = catalogs.catalogs.get(domain)
            if catalog is not None:  # the pseudo-locale's catalogs live in memory only
                translations.add_value(file_hashes[catalog.path] if catalog.lines else str(catalog.po))
        content = Fingerprint().add_files([job.handout.path, *figure_files(job.handout)])
        keys[job.output] = Fingerprint(
            common_key, brand_keys[job.brand.id], content.hexdigest(), translations.hexdigest()
        ).hexdigest()
    return keys


def figure_files(handout: Handout) -> list[Path]:
    from .content import Figure

    return [(handout.path.parent / b.src).resolve() for b in handout.blocks if isinstance(b, Figure)]


@dataclass(frozen=True)
class RenderContext:
    """What every render of one build shares; inherited by worker processes when they fork."""

    project: Project
    inputs: Inputs
    asset_dirs: list[Path]
    draft: bool


_WORKER: dict[str, object] = {}
WORKER_JOBS = 100


def start_worker(context: RenderContext) -> None:
    """Per process: one PDF writer (one FontConfiguration, reused) and one Jinja environment."""
    from .render import create_environment

    _WORKER["context"] = context
    _WORKER["writer"] = make_writer(context.project, context.asset_dirs)
    _WORKER["env"] = create_environment(context.project.templates_dir)


def render_one(job: Job) -> tuple[Job, bytes | HandoutsError]:
    """Render one job in this process; errors come back as values, so the others go on."""
    from .pdf import PdfWriter
    from .render import render_html

    context = _WORKER["context"]
    writer, env = _WORKER["writer"], _WORKER["env"]
    assert isinstance(context, RenderContext) and isinstance(writer, PdfWriter)
    try:
        catalogs = context.inputs.catalogs[job.locale.tag]
        html = render_html(env, job.handout, catalogs, job.brand, draft_build=context.draft)  # type: ignore[arg-type]
        css = font_css(writer.fonts, context.inputs, job)
        return job, writer.render(html, context.project.templates_dir, job.output, css)
    except HandoutsError as error:
        return job, error


def render_all(context: RenderContext, todo: list[Job], jobs: int) -> Iterator[tuple[Job, bytes | HandoutsError]]:
    """Render in this process, or in a pool of forked workers when asked for more than one."""
    workers = min(jobs, len(todo))
    if workers <= 1:
        start_worker(context)
        yield from map(render_one, todo)
        return
    import multiprocessing

    from .pdf import preload  # import WeasyPrint once, before forking, so workers share the code

    # Fonts load in each worker, not here: a FontConfiguration filled before forking would be
    # copied into every worker and raise each one's memory by the fonts of every script.
    preload(declared_fonts())
    pool_context = multiprocessing.get_context("fork")
    # A worker is replaced after WORKER_JOBS renders: WeasyPrint's caches grow with every
    # document, and a fresh worker keeps memory bounded at a small cost in start-up.
    with pool_context.Pool(
        workers, initializer=start_worker, initargs=(context,), maxtasksperchild=WORKER_JOBS
    ) as pool:
        yield from pool.imap_unordered(render_one, todo, chunksize=1)


def make_writer(project: Project, brand_dirs: list[Path]) -> PdfWriter:
    """The one PDF writer of a run: declared fonts, and the project's own files as assets."""
    from .pdf import PdfWriter

    assets = [project.templates_dir, project.content_dir, *brand_dirs]
    return PdfWriter(declared_fonts(), assets)


def locale_text(catalogs: LocaleCatalogs, sources: dict[str, list[SourceMessage]]) -> str:
    """Every text a locale's pages can show: its translations, or the source for English."""
    if catalogs.locale.is_source:
        return " ".join(m.msgid for messages in sources.values() for m in messages)
    return " ".join(str(e.msgstr) for c in catalogs.catalogs.values() for e in c.entries())


def font_css(fonts: PreparedFonts, inputs: Inputs, job: Job) -> str:
    """The font CSS of one job: its locale's scripts, led by the brand's family where it covers them."""
    brand_font = job.brand.font
    covered = []
    if brand_font is not None and brand_font.covers(locale_text(inputs.catalogs[job.locale.tag], inputs.sources)):
        covered.append(job.locale.tag)
    return fonts.stylesheet([job.locale.tag], brand_font, covered)


def check(project: Project, locales: Iterable[str] | None = None, paths: list[Path] | None = None) -> Report:
    """Every problem in the catalogs of the selected locales, or of the given `.po` files."""
    if paths:
        locales = [catalog_locale(project, path) for path in paths]
    return check_inputs(load_inputs(project, locales), project, paths or None)


def catalog_locale(project: Project, path: Path) -> str:
    """The locale of a `.po` path such as locales/es/LC_MESSAGES/x.po."""
    resolved = path.resolve()
    try:
        relative = resolved.relative_to(project.locales_dir)
    except ValueError:
        raise ContentError(
            "not a catalog of this project (expected locales/<locale>/LC_MESSAGES/<domain>.po)", Location(path)
        ) from None
    if len(relative.parts) != 3 or relative.parts[1] != "LC_MESSAGES" or resolved.suffix != ".po":
        raise ContentError("not a catalog path (expected locales/<locale>/LC_MESSAGES/<domain>.po)", Location(path))
    if not resolved.exists():
        raise ContentError("no such file", Location(path))
    return relative.parts[0]


def update(project: Project) -> list[PlannedWrite]:
    """Merge the `.pot` files into every locale's catalogs; write all or, on any error, nothing."""
    planned = plan_update(project.locales_dir, discover_locales(project.locales_dir))
    for write in planned:
        write_text_atomic(write.path, write.text)
    return planned


def stats(project: Project, locales: Iterable[str] | None = None) -> list[Stats]:
    """Translated, fuzzy, untranslated, missing and obsolete counts per locale and domain."""
    inputs = load_inputs(project, locales)
    rows: list[Stats] = []
    for locale in inputs.locales:
        rows.extend(stats_for(locale, inputs.catalogs[locale.tag], inputs.sources))
    return rows


def review(project: Project, locale: str, out_dir: Path | None = None) -> list[Path]:
    """A bilingual review PDF per handout for one locale, in `<out>/review/<locale>/`."""
    from .render import create_environment, render_review_html

    inputs = load_inputs(project, [locale])
    info = inputs.locales[0]
    if info.is_source:
        raise LocaleError("the English source needs no review sheet; name a translated locale")
    target = out_dir or project.out_dir / "review" / info.tag
    writer = make_writer(project, [])
    env = create_environment(project.templates_dir)
    css = writer.fonts.stylesheet(["en", info.tag])
    written = []
    for handout in inputs.handouts:
        html = render_review_html(env, handout, inputs.catalogs[info.tag], inputs.sources)
        path = target / f"{handout.slug}.{info.tag}.review.pdf"
        writer.write_pdf(html, project.templates_dir, path, css)
        written.append(path)
    return written


def thumbnails(
    project: Project,
    out_dir: Path | None = None,
    locales: Iterable[str] | None = None,
    brands: list[str] | None = None,
    handouts: Iterable[str] | None = None,
) -> list[Path]:
    """Build the PDFs, then a PNG of every page and a contact sheet per handout and brand."""
    from .thumbnails import Rendered, write_thumbnails

    result = build(project, locales, brands, handouts)
    rendered = [Rendered(job.output, job.handout.slug, job.brand.id, job.locale.tag) for job in result.jobs]
    return write_thumbnails(rendered, out_dir or project.out_dir / "thumbnails")


def extract(project: Project, check_only: bool = False) -> list[str]:
    """Regenerate the `.pot` files; with `check_only`, describe stale ones and write nothing."""
    planned = plan_pots(load_content(project.content_dir), project.templates_dir, project.locales_dir, project.root)
    if check_only:
        return stale_pots(planned, project.locales_dir)
    changed = []
    for path, text in planned.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_text_atomic(path, text)
            changed.append(str(path.relative_to(project.root)))
    return changed


def init(project: Project, tag: str) -> list[Path]:
    """Create the catalogs of a new locale from the current `.pot` files."""
    return init_locale(project.locales_dir, get_locale(tag))
