"""Start-up benchmark: how long commands take before they do any work, and the index build.

    python benchmarks/startup.py [--runs 15] [--home DIR]

Times, as a user's shell would (a fresh process each time, median of
``--runs``, wall clock and the CPU time it used, which other jobs on a shared
machine disturb far less): ``emblemcheck --help``, ``catalogue list``,
``catalogue show gc-signature-en`` and a one-picture ``scan`` of a small clean
photo; beside them ``python -c pass`` (the interpreter's own floor) and
``python -c "import cv2, numpy"`` (what the commands that need no detection
avoid). Then, in this process, the parts of a scanner's start: opening
catalogue.db, loading the features blobs, building the FLANN index, and the
first detection, each the median of ``--runs``; the sum is what every worker
process pays once. The index build is timed twice: building the FLANN trees
(the first process after a catalogue build) and loading the trees an earlier
process saved (catalogue/trees.py, every later process).

The package's bytecode is compiled first, as ``pip install`` does (an
editable install under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile
every module on every start: about 0.03 s). Builds a catalogue in a fresh home (``npm pack``, as ``detection.py`` does)
unless ``--home`` names one already built. Rewrites its own section of
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import machine  # noqa: E402
from results import replace_section  # noqa: E402

from emblemcheck.catalogue import build_catalogue  # noqa: E402
from emblemcheck.catalogue.store import Catalogue, load_features  # noqa: E402
from emblemcheck.catalogue.trees import TreeCache  # noqa: E402
from emblemcheck.engine.detector import Detector  # noqa: E402
from emblemcheck.home import Home  # noqa: E402

BUILD = "build the index (Detector.build), trees built"
LOADED = "build the index, trees loaded from the cache"

#: The issue's target for ``--help``, ``catalogue list`` and ``catalogue show``.
TARGET_SECONDS = 0.15


def timed(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU (user + system) seconds of ``argv`` run ``runs`` times (one warm-up run first)."""
    walls, cpus = [], []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:
            walls.append(time.perf_counter() - t)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def in_process(step, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--home", type=Path, help="a home whose catalogue is already built")
    parser.add_argument("--results-md", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="emblemcheck-startup-"))
    home = Home(args.home or scratch / "home")
    if args.home is None:
        report = build_catalogue(home)
        if report.problems:
            raise SystemExit("catalogue build failed: " + "; ".join(report.problems))
    photo = scratch / "clean.jpg"
    rng = np.random.default_rng(7)
    Image.fromarray(rng.integers(0, 256, (600, 800, 3), np.uint8)).save(photo, quality=85)

    load = os.getloadavg()[0]
    compileall.compile_dir(ROOT / "emblemcheck", quiet=1)
    env = dict(os.environ, EMBLEMCHECK_HOME=str(home.root), NO_COLOR="1")
    cli = [str(Path(sys.executable).parent / "emblemcheck")]
    py = [sys.executable, "-c"]
    commands = {
        "python -c pass": py + ["pass"],
        "python -c 'import cv2, numpy'": py + ["import cv2, numpy"],
        # Typer's own import: the floor every command stands on.
        "python -c 'import typer'": py + ["import typer"],
        "emblemcheck --help": cli + ["--help"],
        "emblemcheck catalogue list": cli + ["catalogue", "list"],
        "emblemcheck catalogue show gc-signature-en": cli + ["catalogue", "show", "gc-signature-en"],
        "emblemcheck scan clean.jpg (one 800x600 photo)": cli + ["scan", str(photo)],
    }
    seconds = {name: timed(argv, env, args.runs) for name, argv in commands.items()}

    rows = load_features(home.catalogue_db)
    detector = Detector.build(rows)
    trees = TreeCache(scratch / "trees", "startup")
    Detector.build(rows, trees=trees)  # saves them
    rgb = np.asarray(Image.open(photo).convert("RGB"))
    steps = {
        "open catalogue.db": lambda: Catalogue.open(home.catalogue_db),
        "load features blobs": lambda: load_features(home.catalogue_db),
        BUILD: lambda: Detector.build(rows),
        LOADED: lambda: Detector.build(rows, trees=trees),
        "detect in the 800x600 photo": lambda: detector.detect(rgb),
    }
    parts = {name: in_process(step, args.runs) for name, step in steps.items()}

    lines = ["## Start-up (benchmarks/startup.py)", "",
             f"Run: `python benchmarks/startup.py --runs {args.runs}` on {time.strftime('%Y-%m-%d')}, "
             f"medians of fresh processes. Machine: {machine()}; load average before the run "
             f"{load:.1f}.", "",
             "| command | wall seconds | CPU seconds | target |", "|---|---|---|---|"]
    for name, (w, c) in seconds.items():
        target = f"<= {TARGET_SECONDS}" if name.split(" ")[1:2] in (["--help"], ["catalogue"]) else ""
        lines.append(f"| `{name}` | {w:.3f} | {c:.3f} | {target} |")
    lines += ["", "A scanner's start, in one process (median of the runs):", "",
              "| step | seconds |", "|---|---|"]
    lines += [f"| {name} | {s:.4f} |" for name, s in parts.items()]
    once = sum(v for k, v in parts.items() if not k.startswith("detect") and k != LOADED)
    later = once - parts[BUILD] + parts[LOADED]
    lines += ["", f"The first scanning process after a catalogue build pays {once:.3f} s once before its first "
              f"picture ({len(rows)} feature rows); the index build is {parts[BUILD] / once:.0%} of it. Every "
              f"later process loads the saved FLANN trees and pays {later:.3f} s.", ""]
    text = "\n".join(lines)
    print(text)
    replace_section("startup", text, args.results_md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
