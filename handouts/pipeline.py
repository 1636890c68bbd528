"""Plans and runs builds: the only module that uses every stage.

Everything is loaded and checked before anything is written:

    config -> content -> catalogs -> check -> plan -> render HTML -> write PDF
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .catalogs import (
    TEMPLATES_DOMAIN,
    LocaleCatalogs,
    Problem,
    SourceMessage,
    check_completeness,
    discover_locales,
    extract_all,
    init_locale,
    load_catalogs,
    plan_pots,
    stale_pots,
    write_text_atomic,
)
from .config import Brand, load_brands
from .content import Handout, load_content
from .errors import CheckFailed, ContentError, ErrorGroup, HandoutsError, LocaleError, Location
from .fonts import prepare_fonts
from .locales import LocaleInfo, get_locale


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
    """The locales to work on: the requested ones (each must have a catalog), else all found."""
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
        if locale.tag not in by_tag:
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
    all_handouts = load_content(project.content_dir)
    chosen_handouts = select_handouts(all_handouts, handouts, project.content_dir)
    chosen_locales = select_locales(project, locales)
    sources = extract_all(chosen_handouts, project.templates_dir, project.root)
    catalogs = load_catalogs(project.locales_dir, chosen_locales, sources)
    return Inputs(chosen_handouts, chosen_locales, catalogs, sources)


def check_inputs(inputs: Inputs, project: Project) -> list[Problem]:
    """Completeness of every selected locale: missing, untranslated and fuzzy entries."""
    problems: list[Problem] = []
    for locale in inputs.locales:
        problems.extend(check_completeness(inputs.catalogs[locale.tag], inputs.sources, project.locales_dir))
    return problems


def plan(inputs: Inputs, brands: list[Brand], out_dir: Path) -> list[Job]:
    """Every handout x locale x brand, at `<out>/<brand>/<locale>/<slug>.pdf`."""
    return [
        Job(handout, locale, brand, out_dir / brand.id / locale.tag / f"{handout.slug}.pdf")
        for brand in brands
        for locale in inputs.locales
        for handout in inputs.handouts
    ]


def build(
    project: Project,
    locales: Iterable[str] | None = None,
    brands: list[str] | None = None,
    handouts: Iterable[str] | None = None,
    progress: Callable[[Job], None] | None = None,
) -> list[Job]:
    """Check every input, then render one PDF per job. Returns the jobs written."""
    chosen_brands = load_brands(project.brands_dir, brands)
    inputs = load_inputs(project, locales, handouts)
    problems = check_inputs(inputs, project)
    if problems:
        raise CheckFailedWithProblems(problems)
    jobs = plan(inputs, chosen_brands, project.out_dir)

    from .pdf import PdfWriter  # WeasyPrint loads only when there is something to render
    from .render import create_environment, render_html

    fonts = prepare_fonts(project.cache_dir / "fonts")
    assets = [project.templates_dir, project.content_dir, *(b.path.parent for b in chosen_brands)]
    writer = PdfWriter(fonts, assets, [locale.tag for locale in inputs.locales])
    env = create_environment(project.templates_dir)
    for job in jobs:
        html = render_html(env, job.handout, inputs.catalogs[job.locale.tag], job.brand)
        writer.write_pdf(html, project.templates_dir, job.output)
        if progress:
            progress(job)
    return jobs


class CheckFailedWithProblems(CheckFailed):
    """A check failed; `problems` lists each one with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def check(project: Project, locales: Iterable[str] | None = None) -> list[Problem]:
    """Every problem in the catalogs of the selected locales (empty when all is well)."""
    return check_inputs(load_inputs(project, locales), project)


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


__all__ = [
    "TEMPLATES_DOMAIN",
    "CheckFailedWithProblems",
    "Job",
    "Location",
    "Project",
    "build",
    "check",
    "extract",
    "init",
]
