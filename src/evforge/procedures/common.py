"""What the range procedures share: repeated cycles to depletion, recharge energy, top speed.

A range test drives a fully charged car over repeated cycles until it can no longer follow
the trace (the break-off), then recharges it from the mains. Here the kernel runs the whole
sequence in one call; the break-off is the first second the car falls behind the trace once
its battery is empty (the motors never limit a car on the cycles these tests use, and a car
that cannot follow the cycle at full charge is reported, not rated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evforge.cycles import Cycle
from evforge.errors import EvforgeError
from evforge.physics.motor import motor_max_torque
from evforge.sim import simulate
from evforge.sim.simulate import wall_per_dc
from evforge.vehicle import Vehicle

__all__ = [
    "DepletionTest",
    "depletion_trace",
    "repeat_cycle",
    "repeated_cycle_range",
    "run_depletion",
    "top_speed_mps",
    "wall_per_dc",
]


def repeat_cycle(cycle: Cycle, times: int) -> Cycle:
    """``times`` copies of a cycle back to back (the shared end/start sample appears once)."""
    duration = cycle.time_s[-1] - cycle.time_s[0]
    t = [cycle.time_s]
    v = [cycle.speed_mps]
    g = [cycle.grade]
    for k in range(1, times):
        t.append(cycle.time_s[1:] + k * duration)
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


def depletion_trace(
    vehicle: Vehicle, cycle: Cycle
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]:
    """Run ``cycle`` from full charge: cumulative DC energy at the battery [J] and distance
    [m] per sample, and the last sample on the trace before the break-off (the first second
    the car falls behind it), or -1 if it never falls behind."""
    # The pack delivers until the break-off (past_empty), as the procedures have always
    # measured the energy to break-off; a plain simulate() stops drawing at empty instead.
    trace = simulate(vehicle, cycle, trace=True, past_empty=True)[0].trace
    assert trace is not None
    t = trace["time_s"].to_numpy()
    dt = np.diff(t, prepend=t[0])
    power = (trace["battery_terminal_power_w"] + trace["battery_loss_w"]).to_numpy()
    energy = np.cumsum(power * dt)
    missed = np.flatnonzero(trace["trace_miss"].to_numpy())
    stop = int(missed[0]) - 1 if missed.size else -1
    return energy, trace["distance_m"].to_numpy(), stop


def run_depletion(vehicle: Vehicle, cycle: Cycle) -> DepletionTest:
    """Drive ``cycle`` repeatedly from full charge until the car breaks off.

    Raises
    ------
    EvforgeError
        If the car cannot follow the cycle even when fully charged.
    """
    single = simulate(vehicle, cycle)[0]
    if single.trace_miss_s > 0:
        raise EvforgeError(
            f"{vehicle.name} cannot follow {cycle.name} ({single.trace_miss_s:.0f} s behind "
            "the trace at full charge); the procedure needs a car that can"
        )
    per_cycle = single.energy_kwh.battery * 3.6e6
    repeats = math.ceil(vehicle.usable_energy_j / per_cycle * 1.1) + 2
    long = repeat_cycle(cycle, repeats)
    energy, distance, stop = depletion_trace(vehicle, long)
    if stop < 0:
        raise EvforgeError(f"{vehicle.name} did not deplete in {repeats} x {cycle.name}")
    n = cycle.time_s.size - 1  # samples per cycle after the first
    complete = stop // n
    ends = [k * n for k in range(complete + 1)]
    cycle_energy = np.diff(energy[ends])
    cycle_distance = np.diff(distance[ends])
    phase_energy: dict[str, float] = {}
    phase_distance: dict[str, float] = {}
    for name, start, end in cycle.phases:
        i0, i1 = (int(i) for i in np.searchsorted(cycle.time_s, [start, end]))
        e = sum(energy[k * n + i1] - energy[k * n + i0] for k in range(complete))
        s = sum(distance[k * n + i1] - distance[k * n + i0] for k in range(complete))
        phase_energy[name] = float(e)
        phase_distance[name] = float(s)
    return DepletionTest(
        cycle_energy_j=cycle_energy,
        cycle_distance_m=cycle_distance,
        usable_energy_j=float(energy[stop]),
        distance_m=float(distance[stop]),
        phase_energy_j=phase_energy,
        phase_distance_m=phase_distance,
    )


def top_speed_mps(vehicle: Vehicle) -> float:
    """Highest steady speed on level road: motor speed limit or power = road load [m/s]."""
    speeds = np.linspace(1.0, 120.0, 2400)
    available = np.zeros_like(speeds)
    for axle in vehicle.axles:
        if axle.driven:
            omega = speeds * vehicle.gear_ratio / axle.wheel_radius_m
            torque = motor_max_torque(
                omega, axle.peak_torque_nm, axle.peak_power_w, axle.max_speed_rad_s
            )
            available += torque * vehicle.gear_ratio * vehicle.gear_efficiency / axle.wheel_radius_m
    demand = (
        vehicle.rolling_n + vehicle.linear_n_per_mps * speeds + vehicle.aero_n_per_mps2 * speeds**2
    )
    ok = np.flatnonzero(available >= demand)
    return float(speeds[ok[-1]]) if ok.size else 0.0


def repeated_cycle_range(vehicle: Vehicle, cycle: Cycle, method: str) -> dict[str, Any]:
    """Range and DC/AC consumption from one cycle repeated to break-off.

    Range = UBE / EC_DC over the complete cycles; EC_AC = E_AC / range, with E_AC the mains
    energy to restore UBE (CLTC and NEDC conventional methods).
    """
    test = run_depletion(vehicle, cycle)
    ec_dc = test.cycle_energy_j.sum() / test.cycle_distance_m.sum()  # J/m
    range_km = float(test.usable_energy_j / ec_dc / 1e3)
    e_ac = test.usable_energy_j * wall_per_dc(vehicle)
    return {
        "test_mass_kg": vehicle.mass_kg,
        "usable_energy_kwh": test.usable_energy_j / 3.6e6,
        "range_km": range_km,
        "consumption_dc_kwh_per_100km": float(ec_dc / 3.6e6 * 1e5),
        "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / range_km * 100,
        "method": method,
    }
