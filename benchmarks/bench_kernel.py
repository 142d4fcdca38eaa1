"""Kernel speed: vehicle-cycles per second on WLTC class 3b, 1 to 100,000 designs, vs FASTSim.

Run with ``make bench`` (``python benchmarks/bench_kernel.py``; ``--help`` for the options).
It prints one table and writes it to ``benchmark-results/bench_kernel.md`` and ``.json``.

* **Designs.** :data:`N_SPEC` variants of the Chevrolet Bolt example built with
  :func:`evforge.variant` (curb mass, drag coefficient, motor power, usable energy, gear ratio
  and auxiliary power drawn at random, the physical road load, so every derived quantity
  follows), each in :data:`N_EACH` versions with its mass and aerodynamic term scaled a few
  per cent with :func:`dataclasses.replace`: 1,000 distinct parameter sets, tiled to the batch
  size (building 100,000 vehicles is not what is timed; the kernel shares no work between
  rows, so repeated rows cost what distinct ones do).
* **Rows.** ``kernel``: :func:`evforge.sim.simulate.iter_totals`, the vehicles packed and
  simulated chunk by chunk to their energy totals (what a design sweep needs); ``simulate``:
  the public :func:`evforge.simulate`, which also builds one result object per vehicle. Each
  (row, size) runs in a fresh subprocess, so its peak RSS is its own; the first call
  (compiling the kernel or loading it from numba's cache) is made before the timing. Wall
  time is the best of a few repeats, with the CPU time (all threads) of that repeat; for
  small batches a repeat is many calls, the times per call.
* **FASTSim 3.1.0** (when installed): its bundled Tesla Model 3 RWD built as in
  ``benchmarks/fastsim_compare.py`` (thermal models off, no history), on WLTC class 3b built
  from evforge's cycle; ``SimDrive.run()`` timed (not the vehicle construction): one car,
  median of repeats, and a batch of cars with their mass and drag varied, one after another
  (FASTSim has no batch mode).
* **Checks.** Before timing, the vector fast path of the kernel is compared with the scalar
  reference path (``run_batch(..., fast=False)``) on the 1,000 designs, and the kernel's O(1)
  open-circuit-voltage lookup with :func:`numpy.interp` (inside, at and beyond the table,
  NaN): both must be bit-identical.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml"
CYCLE = "wltc_class3b"
SIZES = (1, 1_000, 10_000, 100_000)
#: Spec-level variants (evforge.variant) and versions of each (dataclasses.replace).
N_SPEC = 200
N_EACH = 5
#: A timing sample lasts at least this long [s] (small batches: many calls per sample).
MIN_SAMPLE_S = 0.3
OUT = ROOT / "benchmark-results"


# --------------------------------------------------------------------------------------------
# designs
# --------------------------------------------------------------------------------------------


def designs(n_spec: int = N_SPEC, n_each: int = N_EACH, seed: int = 0) -> list[Any]:
    """``n_spec × n_each`` distinct designs (see the module notes)."""
    import evforge

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_spec):
        car = evforge.variant(
            BASE,
            {
                "road_load": None,
                "mass.curb": f"{rng.uniform(1300, 2000):.1f} kg",
                "body.drag_coefficient": round(float(rng.uniform(0.24, 0.34)), 4),
                "motors[0].peak_power": f"{rng.uniform(100, 200):.1f} kW",
                "battery.usable_energy": f"{rng.uniform(50, 80):.1f} kWh",
                "gear_ratio": round(float(rng.uniform(6.5, 9.5)), 3),
                "auxiliary_power": f"{rng.uniform(200, 600):.0f} W",
            },
            name=f"design {i}",
        )
        for e in range(n_each):
            scale = 1.0 + 0.02 * e
            out.append(
                dataclasses.replace(
                    car,
                    name=f"design {i}.{e}",
                    mass_kg=car.mass_kg * scale,
                    inertial_mass_kg=car.inertial_mass_kg * scale,
                    aero_n_per_mps2=car.aero_n_per_mps2 * (1.0 - 0.01 * e),
                )
            )
    return out


def tile(pool: list[Any], n: int) -> list[Any]:
    """``n`` vehicles: the pool repeated (and cut)."""
    return (pool * (n // len(pool) + 1))[:n]


# --------------------------------------------------------------------------------------------
# timing, in a subprocess per row and size
# --------------------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _samples(fn: Any, calls: int, repeat: int) -> list[tuple[float, float]]:
    """``repeat`` samples of ``calls`` calls: (wall, CPU) per call [s]."""
    out = []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            fn()
        out.append(((time.perf_counter() - w0) / calls, (time.process_time() - c0) / calls))
    return out


def kernel_path(batch: list[Any], cycle: Any) -> float:
    """The kernel row: the batch to its energy totals, chunk by chunk (a checksum returned)."""
    from evforge.sim import kernel as k
    from evforge.sim.simulate import iter_totals

    total = 0.0
    for _start, totals in iter_totals(batch, cycle):
        total += float(totals[:, k.E_CHEM].sum())
    return total


def simulate_path(batch: list[Any], cycle: Any) -> float:
    """The simulate row: the public call, one result object per vehicle."""
    import evforge

    results = evforge.simulate(batch, cycle)
    return float(sum(r.energy_kwh.battery for r in results))


def worker(mode: str, n: int, pool_file: str) -> dict[str, Any]:
    """Time one row at one size (run in a fresh subprocess)."""
    import numba

    import evforge
    from evforge.sim import kernel as k

    pool = pickle.loads(Path(pool_file).read_bytes())
    batch = tile(pool, n)
    cycle = evforge.load_cycle(CYCLE)
    fn = {"kernel": kernel_path, "simulate": simulate_path}[mode]
    w0 = time.perf_counter()
    fn(batch[:1], cycle)  # compile, or load the kernel from numba's cache: serial ...
    if n > k.LANES:
        fn(batch[: k.LANES + 1], cycle)  # ... and parallel (more than one block)
    first_call = time.perf_counter() - w0
    base_rss = _peak_rss_mib()
    w0 = time.perf_counter()
    fn(batch, cycle)
    once = time.perf_counter() - w0
    calls = max(1, math.ceil(MIN_SAMPLE_S / max(once, 1e-6))) if once < MIN_SAMPLE_S else 1
    repeat = 5 if n <= 10_000 else 2
    samples = _samples(lambda: fn(batch, cycle), calls, repeat)
    wall, cpu = min(samples)
    return {
        "row": mode,
        "n": n,
        "wall_s": wall,
        "cpu_s": cpu,
        "calls_per_sample": calls,
        "samples": repeat,
        "peak_rss_mib": _peak_rss_mib(),
        "rss_before_mib": base_rss,
        "first_call_s": first_call,
        "threads": numba.get_num_threads(),
    }


def fastsim_worker(batch: int, repeat: int, cycle: str = CYCLE) -> dict[str, Any]:
    """FASTSim 3.1.0 on ``cycle`` (default WLTC class 3b): one car (median of ``repeat``) and
    ``batch`` cars."""
    sys.path.insert(0, str(Path(__file__).parent))
    import fastsim

    import evforge
    from fastsim_compare import _deepcopy, base_dict

    ev = evforge.load_cycle(cycle)
    d = fastsim.Cycle.from_resource("udds.csv").to_dict()  # the template of a cycle dict
    steps = ev.time_s.size
    d["time_seconds"] = ev.time_s.tolist()
    d["speed_meters_per_second"] = ev.speed_mps.tolist()
    d["grade"] = ev.grade.tolist()
    for key in ("dist_meters", "pwr_max_chrg_watts", "pwr_solar_load_watts"):
        d[key] = [0.0] * steps
    d["elev_meters"] = [d["init_elev_meters"]] * steps
    d["temp_amb_air_kelvin"] = [d["temp_amb_air_kelvin"][0]] * steps
    cyc = fastsim.Cycle.from_dict(d)
    base = base_dict("model3")

    def run(veh: Any) -> tuple[float, float, Any]:
        sd = fastsim.SimDrive(veh, cyc)
        w0, c0 = time.perf_counter(), time.process_time()
        sd.run()
        return time.perf_counter() - w0, time.process_time() - c0, sd

    one = fastsim.Vehicle.from_dict(_deepcopy(base))
    run(one)  # warm-up
    singles = [run(one) for _ in range(repeat)]
    state = singles[-1][2].to_dict()["veh"]
    km = state["state"]["dist_meters"] / 1e3
    kwh = state["pt_type"]["BEV"]["res"]["state"]["energy_out_chemical_joules"] / 3.6e6
    rng = np.random.default_rng(1)
    cars = []
    for _ in range(batch):
        car = _deepcopy(base)
        car["mass_kilograms"] = base["mass_kilograms"] * rng.uniform(0.85, 1.15)
        car["chassis"]["drag_coef"] = base["chassis"]["drag_coef"] * rng.uniform(0.85, 1.15)
        for key in ("glider_mass_kilograms", "cargo_mass_kilograms", "mass_kilograms"):
            car["chassis"][key] = None
        cars.append(fastsim.Vehicle.from_dict(car))
    many = [run(car)[:2] for car in cars]
    return {
        "version": fastsim.__version__,
        "single_wall_s": statistics.median(s[0] for s in singles),
        "single_cpu_s": statistics.median(s[1] for s in singles),
        "single_repeat": repeat,
        "batch": batch,
        "batch_wall_s": sum(m[0] for m in many),
        "batch_cpu_s": sum(m[1] for m in many),
        "distance_km": km,
        "battery_kwh_per_100km": kwh / km * 100.0,
        "peak_rss_mib": _peak_rss_mib(),
    }


def _spawn(args: list[str], script: Path | None = None) -> dict[str, Any]:
    """Run ``script`` (default this file) with ``args`` in a fresh process; its last line, as
    JSON."""
    done = subprocess.run(
        [sys.executable, str(script or Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench worker {args} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------------------------
# the check and the report
# --------------------------------------------------------------------------------------------


def scalar_check(pool: list[Any]) -> str:
    """The fast path against the scalar reference path on the pool: bit-identical?"""
    import evforge
    from evforge.sim import kernel as k
    from evforge.sim.params import pack

    cycle = evforge.load_cycle(CYCLE)
    params, grid, ocv = pack(pool)
    table = k.cycle_table(cycle.time_s, cycle.speed_mps, cycle.grade)
    no_trace = np.zeros((1, 1, k.N_TRACE))
    out = []
    for fast in (True, False):
        totals = np.empty((len(pool), len(k.ENERGY_FIELDS)))
        k.run_batch(params, grid, ocv, table, totals, no_trace, False, False, fast)
        out.append(totals)
    if np.array_equal(out[0], out[1]):
        return f"bit-identical on {len(pool)} designs"
    worst = float(np.max(np.abs(out[0] - out[1]) / np.maximum(np.abs(out[1]), 1e-300)))
    return f"DIFFERENT on {len(pool)} designs (worst relative difference {worst:.3g})"


def ocv_check(vehicle: Any, n: int = 4000) -> str:
    """The kernel's O(1) OCV lookup against :func:`numpy.interp`: bit-identical?

    State-of-charge values as a lane meets them (a slow drift down through the table, its
    segment kept from value to value), random jumps across and beyond the table, every
    breakpoint and its neighbours, ±inf and NaN.
    """
    from evforge.sim import kernel as k

    lanes = k.LANES
    xs = np.asarray(vehicle.ocv_soc, dtype=np.float64)
    ys = np.zeros((xs.size, lanes))
    ys[:, 0] = vehicle.ocv_v
    rng = np.random.default_rng(2)
    socs = np.concatenate(
        [
            1.02 - np.cumsum(rng.uniform(0.0, 3e-4, n)),
            rng.uniform(-0.3, 1.3, n),
            xs,
            np.nextafter(xs, -np.inf),
            np.nextafter(xs, np.inf),
            [-1.0, 0.0, 1.0, 1.5, np.inf, -np.inf, np.nan, 0.5],
        ]
    )
    w = np.zeros(k.N_W * lanes)
    w[k.W_SOC * lanes] = socs[0]
    k._ocv_segment(w, xs, ys, 0)
    got = np.empty(socs.size)
    for i, soc in enumerate(socs):
        w[k.W_SOC * lanes] = soc
        if k._ocv_moved(w, 0, xs.size - 2.0):
            k._ocv_segment(w, xs, ys, 0)
        got[i] = k._ocv_value(w, 0, xs[0], xs[-1])
    want = np.interp(socs, xs, np.asarray(vehicle.ocv_v, dtype=np.float64))
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    if same.all():
        return f"bit-identical on {socs.size:,} values"
    return f"DIFFERENT on {int((~same).sum())} of {socs.size:,} values"


def _fmt(x: float, digits: int = 3) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def rows_table(runs: list[dict[str, Any]], fs: dict[str, Any] | None) -> list[list[str]]:
    """The table's rows (strings), evforge's then FASTSim's."""
    rows = []
    for r in runs:
        per_wall = r["wall_s"] / r["n"]
        per_cpu = r["cpu_s"] / r["n"]
        if fs is None:
            ratio = "-"
        else:
            ref = fs["single_wall_s"] if r["n"] == 1 else fs["batch_wall_s"] / fs["batch"]
            ratio = f"{ref / per_wall:,.0f}×"
        rows.append(
            [
                f"evforge {r['row']}",
                f"{r['n']:,}",
                _fmt(r["wall_s"]),
                _fmt(r["cpu_s"]),
                f"{r['n'] / r['wall_s']:,.0f}",
                f"{r['n'] / r['cpu_s']:,.0f}",
                f"{per_wall * 1e3:.4f}",
                f"{per_cpu * 1e3:.4f}",
                f"{r['peak_rss_mib']:.0f}",
                ratio,
            ]
        )
    if fs is not None:
        for label, n, wall, cpu in (
            ("FASTSim one car", 1, fs["single_wall_s"], fs["single_cpu_s"]),
            (
                f"FASTSim {fs['batch']} cars in turn",
                fs["batch"],
                fs["batch_wall_s"],
                fs["batch_cpu_s"],
            ),
        ):
            rows.append(
                [
                    label,
                    f"{n:,}",
                    _fmt(wall),
                    _fmt(cpu),
                    f"{n / wall:,.1f}",
                    f"{n / cpu:,.1f}",
                    f"{wall / n * 1e3:.2f}",
                    f"{cpu / n * 1e3:.2f}",
                    f"{fs['peak_rss_mib']:.0f}",
                    "1×",
                ]
            )
    return rows


