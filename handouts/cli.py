"""Command line: argument parsing, progress lines, error formatting and exit codes.

Exit codes: 0 ok, 1 a check failed, 2 bad usage or bad input, 70 an internal error.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__
from .errors import ErrorGroup, HandoutsError, display_path
from .status import Outcome

if TYPE_CHECKING:
    from .checks import Problem, Report
    from .pipeline import BuildOptions, StatsReport

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 70
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a command ended by SIGPIPE
COMMANDS = ("build", "check", "extract", "init", "update", "stats", "review", "thumbnails", "release")


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with our format on bad usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"usage-error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="handouts",
        description="Build clinic-branded, accessible PDF handouts in every language from gettext catalogs.",
        epilog="Without a command, `build` is assumed: `handouts --locale es` builds the Spanish PDFs. "
        "Exit codes: 0 ok, 1 a check failed, 2 bad usage or input, 70 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"handouts {__version__}")
    parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: the current folder)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    build = commands.add_parser(
        "build",
        help="build every handout x locale x brand as PDF (the default)",
        description="Check every catalog, then write dist/<brand>/<locale>/<slug>.pdf.",
    )
    add_selection_options(build)
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder instead of dist/")
    build.add_argument(
        "--format", choices=("text", "json"), default="text", help="summary format (default: text; json for CI)"
    )
    add_jobs_option(build)
    build.add_argument("--force", action="store_true", help="rebuild every PDF, ignoring the build cache")
    build.add_argument("--shard", type=shard_argument, metavar="K/N", help="build only the K-th of N equal shares")
    build.add_argument(
        "--draft",
        action="store_true",
        help="render incomplete or stale catalogs anyway, marked as drafts on every page, "
        "into <out>/drafts/ (never under a release name)",
    )

    check = commands.add_parser(
        "check",
        help="completeness and quality checks of the catalogs",
        description="Report each problem as path.po:LINE: check-name: message; exit 1 if any.",
    )
    check.add_argument(
        "paths", nargs="*", type=Path, metavar="PO", help="check only these .po files (for pre-commit hooks)"
    )
    check.add_argument("--locale", action="append", metavar="LOCALE", help="only this locale (repeatable)")
    check.add_argument(
        "--format", choices=("text", "json", "junit"), default="text", help="output format (default: text)"
    )

    extract = commands.add_parser(
        "extract",
        help="regenerate locales/*.pot from content/ and templates/",
        description="Deterministic: an unchanged source changes no byte.",
    )
    extract.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and show the difference if a .pot is out of date"
    )

    init = commands.add_parser(
        "init",
        help="create the catalogs of new locales",
        description="Create locales/<locale>/LC_MESSAGES/*.po from the .pot files; never overwrite one. "
        "Any language CLDR knows is accepted (uk, so, prs, fa-AF, sr-Latn...); a language it does not "
        "know is declared first in locales/<locale>/locale.toml (see the README).",
    )
    init.add_argument("locale", nargs="+", metavar="LOCALE", help="BCP 47 tags such as uk, so, prs, pt-BR or zh-Hant")
    init.add_argument("--translator", default="", metavar="NAME", help="who translates (recorded as X-Translator)")
    init.add_argument(
        "--method",
        choices=("human", "machine-draft"),
        help="how the translation is made (X-Translation-Method); default: human with --translator, else machine-draft",
    )

    commands.add_parser(
        "update",
        help="merge the .pot files into every .po",
        description="Changed source messages become fuzzy with their previous source kept; removed ones become "
        "obsolete. If any catalog cannot be read, nothing is written.",
    )

    stats = commands.add_parser("stats", help="translated, fuzzy, untranslated, missing and obsolete counts")
    stats.add_argument("--locale", action="append", metavar="LOCALE", help="only this locale (repeatable)")
    stats.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")

    review = commands.add_parser(
        "review",
        help="a bilingual review PDF per handout for one locale",
        description="Source and translation side by side, fuzzy and untranslated entries highlighted.",
    )
    review.add_argument("locale", metavar="LOCALE")
    review.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: dist/review/<locale>/)")

    thumbs = commands.add_parser(
        "thumbnails",
        help="a PNG of every page and a contact sheet per handout",
        description="Build the PDFs, then picture every page, and every locale of a handout side by side.",
    )
    thumbs.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: dist/thumbnails/)")
    thumbs.add_argument("--locale", action="append", metavar="LOCALE", help="only this locale (repeatable)")
    thumbs.add_argument("--brand", action="append", metavar="BRAND", help="only this brand (repeatable)")

    release = commands.add_parser(
        "release",
        help="build everything, check it, and write the release artifacts",
        description="PDFs, thumbnails, index.html, manifest.json and SHA256SUMS, with a reproducible "
        "<name>.zip for the print shop, and the review sheets in a separate <name>-review.zip, in dist/.",
    )
    add_selection_options(release)
    release.add_argument("--out", type=Path, metavar="DIR", help="output folder instead of dist/")
    release.add_argument(
        "--name",
        type=release_name,
        metavar="NAME",
        help="the release's name, used for its archives (default: handouts-<date> from SOURCE_DATE_EPOCH, "
        "else the newest last_reviewed date of the handouts)",
    )
    release.add_argument(
        "--format", choices=("text", "json"), default="text", help="summary format (default: text; json for CI)"
    )
    add_jobs_option(release)
    group = release.add_mutually_exclusive_group()
    group.add_argument(
        "--shard", type=shard_argument, metavar="K/N", help="build the K-th of N shares and its manifest"
    )
    group.add_argument("--merge", nargs="+", type=Path, metavar="DIR", help="combine the outputs of every shard")
    return parser


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """What to build: brands, locales, handouts, paper, editions, and whether to leave out what is not ready."""
    parser.add_argument("--brand", action="append", metavar="BRAND", help="only this brand folder (repeatable)")
    parser.add_argument(
        "--locale",
        action="append",
        metavar="LOCALE",
        help="only this locale (repeatable; zh-Hans or zh_Hans; default: the languages each brand offers)",
    )
    parser.add_argument("--handout", action="append", metavar="SLUG", help="only this handout (repeatable)")
    parser.add_argument(
        "--paper", choices=("letter", "a4"), help="paper size for every brand (default: each brand's own)"
    )
    parser.add_argument(
        "--edition",
        action="append",
        choices=("standard", "large-print"),
        help="only this edition (repeatable; default: each brand's own editions)",
    )
    parser.add_argument(
        "--ready-only",
        action="store_true",
        help="build every handout x locale that passes every check, list what was left out and why, and exit 0",
    )


def release_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
        raise argparse.ArgumentTypeError(f"{value!r}: use letters, digits, '.', '_' and '-' only")
    return value


def normalise_argv(argv: Sequence[str]) -> list[str]:
    """`handouts --locale es` means `handouts build --locale es`."""
    args = list(argv)
    if any(a in ("-h", "--help", "--version") for a in args[:1]) or any(a in COMMANDS for a in args):
        return args
    project: list[str] = []
    if args[:1] == ["--project"] and len(args) >= 2:
        project, args = args[:2], args[2:]
    return [*project, "build", *args]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    for stream in (sys.stdout, sys.stderr):  # any translation prints, whatever the terminal's encoding
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    args = make_parser().parse_args(normalise_argv(sys.argv[1:] if argv is None else argv))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    logger = logging.getLogger("handouts")
    logger.addHandler(handler)
    try:
        return run(args)
    except HandoutsError as error:
        report_error(error)
        return error.exit_code
    except BrokenPipeError:
        # The reader went away (`stats --format json | head`): end quietly, as `cat` would.
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # a crash must never read as a failed check
        traceback.print_exc()
        print("internal-error: this is a bug in handouts; please report it with the trace above", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        logger.removeHandler(handler)


def leave(code: int) -> NoReturn:
    """End this process with `code`, as `sys.exit` would but for the interpreter's teardown.

    The exit handlers run and the output is flushed; what is skipped is freeing every object one by
    one (WeasyPrint's tables, a build's catalogs), some 50-100 ms after a build, with nothing left
    to write: every file was written whole and renamed into place before. For the command line's
    own process only (`build.py`, `python -m handouts`), never for a caller of `main`.
    """
    import atexit
    from contextlib import suppress

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # the reader went away: nothing more can reach it
            stream.flush()
    os._exit(code)


def silence_stdout() -> None:
    """Point standard output at /dev/null, so flushing it at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (captured by a test): nothing to flush
        pass


