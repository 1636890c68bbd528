#!/usr/bin/env python3
"""Build speed, measured as ratios against a baseline in the same run (machines are noisy).

    python benchmarks/run.py            # the full run: 108 PDFs, then 1,080 synthetic ones
    python benchmarks/run.py --quick    # a smaller run for a quick look

1. Baseline: the WeasyPrint command line once per PDF, on the very HTML and fonts our build
   renders (one process per PDF pays WeasyPrint's start-up every time).
2. Ours, cold: `build --force` (empty cache) with a worker pool, every locale x brand.
3. The fixed start-up cost, reported apart: `import weasyprint` in a fresh interpreter.
4. Throughput at scale: synthetic handouts x brands (1,000+ PDFs) against the ideal, which is
   the serial in-process time per PDF divided by the cores; peak memory per worker.
5. PDF sizes: the largest Latin/Arabic and the largest CJK PDF.

Targets: cold build <= 1/6 of the baseline's wall time; throughput >= 80 % of ideal; peak memory
per worker <= 300 MiB; PDFs <= 60 KiB (Latin, Arabic) and <= 350 KiB (CJK).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handouts.fonts import prepare_fonts  # noqa: E402
from handouts.pipeline import Project, build, font_css, load_inputs, notice_locales, plan  # noqa: E402

CJK = ("zh", "ja", "ko")


def seconds(started: float) -> float:
    return time.perf_counter() - started


def baseline(project: Project, workdir: Path, count: int) -> tuple[float, int]:
    """The WeasyPrint CLI once per PDF on our HTML; returns (wall time, PDFs)."""
    from handouts.config import load_brands
    from handouts.render import create_environment, render_html

    workdir.mkdir(parents=True, exist_ok=True)
    inputs = load_inputs(project)
    jobs = plan(inputs, load_brands(project.brands_dir), workdir / "baseline-out")[:count]
    fonts = prepare_fonts()
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
        css.write_text(font_css(fonts, inputs, job), encoding="utf-8")
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


def ours(project: Project, jobs: int) -> tuple[float, int]:
    started = time.perf_counter()
    result = build(project, jobs=jobs, force=True)
    return seconds(started), len(result.built)


def no_op_build() -> float:
    """Median wall time of `python build.py` with every output up to date (the real project)."""
    command = [sys.executable, str(ROOT / "build.py"), "--out", str(ROOT / "dist")]
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    times = []
    for _ in range(7):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(seconds(started))
    return sorted(times)[len(times) // 2]


def startup_cost() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import weasyprint"], check=True)
    return seconds(started)


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


def serial_per_pdf(project: Project, sample: int) -> float:
    """In-process time per PDF, one process, warm (start-up excluded)."""
    from handouts.config import load_brands
    from handouts.pipeline import RenderContext, render_one, start_worker

    inputs = load_inputs(project)
    everything = plan(inputs, load_brands(project.brands_dir), project.out_dir)
    jobs = everything[:: max(1, len(everything) // sample)]  # the same mix of scripts as the whole run
    start_worker(RenderContext(project, inputs, [j.brand.path.parent for j in jobs], False))
    render_one(jobs[0])  # warm up fonts
    started = time.perf_counter()
    for job in jobs:
        render_one(job)
    return seconds(started) / len(jobs)


def pdf_sizes(folder: Path) -> tuple[int, int]:
    latin = cjk = 0
    for pdf in folder.rglob("*.pdf"):
        size = pdf.stat().st_size
        if pdf.parent.name.split("-")[0] in CJK:
            cjk = max(cjk, size)
        else:
            latin = max(latin, size)
    return latin, cjk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer PDFs: a quick look, not the targets")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    cores = args.jobs
    with tempfile.TemporaryDirectory(prefix="handouts-bench-") as tmp:
        workdir = Path(tmp)
        # Throughput at scale first, while the worker pool's processes are this process's only
        # children: their peak memory is then what getrusage reports.
        handouts, brands = (2, 3) if args.quick else (10, 6)
        scale = synthetic_project(workdir / "scale", handouts=handouts, brands=brands)
        scale_time, scale_count = ours(Project(scale.root, workdir / "scale-out"), cores)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        per_pdf = serial_per_pdf(Project(scale.root, workdir / "serial-out"), 24 if args.quick else 60)
        ideal = per_pdf * scale_count / cores
        # Every locale x six brands, cold, against one WeasyPrint process per PDF.
        fleet = synthetic_project(workdir / "fleet", handouts=1, brands=2 if args.quick else 6)
        fleet = Project(fleet.root, workdir / "fleet-out")
        ours_time, count = ours(fleet, cores)
        base_time, base_count = baseline(fleet, workdir / "baseline", count)
        latin, cjk = pdf_sizes(workdir / "fleet-out")
        print(f"cold build of {count} PDFs with {cores} workers: {ours_time:.1f} s")
        print(f"baseline, WeasyPrint CLI once per PDF ({base_count} PDFs): {base_time:.1f} s")
        print(f"ratio ours/baseline: {ours_time / base_time:.3f} (target <= {1 / 6:.3f})")
        print(f"start-up cost, import weasyprint: {startup_cost():.2f} s (paid once per worker, not per PDF)")
        print(
            f"largest PDF: Latin/Arabic {latin / 1024:.0f} KiB (target <= 60), CJK {cjk / 1024:.0f} KiB (target <= 350)"
        )
        print(f"serial in-process time per PDF: {per_pdf * 1000:.0f} ms")
        print(f"{scale_count} PDFs with {cores} workers: {scale_time:.1f} s; ideal {ideal:.1f} s")
        print(f"throughput: {ideal / scale_time:.0%} of ideal (target >= 80 %)")
        print(f"peak memory of a worker: {peak:.0f} MiB (target <= 300)")
        print(f"no-op build (every PDF up to date), median of 7: {no_op_build():.2f} s (target <= 0.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