HEADER = [
    "run",
    "vehicles",
    "wall s",
    "CPU s",
    "veh-cycles/s (wall)",
    "veh-cycles per CPU-s",
    "ms/veh-cycle (wall)",
    "ms CPU/veh-cycle",
    "peak RSS MiB",
    "speed vs FASTSim (wall)",
]


def markdown(rows: list[list[str]]) -> str:
    right = "|".join(["---"] + ["---:"] * (len(HEADER) - 1))
    lines = ["| " + " | ".join(HEADER) + " |", f"|{right}|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*r) for r in [HEADER, *rows])


def _machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--fastsim-batch", type=int, default=100)
    parser.add_argument("--fastsim-repeat", type=int, default=5)
    parser.add_argument("--no-fastsim", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", nargs=3, metavar=("ROW", "N", "POOL"), help=argparse.SUPPRESS)
    parser.add_argument("--fastsim-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fastsim-cycle", default=CYCLE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), args.worker[2])))
        return
    if args.fastsim_worker:
        print(
            json.dumps(fastsim_worker(args.fastsim_batch, args.fastsim_repeat, args.fastsim_cycle))
        )
        return

    started = time.perf_counter()
    machine = _machine()
    sizes = [int(s) for s in args.sizes.split(",")]
    w0 = time.perf_counter()
    pool = designs()
    build_s = time.perf_counter() - w0
    check = scalar_check(pool)
    ocv = ocv_check(pool[0])
    print(f"{len(pool)} designs built in {build_s:.1f} s; fast path vs scalar path: {check}")
    print(f"OCV lookup vs numpy.interp: {ocv}")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        pool_file = Path(tmp) / "pool.pkl"
        pool_file.write_bytes(pickle.dumps(pool))
        for row in ("kernel", "simulate"):
            for n in sizes:
                runs.append(_spawn(["--worker", row, str(n), str(pool_file)]))
                r = runs[-1]
                print(
                    f"  {row:8} {n:>7,}: {r['wall_s'] / n * 1e6:9.2f} us wall, "
                    f"{r['cpu_s'] / n * 1e6:9.2f} us CPU per vehicle-cycle, "
                    f"peak RSS {r['peak_rss_mib']:.0f} MiB",
                    flush=True,
                )
    fs = None
    fs_note = "FASTSim not run (--no-fastsim)"
    if not args.no_fastsim:
        try:
            fs = _spawn(
                [
                    "--fastsim-worker",
                    "--fastsim-batch",
                    str(args.fastsim_batch),
                    "--fastsim-repeat",
                    str(args.fastsim_repeat),
                ]
            )
            fs_note = (
                f"FASTSim {fs['version']}: Tesla Model 3 RWD (bundled), "
                f"{fs['distance_km']:.2f} km, "
                f"{fs['battery_kwh_per_100km']:.1f} kWh/100 km battery; one car: median of "
                f"{fs['single_repeat']} runs"
            )
        except RuntimeError as exc:
            fs_note = f"FASTSim not run: {str(exc).splitlines()[-1]}"
    rows = rows_table(runs, fs)
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    threads = runs[0]["threads"] if runs else 0
    command = "make bench (python benchmarks/bench_kernel.py" + (
        " " + " ".join(sys.argv[1:]) + ")" if sys.argv[1:] else ")"
    )
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    notes = [
        f"Date {date}; command `{command}`; {machine['cpu']}, {machine['cores']} cores, "
        f"numba {threads} threads, Python {machine['python']}; load average "
        f"{machine['load_average']} at the start, {machine['load_average_end']} at the end "
        "(a shared machine: CPU time is the steadier figure).",
        f"Cycle {CYCLE}; {len(pool)} distinct designs ({N_SPEC} evforge.variant specs × "
        f"{N_EACH} mass/drag versions) tiled to the batch size. Fast path vs scalar path: "
        f"{check}; OCV lookup vs numpy.interp: {ocv}.",
        "veh-cycles per CPU-s: per core; on 2 free cores the wall rate can reach twice it. "
        "peak RSS: the whole worker process (Python, numba and the 1,000 designs: "
        f"{min(r['rss_before_mib'] for r in runs):.0f} MiB before the first timed call).",
        "speed vs FASTSim: FASTSim's wall time per car over evforge's per vehicle-cycle "
        "(batch rows against FASTSim's cars in turn, the one-vehicle rows against its one car).",
        fs_note + ".",
    ]
    table = text_table(rows)
    print()
    print(table)
    print()
    for note in notes:
        print("- " + note)
    args.out.mkdir(parents=True, exist_ok=True)
    md = "\n".join(
        [
            "# Kernel speed (`make bench`)",
            "",
            markdown(rows),
            "",
            *("- " + note for note in notes),
            "",
        ]
    )
    (args.out / "bench_kernel.md").write_text(md)
    report = {
        "date": date,
        "command": command,
        "machine": machine,
        "cycle": CYCLE,
        "designs": len(pool),
        "fast_vs_scalar": check,
        "ocv_vs_interp": ocv,
        "evforge": runs,
        "fastsim": fs,
        "elapsed_s": time.perf_counter() - started,
    }
    (args.out / "bench_kernel.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten {args.out / 'bench_kernel.md'} and .json ({report['elapsed_s']:.0f} s)")


if __name__ == "__main__":
    main()
