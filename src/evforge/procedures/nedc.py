"""Legacy NEDC range and consumption (UN R101 Annexes 7 and 9), for older published figures.

Reference mass = mass in running order - 75 kg + 100 kg = curb + 100 kg (UN R83 §2.2, as
referenced by R101). Range: repeated NEDC until the car cannot follow; consumption: AC
recharge energy / range. Verification: regulations-verified §4 (partly recall).
"""

from __future__ import annotations

from typing import Any

from evforge.cycles import load_cycle
from evforge.procedures.common import run_depletion, wall_per_dc
from evforge.vehicle import Vehicle

__all__ = ["run"]


def run(vehicle: Vehicle) -> dict[str, Any]:
    """NEDC range and DC/AC consumption for one car."""
    mass = vehicle.mass_kg if vehicle.curb_mass_kg is None else vehicle.curb_mass_kg + 100.0
    car = vehicle.with_mass(mass)
    test = run_depletion(car, load_cycle("nedc"))
    ec_dc = test.cycle_energy_j.sum() / test.cycle_distance_m.sum()
    range_km = test.usable_energy_j / ec_dc / 1e3
    e_ac = test.usable_energy_j * wall_per_dc(car)
    return {
        "test_mass_kg": car.mass_kg,
        "usable_energy_kwh": test.usable_energy_j / 3.6e6,
        "range_km": range_km,
        "consumption_dc_kwh_per_100km": ec_dc / 3.6e6 * 1e5,
        "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / range_km * 100,
        "method": "UN R101 Annex 9 (NEDC repeated to break-off)",
    }
