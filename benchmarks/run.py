#!/usr/bin/env python3
"""Build speed, measured as ratios against baselines in the same run (machines are noisy).

    python benchmarks/run.py                     # everything: the targets below
    python benchmarks/run.py --quick             # a few locales, fewer PDFs: minutes, not the targets
    python benchmarks/run.py --only peer --locale pl --locale hi --profile pl
    python benchmarks/run.py --cpu               # judged in CPU time, on a machine busy with other work

Sections (`--only` picks some; each prints its targets as met or not met):

peer   Per locale, on the very HTML and fonts of the shipped handout: our in-process render
       (HTML from the templates, WeasyPrint, tagging), WeasyPrint's own `HTML(...).write_pdf()`
       on that HTML in a process that never loads anything of ours (the floor for this
       renderer), and a warm headless
       Chromium through Playwright (one browser, one page, `page.pdf(tagged=True, outline=True)`).
       Medians of `--passes` interleaved passes, warm (each locale rendered once first, and
       ours, like the floor, holding every locale's fonts at once; Chromium left to go idle,
       untimed, after each of its renders).
       Targets: ours <= 1.15 x the floor for every locale, and ours <= Chromium for every
       locale where WeasyPrint's own floor is not above Chromium (where it is, the run says so;
       `--profile` and the README show where WeasyPrint's time goes).
cold   A cold build of the shipped set (`build.py build --force` in a fresh interpreter with an
       empty project cache and a worker per core; the user-wide cache of what every project
       shares, the prepared fonts and CLDR's number data and plural rules, filled once before)
       against the WeasyPrint command line once per PDF on the same HTML and fonts, one after
       another; the build's time is the median of `--passes` builds, the baseline's the median
       of 3 passes. Target: <= 1/8 of the baseline's wall time (with `--cpu`: of the baseline's
       CPU time, against the build's own CPU time plus its workers' divided by the cores, i.e.
       both as they would take on an idle machine). Also the same PDFs rendered warm as the
       build renders them, spread over the cores, and the largest PDFs:
       <= 60 KiB (Latin, Arabic, Devanagari), <= 350 KiB (CJK).
scale  1,000+ synthetic PDFs (copies of the handout under new slugs, and of the brands) with a
       worker per core, against the ideal: the serial in-process time per PDF divided by the
       cores. Targets: >= 90 % of ideal; peak memory of a worker <= 300 MiB.
noop   `build.py build` with every PDF up to date, each run a fresh interpreter, median of 7.
       Target: <= 0.3 s.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import handouts.pdf  # noqa: E402
from handouts.config import load_brands  # noqa: E402
from handouts.fonts import declared_fonts  # noqa: E402
from handouts.pipeline import (  # noqa: E402
    Job,
    Project,
    RenderContext,
    assistance_locales,
    choose_locales,
    load_inputs,
    notice_locales,
    page_css,
    plan,
    render_one,
    render_order,
    start_worker,
)
from handouts.render import create_environment, render_html  # noqa: E402

PROJECT_PARTS = ("content", "locales", "templates", "brands")
QUICK_LOCALES = ("en", "pl", "hi", "ja")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--allow-file-access-from-files",
]
CJK = ("zh", "ja", "ko")
TARGET_KIB = (60, 350)
TARGET_FLOOR, TARGET_COLD, TARGET_THROUGHPUT, TARGET_RSS_MIB, TARGET_NOOP = 1.15, 1 / 8, 0.90, 300, 0.3


@dataclass
class Targets:
    """Every target of the run, in order, as met or not met."""

    rows: list[tuple[str, bool]] = field(default_factory=list)

    def add(self, name: str, met: bool) -> None:
        self.rows.append((name, met))
        say(f"  -> {name}: {'met' if met else 'NOT MET'}")

    def report(self) -> None:
        say("\ntargets:")
        for name, met in self.rows:
            say(f"  {'met    ' if met else 'NOT MET'}  {name}")


def say(line: str = "") -> None:
    print(line, flush=True)


def seconds(started: float) -> float:
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def copy_project(target: Path) -> Project:
    """A private copy of the shipped project (inputs only: no cache, no outputs)."""
    for part in PROJECT_PARTS:
        shutil.copytree(ROOT / part, target / part)
    return Project.at(target, target / "dist")


def cli(project: Project, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "--project", str(project.root), "build", *args]


def locale_args(locales: list[str] | None) -> list[str]:
    return [arg for tag in locales or [] for arg in ("--locale", tag)]


# --- peer: ours, the WeasyPrint floor and Chromium, per locale --------------------------------------


@dataclass(frozen=True)
class Page:
    """One locale's handout: the job, its HTML and font CSS exactly as our build renders them."""

    job: Job
    html: str
    css: str


