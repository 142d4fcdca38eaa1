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
) -> tuple[dict[str, Any], list[str | None]]:
    """Every procedure over the batch: result columns (arrays; lists for text and costs), and
    per design the first error."""
    from evforge.procedures.run import run_procedure_batch

    n = len(vehicles)
    cols: dict[str, Any] = {}
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
            cols[column] = result.columns[key]
        for column, key in labels.items():
            cols[column] = result.labels[key]
    if Procedure.PERF in procedures:
        from evforge.performance import performance_batch

        perf = performance_batch(vehicles, launch_only=True)  # the two figures below
        for j in range(n):
            fail(j, perf.error[j])
        cols["zero_to_100_kmh_s"] = perf.zero_to_100_kmh_s  # NaN (not reached): <NA>
        cols["top_speed_kmh"] = perf.top_speed_kmh
    if Procedure.CHARGE in procedures:
        from evforge.charging import charge_batch

        sessions = charge_batch(vehicles, 0.10, 0.80)
        for j in range(n):
            fail(j, sessions.error[j])
        cols["charge_10_80_min"] = sessions.time_min
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
        all cores). With more, the designs are built and run in parts by a pool of worker
        processes (started on first use, ~2 s each, and kept for later calls), each on one
        core: the per-design Python then runs in parallel too (the rows of a table are
        validated by the workers as well). The results are the same, bit for bit. A table
        runs a part of its rows at a time either way: memory stays flat in its length.

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
    if hasattr(designs, "to_pandas") and not hasattr(designs, "iloc"):  # a pyarrow Table
        designs = designs.to_pandas()
    if isinstance(designs, pd.DataFrame):
        # Validated, built and run a part at a time (by the workers, with workers > 1):
        # memory stays flat in the number of rows.
        return _frame_parts(designs, base, wanted, params, workers, progress, design_columns)
    items: Sequence[Any]  # specs (VehicleSpec) to build, or built vehicles
    built = False
    table: DesignTable | None = None
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
    values: dict[str, Any],
    errors: list[str | None],
    wanted: Sequence[Procedure],
) -> pd.DataFrame:
    """The design columns, then the result columns (nullable types) and ``error``."""
    import pandas as pd

    columns = [c for p in wanted for c in OUTPUTS[p]]
    out = pd.DataFrame(
        {
            col: pd.array(values[col], dtype="string" if col in _LABELS else "Float64")
            for col in columns
        },
        columns=columns,
    )
    out["error"] = pd.Series(errors, dtype="string")
    return pd.concat([frame.reset_index(drop=True), out], axis=1)


#: The result columns that are text (the others are numbers).
_LABELS: Final = frozenset({"epa_label_route"})


def _empty(columns: Sequence[str], n: int) -> dict[str, Any]:
    """Result columns of ``n`` designs, all missing: float arrays (NaN: missing, as
    :func:`_results` reads them) and, for text, lists of None."""
    import numpy as np

    return {c: [None] * n if c in _LABELS else np.full(n, np.nan) for c in columns}


def _run(
    items: Sequence[Any],
    built: bool,
    wanted: Sequence[Procedure],
    params: Any,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Any], list[str | None]]:
    """Build (unless ``built``) and run the designs in this process, a batch at a time (the
    vehicles of one batch are kept at a time): the result columns (in design order; float
    arrays with NaN where missing, lists for text) and per design its error."""
    import numpy as np

    columns = [c for p in wanted for c in OUTPUTS[p]]
    total = len(items)
    values = _empty(columns, total)
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
        ran = []  # (position in the batch, design index) of the designs with results
        for k, i in enumerate(idx):
            if errs[k] is not None:
                errors[i] = errs[k]  # a design that failed anywhere has no results
            else:
                ran.append((k, i))
        if ran:
            at = np.array([k for k, _ in ran], dtype=np.int64)
            to = np.array([i for _, i in ran], dtype=np.int64)
            for col in columns:
                if col in _LABELS:
                    for k, i in ran:
                        values[col][i] = cols[col][k]
                else:  # None (a cost without a design: section) is missing, as NaN is
                    values[col][to] = np.asarray(cols[col], dtype=np.float64)[at]
        if progress is not None:
            progress(start + len(part), total)
    return values, errors


PARTS_PER_WORKER: Final = 2


def _run_part(
    items: Sequence[Any], first: int, built: bool, wanted: Sequence[Procedure], params: Any
) -> tuple[dict[str, Any], list[str | None]]:
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
    size = _part_size(total, workers)
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
    parts: Sequence[tuple[dict[str, Any], list[str | None]]], wanted: Sequence[Procedure]
) -> tuple[dict[str, Any], list[str | None]]:
    """The parts' result columns and errors, joined in design order."""
    import numpy as np

    columns = [c for p in wanted for c in OUTPUTS[p]]
    values: dict[str, Any] = {}
    for c in columns:
        pieces = [cols[c] for cols, _ in parts]
        if c in _LABELS:
            values[c] = [x for piece in pieces for x in piece]
        else:
            values[c] = np.concatenate(pieces) if pieces else np.empty(0)
    errors = [e for _, errs in parts for e in errs]
    return values, errors


