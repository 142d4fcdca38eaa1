"""Run vehicles over a cycle: the public entry point to the kernel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evforge.cycles import Cycle, load_cycle
from evforge.errors import EvforgeError
from evforge.physics.charger import battery_charge_efficiency, wall_energy_j
from evforge.sim import kernel as k
from evforge.sim.params import pack
from evforge.sim.results import BatchResult, EnergyBreakdown, SimResult, kwh, trace_frame
from evforge.vehicle import Vehicle

__all__ = ["simulate", "wall_per_dc"]


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
        (``trace_miss_s``). True, for the range procedures' break-off only
        (:func:`evforge.procedures.common.depletion_trace`): the pack delivers through the
        time step in which it empties, and afterwards everything but traction, until the car
        first falls behind the trace; the energy to break-off then exceeds the usable energy
        by that last step (5e-5 of it for the bundled cars). Either way the result reports
        when the pack ran empty (``battery_empty``, ``empty_time_s``, ``empty_distance_km``).

    Returns
    -------
    BatchResult
        One :class:`SimResult` per vehicle, in order.
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
    params, soc_grid, ocv = pack(batch)
    n, steps = len(batch), cycle.time_s.size
    totals = np.zeros((n, len(k.ENERGY_FIELDS)))
    rows = np.zeros((n, steps, k.N_TRACE) if trace else (1, 1, k.N_TRACE))
    k.run_batch(
        params,
        soc_grid,
        ocv,
        cycle.time_s,
        cycle.speed_mps,
        cycle.grade,
        totals,
        rows,
        trace,
        past_empty,
    )
    if not np.all(np.isfinite(totals)):
        bad = [batch[j].name for j in np.flatnonzero(~np.isfinite(totals).all(axis=1))]
        raise EvforgeError(f"simulation produced non-finite energies for: {', '.join(bad)}")
    duration = float(cycle.time_s[-1] - cycle.time_s[0])
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
                energy_kwh=_breakdown(vehicle, t),
                trace=trace_frame(cycle.time_s, rows[j]) if trace else None,
                empty_time_s=None if t["empty_time"] < 0.0 else float(t["empty_time"]),
                empty_distance_km=(
                    None if t["empty_time"] < 0.0 else float(t["empty_distance"]) / 1e3
                ),
            )
        )
    return BatchResult(results)


def wall_per_dc(vehicle: Vehicle) -> float:
    """AC energy from the mains per unit of DC energy restored to the cells [-].

    Through the charger (``charger_efficiency``) and the pack's own charging loss at the
    Level 2 charging power and the mean open-circuit voltage.
    """
    mean_ocv = float(np.mean(vehicle.ocv_v))
    eta_battery = battery_charge_efficiency(
        vehicle.ac_charge_power_w * vehicle.charger_efficiency, mean_ocv, vehicle.resistance_ohm
    )
    return wall_energy_j(1.0, vehicle.charger_efficiency, eta_battery)


def _breakdown(vehicle: Vehicle, t: dict[str, float]) -> EnergyBreakdown:
    wall = max(t["battery_chemical"], 0.0) * wall_per_dc(vehicle)
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
