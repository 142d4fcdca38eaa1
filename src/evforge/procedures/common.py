"""What the range procedures share: repeated cycles to depletion, and the recharge energy.

A range test drives a fully charged car over repeated cycles until it can no longer follow
the trace (the break-off), then recharges it from the mains. The kernel runs the whole
sequence for a batch of cars in one call (:func:`evforge.sim.program.run_program`: no
per-step trace, the energy read at the cycle and phase boundaries); the break-off is the
first second a car falls behind the trace once its battery is empty (the motors never
limit a car on the cycles these tests use, and a car that cannot follow the cycle at full
charge is reported, not rated).

Every procedure here takes a batch of cars and returns arrays, one entry per car, with a
per-car error message (``None`` when the car was rated) in place of an exception; the
one-car functions are the batch of one, so a car's figures do not depend on the batch it
ran in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evforge.cycles import Cycle
from evforge.errors import EvforgeError
from evforge.sim import kernel as k
from evforge.sim.program import program, run_program
from evforge.sim.simulate import iter_totals, wall_per_dc
from evforge.vehicle import Vehicle

__all__ = [
    "DepletionBatch",
    "DepletionTest",
    "full_charge_runs",
    "repeat_cycle",
    "repeated_cycle_range",
    "repeated_cycle_range_batch",
    "run_depletion",
    "run_depletion_batch",
    "wall_per_dc",
]


def repeat_cycle(cycle: Cycle, times: int) -> Cycle:
    """``times`` copies of a cycle back to back (the shared end/start sample appears once)."""
    duration = cycle.time_s[-1] - cycle.time_s[0]
    t = [cycle.time_s]
    v = [cycle.speed_mps]
    g = [cycle.grade]
    for n in range(1, times):
        t.append(cycle.time_s[1:] + n * duration)
        v.append(cycle.speed_mps[1:])
        g.append(cycle.grade[1:])
    return Cycle(f"{cycle.name} x{times}", np.concatenate(t), np.concatenate(v), np.concatenate(g))


@dataclass(frozen=True)
class DepletionTest:
    """Energy and distance of each complete cycle of a depletion run, and the whole run.

    Attributes
    ----------
    cycle_energy_j, cycle_distance_m : arrays
        Battery (DC) energy and distance of each complete cycle before the break-off.
    usable_energy_j : float
        DC energy drawn from full to break-off (UBE).
    distance_m : float
        Distance to break-off.
    phase_energy_j, phase_distance_m : dict
        Per phase name, over the complete cycles (summed).
    """

    cycle_energy_j: npt.NDArray[np.float64]
    cycle_distance_m: npt.NDArray[np.float64]
    usable_energy_j: float
    distance_m: float
    phase_energy_j: dict[str, float]
    phase_distance_m: dict[str, float]


@dataclass(frozen=True)
class DepletionBatch:
    """:class:`DepletionTest` of every car of a batch, as arrays (one row per car).

    ``cycle_energy_j`` and ``cycle_distance_m`` are ``(N, R)``, NaN past each car's complete
    cycles (``complete``); the other arrays are ``(N,)``, NaN where ``error`` names why the
    car was not rated.
    """

    cycle_energy_j: npt.NDArray[np.float64]
    cycle_distance_m: npt.NDArray[np.float64]
    complete: npt.NDArray[np.int64]
    usable_energy_j: npt.NDArray[np.float64]
    distance_m: npt.NDArray[np.float64]
    phase_energy_j: dict[str, npt.NDArray[np.float64]]
    phase_distance_m: dict[str, npt.NDArray[np.float64]]
    error: list[str | None]

    def test(self, j: int) -> DepletionTest:
        """Car ``j``'s test; raises its error if it was not rated."""
        if self.error[j] is not None:
            raise EvforgeError(self.error[j])
        c = int(self.complete[j])
        return DepletionTest(
            cycle_energy_j=self.cycle_energy_j[j, :c].copy(),
            cycle_distance_m=self.cycle_distance_m[j, :c].copy(),
            usable_energy_j=float(self.usable_energy_j[j]),
            distance_m=float(self.distance_m[j]),
            phase_energy_j={p: float(e[j]) for p, e in self.phase_energy_j.items()},
            phase_distance_m={p: float(d[j]) for p, d in self.phase_distance_m.items()},
        )


