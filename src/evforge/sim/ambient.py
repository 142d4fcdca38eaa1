"""Runs at an ambient temperature: the cycle cut into segments, each with its own constant
auxiliary power (the mean of the HVAC schedule over the segment), the state of charge carried
from one segment to the next. The kernel is unchanged: climate reaches it only through its
existing inputs (auxiliary power, pack resistance, usable charge, initial state of charge,
and the road-load terms: air density and cold-tyre rolling resistance at the ambient,
:func:`road_load_at_ambient`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from operator import attrgetter
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from evforge.climate.model import (
    HvacSchedule,
    hvac_schedule,
    pack_warmup_j,
    vehicle_at_ambient,
)
from evforge.climate.params import Ambient, ClimateParams
from evforge.cycles import Cycle
from evforge.physics.road_load import aero_density_factor, rolling_temperature_factor
from evforge.sim.results import EnergyBreakdown, SimResult
from evforge.sim.simulate import simulate
from evforge.vehicle import Vehicle

__all__ = [
    "AmbientBatch",
    "AmbientRun",
    "merge_results",
    "road_load_at_ambient",
    "run_at_ambient",
    "run_at_ambient_batch",
]


def road_load_at_ambient(vehicle: Vehicle, temperature_c: float) -> Vehicle:
    """The car with its road load at ``temperature_c`` on the road at the reference pressure.

    The road-load coefficients (coast-down f₀, f₁, f₂, or the physical C_rr m g and ½ρ₀C_dA)
    hold at the 20 °C, 100 kPa reference of GTR 15 Annex 4. Here the aerodynamic term
    follows the air density (:func:`~evforge.physics.road_load.aero_density_factor`) and the
    constant term the tyres' temperature correction
    (:func:`~evforge.physics.road_load.rolling_temperature_factor`), on both road-load paths
    (C_rr too, so :meth:`~evforge.vehicle.Vehicle.with_mass` keeps it). The linear term is
    left as measured. At 20 °C the car is returned unchanged (both factors are exactly 1).
    """
    aero = aero_density_factor(temperature_c)
    rolling = rolling_temperature_factor(temperature_c)
    if aero == 1.0 and rolling == 1.0:
        return vehicle
    crr = vehicle.rolling_resistance
    return replace(
        vehicle,
        aero_n_per_mps2=vehicle.aero_n_per_mps2 * aero,
        rolling_n=vehicle.rolling_n * rolling,
        rolling_resistance=None if crr is None else crr * rolling,
    )


@dataclass(frozen=True)
class AmbientRun:
    """One car over one cycle at an ambient condition.

    Attributes
    ----------
    result : SimResult
        The whole cycle (segments merged).
    segments : list of SimResult
        One per segment, in order.
    cut_s : tuple of float
        Segment boundaries [s on the cycle's time axis], first and last included.
    schedule : HvacSchedule
        The HVAC power schedule used.
    end_soc : float
        State of charge at the end.
    """

    result: SimResult
    segments: list[SimResult]
    cut_s: tuple[float, ...]
    schedule: HvacSchedule
    end_soc: float

    def energy_between_kwh(self, start_s: float, end_s: float) -> tuple[float, float]:
        """(battery DC energy [kWh], distance [km]) of the segments inside [start, end]."""
        e = d = 0.0
        for seg, t0, t1 in zip(self.segments, self.cut_s[:-1], self.cut_s[1:], strict=True):
            if t0 >= start_s - 1e-9 and t1 <= end_s + 1e-9:
                e += seg.energy_kwh.battery
                d += seg.distance_km
        return e, d


def run_at_ambient(
    vehicle: Vehicle,
    cycle: Cycle,
    ambient: Ambient,
    *,
    cabin_start_c: float | None = None,
    cuts_s: Sequence[float] = (),
    initial_soc: float | None = None,
    trace: bool = False,
    road_load: bool = True,
) -> AmbientRun:
    """Simulate ``vehicle`` over ``cycle`` at ``ambient``, HVAC schedule included.

    Once the pack runs empty (:attr:`SimResult.battery_empty`) the rest of the cycle is one
    segment, so the car keeps the speed it has (an empty pack powers no HVAC either).

    Parameters
    ----------
    cabin_start_c : float, optional
        Cabin temperature at the start [°C]; default: the ambient after a soak, else the set
        point.
    cuts_s : sequence of float
        Extra segment boundaries (e.g. bag ends) [s]; the HVAC schedule's step ends are
        always added (moved to the next sample, the step's energy kept exact by the mean).
    initial_soc : float, optional
        State of charge at the start (default: the car's).
    road_load : bool
        Road load at the ambient temperature (:func:`road_load_at_ambient`), as on the road;
        False keeps the reference coefficients, as a chassis dynamometer applies them.
    """
    assert vehicle.climate is not None
    p = vehicle.climate
    car = vehicle_at_ambient(vehicle, ambient)
    if road_load:
        car = road_load_at_ambient(car, ambient.temperature_c)
    if cabin_start_c is None:
        cabin_start_c = ambient.temperature_c if ambient.soaked else p.setpoint_c
    schedule = hvac_schedule(p, ambient, cabin_start_c)
    t = cycle.time_s
    t0 = float(t[0])
    wanted = {float(c) for c in cuts_s} | {t0 + b for b in schedule.breakpoints_s}
    idx = sorted({0, t.size - 1} | {int(np.searchsorted(t, c)) for c in wanted if t0 < c < t[-1]})
    idx = _moving_segments(idx, cycle.speed_mps)
    warm_j = pack_warmup_j(p, ambient)  # pack heating, spread over the first segment
    soc = car.initial_soc if initial_soc is None else initial_soc
    segments: list[SimResult] = []
    traces: list[pd.DataFrame] = []
    k = 0
    while k < len(idx) - 1:
        i0, i1 = idx[k], idx[k + 1]
        a, b = float(t[i0]), float(t[i1])
        extra = schedule.energy_j(a - t0, b - t0) + (warm_j if k == 0 else 0.0)
        seg_car = replace(
            car, auxiliary_power_w=car.auxiliary_power_w + extra / (b - a), initial_soc=soc
        )
        res = simulate(seg_car, _cut(cycle, i0, i1), trace=True)[0]
        if res.battery_empty and i1 < t.size - 1:
            # Empty in this segment: drive the rest of the cycle in it (the same steps up to
            # the empty point; after it nothing is drawn, so the HVAC schedule is moot).
            idx = [*idx[: k + 1], t.size - 1]
            res = simulate(seg_car, _cut(cycle, i0, t.size - 1), trace=True)[0]
        assert res.trace is not None
        soc = float(res.trace["soc"].iloc[-1])
        if trace:
            frame = res.trace.iloc[(0 if k == 0 else 1) :].copy()
            if traces:
                frame["distance_m"] += traces[-1]["distance_m"].iloc[-1]
            traces.append(frame)
        segments.append(replace(res, trace=None))
        k += 1
    merged = merge_results(segments, trace=pd.concat(traces, ignore_index=True) if trace else None)
    return AmbientRun(
        result=replace(merged, ambient_c=ambient.temperature_c),
        segments=segments,
        cut_s=tuple(float(t[i]) for i in idx),
        schedule=schedule,
        end_soc=soc,
    )


@dataclass(frozen=True)
class AmbientBatch:
    """A batch of cars over one cycle at one ambient condition (:func:`run_at_ambient_batch`).

    Attributes
    ----------
    cut_s : tuple of float
        The times asked for, then the cycle's end [s on the cycle's time axis].
    energy_j, distance_m : (N, len(cut_s)) arrays
        Battery (DC) energy [J] and distance [m] from the start to each of those times.
    end_soc : (N,) array
        State of charge at the end.
    error : list of str or None
        A car whose pack ran empty is not rated (its energies are NaN).
    """

    cut_s: tuple[float, ...]
    energy_j: npt.NDArray[np.float64]
    distance_m: npt.NDArray[np.float64]
    end_soc: npt.NDArray[np.float64]
    error: list[str | None]

    def between(self, start_s: float, end_s: float) -> tuple[npt.NDArray[np.float64], ...]:
        """(energy [J], distance [m]) per car between two of the times (0: the start)."""
        e0, d0 = self._at(start_s)
        e1, d1 = self._at(end_s)
        return e1 - e0, d1 - d0

    def _at(self, time_s: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        if time_s == 0.0:
            return np.zeros(self.end_soc.size), np.zeros(self.end_soc.size)
        i = self.cut_s.index(time_s)
        return self.energy_j[:, i], self.distance_m[:, i]


def run_at_ambient_batch(
    vehicles: Sequence[Vehicle],
    cycle: Cycle,
    ambient: Ambient,
    *,
    cabin_start_c: Sequence[float | None] | None = None,
    cuts_s: Sequence[float] = (),
    initial_soc: npt.NDArray[np.float64] | None = None,
    road_load: bool = True,
    at_ambient: Sequence[Vehicle] | None = None,
) -> AmbientBatch:
    """:func:`run_at_ambient` for a batch of cars, in one compiled run of the whole cycle.

    Each car draws, in each of its segments, the same mean HVAC power as
    :func:`run_at_ambient` gives it (the segments are found the same way, per car), but the
    cycle runs through without stopping at the segment boundaries (a car behind the trace
    at a boundary keeps its speed instead of restarting on the trace). Energies are read at
    ``cuts_s`` and at the end. For runs that do not empty the pack (the EPA 5-cycle tests):
    a car whose pack runs empty gets an error. ``at_ambient``: the cars as
    :func:`vehicle_at_ambient` (and :func:`road_load_at_ambient` with ``road_load``) make
    them, when the caller runs several cycles at one ambient and has them already.
    """
    from evforge.sim.program import program, run_program

    n = len(vehicles)
    t = cycle.time_s
    t0 = float(t[0])
    cars: list[Vehicle] = []
    plans: list[tuple[list[int], list[float]]] = []
    moving = _moving_count(cycle.speed_mps)
    # The segments and their HVAC energies depend on the cabin and HVAC only, not on the
    # pack: found once per distinct cabin and start temperature (a study's cars share them).
    segments: dict[tuple[Any, ...], tuple[list[int], list[tuple[float, float, float]]]] = {}
    for j, vehicle in enumerate(vehicles):
        assert vehicle.climate is not None
        p = vehicle.climate
        if at_ambient is not None:
            car = at_ambient[j]
        else:
            car = vehicle_at_ambient(vehicle, ambient)
            if road_load:
                car = road_load_at_ambient(car, ambient.temperature_c)
        start_c = None if cabin_start_c is None else cabin_start_c[j]
        if start_c is None:
            start_c = ambient.temperature_c if ambient.soaked else p.setpoint_c
        key = (_cabin_of(p), start_c)
        found = segments.get(key)
        if found is None:
            schedule = hvac_schedule(p, ambient, start_c)
            wanted = {float(c) for c in cuts_s} | {t0 + b for b in schedule.breakpoints_s}
            idx = sorted(
                {0, t.size - 1} | {int(np.searchsorted(t, c)) for c in wanted if t0 < c < t[-1]}
            )
            idx = _moving_segments(idx, cycle.speed_mps, moving)
            spans = []
            for k in range(len(idx) - 1):
                a, b = float(t[idx[k]]), float(t[idx[k + 1]])
                spans.append((a, b, schedule.energy_j(a - t0, b - t0)))
            found = segments[key] = (idx, spans)
        idx, spans = found
        warm_j = pack_warmup_j(p, ambient)
        aux = []
        for k, (a, b, hvac_j) in enumerate(spans):
            extra = hvac_j + (warm_j if k == 0 else 0.0)
            aux.append(car.auxiliary_power_w + extra / (b - a))
        cars.append(car)
        plans.append((idx[:-1], aux))
    width = max(len(rows) for rows, _ in plans)
    aux_rows = np.full((n, width), t.size, dtype=np.int64)  # unused columns: never reached
    aux_w = np.zeros((n, width))
    for j, (rows, powers) in enumerate(plans):
        aux_rows[j, : len(rows)] = rows
        aux_w[j, : len(powers)] = powers
        aux_w[j, len(powers) :] = powers[-1]
    cut_rows = [int(np.searchsorted(t, c)) for c in cuts_s] + [t.size - 1]
    result = run_program(
        cars,
        program([cycle]),
        np.zeros((n, 0), dtype=np.int64),
        cut_rows,
        aux_rows=aux_rows,
        aux_w=aux_w,
        break_off=False,
        initial_soc=None if initial_soc is None else np.asarray(initial_soc, dtype=np.float64),
    )
    errors: list[str | None] = [None] * n
    for j in np.flatnonzero(result.ran_empty).tolist():
        errors[j] = (
            f"{vehicles[j].name} ran out of charge on {cycle.name} at "
            f"{ambient.temperature_c:.1f} °C"
        )
    bad = np.where(result.ran_empty, np.nan, 1.0)
    return AmbientBatch(
        cut_s=(*(float(c) for c in cuts_s), float(t[-1])),
        energy_j=result.energy_j * bad[:, None],
        distance_m=result.distance_m * bad[:, None],
        end_soc=result.end_soc * bad,
        error=errors,
    )


#: The ClimateParams fields :func:`~evforge.climate.model.hvac_schedule` reads (all but the
#: pack's: its mass, heat capacity and heating, and the resistance's temperature law).
_CABIN_FIELDS: Final = tuple(
    f.name for f in fields(ClimateParams) if not f.name.startswith("battery_")
)
_cabin_of: Final = attrgetter(*_CABIN_FIELDS)


def _cut(cycle: Cycle, i0: int, i1: int) -> Cycle:
    """Samples ``i0`` to ``i1`` (both included) of ``cycle``."""
    return Cycle(
        cycle.name,
        cycle.time_s[i0 : i1 + 1],
        cycle.speed_mps[i0 : i1 + 1],
        cycle.grade[i0 : i1 + 1],
    )


def _moving_segments(
    idx: list[int], speed: np.ndarray, moving: npt.NDArray[np.int64] | None = None
) -> list[int]:
    """Drop boundaries that would leave a segment standing still (the kernel needs motion);
    the HVAC energy stays exact because each segment's auxiliary power is the schedule's mean
    over the segment, whatever its length. ``moving``: the running count of moving samples
    (:func:`_moving_count`), for many calls on one cycle."""
    count = _moving_count(speed) if moving is None else moving

    def moves(a: int, b: int) -> bool:  # any sample a..b (included) moving
        return bool(count[b + 1] - count[a] > 0)

    kept = [idx[0]]
    for i in idx[1:-1]:
        if moves(kept[-1], i):
            kept.append(i)
    if len(kept) > 1 and not moves(kept[-1], idx[-1]):
        kept.pop()
    kept.append(idx[-1])
    return kept


def _moving_count(speed: np.ndarray) -> npt.NDArray[np.int64]:
    """``count[i]``: how many of the samples before ``i`` are moving (speed > 0)."""
    return np.concatenate([[0], np.cumsum(speed > 0.0)]).astype(np.int64)


def merge_results(parts: Sequence[SimResult], *, trace: pd.DataFrame | None = None) -> SimResult:
    """One result from consecutive segments: energies, distances and times add; the pack ran
    empty at the first segment's empty point, counted from the start of the first segment."""
    first = parts[0]
    empty_time: float | None = None
    empty_km: float | None = None
    elapsed = driven = 0.0
    for part in parts:
        if part.empty_time_s is not None and part.empty_distance_km is not None:
            empty_time = elapsed + part.empty_time_s
            empty_km = driven + part.empty_distance_km
            break
        elapsed += part.duration_s
        driven += part.distance_km
    energy = EnergyBreakdown(
        **{
            f.name: sum(getattr(p.energy_kwh, f.name) for p in parts)
            for f in fields(EnergyBreakdown)
        }
    )
    return SimResult(
        vehicle=first.vehicle,
        cycle=first.cycle,
        distance_km=sum(p.distance_km for p in parts),
        duration_s=sum(p.duration_s for p in parts),
        trace_miss_s=sum(p.trace_miss_s for p in parts),
        energy_kwh=energy,
        trace=trace,
        empty_time_s=empty_time,
        empty_distance_km=empty_km,
    )
