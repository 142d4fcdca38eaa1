"""``evforge.evaluate``: a table of designs in, a table of results out.

One public function that the CLI (``evforge evaluate``), sweeps and the web workbench call.
Each design runs the procedures asked for; the result is a pandas DataFrame with one row per
design in input order: the design's columns (spec field paths in their documented units),
then the results, units in the column names, and an ``error`` column (empty when the design
ran). A design that cannot be built or run does not stop the others: its result cells are
missing (pandas ``<NA>``, never NaN) and ``error`` says why.

Procedures (:class:`Procedure`):

- ``epa``: EPA label range and consumption (the route the maker may choose: 0.7 factor or the
  vehicle-specific 5-cycle, 40 CFR 600.210-12), MCT or SCT;
- ``wltp``: WLTP combined range and consumption (STP, or CCP for short-range cars), test mass;
- ``cltc``: CLTC-P range and consumption (GB/T 18386.1-2021);
- ``perf``: 0-100 km/h and top speed;
- ``charge``: 10-80 % DC at a 350 kW-class charger, preconditioned, 25 °C;
- ``mass``: the curb mass the design is built with.

The designs are validated and compiled as a table, then run through the procedures in
batches of :data:`BATCH`: every test of the EPA label (the 2-cycle tests and the 5-cycle
runs), WLTP and CLTC takes all designs of a batch in one compiled run
(:mod:`evforge.sim.program`); ``perf`` and ``charge`` run in their own compiled batch
kernels (:func:`evforge.performance.performance_batch`,
:func:`evforge.charging.charge_batch`). With ``workers=N`` the batches run in a pool of N
worker processes, one per core (:func:`worker_pool`), with the same results.

Examples
--------
>>> import evforge
>>> table = evforge.evaluate(["examples/chevrolet_bolt_ev_2017.yaml"], procedures=["wltp"])
>>> round(table.loc[0, "range_wltp_km"])
449
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from evforge.design import DesignTable

if TYPE_CHECKING:
    import pandas as pd

    from evforge.vehicle import Vehicle

__all__ = ["OUTPUTS", "Procedure", "evaluate"]


class Procedure(StrEnum):
    """What :func:`evaluate` can run."""

    EPA = "epa"
    WLTP = "wltp"
    CLTC = "cltc"
    PERF = "perf"
    CHARGE = "charge"
    MASS = "mass"


#: Result columns, by procedure, with their meaning.
OUTPUTS: Final[dict[Procedure, dict[str, str]]] = {
    Procedure.EPA: {
        "range_epa_km": "EPA label range [km] (maker's choice of route)",
        "range_epa_mi": "EPA label range [mi]",
        "consumption_epa_kwh_per_100km": "EPA label consumption from the wall [kWh/100 km]",
        "epa_label_route": "which route the label takes (0.7 factor or 5-cycle)",
    },
    Procedure.WLTP: {
        "range_wltp_km": "WLTP combined range [km]",
        "consumption_wltp_kwh_per_100km": "WLTP combined consumption from the wall [kWh/100 km]",
        "test_mass_wltp_kg": "WLTP test mass [kg]",
    },
    Procedure.CLTC: {
        "range_cltc_km": "CLTC range [km]",
        "consumption_cltc_kwh_per_100km": "CLTC consumption from the wall [kWh/100 km]",
    },
    Procedure.PERF: {
        "zero_to_100_kmh_s": "0-100 km/h [s] (missing: not reached)",
        "top_speed_kmh": "top speed [km/h]",
    },
    Procedure.CHARGE: {
        "charge_10_80_min": "DC 10-80 % at a 350 kW-class charger, preconditioned [min]",
    },
    Procedure.MASS: {
        "curb_mass_kg": "curb mass without driver [kg] (as built from the spec)",
        "cost_usd": "bill-of-materials cost [USD] (specs with a design: section)",
    },
}


def _procedures(procedures: Iterable[str | Procedure] | None) -> list[Procedure]:
    from evforge.errors import InputError, Problem

    if procedures is None:
        return list(Procedure)
    out = []
    for p in procedures:
        try:
            out.append(Procedure(str(p).strip().lower()))
        except ValueError:
            known = ", ".join(x.value for x in Procedure)
            raise InputError(
                "procedures", [Problem(str(p), f"is not a procedure; expected one of {known}")]
            ) from None
    return list(dict.fromkeys(out))


#: The range procedures' columns: procedure -> (its name for run_procedure_batch, result
#: column -> its numeric key, result column -> its label key).
_RANGE_COLUMNS: Final[dict[Procedure, tuple[str, dict[str, str], dict[str, str]]]] = {
    Procedure.EPA: (
        "epa",
        {
            "range_epa_km": "range_km",
            "range_epa_mi": "range_mi",
            "consumption_epa_kwh_per_100km": "consumption_ac_kwh_per_100km",
        },
        {"epa_label_route": "label_route"},
    ),
    Procedure.WLTP: (
        "wltp",
        {
            "range_wltp_km": "range_km",
            "consumption_wltp_kwh_per_100km": "consumption_ac_kwh_per_100km",
            "test_mass_wltp_kg": "test_mass_kg",
        },
        {},
    ),
    Procedure.CLTC: (
        "cltc",
        {
            "range_cltc_km": "range_km",
            "consumption_cltc_kwh_per_100km": "consumption_ac_kwh_per_100km",
        },
        {},
    ),
}

#: Designs per batch through the procedures: results are kept, the kernel's memory is not.
BATCH: Final = 4096


def _run_batch(
    vehicles: Sequence[Vehicle], procedures: Sequence[Procedure]
) -> tuple[dict[str, list[Any]], list[str | None]]:
    """Every procedure over the batch: result columns, and per design the first error."""
    from evforge.procedures.run import run_procedure_batch

    n = len(vehicles)
    cols: dict[str, list[Any]] = {}
    errors: list[str | None] = [None] * n

    def fail(j: int, message: str | None) -> None:
        if message is not None and errors[j] is None:
            errors[j] = message

    for procedure, (name, numbers, labels) in _RANGE_COLUMNS.items():
        if procedure not in procedures:
            continue
        result = run_procedure_batch(vehicles, name)
        for j in range(n):
            fail(j, result.error[j])
        for column, key in numbers.items():
            cols[column] = list(result.columns[key])
        for column, key in labels.items():
            cols[column] = list(result.labels[key])
    if Procedure.PERF in procedures:
        from evforge.performance import performance_batch

        perf = performance_batch(vehicles, launch_only=True)  # the two figures below
        for j in range(n):
            fail(j, perf.error[j])
        cols["zero_to_100_kmh_s"] = list(perf.zero_to_100_kmh_s)  # NaN (not reached): <NA>
        cols["top_speed_kmh"] = list(perf.top_speed_kmh)
    if Procedure.CHARGE in procedures:
        from evforge.charging import charge_batch

        sessions = charge_batch(vehicles, 0.10, 0.80)
        for j in range(n):
            fail(j, sessions.error[j])
        cols["charge_10_80_min"] = list(sessions.time_min)
    if Procedure.MASS in procedures:
        cols["curb_mass_kg"] = [v.curb_mass_kg for v in vehicles]
        cols["cost_usd"] = [
            next((d.value for d in v.provenance if d.name == "design.cost"), None) for v in vehicles
        ]
    return cols, errors


def evaluate(
    designs: DesignTable | pd.DataFrame | Sequence[str | Path | Vehicle],
    *,
    procedures: Iterable[str | Procedure] | None = None,
    params: Any = None,
    base: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    design_columns: bool = True,
    workers: int = 1,
) -> pd.DataFrame:
    """Evaluate designs: one row of results per design, in input order.

    Parameters
    ----------
    designs : DesignTable, DataFrame, or sequence of spec paths or Vehicles
        A :class:`~evforge.design.DesignTable`; a table whose columns are spec field paths
        (with ``base`` a spec the rows override); spec files; or built vehicles (run as they
        are; their design columns are then just ``name``).
    procedures : iterable of str, optional
        Any of ``epa, wltp, cltc, perf, charge`` (:class:`Procedure`); default all.
    params : parameter set, optional
        The model coefficients; default the shipped set.
    base : spec file, optional
        For a DataFrame of field paths: the spec each row starts from.
    progress : callable(done, total), optional
        Called after each batch of designs.
    design_columns : bool
        Return the design columns (default); False: ``design_id`` and the results only
        (a sweep, which keeps its own varied columns, saves the table's conversion).
    workers : int
        Processes to run the designs in (default 1: this process, its compiled kernels on
        all cores). With more, the designs are validated here, then built and run in parts
        by a pool of worker processes (started on first use, ~2 s each, and kept for later
        calls), each on one core: the per-design Python then runs in parallel too. The
        results are the same, bit for bit.

    Returns
    -------
    pandas.DataFrame
        ``design_id`` (0..n-1), the design columns, the result columns of :data:`OUTPUTS`
        for the procedures run, and ``error``. Missing results are ``<NA>``.

    Raises
    ------
    InputError
        If a design row or spec file is invalid (all rows are checked, every bad one named),
        a procedure name is unknown, or ``workers`` is not a positive integer.
    """
    import gc

    from evforge.errors import InputError, Problem

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError("workers", [Problem(repr(workers), "expected a positive integer")])
    # The cyclic garbage collector is paused while the designs run: they allocate many
    # small objects (specs, vehicles, their provenance) and no cycles worth collecting, and
    # its passes cost 15-20 % of the time (measured on 2,000 designs, all procedures).
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _evaluate(designs, procedures, params, base, progress, design_columns, workers)
    finally:
        if paused:
            gc.enable()


def _evaluate(
    designs: DesignTable | pd.DataFrame | Sequence[str | Path | Vehicle],
    procedures: Iterable[str | Procedure] | None,
    params: Any,
    base: str | Path | None,
    progress: Callable[[int, int], None] | None,
    design_columns: bool,
    workers: int,
) -> pd.DataFrame:
    """:func:`evaluate`'s work."""
    import pandas as pd

    from evforge.vehicle import Vehicle

    wanted = _procedures(procedures)
    if isinstance(designs, pd.DataFrame) and workers > 1 and len(designs) > _PART_MIN:
        # The rows are validated by the workers too, each its part (named as in the table).
        return _frame_parallel(designs, base, wanted, params, workers, progress, design_columns)
    items: Sequence[Any]  # specs (VehicleSpec) to build, or built vehicles
    built = False
    table: DesignTable | None = None
    if isinstance(designs, pd.DataFrame):
        designs = DesignTable.from_frame(designs, base=base)
    if isinstance(designs, DesignTable):
        table = designs
        items = table.specs
    else:
        listed = list(designs)
        if all(isinstance(x, Vehicle) for x in listed):
            items, built = listed, True
        else:
            table = DesignTable.from_specs([Path(str(x)) for x in listed])
            items = table.specs
    parallel = workers > 1 and len(items) > _PART_MIN
    # The workers start on their parts before the design columns are made here.
    jobs = _submit(_run_part, items, (built, wanted, params), workers) if parallel else None
    if table is None:
        names = [v.name for v in items if isinstance(v, Vehicle)]
        frame = pd.DataFrame({"design_id": range(len(items)), "name": names})
    else:
        frame = table.to_frame() if design_columns else _ids(len(table))
    if jobs is not None:
        values, errors = _join(_collect(jobs, len(items), progress), wanted)
    else:
        values, errors = _run(items, built, wanted, params, progress)
    return _results(frame, values, errors, wanted)


def _results(
    frame: pd.DataFrame,
    values: dict[str, list[Any]],
    errors: list[str | None],
    wanted: Sequence[Procedure],
) -> pd.DataFrame:
    """The design columns, then the result columns (nullable types) and ``error``."""
    import pandas as pd

    columns = [c for p in wanted for c in OUTPUTS[p]]
    out = pd.DataFrame(values, columns=columns)
    for col in columns:
        if col == "epa_label_route":
            out[col] = out[col].astype("string")
        else:
            out[col] = pd.to_numeric(out[col]).astype("Float64")
    out["error"] = pd.Series(errors, dtype="string")
    return pd.concat([frame.reset_index(drop=True), out], axis=1)


def _run(
    items: Sequence[Any],
    built: bool,
    wanted: Sequence[Procedure],
    params: Any,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, list[Any]], list[str | None]]:
    """Build (unless ``built``) and run the designs in this process, a batch at a time (the
    vehicles of one batch are kept at a time): the result columns (in design order; None
    where missing) and per design its error."""
    columns = [c for p in wanted for c in OUTPUTS[p]]
    total = len(items)
    values: dict[str, list[Any]] = {c: [None] * total for c in columns}
    errors: list[str | None] = [None] * total
    for start in range(0, total, BATCH):
        part = items[start : start + BATCH]
        vehicles: list[Vehicle | None]
        if built:
            vehicles = list(part)
        else:
            vehicles, failed = _compile(part, params)
            errors[start : start + len(part)] = failed
        idx = [start + j for j, v in enumerate(vehicles) if v is not None]
        batch = [v for v in vehicles if v is not None]
        try:
            cols, errs = _run_batch(batch, wanted) if batch else ({}, [])
        except Exception as exc:  # a fault of the batch as a whole: every design says so
            cols, errs = {}, [_message(exc)] * len(idx)
        for k, i in enumerate(idx):
            if errs[k] is not None:
                errors[i] = errs[k]  # a design that failed anywhere has no results
                continue
            for col in columns:
                values[col][i] = cols[col][k]
        if progress is not None:
            progress(start + len(part), total)
    return values, errors


