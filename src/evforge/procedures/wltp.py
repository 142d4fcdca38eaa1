"""WLTP pure-electric range and consumption (UN GTR 15; EU 2017/1151 Annex XXI; UN R154).

Implemented: the cycle class from the power-to-mass ratio (GTR 15 Annex 1 §2), the test mass
(§3.2: mass in running order + 25 kg + 15 % of the maximum payload for M1), and the
consecutive-cycle procedure (Annex 8 §3.4.4.1): repeated WLTCs to break-off, PER from the
usable energy and the K-weighted DC consumption (Annex 8 §4), city range from the Low and
Medium phases, AC consumption from the recharge energy. The shortened procedure (STP) is
not implemented yet; for a car that does not lose efficiency as it discharges the two give
the same PER. Verification status: ``docs/regulations-verified.md`` §2.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from evforge.cycles import load_cycle
from evforge.procedures.common import run_depletion, top_speed_mps, wall_per_dc
from evforge.vehicle import Vehicle

__all__ = ["cycle_class", "run", "test_mass_kg"]

DRIVER_KG: Final = 75.0  # mass in running order includes a 75 kg driver (2017/1151 Art. 2)
TEST_MASS_ADDITION_KG: Final = 25.0  # GTR 15 §3.2.25 (test mass)
PAYLOAD_SHARE_M1: Final = 0.15  # share of the maximum vehicle load for M1 (GTR 15 §3.2.25)
#: Maximum vehicle load when a spec does not give it (assumption: typical 450 kg for BEVs).
DEFAULT_MAX_PAYLOAD_KG: Final = 450.0
PMR_CLASS_1: Final = 22.0  # W/kg, GTR 15 Annex 1 §2
PMR_CLASS_2: Final = 34.0
CLASS_3B_MIN_VMAX_KMH: Final = 120.0  # class 3a below (GTR 15 Annex 1 §3.3)


def test_mass_kg(vehicle: Vehicle) -> float:
    """TM = MRO + 25 kg + 15 % of the maximum payload; the spec's test mass if no curb."""
    if vehicle.curb_mass_kg is None:
        return vehicle.mass_kg
    mro = vehicle.curb_mass_kg + DRIVER_KG
    return mro + TEST_MASS_ADDITION_KG + PAYLOAD_SHARE_M1 * DEFAULT_MAX_PAYLOAD_KG


def cycle_class(vehicle: Vehicle) -> str:
    """WLTC class from PMR = rated power / mass in running order [W/kg] and top speed."""
    mro = (vehicle.curb_mass_kg or vehicle.mass_kg - DRIVER_KG) + DRIVER_KG
    pmr = vehicle.peak_power_w / mro
    if pmr <= PMR_CLASS_1:
        return "wltc_class1"
    if pmr <= PMR_CLASS_2:
        return "wltc_class2"
    return (
        "wltc_class3b" if top_speed_mps(vehicle) * 3.6 >= CLASS_3B_MIN_VMAX_KMH else "wltc_class3a"
    )


def run(vehicle: Vehicle) -> dict[str, Any]:
    """WLTP PER, city range and DC/AC consumption for one car (consecutive-cycle procedure)."""
    car = vehicle.with_mass(test_mass_kg(vehicle))
    name = cycle_class(vehicle)
    test = run_depletion(car, load_cycle(name))
    ube = test.usable_energy_j
    ec = test.cycle_energy_j / test.cycle_distance_m  # J/m per complete cycle
    # Weighting (Annex 8 §4): K_1 = ΔE_1 / UBE, the other complete cycles share 1 - K_1.
    k1 = test.cycle_energy_j[0] / ube
    weights = np.full(ec.size, (1 - k1) / max(ec.size - 1, 1))
    weights[0] = k1
    weights /= weights.sum()
    ec_dc = float(np.dot(weights, ec))
    per_km = ube / ec_dc / 1e3
    city = [p for p in ("low", "medium") if p in test.phase_energy_j]
    ec_city = sum(test.phase_energy_j[p] for p in city) / sum(
        test.phase_distance_m[p] for p in city
    )
    e_ac = ube * wall_per_dc(car)
    return {
        "test_mass_kg": car.mass_kg,
        "cycle": name,
        "usable_energy_kwh": ube / 3.6e6,
        "range_km": per_km,
        "range_city_km": ube / ec_city / 1e3,
        "consumption_dc_kwh_per_100km": ec_dc / 3.6e6 * 1e5,
        "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / per_km * 100,
        "complete_cycles": int(ec.size),
        "method": "GTR 15 Annex 8 consecutive-cycle procedure (CCP)",
    }
