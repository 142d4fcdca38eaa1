"""China CLTC range and consumption (GB/T 18386.1-2021 with CLTC-P of GB/T 38146.1-2019).

Implemented: the conventional method, repeated CLTC-P to break-off, at the test mass curb +
100 kg (GB/T 18386-2017 §4.3.1; the 2021 edition refers to GB 18352.6, not read). Range =
usable DC energy / DC consumption of the complete cycles; consumption = AC recharge energy /
range. The shortened method is not implemented. Verification: regulations-verified §3.
"""

from __future__ import annotations

from typing import Any, Final

from evforge.cycles import load_cycle
from evforge.procedures.common import repeated_cycle_range
from evforge.vehicle import Vehicle

__all__ = ["run"]

METHOD: Final = "GB/T 18386.1-2021 conventional method (CLTC-P to break-off)"

TEST_MASS_ADDITION_KG: Final = 100.0


def run(vehicle: Vehicle) -> dict[str, Any]:
    """CLTC-P range and DC/AC consumption for one car."""
    curb = vehicle.curb_mass_kg
    mass = vehicle.mass_kg if curb is None else curb + TEST_MASS_ADDITION_KG
    return repeated_cycle_range(vehicle.with_mass(mass), load_cycle("cltc_p"), METHOD)
