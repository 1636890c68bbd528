"""Plans and runs builds: the only module that uses every stage.

Everything is loaded and checked before anything is written:

    config -> content -> catalogs -> check -> plan -> render HTML -> write PDF
"""

from __future__ import annotations

import dataclasses
import functools
import json
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .buildcache import Cache, Fingerprint, sha256_bytes, sha256_file, tool_identity, write_atomic
from .catalogs import (
    Authorship,
    LocaleCatalogs,
    PlannedWrite,
    discover_locales,
    init_locales,
    load_catalogs,
    write_text_atomic,
)
from .checks import Problem, Report, Stats, check_locale, stats_for
from .config import EDITIONS, PAPER_SIZES, Brand, load_brands
from .content import Handout, load_content
from .coverage import check_coverage
from .errors import (
    CheckFailed,
    ConfigError,
    ContentError,
    ErrorGroup,
    HandoutsError,
    LocaleError,
    Location,
    RenderError,
    UsageError,
    collect,
)
from .extract import TEMPLATES_DOMAIN, SourceMessage, extract_all, plan_pots, stale_pots
from .fonts import PreparedFonts, declared_fonts, shipped_declaration
from .locales import LocaleInfo, get_locale
from .merge import plan_update
from .numbers import data_versions as numbers_data_versions
from .paths import inside
from .provenance import Provenance, check_provenance, provenance_of
from .readability import Score, check_reading_grade, handout_text
from .readability import scores as readability_scores
from .status import Outcome
from .workers import Forked, Pool

if TYPE_CHECKING:
    from .pdf import PdfWriter


# A PDF that takes longer than this to render is stopped and reported (bounded inputs render
# in well under a second; a CJK page subset by fontTools, without libharfbuzz-subset, in ~7 s).
RENDER_TIME_LIMIT = 60.0


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

    @property
    def cache(self) -> Cache:
        """The one build cache of this project (one per run: it checks git once)."""
        found = self.__dict__.get("_cache")
        if not isinstance(found, Cache):
            found = Cache(self.cache_dir)
            object.__setattr__(self, "_cache", found)
        return found


@dataclass(frozen=True)
class Job:
    """One PDF: a handout in a locale for a clinic, on one paper size, in one edition."""

    handout: Handout
    locale: LocaleInfo
    brand: Brand
    output: Path
    paper: str = "letter"
    edition: str = "standard"

    @property
    def page_budget(self) -> int:
        return self.handout.page_budget(self.edition)

    def describe(self) -> str:
        """`es, large-print, a4` (what sets this PDF apart from its siblings)."""
        return ", ".join([self.locale.tag, self.edition, self.paper])


class InputDigests:
    """Hashes of a build's inputs, each computed once per build and shared by the check cache
    and the PDF cache keys: the files (catalogs, this tool's code, templates), the source
    messages in canonical form, and the versions of the number checks' data."""

    def __init__(self, sources: dict[str, list[SourceMessage]]) -> None:
        self._sources = sources
        self._files: dict[Path, str] = {}
        self._sources_json: str | None = None

    def file(self, path: Path) -> str:
        """The sha256 of a file's bytes, read once per build."""
        digest = self._files.get(path)
        if digest is None:
            digest = self._files[path] = sha256_file(path)
        return digest

    def add_files(self, key: Fingerprint, paths: Iterable[Path]) -> Fingerprint:
        """What `Fingerprint.add_files` adds (name and sha256 of each file), hashing each file once."""
        for path in sorted(paths):
            key.add_value(path.name)
            key.add_value(self.file(path))
        return key

    @functools.cached_property
    def number_data(self) -> str:
        """The versions of the data the number checks read (looked up in package metadata once)."""
        return numbers_data_versions()

    @property
    def sources_json(self) -> str:
        """Every source message of the build as canonical JSON."""
        if self._sources_json is None:
            self._sources_json = json.dumps(
                {domain: [dataclasses.asdict(m) for m in messages] for domain, messages in self._sources.items()},
                ensure_ascii=False,
                sort_keys=True,
            )
        return self._sources_json


CODE = sorted(Path(__file__).parent.glob("*.py"))  # this tool's own code: it shapes reports and PDFs


@dataclass(frozen=True)
class Inputs:
    """Everything a build or check needs, loaded and validated."""

    handouts: list[Handout]
    locales: list[LocaleInfo]
    catalogs: dict[str, LocaleCatalogs]
    sources: dict[str, list[SourceMessage]]
    digests: InputDigests = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digests", InputDigests(self.sources))


