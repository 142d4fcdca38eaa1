"""The "million designs" sweep, measured on a part of it and scaled up.

Run with ``make bench`` (last) or ``python benchmarks/bench_sweep.py [--n 65536] [--workers 2]``.
It runs ``evforge sweep`` on ``examples/studies/ev6_million.yaml`` (the Kia EV6 with battery,
drag, front motor and chemistry varied; all three range procedures, 0-100 km/h, top speed,
10-80 % DC, mass and cost) with its Sobol' sample cut to the first ``--n`` designs, as a
subprocess: wall time, CPU time of the processes, peak RSS of the largest one, the dataset's
size on disk; it checks with DuckDB that every design is there once, then states the time
and storage a 1,000,000-design run takes at the same rate (the sweep has no per-design cost
that grows with n: parts of 256 designs, each written once). Writes
``benchmark-results/bench_sweep.md`` and ``.json``.
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

import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "examples" / "studies" / "ev6_million.yaml"
OUT = ROOT / "benchmark-results"
TARGET = 1_000_000


def run(n: int, workers: int) -> dict[str, Any]:
    """Sweep the first ``n`` designs of the study; the measurements."""
    import duckdb

    data = yaml.safe_load(STUDY.read_text(encoding="utf-8"))
    data["base"] = str((STUDY.parent / data["base"]).resolve())
    data["sampling"]["n"] = n
    exe = Path(sys.executable).with_name("evforge")
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "study.yaml"
        study.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        out = Path(tmp) / "out"
        before = os.times()
        w0 = time.perf_counter()
        done = subprocess.run(
            [str(exe), "sweep", str(study), "--out", str(out), "--workers", str(workers)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - w0
        after = os.times()
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        ((rows, distinct, failed),) = duckdb.sql(
            f"select count(*), count(distinct design_id), count(error) "
            f"from read_parquet('{out}/*.parquet')"
        ).fetchall()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return {
        "n": n,
        "workers": workers,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0,
        "bytes": size,
        "rows": rows,
        "distinct": distinct,
        "failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=65536)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    load0 = [round(x, 2) for x in os.getloadavg()]
    r = run(args.n, args.workers)
    rate = r["n"] / r["wall_s"]
    scale = TARGET / r["n"]
    lines = [
        f"evforge sweep {STUDY.relative_to(ROOT)} (first {r['n']:,} designs), "
        f"--workers {r['workers']}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
        f"({r['cpu_s'] / r['n'] * 1e3:.2f} ms CPU per design), {rate:,.0f} designs/s; "
        f"peak RSS {r['peak_rss_mib']:.0f} MiB (largest process); "
        f"{r['bytes'] / 1e6:.1f} MB of Parquet; DuckDB: {r['rows']:,} rows, "
        f"{r['distinct']:,} distinct design ids, {r['failed']:,} failed.",
        f"At this rate 1,000,000 designs take {r['wall_s'] * scale / 60:.0f} min wall "
        f"(target 10 min) and {r['bytes'] * scale / 1e6:.0f} MB.",
        f"Date {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}; "
        f"{os.cpu_count()} cores; load average {load0} at the start, "
        f"{[round(x, 2) for x in os.getloadavg()]} at the end.",
    ]
    for line in lines:
        print("- " + line)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_sweep.md").write_text(
        "# Design sweep (`make bench`)\n\n" + "".join(f"- {x}\n" for x in lines),
        encoding="utf-8",
    )
    (args.out / "bench_sweep.json").write_text(
        json.dumps({**r, "notes": lines}, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
