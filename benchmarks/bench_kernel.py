"""Kernel speed: time per vehicle-cycle for one vehicle and for a batch, on WLTC class 3b.

Run with ``make bench`` or ``python benchmarks/bench_kernel.py [--batch 1000] [--repeat 5]``.
The first call compiles the kernel (or loads it from numba's on-disk cache); it is timed
separately and excluded from the per-simulation figures. The batch is made of distinct
variants (mass, drag and power spread) so no work is shared between rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import time
from pathlib import Path

import numpy as np

import evforge

ROOT = Path(__file__).resolve().parents[1]


def variants(n: int) -> list[evforge.Vehicle]:
    base = evforge.load_vehicle(ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml")
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        scale = rng.uniform(0.8, 1.25)
        out.append(
            dataclasses.replace(
                base,
                name=f"variant {i}",
                mass_kg=base.mass_kg * scale,
                inertial_mass_kg=base.inertial_mass_kg * scale,
                aero_n_per_mps2=base.aero_n_per_mps2 * rng.uniform(0.8, 1.2),
            )
        )
    return out


def timed(fn: object, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cycle", default="wltc_class3b")
    args = parser.parse_args()

    cycle = evforge.load_cycle(args.cycle)
    one = variants(1)
    batch = variants(args.batch)

    t0 = time.perf_counter()
    evforge.simulate(one, cycle)
    first_call = time.perf_counter() - t0

    single = timed(lambda: evforge.simulate(one, cycle), max(20, args.repeat))
    many = timed(lambda: evforge.simulate(batch, cycle), args.repeat)
    report = {
        "cycle": cycle.name,
        "steps": int(cycle.time_s.size),
        "first_call_s (compile or cache load)": round(first_call, 3),
        "single_vehicle_ms": round(statistics.median(single) * 1e3, 3),
        "batch_size": args.batch,
        "batch_total_ms": round(statistics.median(many) * 1e3, 2),
        "batch_per_vehicle_cycle_us": round(statistics.median(many) / args.batch * 1e6, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