def select_locales(
    project: Project, requested: Iterable[str] | None, collected: list[HandoutsError] | None = None
) -> list[LocaleInfo]:
    """The locales to work on: the requested ones (each must have a catalog), else all found.

    Each locale stands alone: asking for `es` never reads another locale's folder. Given
    `collected`, the errors of unknown or badly declared folders go there and the others load.
    The pseudo-locale has no catalog on disk; it is made on the fly when asked for by name.
    """
    if not requested:
        return discover_locales(project.locales_dir, collected)
    chosen: list[LocaleInfo] = []
    errors: list[HandoutsError] = []
    for tag in requested:
        try:
            locale = get_locale(tag, project.locales_dir)
        except ErrorGroup as group:
            errors.extend(group.errors)
            continue
        except LocaleError as error:
            errors.append(error)
            continue
        if locale.is_pseudo or locale.is_source:
            pass
        elif not (project.locales_dir / locale.gettext_name).is_dir():
            available = sorted(p.name for p in project.locales_dir.iterdir() if p.is_dir())
            errors.append(
                LocaleError(
                    f"no catalog for locale {locale.tag!r} in {project.locales_dir.name}/ "
                    f"(available: {', '.join(available)}); create one with `python build.py init {locale.tag}`"
                )
            )
            continue
        if all(other.tag != locale.tag for other in chosen):
            chosen.append(locale)
    if collected is not None:
        collected.extend(errors)
    elif errors:
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
    project: Project,
    locales: Iterable[str] | None = None,
    handouts: Iterable[str] | None = None,
    collected: list[HandoutsError] | None = None,
    also: Iterable[str] = (),
) -> Inputs:
    """Load content, locales and catalogs; every unreadable input is reported at once.

    Given `collected`, a locale that cannot be loaded is left out and its errors go there, so the
    others can still be checked (`check` lists every locale's problems at once). The catalogs of
    the locales in `also` are loaded too (the language-assistance notice quotes them), but they
    are not among the locales built or checked.
    """
    for template in sorted(project.templates_dir.rglob("*")):  # Jinja and WeasyPrint read these
        inside(template, project.templates_dir, "template")
    all_handouts = load_content(project.content_dir, project.cache)
    chosen_handouts = select_handouts(all_handouts, handouts, project.content_dir)
    chosen_locales = select_locales(project, locales, collected)
    extra = [locale for locale in select_locales(project, list(also)) if locale not in chosen_locales] if also else []
    sources = extract_all(chosen_handouts, project.templates_dir, project.root, project.cache)
    catalogs = load_catalogs(project.locales_dir, [*chosen_locales, *extra], sources, project.cache, collected)
    chosen_locales = [locale for locale in chosen_locales if locale.tag in catalogs]
    return Inputs(chosen_handouts, chosen_locales, catalogs, sources)


def check_inputs(inputs: Inputs, project: Project, only: list[Path] | None = None) -> Report:
    """Completeness and quality of every selected locale's catalogs."""
    report = Report()
    by_slug = {handout.slug: handout for handout in inputs.handouts}
    wanted = {path.resolve() for path in only} if only is not None else None
    for locale in inputs.locales:
        if locale.is_pseudo:
            continue
        report.extend(checked_locale(inputs, project, locale, only))
        for catalog in inputs.catalogs[locale.tag].catalogs.values():
            if wanted is None or catalog.path.resolve() in wanted:
                report.problems.extend(check_provenance(catalog, by_slug.get(catalog.domain)))
    return report


def checked_locale(inputs: Inputs, project: Project, locale: LocaleInfo, only: list[Path] | None) -> Report:
    """One locale's check report, kept in the cache under a hash of its catalogs, the source
    messages and the checks' own code: an unchanged locale is not checked again."""
    catalogs = inputs.catalogs[locale.tag]
    if only is not None or locale.is_source:
        return locale_report(catalogs, inputs, project, only)
    key = Fingerprint(locale.tag, str(project.locales_dir), inputs.digests.sources_json)
    inputs.digests.add_files(key, [*CODE, *(c.path for c in catalogs.catalogs.values())])
    key.add_files(Path(__file__).parent.glob("*.toml"))  # the font declaration, the plural overrides
    if locale.declaration is not None:
        key.add_files([locale.declaration.path])
    key.add_value(inputs.digests.number_data)
    stored = project.cache.get("checks", key.hexdigest())
    if isinstance(stored, str):
        try:
            return Report.from_json(stored)
        except (ValueError, KeyError, TypeError):
            pass  # not what this version writes: check again
    report = locale_report(catalogs, inputs, project, None)
    project.cache.put("checks", key.hexdigest(), report.to_json())
    return report


def locale_report(catalogs: LocaleCatalogs, inputs: Inputs, project: Project, only: list[Path] | None) -> Report:
    """The catalog checks of one locale, and the characters no font declared for it has."""
    report = check_locale(catalogs, inputs.sources, project.locales_dir, only)
    if not catalogs.locale.is_source:
        wanted = {p.resolve() for p in only} if only is not None else None
        uncovered = check_coverage(catalogs, shipped_declaration())
        report.problems.extend(p for p in uncovered if wanted is None or p.path.resolve() in wanted)
    return report


@dataclass(frozen=True)
class Variants:
    """Which papers and editions to build: each brand's own, unless the command line overrides them."""

    paper: str | None = None
    editions: tuple[str, ...] | None = None

    def papers_of(self, brand: Brand) -> tuple[str, ...]:
        return (self.paper,) if self.paper is not None else brand.papers

    def paper_in_path(self, brand: Brand) -> bool:
        """The paper is part of the file name whenever a brand has more than one, or it was overridden:
        a Letter PDF and an A4 PDF never share a path."""
        return self.paper is not None or len(brand.papers) > 1

    def editions_of(self, brand: Brand) -> tuple[str, ...]:
        return self.editions if self.editions is not None else brand.editions


def output_name(slug: str, edition: str, paper: str | None, suffix: str) -> str:
    """`ketamine-infusions.pdf`, `ketamine-infusions.large-print.pdf`, `ketamine-infusions.a4.pdf`..."""
    parts = [slug]
    if edition != "standard":
        parts.append(edition)
    if paper is not None:
        parts.append(paper)
    return ".".join(parts) + suffix


def brand_locales(brand: Brand, locales: list[LocaleInfo]) -> list[LocaleInfo]:
    """The selected locales this clinic offers (every one when its brand file does not say)."""
    if brand.locales is None:
        return locales
    return [locale for locale in locales if locale.tag in brand.locales or locale.is_pseudo]