PARTS_PER_WORKER: Final = 2


def _run_part(
    items: Sequence[Any], first: int, built: bool, wanted: Sequence[Procedure], params: Any
) -> tuple[dict[str, list[Any]], list[str | None]]:
    """:func:`_run` in a worker process (``first``: the part's first design), the garbage
    collector paused as :func:`evaluate` pauses it."""
    import gc

    gc.disable()
    try:
        return _run(items, built, wanted, params)
    finally:
        gc.enable()


#: Fewest designs for which :func:`evaluate` hands the work to its worker processes.
_PART_MIN: Final = 64
#: The worker pools of :func:`evaluate` (one per worker count), kept for later calls.
_POOLS: dict[int, Any] = {}


def _worker_init() -> None:
    """A worker process's set-up: its compiled kernels run on one thread. The processes
    are the parallelism; a numba thread pool in each would contend for the same cores
    (and its idle threads spin)."""
    import os

    os.environ["NUMBA_NUM_THREADS"] = "1"
    import numba

    numba.set_num_threads(1)


def worker_pool(workers: int) -> Any:
    """The pool of ``workers`` spawned processes (:func:`_worker_init`), started on first
    use and shut down at exit. Spawned, not forked: numba's threading layer must not be
    forked."""
    pool = _POOLS.get(workers)
    if pool is None:
        import atexit
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init)
        _POOLS[workers] = pool
        if len(_POOLS) == 1:
            atexit.register(_close_pools)
    return pool


