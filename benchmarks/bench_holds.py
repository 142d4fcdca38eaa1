"""The depletion programs' two shortcuts: a constant-speed hold's steady steps and a cycle
driven again, in ns of CPU per car and step, on one core.

    .venv/bin/python benchmarks/bench_holds.py [--cars 512]

The bundled Chevrolet Bolt EV (physical road load), ``--cars`` copies:

- *hold*: UDDS, a ramp to 100 km/h, a hold of 8,000 steps, a ramp down, UDDS; less the same
  program with a hold of 0 steps, per car and hold step (:func:`evforge.sim.program._steady_run`);
- *cycle, first drive* and *cycle, driven again*: two UDDS, then five, to no break-off
  (the small pack would empty later); the first drive is full steps, the others replay it
  (:func:`evforge.sim.program._replay`), per car and step.

Each time is the best of three calls after a warm-up (numba's cache loaded), with
``NUMBA_NUM_THREADS=1`` set before numba starts.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

import evforge
from evforge.cycles import load_cycle
from evforge.procedures.segments import _ramp
from evforge.sim import program as programs


def _best(run: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        c = time.process_time()
        run()
        best = min(best, time.process_time() - c)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cars", type=int, default=512)
    n = parser.parse_args().cars
    base = evforge.variant_spec("examples/chevrolet_bolt_ev_2017.yaml", {"road_load": None})
    cars = [evforge.build_vehicle(base)] * n
    udds = load_cycle("udds")
    speed = 100 / 3.6
    hold = programs.program(
        [
            udds,
            programs.Soft(_ramp(speed, False)),
            programs.Hold(speed, 0),
            programs.Soft(_ramp(speed, True)),
            udds,
        ]
    )
    steps = 8000
    for h in (0, steps):  # warm-up
        programs.run_program(cars[:100], hold, np.full((100, 1), h), [1])
    t0 = _best(lambda: programs.run_program(cars, hold, np.full((n, 1), 0), [1]))
    t1 = _best(lambda: programs.run_program(cars, hold, np.full((n, 1), steps), [1]))
    none = np.zeros((n, 0), dtype=np.int64)
    two, five = programs.program([udds] * 2), programs.program([udds] * 5)
    programs.run_program(cars[:100], five, none[:100], [1])
    t2 = _best(lambda: programs.run_program(cars, two, none, [1]))
    t5 = _best(lambda: programs.run_program(cars, five, none, [1]))
    drive = udds.time_s.size - 1
    first = (t2 - (t5 - t2) / 3) / (n * drive)  # two drives: one first, one replayed
    again = (t5 - t2) / (3 * n * drive)
    print(f"{n} cars, one core (ns of CPU per car and step):")
    print(f"  hold, steady steps        {1e9 * (t1 - t0) / (n * steps):6.2f}")
    print(f"  cycle, first drive        {1e9 * first:6.2f}")
    print(f"  cycle, driven again       {1e9 * again:6.2f}")


if __name__ == "__main__":
    main()