def peer_pages(project: Project, locales: list[str] | None) -> list[Page]:
    inputs = load_inputs(project, locales)
    brands = load_brands(project.brands_dir, ["example"])
    jobs = plan(inputs, brands, project.out_dir)
    first: dict[str, Job] = {}
    for job in jobs:  # one handout per locale
        first.setdefault(job.locale.tag, job)
    start_worker(RenderContext(project, inputs, [b.path.parent for b in brands], False))
    env = create_environment(project.templates_dir)
    fonts = declared_fonts()
    return [
        Page(
            job,
            render_html(env, job.handout, inputs.catalogs[job.locale.tag], job.brand),
            page_css(fonts, inputs, job, project.templates_dir),
        )
        for job in first.values()
    ]


@contextmanager
def all_fonts_loaded() -> Iterator[None]:
    """Our in-process render holding every locale's fonts at once, as one warm process would.

    A build's worker renders runs of one locale and lets a CJK face go only when a run needs
    another (`handouts.pdf.FONT_BYTES`); a measurement that goes round every locale would
    otherwise reload each CJK face on every turn and count that as rendering."""
    budget = handouts.pdf.FONT_BYTES
    handouts.pdf.FONT_BYTES = sys.maxsize
    try:
        yield
    finally:
        handouts.pdf.FONT_BYTES = budget


def render_ours(page: Page) -> bytes:
    _, pdf = render_one(page.job)
    if not isinstance(pdf, bytes):
        raise SystemExit(f"{page.job.locale.tag}: our render failed: {pdf}")
    return pdf


FLOOR_PROCESS = """
import cProfile, gc, io, json, os, pstats, sys, time
import weasyprint
from weasyprint.text.fonts import FontConfiguration

font_config = FontConfiguration()
sheets = {}
for line in sys.stdin:
    request = json.loads(line)
    sheet = sheets.get(request["css"])
    if sheet is None:
        sheet = sheets[request["css"]] = weasyprint.CSS(string=request["css"], font_config=font_config)

    def render():
        page = weasyprint.HTML(string=request["html"], base_url=request["base_url"])
        return page.write_pdf(stylesheets=[sheet], font_config=font_config, pdf_variant="pdf/ua-1")

    clock = time.process_time if request["clock"] == "cpu" else time.perf_counter
    reply = {}
    if request.get("profile"):
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(request["profile"]):
            render()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
        reply["profile"] = out.getvalue()
    else:
        gc.collect()  # untimed, as before each of our renders (`timed`)
        started = clock()
        pdf = render()
        reply["seconds"] = clock() - started
        reply["bytes"] = len(pdf)
    print(json.dumps(reply), flush=True)
"""