def full_charge_runs(
    vehicles: Sequence[Vehicle], cycle: Cycle
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str | None]]:
    """One run of ``cycle`` from full charge per car: DC energy [J] and distance [m], and an
    error for a car that cannot follow it (the procedures need one that can)."""
    n = len(vehicles)
    energy = np.empty(n)
    distance = np.empty(n)
    miss = np.empty(n)
    for group in by_ocv_grid(vehicles):
        members = [vehicles[i] for i in group]
        for start, totals in iter_totals(members, cycle):
            idx = group[start : start + totals.shape[0]]
            energy[idx] = totals[:, k.E_CHEM]
            distance[idx] = totals[:, k.E_DIST]
            miss[idx] = totals[:, k.E_MISS]
    errors: list[str | None] = [None] * n
    finite = np.isfinite(energy) & np.isfinite(distance) & np.isfinite(miss)
    for j in np.flatnonzero(~finite | (distance <= 0) | (miss > 0)).tolist():
        # The messages (and their order) of simulate()'s checks, then the procedures' own.
        name = vehicles[j].name
        if not finite[j]:
            errors[j] = f"simulation produced non-finite energies for: {name}"
        elif distance[j] <= 0:
            errors[j] = f"{name} did not move on cycle {cycle.name}"
        else:
            errors[j] = (
                f"{name} cannot follow {cycle.name} ({miss[j]:.0f} s behind the trace "
                "at full charge); the procedure needs a car that can"
            )
    return energy, distance, errors


def by_ocv_grid(vehicles: Sequence[Vehicle]) -> list[npt.NDArray[np.int64]]:
    """Indices of the cars that share an OCV state-of-charge grid (one kernel batch each)."""
    groups: dict[tuple[float, ...], list[int]] = {}
    for j, v in enumerate(vehicles):
        groups.setdefault(tuple(v.ocv_soc), []).append(j)
    return [np.asarray(g, dtype=np.int64) for g in groups.values()]


