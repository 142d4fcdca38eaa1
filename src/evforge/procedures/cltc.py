"""China CLTC range and consumption (GB/T 18386.1-2021 with CLTC-P of GB/T 38146.1-2019).

Test mass: curb + 100 kg (GB/T 18386-2017 §4.3.1; the 2021 edition refers to GB 18352.6,
not read). Two range methods:

- the **shortened method** (缩短法): dynamic segments DS1 and DS2 of two CLTC-P each, a
  constant-speed segment CSS_M between them and CSS_E to break-off, both at 100 km/h
  (:mod:`evforge.procedures.segments`). The segment layout, the 100 km/h and the rule for
  choosing the method are from recall of GB/T 18386.1-2021 §5 and §7, not verified against
  the text (regulations-verified §3, low confidence);
- the **conventional method** (常规法): CLTC-P repeated to break-off.

``auto`` runs the shortened method when the car can complete its dynamic segments, else the
conventional one. Range = UBE / DC consumption of the CLTC-P cycles (K-weighted in the
shortened method, as in WLTP); consumption = AC recharge energy / range.
"""

from __future__ import annotations

from typing import Any, Final

from evforge.cycles import load_cycle
from evforge.errors import EvforgeError
from evforge.procedures.common import repeated_cycle_range, wall_per_dc
from evforge.procedures.segments import Segment, run_with_mid_segment
from evforge.vehicle import Vehicle

__all__ = ["run", "shortened"]

CONVENTIONAL_METHOD: Final = "GB/T 18386.1-2021 conventional method (CLTC-P to break-off)"
SHORTENED_METHOD: Final = "GB/T 18386.1-2021 shortened method (2 x 2 CLTC-P, 100 km/h CSS)"
TEST_MASS_ADDITION_KG: Final = 100.0
#: CLTC-P cycles per dynamic segment (recall, unverified; regulations-verified §3).
CYCLES_PER_DYNAMIC_SEGMENT: Final = 2
#: Speed of the constant-speed segments [m/s] (recall, unverified; CLTC-P peaks at 114 km/h).
CSS_SPEED_MPS: Final = 100 / 3.6


def shortened(car: Vehicle) -> dict[str, Any] | None:
    """Range and consumption by the shortened method, or None if the car cannot complete it."""
    cltc = load_cycle("cltc_p")
    n = CYCLES_PER_DYNAMIC_SEGMENT
    ds1 = [Segment(f"cltc{i + 1}", "cltc", cltc) for i in range(n)]
    ds2 = [Segment(f"cltc{n + i + 1}", "cltc", cltc) for i in range(n)]
    test = run_with_mid_segment(car, ds1, ds2, CSS_SPEED_MPS)
    if test is None:
        return None
    ube = test.usable_energy_j
    ec_dc = test.consumption("cltc")
    range_km = ube / ec_dc / 1e3
    e_ac = ube * wall_per_dc(car)
    return {
        "test_mass_kg": car.mass_kg,
        "usable_energy_kwh": ube / 3.6e6,
        "range_km": range_km,
        "consumption_dc_kwh_per_100km": ec_dc / 3.6e6 * 1e5,
        "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / range_km * 100,
        "method": SHORTENED_METHOD,
    }


def run(vehicle: Vehicle, method: str = "auto") -> dict[str, Any]:
    """CLTC-P range and DC/AC consumption for one car.

    ``method``: ``"shortened"``, ``"conventional"`` or ``"auto"`` (shortened when the car
    can complete it).
    """
    curb = vehicle.curb_mass_kg
    car = vehicle.with_mass(vehicle.mass_kg if curb is None else curb + TEST_MASS_ADDITION_KG)
    result = None if method == "conventional" else shortened(car)
    if result is None and method == "shortened":
        raise EvforgeError(f"{vehicle.name} cannot complete the CLTC shortened method")
    if result is not None:
        return result
    return repeated_cycle_range(car, load_cycle("cltc_p"), CONVENTIONAL_METHOD)
