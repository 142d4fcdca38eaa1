"""Per-worker sweep throughput for docs/scaling.md: one process, two local processes, and a
Dask ``LocalCluster`` of two workers on the same study, with the datasets compared.

``python benchmarks/bench_scaling.py [--n 8192]``: the first ``--n`` designs of
``examples/studies/ev6_million.yaml`` (all procedures), parts of 256 designs, each run in a
fresh process (start-up and numba's cache included); prints a table and writes
``benchmark-results/bench_scaling.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "examples" / "studies" / "ev6_million.yaml"
OUT = ROOT / "benchmark-results"


def worker(mode: str, study: str, out: str) -> dict[str, Any]:
    """Run the sweep one way (in this process); wall time."""
    from evforge.explore.study import load_study
    from evforge.explore.sweep import run_sweep

    s = load_study(study)
    w0 = time.perf_counter()
    if mode == "dask":
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
            run_sweep(s, out, cluster=cluster.scheduler_address)
    else:
        run_sweep(s, out, workers=1 if mode == "one" else 2)
    return {"wall_s": time.perf_counter() - w0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=8192)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    import pandas as pd

    data = yaml.safe_load(STUDY.read_text(encoding="utf-8"))
    data["base"] = str((STUDY.parent / data["base"]).resolve())
    data["sampling"]["n"] = args.n
    rows = []
    frames = {}
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "study.yaml"
        study.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        for mode, label, workers in (
            ("one", "1 process", 1),
            ("two", "`--workers 2` (local processes)", 2),
            ("dask", "Dask `LocalCluster`, 2 workers", 2),
        ):
            out = Path(tmp) / mode
            before = os.times()
            done = subprocess.run(
                [sys.executable, __file__, "--worker", mode, str(study), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            after = os.times()
            wall = json.loads(done.stdout.strip().splitlines()[-1])["wall_s"]
            cpu = (after.children_user - before.children_user) + (
                after.children_system - before.children_system
            )
            parts = sorted(out.glob("part-*.parquet"))
            size = sum(p.stat().st_size for p in parts)
            frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
            frames[mode] = frame.sort_values("design_id").reset_index(drop=True)
            rows.append((label, wall, cpu, args.n / wall, args.n / wall / workers, size))
    same = frames["dask"].equals(frames["one"]) and frames["two"].equals(frames["one"])
    lines = [
        "| run | wall s | CPU s (processes) | designs/s | designs/s per worker |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, wall, cpu, rate, per, _size in rows:
        cpu_text = f"{cpu:.1f}" if cpu > 0 else "-"
        lines.append(f"| {label} | {wall:.1f} | {cpu_text} | {rate:.0f} | {per:.0f} |")
    bytes_per = rows[0][5] / args.n
    notes = [
        f"{args.n:,} designs of {STUDY.relative_to(ROOT)} (all procedures), parts of 256; "
        f"datasets identical across the three runs: {same}; {bytes_per:.0f} bytes per design "
        "in the Parquet parts.",
    ]
    text = "\n".join(lines + [""] + ["- " + n for n in notes])
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_scaling.md").write_text(
        "# Sweep scaling (`python benchmarks/bench_scaling.py`)\n\n" + text + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