def writable_folder(path: Path) -> None:
    """`--out` must be a folder we can write to, or one we can create."""
    from .errors import UsageError

    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {display_path(path)} is a file, not a folder")
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {display_path(path)}: cannot write to {display_path(existing)}")


def report_error(error: HandoutsError) -> None:
    problems = getattr(error, "problems", None)
    if problems is not None:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) found; nothing was written (see `python build.py check`)", file=sys.stderr)
        return
    errors = error.errors if isinstance(error, ErrorGroup) else [error]
    for item in errors:
        print(item, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from . import pipeline  # keeps `--help` fast

    if getattr(args, "out", None) is not None:
        writable_folder(args.out)
    out = getattr(args, "out", None) if args.command not in ("review", "thumbnails") else None
    project = pipeline.Project.at(args.project, out)
    command = args.command or "build"
    if command == "build":
        return run_build(args, project)
    if command == "check":
        errors: list[HandoutsError] = []
        report = pipeline.check(project, args.locale, args.paths or None, errors)
        print(format_report(report, args.format, errors))
        if errors:  # locales that could not be read at all; every other locale was checked
            report_error(ErrorGroup(errors))
            return ErrorGroup(errors).exit_code
        return EXIT_CHECK_FAILED if report.problems else EXIT_OK
    if command == "extract":
        if args.check:
            stale = pipeline.extract(project, check_only=True)
            for line in stale:
                print(line)
            return EXIT_CHECK_FAILED if stale else EXIT_OK
        written = pipeline.extract(project)
        for path in written:
            print(f"wrote {path}")
        print(f"{len(written)} .pot file(s) changed")
        return EXIT_OK
    if command == "init":
        from .catalogs import Authorship

        method = args.method or ("human" if args.translator.strip() else "machine-draft")
        authorship = Authorship(method, args.translator.strip())
        for created in pipeline.init(project, args.locale, authorship):
            print(f"created {display_path(created)}")
        return EXIT_OK
    if command == "update":
        for write in pipeline.update(project):
            if write.report is None:
                print(f"created {display_path(write.path)}")
                continue
            r = write.report
            print(f"updated {display_path(write.path)}: {len(r.fuzzy)} fuzzy, {r.added} new, {r.obsoleted} obsolete")
            for new, previous in r.fuzzy:
                print(f"  fuzzy: {new[:60]!r} (was {previous[:60]!r})")
        return EXIT_OK
    if command == "stats":
        print(format_stats(pipeline.stats(project, args.locale), args.format))
        return EXIT_OK
    if command == "release":
        from . import release

        started = time.monotonic()
        if args.merge:
            outcome = release.merge(project, args.merge)
        else:
            outcome = release.release(project, build_options(args), name=args.name)
        if args.format == "json":
            summary = {
                "ok": True,
                "pdfs": [entry.path for entry in outcome.entries],
                "files": [relative_output(path, project.out_dir) for path in outcome.files],
                "left_out": [
                    {"path": relative_output(job.output, project.out_dir), "reasons": reasons}
                    for job, reasons in outcome.left_out
                ],
            }
            print(json.dumps(summary, ensure_ascii=False, indent=2))
            return EXIT_OK
        for artifact in outcome.files:
            print(f"wrote {display_path(artifact)}")
        print_left_out(outcome, project.out_dir)
        left = f", {len(outcome.left_out)} left out (not ready)" if outcome.left_out else ""
        print(f"release: {len(outcome.entries)} PDF(s){left} in {time.monotonic() - started:.1f} s")
        return EXIT_OK
    if command == "thumbnails":
        pictures = pipeline.thumbnails(project, args.out, args.locale, args.brand)
        for picture in pictures:
            print(f"wrote {display_path(picture)}")
        return EXIT_OK
    if command == "review":
        for sheet in pipeline.review(project, args.locale, args.out):
            print(f"wrote {display_path(sheet)}")
        return EXIT_OK
    raise AssertionError(command)


def run_build(args: argparse.Namespace, project: object) -> int:
    from . import pipeline

    assert isinstance(project, pipeline.Project)
    started = time.monotonic()
    progress = Progress(sys.stderr if args.format == "json" else sys.stdout)

    def warn(problem: Problem) -> None:
        print(f"warning: {problem}", file=sys.stderr)

    try:
        result = pipeline.build(project, build_options(args), progress=progress.update, warn=warn)
    finally:
        progress.close()
    if args.format == "json":
        print(json.dumps(build_summary(result, project.out_dir), ensure_ascii=False, indent=2))
        return EXIT_OK
    print_left_out(result, project.out_dir)
    kind = "draft PDF(s)" if args.draft else "PDF(s)"
    left_out = f", {len(result.left_out)} left out (not ready)" if args.ready_only else ""
    print(
        f"{len(result.jobs)} {kind}: {len(result.built)} built, {len(result.skipped)} up to date, "
        f"{len(result.failed)} failed{left_out} in {time.monotonic() - started:.1f} s"
    )
    return EXIT_OK


def build_options(args: argparse.Namespace) -> BuildOptions:
    """The one `BuildOptions` of a `build` or `release` command line."""
    from . import pipeline

    return pipeline.BuildOptions(
        locales=args.locale,
        brands=args.brand,
        handouts=args.handout,
        draft=getattr(args, "draft", False),
        ready_only=args.ready_only,
        paper=args.paper,
        editions=args.edition,
        jobs=args.jobs,
        force=getattr(args, "force", False),
        shard=args.shard,
    )


def print_left_out(result: Any, out_dir: Path) -> None:
    """What `--ready-only` left out, each PDF with the reasons."""
    for job, reasons in result.left_out:
        print(f"left out {relative_output(job.output, out_dir)} ({job.handout.slug}, {job.describe()}):")
        for reason in reasons:
            print("  " + reason.replace("\n", "\n  "))


def relative_output(path: Path, out_dir: Path) -> str:
    try:
        return path.relative_to(out_dir).as_posix()
    except ValueError:
        return display_path(path)


def build_summary(result: Any, out_dir: Path) -> dict[str, Any]:
    """What a build wrote and what it left out, for CI: paths relative to the output folder."""

    def job_dict(job: Any) -> dict[str, Any]:
        return {
            "path": relative_output(job.output, out_dir),
            "handout": job.handout.slug,
            "locale": job.locale.tag,
            "brand": job.brand.id,
            "paper": job.paper,
            "edition": job.edition,
        }

    return {
        "ok": not result.failed,
        "built": [job_dict(job) for job in result.built],
        "up_to_date": [job_dict(job) for job in result.skipped],
        "left_out": [{**job_dict(job), "reasons": reasons} for job, reasons in result.left_out],
    }


class Progress:
    """A progress bar on a terminal; one plain line per PDF elsewhere (CI logs)."""

    def __init__(self, stream: Any = None) -> None:
        self.bar: Any = None
        self.interactive = sys.stderr.isatty()
        self.stream = stream or sys.stdout

    def update(self, job: Any, outcome: Outcome) -> None:
        if not self.interactive:
            if outcome not in (Outcome.SKIPPED, Outcome.LEFT_OUT):
                print(f"{outcome} {display_path(job.output)}", file=self.stream)
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(unit="pdf", file=sys.stderr, leave=False)
        self.bar.update(1)
        self.bar.set_postfix_str(f"{job.locale.tag} {job.handout.slug}", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def add_jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs", "-j", type=positive_int, default=os.cpu_count() or 1, metavar="N",
        help="worker processes (default: the cores)",
    )  # fmt: skip


def positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return int(value)


def shard_argument(value: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not K/N (for example 2/8)") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"{value!r}: K must be between 1 and N")
    return k, n


def format_report(report: Report, fmt: str, unreadable: Sequence[HandoutsError] = ()) -> str:
    """A check report as text lines, JSON, or JUnit XML. `unreadable` are the locales that could
    not be checked at all (each error is also printed to stderr); they make the run fail."""
    if fmt == "json":
        data = {
            "ok": not report.problems and not unreadable,
            "unreadable": [str(error) for error in unreadable],
            "problems": [p.as_dict() for p in report.problems],
            "silenced": [
                {"path": display_path(s.path), "line": s.line, "check": s.check, "reason": s.reason, "source": s.source}
                for s in report.silenced
            ],
            "catalogs": [display_path(p) for p in report.catalogs],
        }
        return json.dumps(data, ensure_ascii=False, indent=2)
    if fmt == "junit":
        return junit_xml(report, unreadable)
    lines = [str(p) for p in report.problems]
    if report.silenced:
        lines.append(f"{len(report.silenced)} check(s) silenced by translators:")
        lines.extend(f"  {s}" for s in report.silenced)
    if report.problems:
        lines.append(f"{len(report.problems)} problem(s) in {len(report.catalogs)} catalog(s)")
    elif not unreadable:
        lines.append(f"all {len(report.catalogs)} catalog(s) pass")
    else:
        lines.append(f"{len(report.catalogs)} catalog(s) pass")
    if unreadable:
        lines.append(f"{len(unreadable)} locale(s) could not be checked (see the errors)")
    return "\n".join(lines)


def junit_xml(report: Report, unreadable: Sequence[HandoutsError] = ()) -> str:
    """One test case per catalog, failing with every problem found in it, and a failing one per
    locale that could not be checked."""
    from xml.etree import ElementTree

    suite = ElementTree.Element("testsuite", name="handouts check", tests=str(len(report.catalogs)))
    by_path: dict[str, list[str]] = {}
    for problem in report.problems:
        by_path.setdefault(display_path(problem.path), []).append(str(problem))
    names = [display_path(p) for p in report.catalogs] + [
        p for p in by_path if p not in map(display_path, report.catalogs)
    ]
    failures = 0
    for name in names:
        case = ElementTree.SubElement(suite, "testcase", classname="catalogs", name=xml_text(name))
        if name in by_path:
            failures += 1
            failure = ElementTree.SubElement(case, "failure", message=f"{len(by_path[name])} problem(s)")
            failure.text = xml_text("\n".join(by_path[name]))
    for error in unreadable:
        place = display_path(error.location.path) if error.location is not None else error.category
        case = ElementTree.SubElement(suite, "testcase", classname="locales", name=xml_text(place))
        ElementTree.SubElement(case, "error", message=xml_text(error.category)).text = xml_text(str(error))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(unreadable)))
    suite.set("tests", str(len(names) + len(unreadable)))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)


XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: a character it forbids (a control character in a translation)
    is written as its code, `\\x01`, so the report stays well-formed and still shows it."""
    return XML_FORBIDDEN_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def format_stats(report: StatsReport, fmt: str) -> str:
    """Counts per catalog, then per handout and locale its review status and readability."""
    if fmt == "json":
        data = {
            "catalogs": [row.as_dict() for row in report.catalogs],
            "handouts": [status.as_dict() for status in report.handouts],
        }
        return json.dumps(data, ensure_ascii=False, indent=2)
    header = ("locale", "domain", "translated", "fuzzy", "untranslated", "missing", "obsolete", "words", "percent")
    rows = [
        (
            r.locale,
            r.domain,
            str(r.translated),
            str(r.fuzzy),
            str(r.untranslated),
            str(r.missing),
            str(r.obsolete),
            str(r.words),
            f"{r.percent:.1f}%",
        )
        for r in report.catalogs
    ]
    status_header = ("handout", "locale", "status", "held back by", "readability")
    statuses = [
        (
            s.handout,
            s.locale,
            s.provenance.method,
            ", ".join(display_path(p) for p in s.provenance.held_back_by) or "-",
            "; ".join(f"{score.formula} {score.value:g} ({score.scale})" for score in s.readability) or "-",
        )
        for s in report.handouts
    ]
    return table([header, *rows], numeric_from=2) + "\n\n" + table([status_header, *statuses], numeric_from=99)


def table(rows: list[tuple[str, ...]], numeric_from: int) -> str:
    """Columns padded to their widest cell; numeric columns right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if i >= numeric_from else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )
