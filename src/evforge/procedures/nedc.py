"""Legacy NEDC range and consumption (UN R101 Annexes 7 and 9), for older published figures.

Reference mass = mass in running order - 75 kg + 100 kg = curb + 100 kg (UN R83 §2.2, as
referenced by R101). Range: repeated NEDC until the car cannot follow; consumption: AC
recharge energy / range. Verification: regulations-verified §4 (partly recall).
"""

from __future__ import annotations

from typing import Any, Final

from evforge.cycles import load_cycle
from evforge.procedures.common import repeated_cycle_range
from evforge.vehicle import Vehicle

__all__ = ["run"]

#: Reference mass = mass in running order - 75 kg + 100 kg = curb + 100 kg (UN R83 §2.2).
REFERENCE_MASS_ADDITION_KG: Final = 100.0
METHOD: Final = "UN R101 Annex 9 (NEDC repeated to break-off)"


def run(vehicle: Vehicle) -> dict[str, Any]:
    """NEDC range and DC/AC consumption for one car."""
    curb = vehicle.curb_mass_kg
    mass = vehicle.mass_kg if curb is None else curb + REFERENCE_MASS_ADDITION_KG
    return repeated_cycle_range(vehicle.with_mass(mass), load_cycle("nedc"), METHOD)
