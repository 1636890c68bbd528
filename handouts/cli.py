"""Command line: argument parsing, progress lines, error formatting and exit codes.

Exit codes: 0 ok, 1 a check failed, 2 bad usage or bad input, 70 an internal error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import ErrorGroup, HandoutsError, display_path
from .status import Outcome

if TYPE_CHECKING:
    from .checks import Problem, Report, Stats

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 70
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
    build.add_argument(
        "--locale", action="append", metavar="LOCALE", help="only this locale (repeatable; zh-Hans or zh_Hans)"
    )
    build.add_argument("--brand", action="append", metavar="BRAND", help="only this brand folder (repeatable)")
    build.add_argument("--handout", action="append", metavar="SLUG", help="only this handout (repeatable)")
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder instead of dist/")
    build.add_argument(
        "--paper", choices=("letter", "a4"), help="paper size for every brand (default: each brand's own)"
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
        help="create the catalogs of a new locale",
        description="Create locales/<locale>/LC_MESSAGES/*.po from the .pot files; never overwrite one.",
    )
    init.add_argument("locale", metavar="LOCALE", help="BCP 47 tag such as de, pt-BR or zh-Hant")

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
        description="PDFs, review sheets, thumbnails, index.html, manifest.json, SHA256SUMS and a "
        "reproducible handouts-<version>.zip in dist/.",
    )
    release.add_argument("--out", type=Path, metavar="DIR", help="output folder instead of dist/")
    add_jobs_option(release)
    group = release.add_mutually_exclusive_group()
    group.add_argument(
        "--shard", type=shard_argument, metavar="K/N", help="build the K-th of N shares and its manifest"
    )
    group.add_argument("--merge", nargs="+", type=Path, metavar="DIR", help="combine the outputs of every shard")
    return parser


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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # a crash must never read as a failed check
        traceback.print_exc()
        print("internal-error: this is a bug in handouts; please report it with the trace above", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        logger.removeHandler(handler)


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

    out = getattr(args, "out", None) if args.command not in ("review", "thumbnails") else None
    project = pipeline.Project.at(args.project, out)
    command = args.command or "build"
    if command == "build":
        return run_build(args, project)
    if command == "check":
        report = pipeline.check(project, args.locale, args.paths or None)
        print(format_report(report, args.format))
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
        for created in pipeline.init(project, args.locale):
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
            outcome = release.release(project, jobs=args.jobs, shard=args.shard)
        for artifact in outcome.files:
            print(f"wrote {display_path(artifact)}")
        print(f"release: {len(outcome.entries)} PDF(s) in {time.monotonic() - started:.1f} s")
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
    progress = Progress()

    def warn(problem: Problem) -> None:
        print(f"warning: {problem}", file=sys.stderr)

    try:
        result = pipeline.build(
            project,
            args.locale,
            args.brand,
            args.handout,
            progress.update,
            draft=args.draft,
            warn=warn,
            paper=args.paper,
            jobs=args.jobs,
            force=args.force,
            shard=args.shard,
        )
    finally:
        progress.close()
    kind = "draft PDF(s)" if args.draft else "PDF(s)"
    print(
        f"{len(result.jobs)} {kind}: {len(result.built)} built, {len(result.skipped)} up to date, "
        f"{len(result.failed)} failed in {time.monotonic() - started:.1f} s"
    )
    return EXIT_OK


class Progress:
    """A progress bar on a terminal; one plain line per PDF elsewhere (CI logs)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.interactive = sys.stderr.isatty()

    def update(self, job: Any, outcome: Outcome) -> None:
        if not self.interactive:
            if outcome is not Outcome.SKIPPED:
                print(f"{outcome} {display_path(job.output)}")
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


def format_report(report: Report, fmt: str) -> str:
    """A check report as text lines, JSON, or JUnit XML."""
    if fmt == "json":
        data = {
            "ok": not report.problems,
            "problems": [p.as_dict() for p in report.problems],
            "silenced": [
                {"path": display_path(s.path), "line": s.line, "check": s.check, "reason": s.reason, "source": s.source}
                for s in report.silenced
            ],
            "catalogs": [display_path(p) for p in report.catalogs],
        }
        return json.dumps(data, ensure_ascii=False, indent=2)
    if fmt == "junit":
        return junit_xml(report)
    lines = [str(p) for p in report.problems]
    if report.silenced:
        lines.append(f"{len(report.silenced)} check(s) silenced by translators:")
        lines.extend(f"  {s}" for s in report.silenced)
    if report.problems:
        lines.append(f"{len(report.problems)} problem(s) in {len(report.catalogs)} catalog(s)")
    else:
        lines.append(f"all {len(report.catalogs)} catalog(s) pass")
    return "\n".join(lines)


def junit_xml(report: Report) -> str:
    """One test case per catalog, failing with every problem found in it."""
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
        case = ElementTree.SubElement(suite, "testcase", classname="catalogs", name=name)
        if name in by_path:
            failures += 1
            failure = ElementTree.SubElement(case, "failure", message=f"{len(by_path[name])} problem(s)")
            failure.text = "\n".join(by_path[name])
    suite.set("failures", str(failures))
    suite.set("tests", str(len(names)))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)


def format_stats(rows: list[Stats], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([row.as_dict() for row in rows], ensure_ascii=False, indent=2)
    header = ("locale", "domain", "translated", "fuzzy", "untranslated", "missing", "obsolete", "words", "percent")
    table = [header] + [
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
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    )
