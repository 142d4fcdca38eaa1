"""Legacy NEDC range and consumption (UN R101 Annexes 7 and 9), for older published figures.

Reference mass = mass in running order - 75 kg + 100 kg = curb + 100 kg (UN R83 §2.2, as
referenced by R101). Range: repeated NEDC until the car cannot follow; consumption: AC
recharge energy / range. Verification: regulations-verified §4 (partly recall).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from evforge.cycles import load_cycle
from evforge.procedures.batch import Method, RangeBatch
from evforge.procedures.common import repeated_cycle_range_batch
from evforge.vehicle import Vehicle

__all__ = ["run", "run_batch"]

#: Reference mass = mass in running order - 75 kg + 100 kg = curb + 100 kg (UN R83 §2.2).
REFERENCE_MASS_ADDITION_KG: Final = 100.0
METHOD: Final = Method.NEDC
_KEYS: Final = (
    "test_mass_kg",
    "usable_energy_kwh",
    "range_km",
    "consumption_dc_kwh_per_100km",
    "consumption_ac_kwh_per_100km",
)


def run_batch(vehicles: Sequence[Vehicle]) -> RangeBatch:
    """NEDC range and DC/AC consumption for every car of a batch."""
    cars = []
    for v in vehicles:
        curb = v.curb_mass_kg
        cars.append(v.with_mass(v.mass_kg if curb is None else curb + REFERENCE_MASS_ADDITION_KG))
    records = repeated_cycle_range_batch(cars, load_cycle("nedc"), METHOD)
    columns = {key: np.full(len(cars), np.nan) for key in _KEYS}
    errors: list[str | None] = []
    for j, rec in enumerate(records):
        errors.append(rec if isinstance(rec, str) else None)
        if not isinstance(rec, str):
            for key in _KEYS:
                columns[key][j] = rec[key]
    methods: list[Method | None] = [None if e else METHOD for e in errors]
    return RangeBatch(columns, methods, errors)


def run(vehicle: Vehicle) -> dict[str, Any]:
    """NEDC range and DC/AC consumption for one car (:func:`run_batch`)."""
    return run_batch([vehicle]).record(0)