class Floor:
    """WeasyPrint alone, in a Python process of its own that never loads anything of ours (our
    tagging extension replaces WeasyPrint functions in any process that renders through
    `handouts.pdf`): `HTML(string=...).write_pdf(pdf_variant="pdf/ua-1")` with the same fonts
    (the build's Fontconfig file) and font CSS, warm (one font configuration, each font
    stylesheet parsed once), no URL checks, no warnings, none of our tagging. It times each render
    itself, in CPU or wall time."""

    def __init__(self, base_dir: Path) -> None:
        env = {**os.environ, "FONTCONFIG_FILE": str(declared_fonts().fontconfig_file)}
        self.base_url = base_dir.resolve().as_uri() + "/"
        self.process = subprocess.Popen(
            [sys.executable, "-c", FLOOR_PROCESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def _ask(self, page: Page, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        message = {"html": page.html, "css": page.css, "base_url": self.base_url, **request}
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{page.job.locale.tag}: the WeasyPrint floor's process ended")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def render(self, page: Page) -> bytes:
        self._ask(page, clock="wall")
        return b""

    def timed(self, page: Page, cpu: bool) -> float:
        return float(self._ask(page, clock="cpu" if cpu else "wall")["seconds"])

    def profile(self, page: Page, passes: int) -> None:
        text = self._ask(page, clock="cpu", profile=passes)["profile"]
        say(f"\nprofile of the WeasyPrint floor (its own process), {page.job.locale.tag}, {passes} renders:\n{text}")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def find_chromium(given: str | None) -> Path | None:
    for candidate in (given, shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class Chromium:
    """A warm headless Chromium: one browser, one page; each render loads the page from file://
    (the same HTML with the same font CSS in a <style>) and prints it tagged, with an outline.
    It sees the fonts the build sees, through the same Fontconfig configuration: the declared
    files alone, under their declared names."""

    def __init__(self, executable: Path, workdir: Path, base_dir: Path) -> None:
        from playwright.sync_api import sync_playwright

        self.workdir = workdir
        self.base_href = base_dir.resolve().as_uri() + "/"
        self.playwright = sync_playwright().start()
        fonts = {"FONTCONFIG_FILE": str(declared_fonts().fontconfig_file)}
        self.browser = self.playwright.chromium.launch(
            executable_path=str(executable), args=CHROMIUM_FLAGS, env={**os.environ, **fonts}
        )
        self.page = self.browser.new_page()
        self.urls: dict[str, str] = {}

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()

    def url(self, page: Page) -> str:
        tag = page.job.locale.tag
        if tag not in self.urls:
            head = '<meta charset="utf-8">'
            if head not in page.html:
                raise SystemExit(f"{tag}: the page has no {head!r} to put the fonts after")
            extra = f'{head}\n<base href="{self.base_href}">\n<style>\n{page.css}</style>'
            path = self.workdir / f"chromium-{tag}.html"
            path.write_text(page.html.replace(head, extra, 1), encoding="utf-8")
            self.urls[tag] = path.as_uri()
        return self.urls[tag]

    def render(self, page: Page) -> bytes:
        self.page.goto(self.url(page), wait_until="load")
        failed = self.page.evaluate(
            "document.fonts.ready.then(() => [...document.fonts].filter(f => f.status === 'error').map(f => f.family))"
        )
        if failed:
            raise SystemExit(f"{page.job.locale.tag}: Chromium could not load the fonts {failed}")
        return self.page.pdf(tagged=True, outline=True, prefer_css_page_size=True, print_background=True)

    def settle(self, window: float = 0.05, limit: float = 2.0) -> None:
        """Wait, untimed, until Chromium's processes are idle again.

        They go on working for some milliseconds after `page.pdf()` returns (freeing the page,
        compositing). On two cores that work would run beside whatever is measured next and count
        as that render's wall time; each measurement starts on an idle machine instead."""
        deadline = time.perf_counter() + limit
        used = descendants_cpu()
        while time.perf_counter() < deadline:
            time.sleep(window)
            now = descendants_cpu()
            if now - used < CLOCK_TICK / 2:  # not one clock tick of CPU in the window
                return
            used = now


Clock = Callable[[], float]


CLOCK_TICK = 1 / os.sysconf("SC_CLK_TCK")  # the resolution of a process's CPU time in /proc


def descendants_cpu() -> float:
    """CPU seconds used by this process's descendants (Chromium's processes and Playwright's
    driver), read from /proc: with `--cpu`, Chromium's cost on a machine shared with other work."""
    children: dict[int, list[int]] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        used[pid] = sum(int(f) for f in fields[11:15])  # utime, stime, and of its waited-for children
    total, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        total += used.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total * CLOCK_TICK


def timed(render: Callable[[Page], bytes], page: Page, clock: Clock) -> float:
    """One render's time. The garbage collector is emptied first, untimed: this process holds every
    locale's fonts and pages and Chromium's driver, so a full collection costs 50-80 ms here, and
    whichever render it happened to fall in, pass after pass, would look that much slower."""
    gc.collect()
    started = clock()
    render(page)
    return clock() - started


def profile(name: str, render: Callable[[Page], bytes], page: Page, passes: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(passes):
        render(page)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    say(f"\nprofile of {name}, {page.job.locale.tag}, {passes} renders:\n{out.getvalue()}")


def peer(
    workdir: Path,
    locales: list[str] | None,
    passes: int,
    chromium_path: str | None,
    profiled: list[str],
    targets: Targets,
    cpu: bool = False,
) -> None:
    project = copy_project(workdir / "peer")
    # Wall time by default; with `cpu`, the CPU time of this process (ours: a render is
    # single-threaded), of the floor's and of Chromium's processes, which a busy machine disturbs
    # far less.
    clocks: dict[str, Clock] = {"ours": time.perf_counter, "chromium": time.perf_counter}
    if cpu:  # the floor's process times its renders itself (`Floor.timed`)
        clocks = {"ours": time.process_time, "chromium": descendants_cpu}
    pages = peer_pages(project, locales)
    floor = Floor(project.templates_dir)
    renderers: dict[str, Callable[[Page], bytes]] = {"ours": render_ours, "floor": floor.render}
    executable = find_chromium(chromium_path)
    chromium = None
    if executable is None:
        say("Chromium is not installed (Debian: apt-get install chromium, as ./run test does): its column is skipped")
    else:
        chromium = Chromium(executable, workdir, project.templates_dir)
        renderers["chromium"] = chromium.render
    try:
        for page in pages:  # warm: fonts loaded, stylesheets parsed
            for render in renderers.values():
                render(page)
        times: dict[str, dict[str, list[float]]] = {name: {p.job.locale.tag: [] for p in pages} for name in renderers}
        for _ in range(passes):  # interleaved, so a burst of load on the machine hits all three alike
            for page in pages:
                for name, render in renderers.items():
                    seconds = floor.timed(page, cpu) if name == "floor" else timed(render, page, clocks[name])
                    times[name][page.job.locale.tag].append(seconds)
                    if name == "chromium" and chromium is not None:
                        chromium.settle()
        for tag in profiled:
            chosen = [p for p in pages if p.job.locale.tag == tag]
            if not chosen:
                raise SystemExit(f"--profile {tag}: not one of the measured locales")
            profile("ours", render_ours, chosen[0], passes)
            floor.profile(chosen[0], passes)
    finally:
        floor.close()
        if chromium is not None:
            chromium.close()
    medians = {name: {tag: median(values) for tag, values in by_tag.items()} for name, by_tag in times.items()}
    print_peer_table(medians, passes, "CPU time" if cpu else "wall time")
    ours, floor_ms = medians["ours"], medians["floor"]
    over_floor = [tag for tag in ours if ours[tag] > TARGET_FLOOR * floor_ms[tag]]
    targets.add(
        f"ours <= {TARGET_FLOOR} x the WeasyPrint floor for every locale"
        + (f" (over: {', '.join(over_floor)})" if over_floor else ""),
        not over_floor,
    )
    if "chromium" in medians:
        chrome = medians["chromium"]
        # Ours <= Chromium, except where WeasyPrint's own floor is above
        # Chromium, which no change of ours can close; there the README gives the profile of where
        # WeasyPrint spends the time and the upstream changes that would close it.
        floor_above = [tag for tag in ours if floor_ms[tag] > chrome[tag]]
        slower = [tag for tag in ours if ours[tag] > chrome[tag] and tag not in floor_above]
        targets.add(
            "ours <= Chromium for every locale where WeasyPrint's own floor is not above Chromium"
            + (f" (slower: {', '.join(slower)})" if slower else ""),
            not slower,
        )
        if floor_above:
            say(
                f"  WeasyPrint's own floor is above Chromium for {', '.join(floor_above)} (ours there: "
                f"{', '.join(f'{ours[tag] / chrome[tag]:.2f}' for tag in floor_above)} x Chromium): no change "
                "of ours can close that; `--profile TAG` shows where WeasyPrint spends the time, and the "
                "README's Performance section the upstream changes that would close it"
            )


def print_peer_table(medians: dict[str, dict[str, float]], passes: int, clock: str) -> None:
    names = list(medians)
    tags = list(medians["ours"])
    header = ["locale", *(f"{n} ms" for n in names), "ours/floor"] + (["ours/chromium"] if "chromium" in names else [])
    say(f"\nper-locale render, warm, {clock}, median of {passes} passes:")
    say("| " + " | ".join(header) + " |")
    say("|" + "---|" * len(header))

    def row(label: str, values: dict[str, float]) -> str:
        cells = [label, *(f"{values[n] * 1000:.0f}" for n in names), f"{values['ours'] / values['floor']:.2f}"]
        if "chromium" in names:
            cells.append(f"{values['ours'] / values['chromium']:.2f}")
        return "| " + " | ".join(cells) + " |"

    for tag in tags:
        say(row(tag, {n: medians[n][tag] for n in names}))
    say(row(f"all {len(tags)}", {n: sum(medians[n].values()) for n in names}))


# --- cold: our build against one WeasyPrint process per PDF ------------------------------------------


def baseline(project: Project, workdir: Path, locales: list[str] | None) -> tuple[float, int]:
    """The WeasyPrint CLI once per PDF on our HTML and font CSS; returns (wall time, PDFs)."""
    workdir.mkdir(parents=True, exist_ok=True)
    inputs = load_inputs(project, locales)
    jobs = plan(inputs, load_brands(project.brands_dir), workdir / "out")
    fonts = declared_fonts()
    env = create_environment(project.templates_dir)
    commands = []
    for index, job in enumerate(jobs):
        html = workdir / f"job{index}.html"
        css = workdir / f"job{index}.css"
        notice = [inputs.catalogs[tag] for tag in notice_locales(job, inputs)]
        page = render_html(
            env,
            job.handout,
            inputs.catalogs[job.locale.tag],
            job.brand,
            paper=job.paper,
            edition=job.edition,
            assistance=notice,
        )
        html.write_text(page, encoding="utf-8")
        css.write_text(page_css(fonts, inputs, job, project.templates_dir), encoding="utf-8")
        commands.append(
            [
                sys.executable,
                "-m",
                "weasyprint",
                "--pdf-variant",
                "pdf/ua-1",
                "--base-url",
                project.templates_dir.as_uri() + "/",
                "-s",
                str(css),
                str(html),
                str(workdir / f"job{index}.pdf"),
            ]
        )
    env_vars = {**os.environ, "FONTCONFIG_FILE": str(fonts.fontconfig_file)}
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, env=env_vars, capture_output=True)
    return seconds(started), len(commands)


def run_build(command: list[str]) -> float:
    """Wall time of one CLI run (see `run_cli`)."""
    return run_cli(command).wall


@dataclass(frozen=True)
class Run:
    """One CLI run: its wall time, the CPU time of the process itself and of its children
    (the worker processes and the tools it ran: msgfmt, git)."""

    wall: float
    own: float
    children: float

    def idle_wall(self, cores: int) -> float:
        """What the run would take on a machine with nothing else to do, from its CPU time: the
        process's own work as if it were all serial, the workers' shared evenly over the cores.
        Pessimistic where the process works while its workers render (it checks the catalogs)."""
        return self.own + self.children / cores


def run_cli(command: list[str]) -> Run:
    """One CLI run. Bytecode is cached as for any installed tool, even where the environment
    says otherwise (PYTHONDONTWRITEBYTECODE), so runs after the first compile nothing. The
    process's CPU and its children's are read from /proc while it is a zombie, before reaping."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, text=True)
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        elapsed = seconds(started)
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        own, children = (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick
        if process.wait() != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err.read()}")
    return Run(elapsed, own, children)


BASELINE_PASSES = 3


def cold(
    workdir: Path, locales: list[str] | None, cores: int, passes: int, targets: Targets, cpu: bool = False
) -> Project:
    project = copy_project(workdir / "shipped")
    # What a user's first run on this machine prepares once for every project (the fonts' faces,
    # CLDR's number data and plural rules, as Fontconfig keeps its own cache) is in place, as on
    # any machine that built before; the project's own cache is empty.
    run_cli([sys.executable, str(ROOT / "build.py"), "--project", str(project.root), "check", *locale_args(locales)])
    runs = []
    for _ in range(passes):
        shutil.rmtree(project.cache_dir, ignore_errors=True)
        shutil.rmtree(project.out_dir, ignore_errors=True)
        runs.append(run_cli(cli(project, "--force", "--jobs", str(cores), *locale_args(locales))))
    ours = sorted(runs, key=lambda run: run.wall)[len(runs) // 2]  # the median build, by wall time
    idle = statistics.median(run.idle_wall(cores) for run in runs)
    count = sum(1 for _ in project.out_dir.rglob("*.pdf"))
    walls, cpus = [], []
    for _ in range(BASELINE_PASSES):  # 48 processes a pass, yet its total drifts by 2-4 % from pass to pass
        before = children_cpu()
        wall, base_count = baseline(project, workdir / "baseline", locales)
        walls.append(wall)
        cpus.append(children_cpu() - before)
    base, base_cpu = statistics.median(walls), statistics.median(cpus)
    say(
        f"\ncold build of the shipped set ({count} PDFs, fresh interpreter, empty project cache, {cores} workers, "
        f"median of {passes} builds): {ours.wall:.2f} s (CPU {ours.own:.1f} s in the build's process, "
        f"{ours.children:.1f} s in its workers "
        f"and tools; {idle:.2f} s on an idle machine: the build's own CPU + its workers' / {cores})"
    )
    say(
        f"baseline, the WeasyPrint command line once per PDF ({base_count} PDFs, one after another, "
        f"median of {BASELINE_PASSES} passes): {base:.1f} s "
        f"(CPU {base_cpu:.1f} s, what it takes on an idle machine)"
    )
    say(f"ratio ours/baseline: {ours.wall / base:.3f} (idle machine, from CPU time: {idle / base_cpu:.3f})")
    floor = warm_per_pdf(project, locales)
    say(
        f"these PDFs rendered as the build renders them, warm in one process: {floor * 1000:.0f} ms of CPU a PDF; "
        f"spread over {cores} cores with nothing else: {floor * count / cores:.1f} s, "
        f"a ratio of {floor * count / cores / base_cpu:.3f}"
    )
    measured, clock = (idle / base_cpu, "idle machine, from CPU time") if cpu else (ours.wall / base, "wall time")
    targets.add(
        f"cold build <= 1/8 of one process per PDF ({measured:.3f} <= {TARGET_COLD:.3f}, {clock})",
        measured <= TARGET_COLD,
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import weasyprint"], check=True)
    plain = seconds(started)
    started = time.perf_counter()
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import handouts.pdf; handouts.pdf.import_weasyprint()"
    subprocess.run([sys.executable, "-c", code], check=True)
    say(
        f"start-up cost, importing WeasyPrint as the build does: {seconds(started):.2f} s (a plain "
        f"`import weasyprint`, which searches for its libraries: {plain:.2f} s; paid once per build: "
        "the workers fork after it)"
    )
    latin, cjk = pdf_sizes(project.out_dir)
    say(f"largest PDF: Latin/Arabic/Devanagari {latin / 1024:.0f} KiB, CJK {cjk / 1024:.0f} KiB")
    targets.add(f"PDFs <= {TARGET_KIB[0]} KiB (Latin, Arabic, Devanagari)", latin <= TARGET_KIB[0] * 1024)
    targets.add(f"PDFs <= {TARGET_KIB[1]} KiB (CJK)", cjk <= TARGET_KIB[1] * 1024)
    return project


def warm_per_pdf(project: Project, locales: list[str] | None) -> float:
    """CPU time a PDF of the shipped set takes to render as the build renders it (WeasyPrint with
    our tagging), in one warm process (every locale rendered once first): the part of a cold
    build no start-up, scheduling or checking adds to."""
    out = Project(project.root, project.root / "floor-out")
    brands = load_brands(out.brands_dir)
    inputs = load_inputs(out, choose_locales(out, brands, locales), also=assistance_locales(brands))
    jobs = plan(inputs, brands, out.out_dir)
    with all_fonts_loaded():
        start_worker(RenderContext(out, inputs, [b.path.parent for b in brands], False))
        for tag in dict.fromkeys(job.locale.tag for job in jobs):
            render_one(next(job for job in jobs if job.locale.tag == tag))
        started = time.process_time()
        for job in jobs:
            render_one(job)
        return (time.process_time() - started) / len(jobs)


def pdf_sizes(folder: Path) -> tuple[int, int]:
    """The largest PDF of the CJK locales and the largest of the others."""
    latin = cjk = 0
    for pdf in folder.rglob("*.pdf"):
        size = pdf.stat().st_size
        if pdf.parent.name.split("-")[0] in CJK:
            cjk = max(cjk, size)
        else:
            latin = max(latin, size)
    return latin, cjk


# --- noop: nothing to do, from a cold interpreter ------------------------------------------------------


def noop(project: Project, locales: list[str] | None, targets: Targets, cpu: bool = False) -> None:
    command = cli(project, *locale_args(locales))
    run_build(command)  # builds whatever is missing (when run alone), then all is up to date
    walls, cpus = [], []
    for _ in range(7):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(run_build(command))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    jobs = sum(1 for _ in project.out_dir.rglob("*.pdf"))
    say(
        f"\nno-op build ({jobs} PDFs up to date), fresh interpreter, median of 7: {median(walls):.2f} s "
        f"(CPU {median(cpus):.2f} s)"
    )
    measured, clock = (median(cpus), "CPU time") if cpu else (median(walls), "wall time")
    targets.add(f"no-op build <= {TARGET_NOOP} s ({clock})", measured <= TARGET_NOOP)


# --- scale: 1,000+ PDFs against the ideal ----------------------------------------------------------------


def synthetic_project(workdir: Path, handouts: int, brands: int) -> Project:
    """Copies of the real handout under new slugs (with their catalogs) and of its brands."""
    root = workdir / "synthetic"
    for part in ("templates", "locales"):
        shutil.copytree(ROOT / part, root / part)
    (root / "content").mkdir(parents=True)
    source = (ROOT / "content/ketamine-infusions.md").read_text(encoding="utf-8")
    for n in range(handouts):
        slug = f"handout-{n:03d}"
        (root / "content" / f"{slug}.md").write_text(source.replace("slug: ketamine-infusions", f"slug: {slug}"))
        for po in (ROOT / "locales").glob("*/LC_MESSAGES/ketamine-infusions.po"):
            shutil.copy(po, root / po.parent.relative_to(ROOT) / f"{slug}.po")
    for po in (root / "locales").glob("*/LC_MESSAGES/ketamine-infusions.po"):
        po.unlink()
    (root / "locales/ketamine-infusions.pot").unlink()
    originals = sorted(p.parent for p in (ROOT / "brands").glob("*/brand.toml"))
    for n in range(brands):
        shutil.copytree(originals[n % len(originals)], root / "brands" / f"clinic-{n:02d}")
    return Project.at(root)


def serial_per_pdf(project: Project, locales: list[str] | None, sample: int) -> tuple[float, float]:
    """In-process wall and CPU time per PDF, one process, warm (start-up excluded)."""
    inputs = load_inputs(project, locales)
    everything = plan(inputs, load_brands(project.brands_dir), project.out_dir)
    jobs = everything[:: max(1, len(everything) // sample)]  # the same mix of scripts as the whole run
    fonts = declared_fonts()
    jobs.sort(key=render_order(fonts))  # one locale after another, as a worker renders them
    with all_fonts_loaded():
        start_worker(RenderContext(project, inputs, [j.brand.path.parent for j in jobs], False))
        for tag in dict.fromkeys(job.locale.tag for job in jobs):  # warm: every script's fonts loaded
            render_one(next(job for job in jobs if job.locale.tag == tag))
        started, cpu = time.perf_counter(), time.process_time()
        for job in jobs:
            render_one(job)
        return seconds(started) / len(jobs), (time.process_time() - cpu) / len(jobs)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scale(workdir: Path, locales: list[str] | None, pdfs: int, cores: int, targets: Targets, cpu: bool) -> float:
    from handouts.pipeline import BuildOptions, build

    # Every locale folder, and the source locale, which has none.
    locale_count = len(locales) if locales else 1 + sum(1 for p in (ROOT / "locales").iterdir() if p.is_dir())
    brands = 6
    handouts = max(1, math.ceil(pdfs / (brands * locale_count)))
    project = synthetic_project(workdir / "scale", handouts=handouts, brands=brands)
    out = Project(project.root, workdir / "scale-out")
    started, own, workers = time.perf_counter(), time.process_time(), children_cpu()
    result = build(out, BuildOptions(locales=tuple(locales) if locales else None, jobs=cores, force=True))
    elapsed = seconds(started)
    spent = time.process_time() - own + children_cpu() - workers  # the workers' CPU and ours
    # Read before anything else runs as a child: the pool's workers are the only ones so far.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    count = len(result.built)
    per_pdf, per_pdf_cpu = serial_per_pdf(Project(project.root, workdir / "serial-out"), locales, 60)
    ideal = per_pdf * count / cores
    say(
        f"\nserial in-process time per PDF (warm, the same mix of scripts): {per_pdf * 1000:.0f} ms "
        f"(CPU {per_pdf_cpu * 1000:.0f} ms)"
    )
    say(f"{count} PDFs with {cores} workers: {elapsed:.1f} s; ideal {ideal:.1f} s; {count / elapsed:.1f} PDFs/s")
    say(f"throughput: {ideal / elapsed:.0%} of ideal")
    # The CPU the whole build spent against the serial CPU time of its PDFs: what the pool, the
    # workers' start-up and the parent's bookkeeping cost, undisturbed by other work on the machine.
    cpu_share = per_pdf_cpu * count / spent
    say(f"CPU: {spent:.1f} s for the build, {per_pdf_cpu * count:.1f} s of rendering: {cpu_share:.0%} of ideal")
    measured, clock = (cpu_share, "CPU time") if cpu else (ideal / elapsed, "wall time")
    targets.add(
        f"throughput at {count} PDFs >= {TARGET_THROUGHPUT:.0%} of ideal ({clock})", measured >= TARGET_THROUGHPUT
    )
    runners(count / elapsed if not cpu else cores * cpu_share / per_pdf_cpu, cores)
    say(f"peak memory of a worker: {peak:.0f} MiB")
    targets.add(f"peak memory of a worker <= {TARGET_RSS_MIB} MiB", peak <= TARGET_RSS_MIB)
    return count / elapsed


HEALTH_SYSTEM = 50 * 20 * 25 * 2  # clinics x handouts x languages x editions
PUBLISH_SECONDS = 600


def runners(pdfs_per_second: float, cores: int) -> None:
    """CI runners like this machine that publish a large health system's PDFs in 10 minutes."""
    for setup in (0, 180):
        needed = math.ceil(HEALTH_SYSTEM / (pdfs_per_second * (PUBLISH_SECONDS - setup)))
        say(
            f"{HEALTH_SYSTEM:,} PDFs (50 clinics x 20 handouts x 25 languages x 2 editions) in 10 minutes: "
            f"{needed} runners of {cores} cores with --shard K/{needed}"
            + (f", when each spends {setup} s setting up" if setup else ", counting the build alone")
        )


@contextmanager
def workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="handouts-bench-") as tmp:
        yield Path(tmp)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"locales {', '.join(QUICK_LOCALES)} only, about 100 PDFs at scale"
    )
    parser.add_argument(
        "--only", action="append", choices=("peer", "cold", "scale", "noop"), help="run only these sections"
    )
    parser.add_argument("--locale", action="append", help="measure only these locales (repeatable)")
    parser.add_argument("--passes", type=int, default=3, help="passes of the per-locale comparison (median; default 3)")
    parser.add_argument("--scale-pdfs", type=int, help="PDFs of the scale section (default 1,080; --quick 96)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers (default: the cores)")
    parser.add_argument("--chromium", help="the Chromium executable (default: chromium on PATH, /usr/bin/chromium)")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="per-locale comparison, cold build, throughput and no-op build judged in CPU time (a busy machine)",
    )
    parser.add_argument("--profile", action="append", default=[], metavar="LOCALE", help="cProfile ours and the floor")
    args = parser.parse_args()
    if args.passes < 3:
        parser.error("--passes: at least 3 (targets are medians of at least 3 passes)")
    locales = args.locale or (list(QUICK_LOCALES) if args.quick else None)
    sections = args.only or ["scale", "cold", "noop", "peer"]
    pdfs = args.scale_pdfs or (96 if args.quick else 1080)
    targets = Targets()
    if locales or args.scale_pdfs:
        say("a subset of the locales or PDFs: a quick look; the targets are judged on the full run")
    with workspace() as workdir:
        # Scale first: the worker pool's processes must be the first children, for their memory.
        if "scale" in sections:
            scale(workdir, locales, pdfs, args.jobs, targets, args.cpu)
        shipped = cold(workdir, locales, args.jobs, args.passes, targets, args.cpu) if "cold" in sections else None
        if "noop" in sections:
            noop(shipped or copy_project(workdir / "noop"), locales, targets, args.cpu)
        if "peer" in sections:
            with all_fonts_loaded():  # warm as the floor is, with every locale's fonts loaded at once
                peer(workdir, locales, args.passes, args.chromium, args.profile, targets, args.cpu)
    targets.report()
    return 0 if all(met for _, met in targets.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