def plan(
    inputs: Inputs, brands: list[Brand], out_dir: Path, draft: bool = False, variants: Variants | None = None
) -> list[Job]:
    """Every handout x locale the brand offers x paper x edition: `<out>/<brand>/<locale>/<slug>.pdf`.

    The edition (other than standard) and the paper (when there is a choice) join the file name:
    `<slug>.large-print.a4.pdf`. Drafts go to `<out>/drafts/<brand>/<locale>/<slug>.draft.pdf`,
    never under a release name.
    """
    variants = variants or Variants()
    base, suffix = (out_dir / "drafts", ".draft.pdf") if draft else (out_dir, ".pdf")
    jobs = []
    for brand in brands:
        in_path = variants.paper_in_path(brand)
        for locale in brand_locales(brand, inputs.locales):
            for handout in inputs.handouts:
                for edition in variants.editions_of(brand):
                    for paper in variants.papers_of(brand):
                        name = output_name(handout.slug, edition, paper if in_path else None, suffix)
                        jobs.append(Job(handout, locale, brand, base / brand.id / locale.tag / name, paper, edition))
    return jobs


class CheckFailedWithProblems(CheckFailed):
    """A check failed; `problems` lists each one with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class PageBudgetExceeded(CheckFailed):
    """A PDF has more pages than its handout's budget for that edition."""

    category = "page-budget"


@dataclass
class BuildResult:
    """What a build did: every job, which were rendered, which came from the cache, which failed,
    and (with `ready_only`) which were left out and why."""

    jobs: list[Job]
    inputs: Inputs
    built: list[Job] = dataclasses.field(default_factory=list)
    skipped: list[Job] = dataclasses.field(default_factory=list)
    failed: list[tuple[Job, HandoutsError]] = dataclasses.field(default_factory=list)
    left_out: list[tuple[Job, list[str]]] = dataclasses.field(default_factory=list)

    def __iter__(self) -> Iterator[Job]:
        return iter(self.written)

    def __len__(self) -> int:
        return len(self.written)

    @property
    def written(self) -> list[Job]:
        """The jobs whose PDF is in the output folder now (built or up to date), in plan order."""
        out = {job.output for job in (*self.built, *self.skipped)}  # workers send back copies of jobs
        return [job for job in self.jobs if job.output in out]


def choose_locales(project: Project, brands: list[Brand], requested: Iterable[str] | None) -> list[str] | None:
    """The locales to build: the requested ones, else every locale the chosen brands offer
    (None: every locale with catalogs). A brand offering a locale with no catalog is an error in
    its brand file; a requested locale that no chosen brand offers is a usage error."""
    # A broken locale folder is reported when that locale is loaded, not here: each locale stands alone.
    available = {locale.tag for locale in discover_locales(project.locales_dir, [])}
    errors: list[HandoutsError] = []
    for brand in brands:
        for tag in brand.locales or ():
            if tag not in available:
                errors.append(
                    ConfigError(
                        f"the clinic offers {tag!r}, but locales/ has no catalog for it "
                        f"(create one with `python build.py init {tag}`)",
                        Location(brand.path, key="locales"),
                    )
                )
    if errors:
        raise ErrorGroup(errors)
    if requested:
        requested = list(requested)
        offered = [b.locales for b in brands]
        if all(o is not None for o in offered):
            known = {tag for o in offered for tag in o or ()}
            for tag in requested:
                info = get_locale(tag, project.locales_dir)
                if not info.is_pseudo and info.tag not in known:
                    raise UsageError(
                        f"no chosen brand offers {info.tag!r} (their locales: {', '.join(sorted(known))}); "
                        "add it to a brand's `locales` or choose another --brand"
                    )
        return requested
    if any(brand.locales is None for brand in brands):
        return None
    return list(dict.fromkeys(tag for brand in brands for tag in brand.locales or ()))


def assistance_locales(brands: list[Brand]) -> list[str]:
    """The languages of every language-assistance notice the chosen brands print."""
    tags: list[str] = []
    for brand in brands:
        if brand.language_assistance is not None:
            tags.extend(brand.locales or [])
    return list(dict.fromkeys(tags))


def unready_reasons(report: Report, job: Job) -> list[str]:
    """Why a job may not be built: every check problem in the catalogs it uses."""
    domains = {job.handout.slug, TEMPLATES_DOMAIN, ""}
    return [str(p) for p in report.problems if p.locale == job.locale.tag and p.domain in domains]


@dataclass(frozen=True)
class BuildOptions:
    """What one build makes, and how: validated once, with every mistake reported together.

    `locales`, `brands`, `handouts` choose (None: all). A `draft` build renders incomplete or stale
    catalogs anyway (fuzzy translations, English where none exists), marked as drafts. With
    `ready_only`, every job whose catalogs pass every check and whose PDF keeps its page budget is
    built, and the others are left out with their reasons. `jobs` > 1 renders in a pool of worker
    processes. `shard=(k, n)` builds the k-th of n deterministic shares of the jobs, for CI
    matrices. `paper` and `editions` override every brand's own. `force` ignores the build cache.
    """

    locales: tuple[str, ...] | None = None
    brands: tuple[str, ...] | None = None
    handouts: tuple[str, ...] | None = None
    draft: bool = False
    ready_only: bool = False
    paper: str | None = None
    editions: tuple[str, ...] | None = None
    jobs: int = 1
    force: bool = False
    shard: tuple[int, int] | None = None
    time_limit: float = RENDER_TIME_LIMIT

    def __post_init__(self) -> None:
        for name in ("locales", "brands", "handouts", "editions"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):  # one name, not its letters
                    value = (value,)
                object.__setattr__(self, name, tuple(dict.fromkeys(value)))
        if not self.editions:  # none named: each brand's own
            object.__setattr__(self, "editions", None)
        if self.shard is not None:
            object.__setattr__(self, "shard", tuple(self.shard))
        mistakes = []
        if self.paper is not None and self.paper not in PAPER_SIZES:
            mistakes.append(f"paper {self.paper!r} is not a paper size ({' or '.join(PAPER_SIZES)})")
        for edition in self.editions or ():
            if edition not in EDITIONS:
                mistakes.append(f"edition {edition!r} is not one of {', '.join(EDITIONS)}")
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            mistakes.append(f"jobs must be a whole number of 1 or more, not {self.jobs!r}")
        if self.shard is not None and not valid_shard(self.shard):
            mistakes.append(f"shard must be (K, N) with 1 <= K <= N, not {self.shard!r}")
        if not isinstance(self.time_limit, int | float) or not self.time_limit > 0:
            mistakes.append(f"time_limit must be a number of seconds above 0, not {self.time_limit!r}")
        if mistakes:
            raise UsageError("invalid build options: " + "; ".join(mistakes))

    @property
    def variants(self) -> Variants:
        return Variants(self.paper, self.editions)


