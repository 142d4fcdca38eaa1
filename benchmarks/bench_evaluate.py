"""Full evaluation speed: ``evforge.evaluate`` over tables of designs, per procedure, and 1,000
spec files through the CLI, against FASTSim 3.1.0 in the same run.

Run with ``make bench`` (after the kernel table) or ``python benchmarks/bench_evaluate.py``
(``--help`` for the options). It prints one table and writes it to
``benchmark-results/bench_evaluate.md`` and ``.json``.

* **Designs.** A table of spec field paths over the Chevrolet Bolt example with the physical
  road load (``road_load: null``): drag coefficient, usable energy, curb mass and motor
  power drawn at random (seeded), one row per design: the path a sweep takes (the rows are
  validated as spec files are, compiled, then evaluated).
* **Rows.** ``all``: every procedure of ``evforge.evaluate`` (EPA label with the 5-cycle
  tests, WLTP, CLTC, 0-100 km/h and top speed, 10-80 % DC, mass): what the "million designs"
  target counts, in one process; ``all-workers``: the same with ``workers=2`` (two worker
  processes build and run the designs in parts, started by the warm-up call); then each
  procedure alone on the same designs, and ``table`` (building and compiling the design
  table, no procedure). Each (row, size) runs in a fresh subprocess after a warm-up call on
  8 designs (numba's cache loaded), so its peak RSS is its own. Wall and CPU time (all
  threads, and the worker processes') of one timed call.
* **Start-up.** ``import evforge`` and a first ``evforge.evaluate`` of one spec in a fresh
  process, numba's cache warm.
* **CLI.** 1,000 spec files (variants of the same car written as YAML) through
  ``evforge evaluate FILES... --json``, the whole process timed (start-up, imports and the
  cache included).
* **FASTSim 3.1.0** (when installed): its bundled Tesla Model 3 RWD over UDDS and HWFET
  (the two cycles of its EPA label; it has no WLTP, CLTC or 5-cycle procedure), 100 cars in
  turn (``benchmarks/bench_kernel.py``'s worker): the ratio is FASTSim's time per car for those
  two cycles over evforge's time per design for everything above.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml"
OUT = ROOT / "benchmark-results"
SIZES = (100, 2000)
#: ... and for the two ``all`` rows, also this many (a long run: start-up costs spread thin).
BIG = 20000
ROWS = ("all", "all-workers", "table", "epa", "wltp", "cltc", "perf", "charge")
#: Worker processes of the ``all-workers`` row (one per core of the benchmark machine).
WORKERS = 2
PROCEDURES = ("epa", "wltp", "cltc", "perf", "charge", "mass")


def frame(n: int, seed: int = 1) -> Any:
    """``n`` designs as a table of spec field paths (documented units)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "body.drag_coefficient": rng.uniform(0.22, 0.32, n).round(4),
            "battery.usable_energy": rng.uniform(45.0, 95.0, n).round(2),
            "mass.curb": rng.uniform(1400.0, 2100.0, n).round(1),
            "motors[0].peak_power": rng.uniform(100.0, 220.0, n).round(1),
        }
    )


def _worker_pids() -> list[int]:
    """The live processes of evaluate's worker pools (none without workers)."""
    from evforge import evaluation

    return [pid for pool in evaluation._POOLS.values() for pid in pool._processes]