def run_depletion_batch(vehicles: Sequence[Vehicle], cycle: Cycle) -> DepletionBatch:
    """Drive ``cycle`` repeatedly from full charge until each car breaks off.

    A car gets an error if it cannot follow the cycle even when fully charged, or does not
    deplete in ``ceil(1.1 UBE / E_cycle) + 2`` cycles.
    """
    n = len(vehicles)
    per_cycle, _, errors = full_charge_runs(vehicles, cycle)
    usable = np.array([v.usable_energy_j for v in vehicles])
    ok = np.array([e is None for e in errors]) & (per_cycle > 0)
    repeats = np.where(ok, np.ceil(usable / np.where(ok, per_cycle, 1.0) * 1.1) + 2, 1)
    repeats = repeats.astype(np.int64)
    most = int(repeats.max()) if n else 1
    samples = cycle.time_s.size - 1  # per cycle after the first
    bounds: list[tuple[str, int, int]] = []
    for name, s, e in cycle.phases:
        i0, i1 = (int(i) for i in np.searchsorted(cycle.time_s, [s, e]))
        bounds.append((name, i0, i1))
    wanted = {c * samples for c in range(1, most + 1)}
    wanted |= {c * samples + i for c in range(most) for _, i0, i1 in bounds for i in (i0, i1)}
    marks = sorted(wanted - {0})
    rows = {r: m for m, r in enumerate(marks)}
    result = run_program(
        vehicles, program([cycle] * most), np.zeros((n, 0), dtype=np.int64), marks, key=repeats
    )

    def at(row: int, energy: bool) -> npt.NDArray[np.float64]:
        if row == 0:
            return np.zeros(n)
        return (result.energy_j if energy else result.distance_m)[:, rows[row]]

    ends_e = np.stack([at(c * samples, True) for c in range(most + 1)], axis=1)
    ends_d = np.stack([at(c * samples, False) for c in range(most + 1)], axis=1)
    cycle_e = np.diff(ends_e, axis=1)
    cycle_d = np.diff(ends_d, axis=1)
    complete = np.sum(np.isfinite(cycle_e), axis=1).astype(np.int64)
    done = np.arange(most)[None, :] < complete[:, None]

    phase_e: dict[str, npt.NDArray[np.float64]] = {}
    phase_d: dict[str, npt.NDArray[np.float64]] = {}
    for name, i0, i1 in bounds:
        pe = np.zeros(n)
        pd = np.zeros(n)
        for c in range(most):
            base = c * samples
            pe += np.where(done[:, c], at(base + i1, True) - at(base + i0, True), 0.0)
            pd += np.where(done[:, c], at(base + i1, False) - at(base + i0, False), 0.0)
        phase_e[name] = pe
        phase_d[name] = pd
    stop = result.stop_row
    for j in range(n):
        if errors[j] is None and (stop[j] < 0 or stop[j] > repeats[j] * samples):
            errors[j] = f"{vehicles[j].name} did not deplete in {repeats[j]} x {cycle.name}"
    bad = np.array([e is not None for e in errors], dtype=bool)
    nan = np.where(bad, np.nan, 1.0)
    return DepletionBatch(
        cycle_energy_j=np.where(done, cycle_e, np.nan),
        cycle_distance_m=np.where(done, cycle_d, np.nan),
        complete=np.where(bad, 0, complete),
        usable_energy_j=result.ube_j * nan,
        distance_m=result.stop_distance_m * nan,
        phase_energy_j={p: v * nan for p, v in phase_e.items()},
        phase_distance_m={p: v * nan for p, v in phase_d.items()},
        error=errors,
    )


def run_depletion(vehicle: Vehicle, cycle: Cycle) -> DepletionTest:
    """Drive ``cycle`` repeatedly from full charge until the car breaks off
    (:func:`run_depletion_batch` for one car).

    Raises
    ------
    EvforgeError
        If the car cannot follow the cycle even when fully charged.
    """
    return run_depletion_batch([vehicle], cycle).test(0)


def repeated_cycle_range_batch(
    vehicles: Sequence[Vehicle], cycle: Cycle, method: str
) -> list[dict[str, Any] | str]:
    """:func:`repeated_cycle_range` of every car: its record, or its error message."""
    test = run_depletion_batch(vehicles, cycle)
    out: list[dict[str, Any] | str] = []
    for j, vehicle in enumerate(vehicles):
        err = test.error[j]
        if err is not None:
            out.append(err)
            continue
        c = int(test.complete[j])
        ube = float(test.usable_energy_j[j])
        ec_dc = test.cycle_energy_j[j, :c].sum() / test.cycle_distance_m[j, :c].sum()  # J/m
        range_km = float(ube / ec_dc / 1e3)
        e_ac = ube * wall_per_dc(vehicle)
        out.append(
            {
                "test_mass_kg": vehicle.mass_kg,
                "usable_energy_kwh": ube / 3.6e6,
                "range_km": range_km,
                "consumption_dc_kwh_per_100km": float(ec_dc / 3.6e6 * 1e5),
                "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / range_km * 100,
                "method": method,
            }
        )
    return out


def repeated_cycle_range(vehicle: Vehicle, cycle: Cycle, method: str) -> dict[str, Any]:
    """Range and DC/AC consumption from one cycle repeated to break-off.

    Range = UBE / EC_DC over the complete cycles; EC_AC = E_AC / range, with E_AC the mains
    energy to restore UBE (CLTC and NEDC conventional methods).
    """
    (record,) = repeated_cycle_range_batch([vehicle], cycle, method)
    if isinstance(record, str):
        raise EvforgeError(record)
    return record