def valid_shard(shard: tuple[int, ...]) -> bool:
    return len(shard) == 2 and all(type(part) is int for part in shard) and 1 <= shard[0] <= shard[1]


def build(
    project: Project,
    options: BuildOptions | None = None,
    *,
    progress: Callable[[Job, Outcome], None] | None = None,
    warn: Callable[[Problem], None] | None = None,
) -> BuildResult:
    """Check every input, then render one PDF per job of `options`, skipping those already built.

    A release build refuses any catalog problem; see `BuildOptions` for drafts, `ready_only`,
    shards and overrides. `progress` hears each job's outcome; `warn` each problem a draft build
    renders anyway.
    """
    options = options if options is not None else BuildOptions()
    brands = list(options.brands) if options.brands is not None else None
    chosen_brands = load_brands(project.brands_dir, brands)
    wanted = choose_locales(project, chosen_brands, options.locales)
    also = assistance_locales(chosen_brands)

    def load() -> Inputs:
        return load_inputs(project, wanted, options.handouts, also=also)

    with Checks(project) as checks:
        if options.jobs > 1 and (options.force or project.cache.is_empty("pdf")):
            # Every PDF is to be rendered: the inputs load, and are checked, in a process of their
            # own while this one imports WeasyPrint for the workers (see `Checks`).
            checks.start(load, send_inputs=True)
            warm_up_renderer()
        inputs = checks.inputs() or load()
        result = build_checked(project, options, inputs, chosen_brands, checks, progress, warn)
    if result.failed:
        raise ErrorGroup([error for _, error in result.failed])
    return result


def build_checked(
    project: Project,
    options: BuildOptions,
    inputs: Inputs,
    chosen_brands: list[Brand],
    checks: Checks,
    progress: Callable[[Job, Outcome], None] | None,
    warn: Callable[[Problem], None] | None,
) -> BuildResult:
    """The rest of `build` once the inputs are loaded: plan the jobs, render those not stored
    while `checks` runs, then write each PDF once the checks allow it."""
    draft, ready_only, force, jobs = options.draft, options.ready_only, options.force, options.jobs
    planned = plan(inputs, chosen_brands, project.out_dir, draft, options.variants)
    if options.shard is not None:
        planned = select_shard(planned, project.out_dir, *options.shard)
    for job in planned:  # a folder under --out that links elsewhere must not carry a PDF out
        inside(job.output, project.out_dir, "output path")
    cache = project.cache
    keys = job_keys(project, inputs, planned, draft)
    stored = {} if force else stored_pdfs(cache, planned, keys)
    context = RenderContext(project, inputs, [b.path.parent for b in chosen_brands], draft, options.time_limit)
    # Rendering starts while the catalogs are checked; nothing is written until they have passed.
    first = [job for job in planned if job.output not in stored] if draft or not ready_only else []
    with Renderer(context, jobs) as renderer:
        if renderer.forks(first):
            checks.start(lambda: inputs)
        renderer.add(first)
        report = checks.report(inputs)
        if report.problems and not draft and not ready_only:
            raise CheckFailedWithProblems(report.problems)
        if warn is not None and draft:
            for problem in report.problems:
                warn(problem)
        result = BuildResult(planned, inputs)
        if ready_only and not draft:
            ready = []
            for job in planned:
                reasons = unready_reasons(report, job)
                if reasons:
                    result.left_out.append((job, reasons))
                    if progress:
                        progress(job, Outcome.LEFT_OUT)
                else:
                    ready.append(job)
            planned = ready
            renderer.add([job for job in planned if job.output not in stored])
        for job in planned:
            if job.output not in stored:
                continue
            if restore_from_cache(cache, stored[job.output], job.output):
                result.skipped.append(job)
                if progress:
                    progress(job, Outcome.SKIPPED)
            else:
                renderer.add([job])  # its cached copy changed since it was looked up
        for job, outcome in renderer.results():
            if isinstance(outcome, HandoutsError):
                if ready_only:
                    result.left_out.append((job, [str(outcome)]))
                    if progress:
                        progress(job, Outcome.LEFT_OUT)
                    continue
                result.failed.append((job, outcome))
                if progress:
                    progress(job, Outcome.FAILED)
                continue
            digest = cache.put_bytes("pdf", keys[job.output], outcome, ".pdf")
            write_output(cache, job.output, outcome, digest)
            result.built.append(job)
            if progress:
                progress(job, Outcome.BUILT)
    return result


