"""Where the time of a full evaluation goes: CPU per design of each phase, on one core.

    .venv/bin/python benchmarks/bench_phases.py [--n 2048] [--study FILE]

The first ``--n`` designs of a study (default ``examples/studies/ev6_million.yaml``, the
"million designs" sweep), in batches of 256 as a sweep's parts run them: validating the rows
(:meth:`evforge.design.DesignTable.from_records`), building the vehicles, then each procedure
of :func:`evforge.evaluate` alone on the built vehicles (``perf`` as evaluate runs it: the
launch to 100 km/h). For each phase, the part spent in compiled kernels (the depletion
programs, the drive-cycle, performance and charging kernels) and the rest (Python: making the
test-mass and ambient cars, packing, planning, collecting). Each figure is the best of three
after a warm-up, with ``NUMBA_NUM_THREADS=1`` and the garbage collector paused as
:func:`evforge.evaluate` pauses it.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "examples" / "studies" / "ev6_million.yaml"
PART = 256

#: The compiled entry points whose CPU time counts as "kernels": (module, function name).
KERNELS = (
    ("evforge.sim.program", "_program_parallel"),
    ("evforge.sim.program", "_program_serial"),
    ("evforge.sim.kernel", "_run_parallel"),
    ("evforge.sim.kernel", "_run_serial"),
    ("evforge.performance.kernel", "perf_kernel"),
    ("evforge.performance.kernel", "top_speed_kernel"),
    ("evforge.charging.kernel", "_run_parallel"),
    ("evforge.charging.kernel", "_run_serial"),
)
_kernel_s = [0.0]


def _count_kernels() -> None:
    """Wrap the compiled entry points so that their CPU time is added up (a call of a
    wrapped function from a caller that imported it by name is not seen: every caller
    reaches these through their module)."""
    import importlib

    for module_name, name in KERNELS:
        module = importlib.import_module(module_name)
        compiled = getattr(module, name)

        def timed(*args: Any, _f: Any = compiled, **kwargs: Any) -> Any:
            c = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                _kernel_s[0] += time.process_time() - c

        setattr(module, name, timed)


def _best(
    run: Callable[[Any], object], setup: Callable[[], Any], repeat: int = 3
) -> tuple[float, float]:
    """(CPU s, of which kernels) of the fastest of ``repeat`` calls of ``run(setup())``
    (``setup`` untimed)."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        arg = setup()
        _kernel_s[0] = 0.0
        c = time.process_time()
        run(arg)
        total = time.process_time() - c
        if total < best[0]:
            best = (total, _kernel_s[0])
    return best


def _in_parts(run: Callable[[Sequence[Any]], object]) -> Callable[[Sequence[Any]], None]:
    def go(items: Sequence[Any]) -> None:
        for a in range(0, len(items), PART):
            run(items[a : a + PART])

    return go


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--study", type=Path, default=STUDY)
    args = parser.parse_args()

    from evforge.charging import charge_batch
    from evforge.design import DesignTable
    from evforge.evaluation import _compile
    from evforge.explore.study import load_study
    from evforge.performance import performance_batch
    from evforge.procedures.run import run_procedure_batch

    _count_kernels()
    gc.disable()
    study = load_study(args.study)
    designs = study.designs(0, args.n)
    varied = [v.path for v in study.variables]
    rows = [{str(k): v for k, v in r.items()} for r in designs[varied].to_dict(orient="records")]
    n = len(rows)

    def validate() -> list[Any]:
        specs: list[Any] = []
        for a in range(0, n, PART):
            specs += DesignTable.from_records(rows[a : a + PART], base=study.base, first=a).specs
        return specs

    specs = validate()

    def built() -> list[Any]:
        """Newly built vehicles: a car keeps what a procedure packed for it (the next
        procedure of an evaluation finds it; a repeat of the same one must not)."""
        cars, _ = _compile(specs, None)
        return [v for v in cars if v is not None]

    phases: list[tuple[str, Callable[[Any], object], Callable[[], Any]]] = [
        ("validate the rows", lambda _: validate(), lambda: None),
        ("build the vehicles", _in_parts(lambda part: _compile(part, None)), lambda: specs),
    ]
    for name in ("epa", "wltp", "cltc"):
        phases.append((name, _in_parts(lambda part, _n=name: run_procedure_batch(part, _n)), built))
    # perf as evaluate runs it: after the WLTP's top-speed batch has packed the cars.
    cars = built()
    _in_parts(lambda part: run_procedure_batch(part, "wltp"))(cars)
    launch = _in_parts(lambda p: performance_batch(p, launch_only=True))
    phases.append(("perf (launch only)", launch, lambda: cars))
    phases.append(("charge 10-80 %", _in_parts(lambda p: charge_batch(p, 0.10, 0.80)), built))
    for _, run, setup in phases:  # warm-up: numba's cache loaded, the first-call costs paid
        run(setup())
    print(f"{study.source}: {n} designs in parts of {PART}, one core (us of CPU per design):")
    print("| phase | total | kernels | Python |\n|---|---:|---:|---:|")
    sums = [0.0, 0.0]
    for label, run, setup in phases:
        total, kernels = _best(run, setup)
        sums[0] += total
        sums[1] += kernels
        us = 1e6 / n
        print(f"| {label} | {total * us:.0f} | {kernels * us:.0f} | {(total - kernels) * us:.0f} |")
    print(f"| all | {sums[0] * us:.0f} | {sums[1] * us:.0f} | {(sums[0] - sums[1]) * us:.0f} |")


if __name__ == "__main__":
    main()
