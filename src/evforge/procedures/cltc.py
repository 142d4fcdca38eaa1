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

from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from evforge.cycles import load_cycle
from evforge.procedures.batch import Method, RangeBatch
from evforge.procedures.common import repeated_cycle_range_batch, wall_per_dc
from evforge.procedures.segments import Segment, run_with_mid_segment_batch
from evforge.vehicle import Vehicle

__all__ = ["run", "run_batch", "shortened", "shortened_batch"]

CONVENTIONAL_METHOD: Final = Method.CLTC_CONVENTIONAL
SHORTENED_METHOD: Final = Method.CLTC_SHORTENED
TEST_MASS_ADDITION_KG: Final = 100.0
#: CLTC-P cycles per dynamic segment (recall, unverified; regulations-verified §3).
CYCLES_PER_DYNAMIC_SEGMENT: Final = 2
#: Speed of the constant-speed segments [m/s] (recall, unverified; CLTC-P peaks at 114 km/h).
CSS_SPEED_MPS: Final = 100 / 3.6


def _test_mass(vehicle: Vehicle) -> Vehicle:
    curb = vehicle.curb_mass_kg
    return vehicle.with_mass(vehicle.mass_kg if curb is None else curb + TEST_MASS_ADDITION_KG)


def shortened_batch(cars: Sequence[Vehicle]) -> RangeBatch:
    """Range and consumption by the shortened method, per car (at its test mass);
    ``method`` None where a car cannot complete it."""
    cltc = load_cycle("cltc_p")
    n = CYCLES_PER_DYNAMIC_SEGMENT
    ds1 = [Segment(f"cltc{i + 1}", "cltc", cltc) for i in range(n)]
    ds2 = [Segment(f"cltc{n + i + 1}", "cltc", cltc) for i in range(n)]
    test = run_with_mid_segment_batch(cars, ds1, ds2, CSS_SPEED_MPS)
    ube = test.usable_energy_j
    ec_dc = test.consumption("cltc")
    range_km = ube / ec_dc / 1e3
    e_ac = ube * np.array([wall_per_dc(car) for car in cars])
    columns = {
        "test_mass_kg": np.where(test.ran, [car.mass_kg for car in cars], np.nan),
        "usable_energy_kwh": ube / 3.6e6,
        "range_km": range_km,
        "consumption_dc_kwh_per_100km": ec_dc / 3.6e6 * 1e5,
        "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / range_km * 100,
    }
    methods = [Method.CLTC_SHORTENED if ok else None for ok in test.ran]
    return RangeBatch(columns, methods, list(test.error))


def shortened(car: Vehicle) -> dict[str, Any] | None:
    """Range and consumption by the shortened method, or None if the car cannot complete it."""
    result = shortened_batch([car])
    return None if result.method[0] is None and result.error[0] is None else result.record(0)


def run_batch(vehicles: Sequence[Vehicle], method: str = "auto") -> RangeBatch:
    """CLTC-P range and DC/AC consumption for every car of a batch.

    ``method``: ``"shortened"``, ``"conventional"`` or ``"auto"`` (shortened when the car
    can complete it).
    """
    cars = [_test_mass(v) for v in vehicles]
    count = len(cars)
    keys = (
        "test_mass_kg",
        "usable_energy_kwh",
        "range_km",
        "consumption_dc_kwh_per_100km",
        "consumption_ac_kwh_per_100km",
    )
    columns = {key: np.full(count, np.nan) for key in keys}
    methods: list[Method | None] = [None] * count
    errors: list[str | None] = [None] * count
    todo = list(range(count))
    if method != "conventional":
        short = shortened_batch(cars)
        for j in range(count):
            errors[j] = short.error[j]
            methods[j] = short.method[j]
            for key in keys:
                columns[key][j] = short.columns[key][j]
        todo = [j for j in range(count) if methods[j] is None and errors[j] is None]
    if method == "shortened":
        for j in todo:
            errors[j] = f"{vehicles[j].name} cannot complete the CLTC shortened method"
        todo = []
    if todo:
        records = repeated_cycle_range_batch(
            [cars[j] for j in todo], load_cycle("cltc_p"), CONVENTIONAL_METHOD
        )
        for j, rec in zip(todo, records, strict=True):
            if isinstance(rec, str):
                errors[j] = rec
                continue
            methods[j] = Method.CLTC_CONVENTIONAL
            for key in keys:
                columns[key][j] = rec[key]
    return RangeBatch(columns, methods, errors)


def run(vehicle: Vehicle, method: str = "auto") -> dict[str, Any]:
    """CLTC-P range and DC/AC consumption for one car (:func:`run_batch`).

    ``method``: ``"shortened"``, ``"conventional"`` or ``"auto"`` (shortened when the car
    can complete it).
    """
    return run_batch([vehicle], method).record(0)
