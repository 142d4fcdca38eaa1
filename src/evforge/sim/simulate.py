"""Run vehicles over a cycle: the public entry point to the kernel."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from evforge.cycles import Cycle, load_cycle
from evforge.errors import EvforgeError
from evforge.physics.charger import battery_charge_efficiency, wall_energy_j
from evforge.sim import kernel as k
from evforge.sim.params import pack
from evforge.sim.results import BatchResult, EnergyBreakdown, SimResult, kwh, trace_frame
from evforge.vehicle import Vehicle

__all__ = ["CHUNK", "iter_totals", "simulate", "wall_per_dc"]


def simulate(
    vehicles: Vehicle | Sequence[Vehicle],
    cycle: Cycle | str,
    *,
    trace: bool = False,
    ambient_c: float | None = None,
    hvac: bool = True,
    past_empty: bool = False,
) -> BatchResult:
    """Simulate a batch of vehicles over one cycle in one compiled call.

    Parameters
    ----------
    vehicles : Vehicle or sequence of Vehicle
        One vehicle is a batch of one.
    cycle : Cycle or str
        A cycle, or a bundled cycle name / CSV path for :func:`evforge.cycles.load_cycle`.
    trace : bool
        Also record the per-step trace of every vehicle (memory: N × steps × 20 floats).
    ambient_c : float, optional
        Outside temperature [°C]. Given, each car starts soaked at it (cabin and pack), with
        its climate control on (``hvac``) and its pack resistance and usable charge at that
        temperature (:mod:`evforge.climate`); cars then run one by one, in segments.
        Omitted: the reference conditions, no climate control (the test-cell case).
    hvac : bool
        Climate control on when ``ambient_c`` is given.
    past_empty : bool
        False (default): the pack never delivers more than its usable energy. Once its state
        of charge reaches 0 it delivers nothing: no traction, no regeneration, no auxiliary
        or motor power; the car coasts, brakes by friction and falls behind the trace
        (``trace_miss_s``). True, as the range procedures' break-off steps it
        (:mod:`evforge.sim.program`): the pack delivers through the
        time step in which it empties, and afterwards everything but traction, until the car
        first falls behind the trace; the energy to break-off then exceeds the usable energy
        by that last step (5e-5 of it for the bundled cars). Either way the result reports
        when the pack ran empty (``battery_empty``, ``empty_time_s``, ``empty_distance_km``).

    Returns
    -------
    BatchResult
        One :class:`SimResult` per vehicle, in order.

    Notes
    -----
    The batch runs through the kernel in chunks of :data:`CHUNK` vehicles, so the kernel's
    own memory does not grow with the batch; the results do (one :class:`SimResult` each).
    For a sweep of many designs where only the energies matter, :func:`iter_totals` skips
    the results objects.
    """
    batch = [vehicles] if isinstance(vehicles, Vehicle) else list(vehicles)
    if not batch:
        raise ValueError("simulate() needs at least one vehicle")
    if not isinstance(cycle, Cycle):
        cycle = load_cycle(cycle)
    if ambient_c is not None:
        if past_empty:
            raise ValueError("past_empty applies to runs at the reference conditions only")
        from evforge.climate.params import Ambient
        from evforge.sim.ambient import run_at_ambient

        amb = Ambient(ambient_c, hvac=hvac)
        return BatchResult([run_at_ambient(v, cycle, amb, trace=trace).result for v in batch])
    n, steps = len(batch), cycle.time_s.size
    totals = np.empty((n, len(k.ENERGY_FIELDS)))
    mean_ocv = np.empty(n)  # per vehicle, for wall_per_dc (the same as its np.mean)
    traces: list[npt.NDArray[np.float64]] = []
    for start, part, rows, ocv in _run_chunks(batch, cycle, trace=trace, past_empty=past_empty):
        totals[start : start + len(part)] = part
        mean_ocv[start : start + len(part)] = np.mean(ocv, axis=1)
        if trace:
            traces.append(rows)
    if not np.all(np.isfinite(totals)):
        bad = [batch[j].name for j in np.flatnonzero(~np.isfinite(totals).all(axis=1))]
        raise EvforgeError(f"simulation produced non-finite energies for: {', '.join(bad)}")
    duration = float(cycle.time_s[-1] - cycle.time_s[0])
    per_chunk = _chunk_size(steps, trace)
    results = []
    for j, vehicle in enumerate(batch):
        t = dict(zip(k.ENERGY_FIELDS, totals[j], strict=True))
        if t["distance"] <= 0.0:
            raise EvforgeError(f"{vehicle.name} did not move on cycle {cycle.name}")
        results.append(
            SimResult(
                vehicle=vehicle.name,
                cycle=cycle.name,
                distance_km=t["distance"] / 1e3,
                duration_s=duration,
                trace_miss_s=t["trace_miss_time"],
                energy_kwh=_breakdown(vehicle, t, float(mean_ocv[j])),
                trace=(
                    trace_frame(cycle.time_s, traces[j // per_chunk][j % per_chunk])
                    if trace
                    else None
                ),
                empty_time_s=None if t["empty_time"] < 0.0 else float(t["empty_time"]),
                empty_distance_km=(
                    None if t["empty_time"] < 0.0 else float(t["empty_distance"]) / 1e3
                ),
            )
        )
    return BatchResult(results)


def iter_totals(
    vehicles: Sequence[Vehicle], cycle: Cycle | str, *, past_empty: bool = False
) -> Iterator[tuple[int, npt.NDArray[np.float64]]]:
    """The energy totals of a batch over one cycle, chunk by chunk, without results objects.

    The path for large design sweeps: memory stays flat in the batch size (a chunk of
    :data:`CHUNK` vehicles is packed and simulated at a time; no per-step arrays), and no
    :class:`SimResult` is built. The totals are those :func:`simulate` turns into its
    results, unchecked (a vehicle that did not move, or non-finite energies, are the
    caller's to look for).

    Parameters
    ----------
    vehicles : sequence of Vehicle
        The batch; all must share one OCV state-of-charge grid.
    cycle : Cycle or str
        A cycle, or a bundled cycle name / CSV path.
    past_empty : bool
        As for :func:`simulate`.

    Yields
    ------
    start : int
        Index in ``vehicles`` of the chunk's first vehicle.
    totals : (n, len(kernel.ENERGY_FIELDS)) array
        The chunk's totals, columns :data:`evforge.sim.kernel.ENERGY_FIELDS` [J; distance m,
        times s; ``empty_time`` -1 when the pack did not run empty]. Only valid until the
        next chunk is asked for (the buffer is reused).
    """
    if not vehicles:
        raise ValueError("iter_totals() needs at least one vehicle")
    if not isinstance(cycle, Cycle):
        cycle = load_cycle(cycle)
    for start, totals, _rows, _ocv in _run_chunks(
        vehicles, cycle, trace=False, past_empty=past_empty
    ):
        yield start, totals


#: Vehicles per kernel call: each chunk is packed, simulated and its arrays reused, so the
#: kernel's memory does not grow with the batch (it is a few MB).
CHUNK: Final = 4096
#: With traces, a chunk's trace rows stay under this many bytes (they are kept: every result
#: holds its trace).
_TRACE_CHUNK_BYTES: Final = 64 * 2**20


def _chunk_size(steps: int, trace: bool) -> int:
    if not trace:
        return CHUNK
    return max(1, min(CHUNK, _TRACE_CHUNK_BYTES // (steps * k.N_TRACE * 8)))


def _run_chunks(
    batch: Sequence[Vehicle], cycle: Cycle, *, trace: bool, past_empty: bool
) -> Iterator[
    tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]
]:
    """Run the batch chunk by chunk: yields ``(start, totals, trace rows, ocv_v)`` per chunk.

    The totals buffer of a chunk is reused two chunks later; the trace rows, when asked for,
    are new; ``ocv_v`` is the chunk's packed OCV tables. With more than one chunk the kernel
    runs on a worker thread (it releases the GIL) while this one packs the next chunk and
    the caller takes the last one's totals, so the cores do not wait on the packing.
    """
    steps = cycle.time_s.size
    table = k.cycle_table(cycle.time_s, cycle.speed_mps, cycle.grade)
    size = _chunk_size(steps, trace)
    buffers = [np.empty((min(size, len(batch)), len(k.ENERGY_FIELDS))) for _ in range(2)]
    no_trace = np.zeros((1, 1, k.N_TRACE))

    def chunk(i: int) -> tuple[int, tuple[Any, ...]]:
        start = i * size
        part = batch[start : start + size]
        params, soc_grid, ocv = pack(part, grid_of=batch[0])
        totals = buffers[i % 2][: len(part)]
        rows = np.zeros((len(part), steps, k.N_TRACE)) if trace else no_trace
        return start, (params, soc_grid, ocv, table, totals, rows, trace, past_empty)

    count = (len(batch) + size - 1) // size
    if count == 1:
        start, args = chunk(0)
        k.run_batch(*args)
        yield start, args[4], args[5], args[2]
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evforge-kernel") as worker:
        start, args = chunk(0)
        running = worker.submit(k.run_batch, *args)
        for i in range(count):
            following = chunk(i + 1) if i + 1 < count else None  # while the kernel runs
            running.result()
            if following is not None:
                running = worker.submit(k.run_batch, *following[1])
            yield start, args[4], args[5], args[2]
            if following is not None:
                start, args = following


def wall_per_dc(vehicle: Vehicle) -> float:
    """AC energy from the mains per unit of DC energy restored to the cells [-].

    Through the charger (``charger_efficiency``) and the pack's own charging loss at the
    Level 2 charging power and the mean open-circuit voltage.
    """
    return _wall_per_dc(vehicle, _mean_ocv(vehicle.ocv_v))


def _mean_ocv(ocv_v: Sequence[float]) -> float:
    """The mean of an OCV table [V] (np.mean), once per table: a car's test-mass and
    ambient variants share their table, and the procedures each ask for it."""
    if isinstance(ocv_v, tuple):
        return _mean_of_table(ocv_v)
    return float(np.mean(ocv_v))


@functools.lru_cache(maxsize=4096)
def _mean_of_table(ocv_v: tuple[float, ...]) -> float:
    return float(np.mean(ocv_v))


def _wall_per_dc(vehicle: Vehicle, mean_ocv: float) -> float:
    """:func:`wall_per_dc` given the mean of the vehicle's OCV table [V]."""
    eta_battery = battery_charge_efficiency(
        vehicle.ac_charge_power_w * vehicle.charger_efficiency, mean_ocv, vehicle.resistance_ohm
    )
    return wall_energy_j(1.0, vehicle.charger_efficiency, eta_battery)


def _breakdown(vehicle: Vehicle, t: dict[str, float], mean_ocv: float) -> EnergyBreakdown:
    wall = max(t["battery_chemical"], 0.0) * _wall_per_dc(vehicle, mean_ocv)
    return EnergyBreakdown(
        aero=kwh(t["aero"]),
        rolling=kwh(t["rolling"]),
        grade=kwh(t["grade"]),
        kinetic=kwh(t["kinetic"]),
        traction=kwh(t["traction"]),
        regen_recovered=kwh(t["regen_wheel"]),
        regen_to_battery=kwh(t["regen_to_battery"]),
        friction_brake=kwh(t["friction_brake"]),
        gear_loss=kwh(t["gear_loss"]),
        motor_loss=kwh(t["motor_loss"]),
        drivetrain_loss=kwh(t["gear_loss"] + t["motor_loss"]),
        battery_loss=kwh(t["battery_loss"]),
        auxiliary=kwh(t["auxiliary"]),
        battery=kwh(t["battery_chemical"]),
        battery_terminal=kwh(t["battery_terminal"]),
        wall=kwh(wall),
    )
