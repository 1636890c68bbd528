"""Command line: argument parsing, progress lines, error formatting and exit codes.

Exit codes: 0 ok, 1 a check failed, 2 bad usage or bad input, 70 an internal error.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import ErrorGroup, HandoutsError, display_path

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 70
COMMANDS = ("build", "check", "extract", "init")


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with our format on bad usage (its own default is also 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"usage-error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="handouts",
        description="Build clinic-branded, accessible PDF handouts in every language from gettext catalogs.",
        epilog="Without a command, `build` is assumed: `handouts --locale es` builds the Spanish PDFs.",
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

    check = commands.add_parser(
        "check",
        help="check every catalog for missing, untranslated and fuzzy entries",
        description="Report each problem as path.po:LINE: check-name: message; exit 1 if any.",
    )
    check.add_argument("--locale", action="append", metavar="LOCALE", help="only this locale (repeatable)")

    extract = commands.add_parser(
        "extract",
        help="regenerate locales/*.pot from content/ and templates/",
        description="Deterministic: an unchanged source changes no byte.",
    )
    extract.add_argument("--check", action="store_true", help="write nothing; exit 1 if a .pot is out of date")

    init = commands.add_parser(
        "init",
        help="create the catalogs of a new locale",
        description="Create locales/<locale>/LC_MESSAGES/*.po from the .pot files.",
    )
    init.add_argument("locale", metavar="LOCALE", help="BCP 47 tag such as de, pt-BR or zh-Hant")
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


def report_error(error: HandoutsError) -> None:
    problems = getattr(error, "problems", None)
    if problems is not None:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) found; nothing was written", file=sys.stderr)
        return
    errors = error.errors if isinstance(error, ErrorGroup) else [error]
    for item in errors:
        print(item, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from . import pipeline  # keeps `--help` fast

    project = pipeline.Project.at(args.project, getattr(args, "out", None))
    command = args.command or "build"
    if command == "build":
        started = time.monotonic()

        def progress(job: pipeline.Job) -> None:
            print(f"wrote {display_path(job.output)}")

        jobs = pipeline.build(project, args.locale, args.brand, args.handout, progress)
        print(f"built {len(jobs)} PDF(s) in {time.monotonic() - started:.1f} s")
        return EXIT_OK
    if command == "check":
        problems = pipeline.check(project, args.locale)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} problem(s) found", file=sys.stderr)
            return EXIT_CHECK_FAILED
        print("all catalogs complete")
        return EXIT_OK
    if command == "extract":
        if args.check:
            stale = pipeline.extract(project, check_only=True)
            for line in stale:
                print(line)
            return EXIT_CHECK_FAILED if stale else EXIT_OK
        for written in pipeline.extract(project):
            print(f"wrote {written}")
        return EXIT_OK
    if command == "init":
        for created in pipeline.init(project, args.locale):
            print(f"created {display_path(created)}")
        return EXIT_OK
    raise AssertionError(command)
