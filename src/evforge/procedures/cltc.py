"""China CLTC range and consumption (GB/T 18386.1-2021 with CLTC-P of GB/T 38146.1-2019).

Implemented: the conventional method, repeated CLTC-P to break-off, at the test mass curb +
100 kg (GB/T 18386-2017 §4.3.1; the 2021 edition refers to GB 18352.6, not read). Range =
usable DC energy / DC consumption of the complete cycles; consumption = AC recharge energy /
range. The shortened method is not implemented. Verification: regulations-verified §3.
"""

from __future__ import annotations

from typing import Any, Final

from evforge.cycles import load_cycle
from evforge.procedures.common import run_depletion, wall_per_dc
from evforge.vehicle import Vehicle

__all__ = ["run"]

TEST_MASS_ADDITION_KG: Final = 100.0


def run(vehicle: Vehicle) -> dict[str, Any]:
    """CLTC-P range and DC/AC consumption for one car."""
    mass = vehicle.mass_kg if vehicle.curb_mass_kg is None else vehicle.curb_mass_kg + 100.0
    car = vehicle.with_mass(mass)
    test = run_depletion(car, load_cycle("cltc_p"))
    ec_dc = test.cycle_energy_j.sum() / test.cycle_distance_m.sum()  # J/m
    range_km = test.usable_energy_j / ec_dc / 1e3
    e_ac = test.usable_energy_j * wall_per_dc(car)
    return {
        "test_mass_kg": car.mass_kg,
        "usable_energy_kwh": test.usable_energy_j / 3.6e6,
        "range_km": range_km,
        "consumption_dc_kwh_per_100km": ec_dc / 3.6e6 * 1e5,
        "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / range_km * 100,
        "method": "GB/T 18386.1-2021 conventional method (CLTC-P to break-off)",
    }