class Checks:
    """`check_inputs` of a build, in a process of its own beside the renders: it takes the other
    core while this process imports WeasyPrint and forks the workers, and its memory stays out
    of the workers. Started before the inputs are loaded, that process loads them too and sends
    them here, so that this process imports WeasyPrint meanwhile (`start(load, send_inputs=True)`).

    Should that process fail in any way, this one loads the inputs or checks them itself, and
    raises what that raises.
    """

    def __init__(self, project: Project) -> None:
        self._project = project
        self._child: Forked | None = None
        self._sends_inputs = False

    def start(self, load: Callable[[], Inputs], send_inputs: bool = False) -> None:
        """Load the inputs (`load`) and check them in a forked process; once per build."""
        if self._child is None:
            self._sends_inputs = send_inputs
            self._child = Forked(functools.partial(self._run, load, send_inputs))

    def _run(self, load: Callable[[], Inputs], send_inputs: bool, send: Callable[[Any], None]) -> None:
        from multiprocessing.reduction import ForkingPickler

        inputs = load()
        sender = None
        if send_inputs:
            # Serialised here, as multiprocessing sends objects between its processes, before the
            # checks fill the inputs' digests; sent from a thread, so that the checks go on while
            # the pipe waits for this process's reader.
            sender = threading.Thread(target=send, args=(bytes(ForkingPickler.dumps(inputs)),))
            sender.start()
        report = check_inputs(inputs, self._project)
        if sender is not None:
            sender.join()
        send(report.to_json())

    def inputs(self) -> Inputs | None:
        """The inputs the checks' process loaded, if it was started to load them and could."""
        if self._child is None or not self._sends_inputs:
            return None
        self._sends_inputs = False
        from multiprocessing.reduction import ForkingPickler

        sent = self._child.receive()
        if isinstance(sent, bytes):
            inputs = ForkingPickler.loads(sent)  # from the process this one forked, through its own pipe
            if isinstance(inputs, Inputs):
                return inputs
        self.close()  # it failed: the inputs, then the checks, are done here
        return None

    def report(self, inputs: Inputs) -> Report:
        """The checks of `inputs` (which the checks' process loaded, or was given)."""
        if self._child is not None:
            text = self._child.receive()
            if isinstance(text, str):
                return Report.from_json(text)
        return check_inputs(inputs, self._project)

    def close(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None

    def __enter__(self) -> Checks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def warm_up_renderer() -> None:
    """Import WeasyPrint, with the declared fonts, ahead of the renders. A problem (a missing font)
    is left for `Renderer.add` to raise in its turn, after those of the inputs."""
    from .pdf import preload

    with suppress(HandoutsError):
        preload(declared_fonts())


def check_brand_fonts(brands: Iterable[Brand]) -> None:
    """Parse every brand font that is about to be used, in full, before any worker starts: a
    damaged font is an error naming its brand file and key (loading a brand reads only its
    table directory, so a build with nothing to render imports no font library)."""
    from .fonts import font_parse_problem

    errors: list[HandoutsError] = []
    for brand in brands:
        for style, path in brand.font.files.items() if brand.font is not None else ():
            if (problem := font_parse_problem(path)) is not None:
                errors.append(
                    ConfigError(
                        f"{path.name!r} is not a usable font: {problem}", Location(brand.path, key=f"font.{style}")
                    )
                )
    if errors:
        raise ErrorGroup(errors)


def within_budget(job: Job, pdf: bytes, pages: int) -> bytes | HandoutsError:
    """The PDF of `pages` pages, or an error naming the locale and the page count when it exceeds its budget."""
    if pages <= job.page_budget:
        return pdf
    key = "large_print_pages" if job.edition == "large-print" else "pages"
    return PageBudgetExceeded(
        f"{job.handout.slug} in {job.describe()} has {pages} pages; its budget is {job.page_budget} "
        f"(front matter `{key}`): shorten the text or raise the budget",
        Location(job.handout.path, key=key),
    )


def planned_jobs(project: Project) -> list[Job]:
    """Every job of a full build, without checking or rendering anything."""
    brands = load_brands(project.brands_dir)
    return plan(load_inputs(project, choose_locales(project, brands, None)), brands, project.out_dir)


def select_shard(planned: list[Job], out_dir: Path, k: int, n: int) -> list[Job]:
    """The k-th of n shares (1-based): jobs sorted by output path, then every n-th one.

    The same inputs give the same shares on every machine, and the n shares together are
    exactly the whole build.
    """
    ordered = sorted(planned, key=lambda job: job.output.relative_to(out_dir).as_posix())
    return ordered[k - 1 :: n]


def write_output(cache: Cache, output: Path, pdf: bytes, digest: str) -> None:
    """Write a PDF to the output folder unless it is there already, and remember its stamp."""
    if not cache.holds(output, digest):
        write_atomic(output, pdf)
        cache.remember(output, digest)


def stored_pdfs(cache: Cache, jobs: list[Job], keys: dict[Path, str]) -> dict[Path, tuple[Path, str]]:
    """The intact cached PDF (its file and sha256) of every job that has one, by output path."""
    found = {}
    for job in jobs:
        entry = cache.get_bytes("pdf", keys[job.output], ".pdf")
        if entry is not None:
            found[job.output] = entry
    return found


def restore_from_cache(cache: Cache, entry: tuple[Path, str], output: Path) -> bool:
    """Put a cached PDF (`stored_pdfs`) at `output`; False when it must be built after all.

    Neither file is read when both are as the cache last saw them (their stamps match)."""
    pdf, digest = entry
    if not cache.holds(output, digest):
        try:
            data = pdf.read_bytes()
        except OSError:  # removed since it was looked up
            return False
        if sha256_bytes(data) != digest:  # changed since it was looked up
            return False
        write_atomic(output, data)
        cache.remember(output, digest)
    return True


def job_keys(project: Project, inputs: Inputs, jobs: list[Job], draft: bool) -> dict[Path, str]:
    """A hash of everything that shapes each output: sources and translations, templates, CSS,
    brand, declared fonts, and the versions of the tools."""
    from .fonts import DECLARATION

    digests = inputs.digests
    common = Fingerprint(tool_identity(), f"draft={draft}")
    digests.add_files(common, CODE)
    digests.add_files(common, (p for p in project.templates_dir.iterdir() if p.is_file()))
    common.add_files([DECLARATION]).add_identities(f.path for f in declared_fonts().files)
    common_key = common.hexdigest()
    brand_keys = {}
    for job in jobs:
        brand = job.brand
        if brand.id not in brand_keys:
            files = [p for p in brand.path.parent.rglob("*") if p.is_file()]
            # brand.toml and the files beside it: the paper and edition are in each job's own key
            brand_keys[brand.id] = Fingerprint(brand.id).add_files(files).hexdigest()
    keys = {}
    for job in jobs:
        catalogs = inputs.catalogs[job.locale.tag]
        translations = Fingerprint(job.locale.tag)
        if job.locale.declaration is not None:  # its direction, script and formats shape the page
            translations.add_files([job.locale.declaration.path])
        used = [catalogs.catalogs.get(domain) for domain in (job.handout.slug, TEMPLATES_DOMAIN)]
        # the language-assistance notice quotes the templates catalog of every language it lists
        used += [inputs.catalogs[tag].catalogs.get(TEMPLATES_DOMAIN) for tag in notice_locales(job, inputs)]
        for catalog in used:
            if catalog is not None:  # the pseudo-locale's catalogs live in memory only
                translations.add_value(digests.file(catalog.path) if catalog.lines else str(catalog.po))
        content = Fingerprint().add_files([job.handout.path, *figure_files(job.handout)])
        keys[job.output] = Fingerprint(
            common_key,
            brand_keys[job.brand.id],
            content.hexdigest(),
            translations.hexdigest(),
            f"paper={job.paper}",
            f"edition={job.edition}",
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
    time_limit: float = RENDER_TIME_LIMIT


class RenderTimeout(BaseException):
    """Raised by the alarm inside a render; a BaseException so no `except Exception` swallows it."""


def render_time_limit(seconds: float, job: Job) -> AbstractContextManager[None]:
    """Stop the render of `job` after `seconds`."""
    return time_limit(seconds, job_name(job), job.output)


def job_name(job: Job) -> str:
    return f"the {job.handout.slug!r} handout in {job.locale.tag!r} for {job.brand.id!r}"


@contextmanager
def time_limit(seconds: float, what: str, output: Path) -> Iterator[None]:
    """Stop rendering `what` after `seconds` (in the main thread of a process: the alarm).

    After the first alarm the timer fires again every second (or every `seconds`, if less) until
    it is stopped: code that catches every exception (WeasyPrint catches BaseException around
    drawing an SVG) or an alarm landing in a finaliser could swallow one alarm, never the next.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    running = True
    timed_out = False

    def expired(signum: int, frame: object) -> None:
        if running:
            raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds, min(seconds, 1.0))
            yield
        except RenderTimeout:
            timed_out = True
        finally:
            while running:  # an alarm may land before the flag is down: note it and try again
                try:
                    running = False
                except RenderTimeout:
                    timed_out = True
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    if timed_out:
        raise timeout_error(seconds, what, output)


def timeout_error(seconds: float, what: str, output: Path) -> RenderError:
    return RenderError(
        f"rendering {what} took more than {seconds:g} s and was stopped "
        "(is a translation unusually long or marked up?)",
        Location(output),
    )


_WORKER: dict[str, object] = {}


def start_worker(context: RenderContext) -> None:
    """Per process: one PDF writer (one FontConfiguration, reused) and one Jinja environment."""
    from .render import create_environment

    _WORKER["context"] = context
    _WORKER["writer"] = make_writer(context.project, context.asset_dirs)
    _WORKER["env"] = create_environment(context.project.templates_dir)
    _WORKER["css"] = {}  # (locale, brand) -> the job's stylesheet: a brand font's coverage is read once
    _WORKER["layout"] = layout_css(context.project.templates_dir)


def start_forked_worker(context: RenderContext) -> None:
    """`start_worker` in a worker process, unless the building process started one for this
    context before forking (the worker then keeps its writer and templates). Ctrl-C reaches every
    process of the terminal's group: the build's own process stops the workers and reports it
    once, so they ignore it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _WORKER.get("context") is not context:
        start_worker(context)


def render_one(job: Job) -> tuple[Job, bytes | HandoutsError]:
    """Render one job in this process; errors come back as values, so the others go on."""
    from .pdf import PdfWriter
    from .render import render_html

    context = _WORKER["context"]
    writer, env, stylesheets = _WORKER["writer"], _WORKER["env"], _WORKER["css"]
    assert isinstance(context, RenderContext) and isinstance(writer, PdfWriter) and isinstance(stylesheets, dict)
    try:
        with render_time_limit(context.time_limit, job):
            catalogs = context.inputs.catalogs[job.locale.tag]
            notice = [context.inputs.catalogs[tag] for tag in notice_locales(job, context.inputs)]
            html = render_html(
                env,  # type: ignore[arg-type]
                job.handout,
                catalogs,
                job.brand,
                draft_build=context.draft,
                paper=job.paper,
                edition=job.edition,
                assistance=notice,
            )
            found = stylesheets.get((job.locale.tag, job.brand.id))
            if found is None:
                css = font_css(writer.fonts, context.inputs, job)
                found = stylesheets[job.locale.tag, job.brand.id] = (css, job_fonts(writer.fonts, context.inputs, job))
            css, fonts = found
            layout = _WORKER["layout"]
            assert isinstance(layout, str)
            pdf, pages = writer.render_counted(html, context.project.templates_dir, job.output, css, fonts, layout)
        # the page budget is checked here, in the worker, so that counting pages runs in parallel too
        return job, within_budget(job, pdf, pages)
    except HandoutsError as error:
        return job, error
    except RenderTimeout:  # an alarm landing between the time limit's own frames
        return job, timeout_error(context.time_limit, job_name(job), job.output)


def render_run(run: list[Job]) -> list[tuple[Job, bytes | HandoutsError]]:
    """Render a run of jobs (of one locale) in a worker."""
    return [render_one(job) for job in run]


# With this many jobs per worker or more, the building process renders one before forking them.
RENDER_HERE_FROM = 4


class Renderer:
    """Renders jobs in this process, or in a pool of forked workers when asked for more than one;
    `results` gives each job's PDF, or its error, as they are ready."""

    def __init__(self, context: RenderContext, jobs: int) -> None:
        self.context = context
        self.jobs = jobs
        self._pending: list[Iterator[tuple[Job, bytes | HandoutsError]]] = []
        self._pool: Pool | None = None
        self._started = False
        self._brands: set[str] = set()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.close()

    def forks(self, todo: list[Job]) -> bool:
        """Whether `add(todo)` renders in worker processes."""
        return self._pool is not None or (bool(todo) and min(self.jobs, len(todo)) > 1)

    def add(self, todo: list[Job]) -> None:
        """Start rendering these jobs (in workers; in this process, once results are read)."""
        if not todo:
            return
        new = {job.brand.id: job.brand for job in todo if job.brand.id not in self._brands}
        check_brand_fonts(new.values())
        self._brands.update(new)
        fonts = declared_fonts()
        ordered = sorted(todo, key=render_order(fonts))
        if not self.forks(todo):
            self._pending.append(self._here(ordered))
            return
        if self._pool is None:
            from .pdf import layout_stylesheet, preload  # once, before forking, so workers share them

            # The layout stylesheet holds no fonts: parsed here, no worker parses it again.
            preload(fonts)
            layout_stylesheet(layout_css(self.context.project.templates_dir))
            if len(ordered) >= RENDER_HERE_FROM * self.jobs:
                # This process renders the lightest PDF (the last in render order) while the checks
                # run beside it; the workers fork after it and keep what it loaded: the compiled
                # templates, cffi's parsed C types, the Latin fonts and their shaping tables.
                self._start_here()
                self._pending.append(iter([render_one(ordered.pop())]))
            self._pool = Pool(min(self.jobs, len(todo)), start_forked_worker, (self.context,))
        # Runs of one locale: a worker loads the fonts of few scripts in its lifetime.
        self._pending.append(self._pool.map_runs(render_run, ordered, key=lambda job: job.locale.tag))

    def _start_here(self) -> None:
        if not self._started:
            start_worker(self.context)
            self._started = True

    def _here(self, todo: list[Job]) -> Iterator[tuple[Job, bytes | HandoutsError]]:
        self._start_here()
        yield from map(render_one, todo)

    def results(self) -> Iterator[tuple[Job, bytes | HandoutsError]]:
        while self._pending:
            yield from self._pending.pop(0)


def render_order(fonts: PreparedFonts) -> Callable[[Job], tuple[int, str, str, str, str, str]]:
    """The order to render jobs in: locales with the most font bytes first (CJK), so the cheap
    Latin pages fill the workers' last minutes evenly; one locale after another."""
    weights: dict[str, int] = {}

    def key(job: Job) -> tuple[int, str, str, str, str, str]:
        tag = job.locale.tag
        if tag not in weights:
            files = fonts.files_for([tag], {tag: job.locale.script})
            weights[tag] = sum(font.path.stat().st_size for font in files)
        return (-weights[tag], tag, job.brand.id, job.handout.slug, job.edition, job.paper)

    return key


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


def notice_locales(job: Job, inputs: Inputs) -> list[str]:
    """The languages of a job's language-assistance notice: English and every language the clinic
    offers (those whose catalogs were loaded), in the brand's order; none without the notice."""
    if job.brand.language_assistance is None:
        return []
    offered = job.brand.locales or tuple(locale.tag for locale in inputs.locales if not locale.is_pseudo)
    return [tag for tag in dict.fromkeys(["en", *offered]) if tag in inputs.catalogs]


def job_fonts(fonts: PreparedFonts, inputs: Inputs, job: Job) -> list[Path]:
    """The font files `font_css` declares for a job."""
    tags = list(dict.fromkeys([job.locale.tag, *notice_locales(job, inputs)]))
    scripts = {tag: inputs.catalogs[tag].locale.script for tag in tags}
    files = [font.path for font in fonts.files_for(tags, scripts)]
    return files + (list(job.brand.font.files.values()) if job.brand.font is not None else [])


def font_css(fonts: PreparedFonts, inputs: Inputs, job: Job) -> str:
    """The font CSS of one job: its locale's scripts (and those of its language-assistance notice),
    led by the brand's family where it covers them."""
    brand_font = job.brand.font
    tags = list(dict.fromkeys([job.locale.tag, *notice_locales(job, inputs)]))
    covered = []
    if brand_font is not None:
        for tag in tags:
            if brand_font.covers(locale_text(inputs.catalogs[tag], inputs.sources)):
                covered.append(tag)
    scripts = {tag: inputs.catalogs[tag].locale.script for tag in tags}
    return fonts.stylesheet(tags, brand_font, covered, scripts)


LAYOUT_STYLESHEET = "handout.css"


def layout_css(templates_dir: Path) -> str:
    """The handout layout (`templates/handout.css`). It reaches WeasyPrint parsed, once per build
    (before the workers fork, see `Renderer.add`), after the job's font stylesheet, instead of
    being linked from the page and parsed again on every render."""
    return (templates_dir / LAYOUT_STYLESHEET).read_text(encoding="utf-8")


def page_css(fonts: PreparedFonts, inputs: Inputs, job: Job, templates_dir: Path) -> str:
    """Every stylesheet of one job besides the page's own `<style>`, as one text: its fonts, then
    the handout layout. What a render gets, as WeasyPrint's command line takes it (`-s`)."""
    return font_css(fonts, inputs, job) + layout_css(templates_dir)


def check(
    project: Project,
    locales: Iterable[str] | None = None,
    paths: list[Path] | None = None,
    errors: list[HandoutsError] | None = None,
) -> Report:
    """Every problem in the catalogs of the selected locales, or of the given `.po` files; and
    each handout's reading grade against the maximum its front matter or a brand sets.

    Given `errors`, a locale that cannot be read (an unknown tag, a broken declaration or catalog)
    adds its errors there and every other locale is still checked.
    """
    if paths:
        locales = [catalog_locale(project, path) for path in paths]
    inputs = load_inputs(project, locales, collected=errors)
    report = check_inputs(inputs, project, paths or None)
    if not paths:
        brands = load_brands(project.brands_dir) if any(project.brands_dir.glob("*/brand.toml")) else []
        report.problems.extend(readability_problems(project, inputs, brands))
    return report


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


@dataclass(frozen=True)
class HandoutStatus:
    """One handout in one locale: who translated it (and which catalog holds it back), how readable it is."""

    handout: str
    locale: str
    provenance: Provenance
    readability: list[Score]

    def as_dict(self) -> dict[str, object]:
        return {
            "handout": self.handout,
            "locale": self.locale,
            "status": self.provenance.method,
            "held_back_by": [str(Location(p)) for p in self.provenance.held_back_by],
            "readability": [score.as_dict() for score in self.readability],
        }


@dataclass(frozen=True)
class StatsReport:
    catalogs: list[Stats]
    handouts: list[HandoutStatus]


def handout_statuses(inputs: Inputs) -> list[HandoutStatus]:
    """Every handout x locale: its provenance and its readability scores."""
    found = []
    for locale in inputs.locales:
        if locale.is_pseudo:
            continue
        catalogs = inputs.catalogs[locale.tag]
        for handout in inputs.handouts:
            scores = readability_scores(handout_text(handout, catalogs), locale.language)
            found.append(HandoutStatus(handout.slug, locale.tag, provenance_of(catalogs, handout.slug), scores))
    return found


def readability_problems(project: Project, inputs: Inputs, brands: list[Brand]) -> list[Problem]:
    """Every handout x locale whose reading grade is above the maximum its front matter, or a brand
    offering that language, sets."""
    by_slug = {handout.slug: handout for handout in inputs.handouts}
    found = []
    for status in handout_statuses(inputs):
        locale = get_locale(status.locale, project.locales_dir)
        problem = check_reading_grade(by_slug[status.handout], locale, status.readability, brands, project.locales_dir)
        if problem is not None:
            found.append(problem)
    return found


def stats(project: Project, locales: Iterable[str] | None = None) -> StatsReport:
    """Translated, fuzzy, untranslated, missing and obsolete counts per locale and domain; and per
    handout and locale its review status (which catalog holds it back) and readability."""
    inputs = load_inputs(project, locales)
    rows: list[Stats] = []
    for locale in inputs.locales:
        rows.extend(stats_for(locale, inputs.catalogs[locale.tag], inputs.sources))
    return StatsReport(rows, handout_statuses(inputs))


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
    css = writer.fonts.stylesheet(["en", info.tag], scripts_of_tags={info.tag: info.script})
    written = []
    for handout in inputs.handouts:
        html = render_review_html(env, handout, inputs.catalogs[info.tag], inputs.sources)
        path = target / f"{handout.slug}.{info.tag}.review.pdf"
        with time_limit(RENDER_TIME_LIMIT, f"the review sheet of {handout.slug!r} in {info.tag!r}", path):
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

    chosen = BuildOptions(
        tuple(locales) if locales is not None else None,
        tuple(brands) if brands is not None else None,
        tuple(handouts) if handouts is not None else None,
    )
    result = build(project, chosen)
    # named after the file (`<slug>.large-print.a4`): every paper and edition gets pictures of its own
    rendered = [
        Rendered(job.output, job.output.name.removesuffix(".pdf"), job.brand.id, job.locale.tag)
        for job in result.written
    ]
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


def init(project: Project, tags: str | Iterable[str], authorship: Authorship | None = None) -> list[Path]:
    """Create the catalogs of new locales (one tag or several) from the current `.pot` files: every
    tag is resolved and every catalog planned before any is written."""
    errors: list[HandoutsError] = []
    locales = []
    for tag in dict.fromkeys([tags] if isinstance(tags, str) else tags):
        with collect(errors):
            locales.append(get_locale(tag, project.locales_dir))
    if errors:
        raise ErrorGroup(errors)
    return init_locales(project.locales_dir, locales, authorship)