def _cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of running processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(row: str, n: int) -> dict[str, Any]:
    """One timed call of ``row`` on ``n`` designs, after a warm-up on 8."""
    import evforge
    from evforge.design import DesignTable
    from evforge.evaluation import _compile

    base = evforge.variant_spec(BASE, {"road_load": None})
    procedures = list(PROCEDURES) if row.startswith("all") else [row]
    workers = WORKERS if row == "all-workers" else 1

    def call(designs: Any) -> Any:
        if row == "table":
            return _compile(DesignTable.from_frame(designs, base=base).specs, None)
        return evforge.evaluate(designs, base=base, procedures=procedures, workers=workers)

    call(frame(8, seed=0) if workers == 1 else frame(64 * 2 * workers, seed=0))  # pool started
    designs = frame(n)
    rss0 = _peak_rss_mib()
    pids = _worker_pids()
    k0 = _cpu_of(pids)
    w0, c0 = time.perf_counter(), time.process_time()
    out = call(designs)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    cpu += _cpu_of(pids) - k0  # the worker processes' CPU time in the call
    failed = 0 if row == "table" else int(out["error"].notna().sum())
    return {
        "row": row,
        "n": n,
        "wall_s": wall,
        "cpu_s": cpu,
        "failed": failed,
        "rss_before_mib": rss0,
        "peak_rss_mib": _peak_rss_mib(),
    }