def _close_pools() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=False, cancel_futures=True)
    _POOLS.clear()


def _submit(
    task: Callable[..., Any], items: Sequence[Any], args: tuple[Any, ...], workers: int
) -> list[tuple[int, Any]]:
    """``task(part, *args)`` for the parts of ``items`` on the worker pool: (index of the
    part's first item, future) per part."""
    from concurrent.futures.process import BrokenProcessPool

    total = len(items)
    # Parts of whole blocks of lanes, at most a batch each, as many for every worker (at
    # least PARTS_PER_WORKER): the workers finish together.
    lanes = 64
    count = workers * max(PARTS_PER_WORKER, -(-total // (workers * BATCH)))
    size = -(-total // count)
    size = min(BATCH, max(lanes, -(-size // lanes) * lanes))
    starts = range(0, total, size)
    for attempt in range(2):
        pool = worker_pool(workers)
        try:
            return [(a, pool.submit(task, items[a : a + size], a, *args)) for a in starts]
        except BrokenProcessPool:  # a worker died in an earlier call: a new pool, once
            _POOLS.pop(workers, None)
            if attempt:
                raise
    raise AssertionError("unreachable")


def _collect(
    jobs: list[tuple[int, Any]], total: int, progress: Callable[[int, int], None] | None
) -> list[Any]:
    """The parts' results in order (``progress`` as parts finish; a part's result is a
    tuple whose last item has one entry per design)."""
    from concurrent.futures import as_completed

    first = {future: a for a, future in jobs}
    parts: dict[int, Any] = {}
    done = 0
    for future in as_completed(first):
        parts[first[future]] = part = future.result()
        done += len(part[-1])
        if progress is not None:
            progress(done, total)
    return [parts[a] for a, _ in jobs]


def _join(
    parts: Sequence[tuple[dict[str, list[Any]], list[str | None]]], wanted: Sequence[Procedure]
) -> tuple[dict[str, list[Any]], list[str | None]]:
    """The parts' result columns and errors, joined in design order."""
    columns = [c for p in wanted for c in OUTPUTS[p]]
    values: dict[str, list[Any]] = {c: [] for c in columns}
    errors: list[str | None] = []
    for cols, errs in parts:
        for c in columns:
            values[c].extend(cols[c])
        errors.extend(errs)
    return values, errors


def _frame_parallel(
    designs: pd.DataFrame,
    base: str | Path | None,
    wanted: Sequence[Procedure],
    params: Any,
    workers: int,
    progress: Callable[[int, int], None] | None,
    design_columns: bool,
) -> pd.DataFrame:
    """:func:`evaluate` of a table of field paths on the worker pool: each part's rows
    validated, built and run by a worker; every bad row of every part named, as one error."""
    import pandas as pd

    from evforge.design import _nullable
    from evforge.errors import InputError
    from evforge.spec.loader import load_spec

    spec = load_spec(base) if isinstance(base, str | Path) else base  # read once, here
    records = designs.to_dict(orient="records")
    jobs = _submit(_table_part, records, (spec, wanted, params, design_columns), workers)
    parts = _collect(jobs, len(records), progress)
    bad = [p[0] for p in parts if isinstance(p[0], InputError)]
    if bad:
        raise InputError.merge(bad)
    values, errors = _join([(p[1], p[2]) for p in parts], wanted)
    if design_columns:
        frame = pd.concat([p[0] for p in parts], ignore_index=True)
        frame["design_id"] = range(len(frame))
        frame = _nullable(frame)
    else:
        frame = _ids(len(records))
    return _results(frame, values, errors, wanted)


def _table_part(
    records: Sequence[dict[str, Any]],
    first: int,
    base: Any,
    wanted: Sequence[Procedure],
    params: Any,
    design_columns: bool,
) -> tuple[Any, dict[str, list[Any]], list[str | None]]:
    """A worker's part of a table of field paths (rows ``first``..): its design columns
    (or None), result columns and errors; or, if a row is invalid, the InputError naming
    every bad row of the part (and no results)."""
    from evforge.errors import InputError

    try:
        table = DesignTable.from_records(records, base=base, first=first)
    except InputError as exc:
        return exc, {}, [None] * len(records)
    frame = table.to_frame() if design_columns else None
    values, errors = _run_part(table.specs, first, False, wanted, params)
    return frame, values, errors


def _ids(n: int) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"design_id": range(n)})


def _compile(specs: Sequence[Any], params: Any) -> tuple[list[Vehicle | None], list[str | None]]:
    """Each spec built (:func:`~evforge.spec.derive.build_vehicle`), or its error."""
    from evforge.spec.derive import build_vehicle

    vehicles: list[Vehicle | None] = []
    errors: list[str | None] = []
    for spec in specs:
        try:
            built = build_vehicle(spec) if params is None else build_vehicle(spec, params=params)
            vehicles.append(built)
            errors.append(None)
        except Exception as exc:
            vehicles.append(None)
            errors.append(_message(exc))
    return vehicles, errors


def _message(exc: BaseException) -> str:
    from evforge.errors import EvforgeError, InputError

    if isinstance(exc, InputError):
        return "; ".join(exc.lines())
    if isinstance(exc, EvforgeError):
        return str(exc)
    return f"internal error ({type(exc).__name__}: {one_line(str(exc))})"


def one_line(text: str, limit: int = 300) -> str:
    """A message as one plain line: terminal colour codes removed, the first line kept."""
    import re

    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."
