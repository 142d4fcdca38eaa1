"""Runs at an ambient temperature: the cycle cut into segments, each with its own constant
auxiliary power (the mean of the HVAC schedule over the segment), the state of charge carried
from one segment to the next. The kernel is unchanged: climate reaches it only through its
existing inputs (auxiliary power, pack resistance, usable charge, initial state of charge).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from evforge.climate.model import (
    HvacSchedule,
    hvac_schedule,
    pack_warmup_j,
    vehicle_at_ambient,
)
from evforge.climate.params import Ambient
from evforge.cycles import Cycle
from evforge.sim.results import EnergyBreakdown, SimResult
from evforge.sim.simulate import simulate
from evforge.vehicle import Vehicle

__all__ = ["AmbientRun", "merge_results", "run_at_ambient"]


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
) -> AmbientRun:
    """Simulate ``vehicle`` over ``cycle`` at ``ambient``, HVAC schedule included.

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
    """
    assert vehicle.climate is not None
    p = vehicle.climate
    car = vehicle_at_ambient(vehicle, ambient)
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
    for k, (i0, i1) in enumerate(itertools.pairwise(idx)):
        a, b = float(t[i0]), float(t[i1])
        extra = schedule.energy_j(a - t0, b - t0) + (warm_j if k == 0 else 0.0)
        seg_car = replace(
            car, auxiliary_power_w=car.auxiliary_power_w + extra / (b - a), initial_soc=soc
        )
        seg_cycle = Cycle(
            cycle.name, t[i0 : i1 + 1], cycle.speed_mps[i0 : i1 + 1], cycle.grade[i0 : i1 + 1]
        )
        res = simulate(seg_car, seg_cycle, trace=True)[0]
        assert res.trace is not None
        soc = float(res.trace["soc"].iloc[-1])
        if trace:
            frame = res.trace.iloc[(0 if k == 0 else 1) :].copy()
            if traces:
                frame["distance_m"] += traces[-1]["distance_m"].iloc[-1]
            traces.append(frame)
        segments.append(replace(res, trace=None))
    merged = merge_results(segments, trace=pd.concat(traces, ignore_index=True) if trace else None)
    return AmbientRun(
        result=replace(merged, ambient_c=ambient.temperature_c),
        segments=segments,
        cut_s=tuple(float(t[i]) for i in idx),
        schedule=schedule,
        end_soc=soc,
    )


def _moving_segments(idx: list[int], speed: np.ndarray) -> list[int]:
    """Drop boundaries that would leave a segment standing still (the kernel needs motion);
    the HVAC energy stays exact because each segment's auxiliary power is the schedule's mean
    over the segment, whatever its length."""
    kept = [idx[0]]
    for i in idx[1:-1]:
        if np.any(speed[kept[-1] : i + 1] > 0.0):
            kept.append(i)
    if len(kept) > 1 and not np.any(speed[kept[-1] : idx[-1] + 1] > 0.0):
        kept.pop()
    kept.append(idx[-1])
    return kept


def merge_results(parts: Sequence[SimResult], *, trace: pd.DataFrame | None = None) -> SimResult:
    """One result from consecutive segments: energies, distances and times add."""
    first = parts[0]
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
    )