def cli_run(count: int) -> dict[str, Any]:
    """``count`` spec files through ``evforge evaluate --json``, the process timed."""
    import yaml

    data = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    data.pop("road_load", None)
    rng = np.random.default_rng(2)
    exe = Path(sys.executable).with_name("evforge")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(count):
            spec = json.loads(json.dumps(data))
            spec["name"] = f"variant {i}"
            spec["body"]["drag_coefficient"] = round(float(rng.uniform(0.22, 0.32)), 4)
            spec["battery"]["usable_energy"] = f"{rng.uniform(45, 95):.2f} kWh"
            path = Path(tmp) / f"v{i:04d}.yaml"
            path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
            files.append(str(path))
        subprocess.run([str(exe), "evaluate", files[0], "--json"], capture_output=True, check=True)
        before = os.times()
        w0 = time.perf_counter()
        done = subprocess.run(
            [str(exe), "evaluate", *files, "--json"], capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - w0
        after = os.times()
    rows = json.loads(done.stdout)
    return {
        "count": count,
        "wall_s": wall,
        "cpu_s": (after.children_user - before.children_user)
        + (after.children_system - before.children_system),
        "exit_code": done.returncode,
        "failed": sum(1 for r in rows if r.get("error")),
    }


_STARTUP = """
import json, time
t = time.perf_counter(); c = time.process_time()
import evforge
imported = time.perf_counter() - t
t = time.perf_counter()
evforge.evaluate([{path!r}])
print(json.dumps({{"import_s": imported, "first_call_s": time.perf_counter() - t}}))
"""


def startup() -> dict[str, Any]:
    """``import evforge`` and a first ``evforge.evaluate`` of one spec (all procedures) in a
    fresh process, numba's cache warm: the median of three runs after a first (this machine
    is shared: single runs vary by +-20 %)."""
    code = _STARTUP.format(path=str(BASE))
    runs = []
    for _ in range(4):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    last = runs[1:]
    return {key: float(np.median([r[key] for r in last])) for key in last[0]}


def _spawn(args: list[str], script: Path | None = None) -> dict[str, Any]:
    """:func:`bench_kernel._spawn`, with this file as the default script."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_kernel import _spawn as spawn

    return spawn(args, script or Path(__file__).resolve())


def fastsim_label_s(cars: int) -> dict[str, Any] | None:
    """FASTSim's wall and CPU time per car over UDDS + HWFET (None if not installed)."""
    kernel = Path(__file__).with_name("bench_kernel.py")
    total: dict[str, Any] = {"wall_s": 0.0, "cpu_s": 0.0}
    for cycle in ("udds", "hwfet"):
        try:
            r = _spawn(
                ["--fastsim-worker", "--fastsim-batch", str(cars), "--fastsim-cycle", cycle],
                kernel,
            )
        except RuntimeError:
            return None
        total["wall_s"] += r["batch_wall_s"] / cars
        total["cpu_s"] += r["batch_cpu_s"] / cars
        total["version"] = r["version"]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--big", type=int, default=BIG, help="designs of the all rows' long run")
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--specs", type=int, default=1000, help="spec files through the CLI")
    parser.add_argument("--fastsim-cars", type=int, default=100)
    parser.add_argument("--no-fastsim", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", nargs=2, metavar=("ROW", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    load0 = [round(x, 2) for x in os.getloadavg()]
    fs = None if args.no_fastsim else fastsim_label_s(args.fastsim_cars)
    runs = []
    for row in args.rows.split(","):
        for n in sizes + ([args.big] if args.big and row.startswith("all") else []):
            r = _spawn(["--worker", row, str(n)])
            runs.append(r)
            print(
                f"  {row:7} {n:>7,}: {n / r['wall_s']:9.0f} designs/s wall, "
                f"{n / r['cpu_s']:8.0f} per CPU-s, peak RSS {r['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
    cli = cli_run(args.specs) if args.specs else None
    start = startup()
    header = ["row", "designs", "designs/s (wall)", "designs/CPU-s", "ms/design CPU",
              "peak RSS MiB", "vs FASTSim (per car)", "failed"]  # fmt: skip
    table = [header]
    for r in runs:
        per_design = r["wall_s"] / r["n"]
        ratio = f"{fs['wall_s'] / per_design:.1f}x" if fs and r["row"].startswith("all") else ""
        table.append(
            [
                r["row"],
                f"{r['n']:,}",
                f"{r['n'] / r['wall_s']:,.0f}",
                f"{r['n'] / r['cpu_s']:,.0f}",
                f"{r['cpu_s'] / r['n'] * 1e3:.3f}",
                f"{r['peak_rss_mib']:.0f}",
                ratio,
                str(r.get("failed", "")),
            ]
        )
    notes = [
        f"Date {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}; command "
        f"`python benchmarks/bench_evaluate.py {' '.join(sys.argv[1:])}`; {os.cpu_count()} "
        f"cores; load average {load0} at the start, "
        f"{[round(x, 2) for x in os.getloadavg()]} at the end (a shared machine: CPU time "
        "is the steadier figure).",
        "all = evforge.evaluate with epa (label incl. the 5-cycle tests), wltp, cltc, perf, "
        "charge and mass, in one process (its kernels on both cores); all-workers = the "
        f"same with workers={WORKERS} (the designs built and run in parts by {WORKERS} "
        "worker processes, started by a warm-up call before the timed one; CPU time includes "
        "theirs, peak RSS is the calling process's); table = design table + compile only.",
    ]
    if fs:
        notes.append(
            f"FASTSim {fs['version']}: {fs['wall_s'] * 1e3:.1f} ms wall, "
            f"{fs['cpu_s'] * 1e3:.1f} ms CPU per car for UDDS + HWFET (its label's two "
            f"cycles; bundled Tesla Model 3 RWD, {args.fastsim_cars} cars in turn)."
        )
    else:
        notes.append("FASTSim not run (not installed, or --no-fastsim).")
    notes.append(
        f"Start-up: `import evforge` {start['import_s']:.2f} s; a first `evforge.evaluate` of "
        f"one spec (all procedures, numba's cache warm) {start['first_call_s']:.2f} s, in a "
        "fresh process (medians of three)."
    )
    if cli:
        notes.append(
            f"CLI: {cli['count']:,} spec files through `evforge evaluate FILES... --json` "
            f"(all procedures): {cli['wall_s']:.1f} s wall, {cli['cpu_s']:.1f} s CPU, the "
            f"process included; exit code {cli['exit_code']}, {cli['failed']} failed."
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    text = "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in table
    )
    print()
    print(text)
    print()
    for note in notes:
        print("- " + note)
    args.out.mkdir(parents=True, exist_ok=True)
    md = ["# Full evaluation speed (`make bench`)", ""]
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "---|" * len(header))
    md += ["| " + " | ".join(row) + " |" for row in table[1:]]
    md += ["", *("- " + n for n in notes), ""]
    (args.out / "bench_evaluate.md").write_text("\n".join(md), encoding="utf-8")
    (args.out / "bench_evaluate.json").write_text(
        json.dumps(
            {"runs": runs, "fastsim": fs, "cli": cli, "startup": start, "notes": notes}, indent=1
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