def _frame_parts(
    designs: pd.DataFrame,
    base: str | Path | None,
    wanted: Sequence[Procedure],
    params: Any,
    workers: int,
    progress: Callable[[int, int], None] | None,
    design_columns: bool,
) -> pd.DataFrame:
    """:func:`evaluate` of a table of field paths, a part of its rows at a time: each part
    validated, built and run (:func:`_table_part`) in this process or, with ``workers`` > 1,
    by the worker pool, a few parts in flight at a time; only the parts' results are kept,
    so memory stays flat in the number of rows. Every bad row of every part is named, as one
    error (once a part has a bad row, the later parts are only validated)."""
    import pandas as pd

    from evforge.design import _nullable
    from evforge.errors import InputError
    from evforge.spec.loader import load_spec

    spec = load_spec(base) if isinstance(base, str | Path) else base  # read once, here
    total = len(designs)
    parallel = workers > 1 and total > _PART_MIN
    size = _part_size(total, workers) if parallel else BATCH
    starts = list(range(0, total, size))

    def rows(a: int) -> list[dict[str, Any]]:
        part = designs.iloc[a : a + size].to_dict(orient="records")
        return [{str(k): v for k, v in row.items()} for row in part]

    parts: dict[int, tuple[Any, dict[str, Any], list[str | None]]] = {}
    done = 0
    if parallel:
        for a, part in _stream(
            _table_part, starts, rows, (spec, wanted, params, design_columns), workers
        ):
            parts[a] = part
            done += len(part[2])
            if progress is not None:
                progress(done, total)
    else:
        failed = False
        for a in starts:
            if failed:  # a bad row earlier: the rest are only checked
                parts[a] = (_check_part(rows(a), a, spec), {}, [])
                continue
            parts[a] = part = _table_part(rows(a), a, spec, wanted, params, design_columns)
            failed = isinstance(part[0], InputError)
            done += len(part[2])
            if progress is not None:
                progress(done, total)
    ordered = [parts.pop(a) for a in starts]
    bad = [p[0] for p in ordered if isinstance(p[0], InputError)]
    if bad:
        raise InputError.merge(bad)
    values, errors = _join([(p[1], p[2]) for p in ordered], wanted)
    if design_columns and ordered:
        frame = pd.concat([p[0] for p in ordered], ignore_index=True)
        ordered.clear()  # the parts' frames go before the whole is made nullable
        frame["design_id"] = range(len(frame))
        frame = _nullable(frame)
    else:
        frame = _ids(total)
    ordered.clear()
    return _results(frame, values, errors, wanted)


def _check_part(records: Sequence[dict[str, Any]], first: int, base: Any) -> Any:
    """The InputError of a part's bad rows, or None."""
    from evforge.errors import InputError

    try:
        DesignTable.from_records(records, base=base, first=first)
    except InputError as exc:
        return exc
    return None


def _part_size(total: int, workers: int) -> int:
    """Designs per part for the worker pool: whole blocks of lanes, at most a batch, as many
    parts for every worker (at least PARTS_PER_WORKER) so that the workers finish together."""
    lanes = 64
    count = workers * max(PARTS_PER_WORKER, -(-total // (workers * BATCH)))
    size = -(-total // count)
    return min(BATCH, max(lanes, -(-size // lanes) * lanes))


def _stream(
    task: Callable[..., Any],
    starts: Sequence[int],
    make: Callable[[int], Any],
    args: tuple[Any, ...],
    workers: int,
) -> Iterable[tuple[int, Any]]:
    """``task(make(a), a, *args)`` for each part start ``a`` on the worker pool, at most
    two parts per worker in flight (a part's input is made when it is sent): (a, result) as
    the parts finish."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    window = 2 * workers
    todo = list(starts)
    pending: dict[Any, int] = {}
    pool = worker_pool(workers)
    fresh = True  # a pool broken before this call is replaced once
    while todo or pending:
        while todo and len(pending) < window:
            a = todo[0]
            try:
                future = pool.submit(task, make(a), a, *args)
            except BrokenProcessPool:
                if not fresh:
                    raise
                _POOLS.pop(workers, None)
                pool, fresh = worker_pool(workers), False
                continue
            fresh = False
            todo.pop(0)
            pending[future] = a
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            yield pending.pop(future), future.result()


def _table_part(
    records: Sequence[dict[str, Any]],
    first: int,
    base: Any,
    wanted: Sequence[Procedure],
    params: Any,
    design_columns: bool,
) -> tuple[Any, dict[str, Any], list[str | None]]:
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
