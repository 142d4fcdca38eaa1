"""Range with the climate control on: GB/T 18386.1-2021 Annexes A and B, and a "real-world"
table of motorway and city range at several temperatures.

GB/T 18386.1-2021 Annex A is the low-temperature test (heater on) and Annex B the
high-temperature test (air conditioning on): the table of contents was read
(chinaautoregs.com, docs/regulations-verified.md §3); the annexes themselves were not. The
conditions used here are those the issue and secondary sources give, -7 °C and 35 °C, with
the cabin held at 22 °C in automatic mode, the car soaked at the test temperature, the
conventional method (CLTC-P to break-off) and the test mass of :mod:`evforge.procedures.cltc`.
Set point, soak and any solar load of Annex B are assumptions, not read in the standard.

The real-world table drives at constant motorway speeds (110 and 130 km/h, 70 mph) and over
the WLTC Low + Medium phases (city), soaked at 23, 0 and -10 °C with the cabin held at its set
point, and the road load at the ambient as on the road
(:func:`evforge.sim.ambient.road_load_at_ambient`: aerodynamic drag with the air density,
ρ ∝ 1/T at constant pressure, and the constant term with the tyres' temperature correction;
the road-load coefficients hold at the 20 °C reference of GTR 15 Annex 4 and 40 CFR 1066).
Range = usable energy left after the cabin warm-up (and any pack heating) / the DC
consumption in steady driving; no official procedure stands behind it.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from evforge.climate.model import procedure_vehicle
from evforge.climate.params import Ambient
from evforge.cycles import Cycle, load_cycle
from evforge.physics.road_load import REFERENCE_TEMPERATURE_C
from evforge.procedures import cltc
from evforge.procedures.segments import CONSTANT_SPEED_ACCEL_MPS2, constant_speed_segment
from evforge.sim.ambient import run_at_ambient
from evforge.units import KMH_PER_MPS, M_PER_MI
from evforge.vehicle import Vehicle

__all__ = [
    "REAL_WORLD_TEMPERATURES_C",
    "constant_speed_cycle",
    "gbt_annex_a",
    "gbt_annex_b",
    "real_world",
]

#: GB/T 18386.1-2021 Annex A (low temperature) and Annex B (high temperature) test
#: temperatures [°C] (secondary: issue #4 and the standard's table of contents; not read).
ANNEX_A_C: Final = -7.0
ANNEX_B_C: Final = 35.0
REAL_WORLD_TEMPERATURES_C: Final = (23.0, 0.0, -10.0)
#: Real-world scenarios: name -> constant speed [km/h] (None: WLTC Low + Medium).
SCENARIOS: Final[dict[str, float | None]] = {
    "motorway 110 km/h": 110.0,
    "motorway 130 km/h": 130.0,
    "motorway 70 mph": 70.0 * M_PER_MI / 1e3,
    "city (WLTC Low+Medium)": None,
}
CRUISE_S: Final = 1800.0
#: Temperature at which road-load coefficients and the default air density hold [°C].
ROAD_LOAD_REFERENCE_C: Final = REFERENCE_TEMPERATURE_C


def constant_speed_cycle(
    speed_kmh: float, cruise_s: float = CRUISE_S
) -> tuple[Cycle, float, float]:
    """A 1 Hz cycle: ramp up at 1 m/s², cruise ``cruise_s``, ramp down
    (:func:`~evforge.procedures.segments.constant_speed_segment`); and the cruise's
    (start, end) times [s]."""
    v = speed_kmh / KMH_PER_MPS
    cycle = constant_speed_segment(v, cruise_s, f"constant {speed_kmh:.1f} km/h")
    ramp = float(np.ceil(v / CONSTANT_SPEED_ACCEL_MPS2))
    return cycle, ramp, ramp + float(np.ceil(cruise_s))


def _annex(vehicle: Vehicle, temperature_c: float, annex: str) -> dict[str, Any]:
    warm = cltc.run(vehicle)
    cold = cltc.run(procedure_vehicle(vehicle, Ambient(temperature_c)))
    return {
        **cold,
        "ambient_c": temperature_c,
        "range_23c_km": warm["range_km"],
        "range_ratio": cold["range_km"] / warm["range_km"],
        "method": f"GB/T 18386.1-2021 Annex {annex}, conditions partly assumed ({cold['method']})",
    }


def gbt_annex_a(vehicle: Vehicle) -> dict[str, Any]:
    """Low-temperature CLTC range with the heater on (GB/T 18386.1-2021 Annex A)."""
    return _annex(vehicle, ANNEX_A_C, "A")


def gbt_annex_b(vehicle: Vehicle) -> dict[str, Any]:
    """High-temperature CLTC range with the air conditioning on (GB/T 18386.1-2021 Annex B)."""
    return _annex(vehicle, ANNEX_B_C, "B")


def real_world(
    vehicle: Vehicle, temperatures_c: tuple[float, ...] = REAL_WORLD_TEMPERATURES_C
) -> list[dict[str, Any]]:
    """One row per (scenario, temperature): DC consumption and range."""
    city = load_cycle("wltc_class3b")
    n = int((city.time_s <= 1022.0).sum())  # Low + Medium phases (GTR 15 Annex 1)
    city = Cycle("wltc low+medium", city.time_s[:n], city.speed_mps[:n], city.grade[:n])
    runs: dict[str, tuple[Cycle, float, float]] = {}
    for name, speed in SCENARIOS.items():
        runs[name] = constant_speed_cycle(speed) if speed else (city, 0.0, float(city.time_s[-1]))
    rows = []
    assert vehicle.climate is not None
    for t in temperatures_c:
        amb = Ambient(t)
        car = procedure_vehicle(vehicle, amb)
        available_kwh = car.usable_energy_j * car.initial_soc / 3.6e6
        for name, (cycle, a, b) in runs.items():
            run = run_at_ambient(
                vehicle, cycle, amb, cabin_start_c=vehicle.climate.setpoint_c, cuts_s=(a, b)
            )
            e, d = run.energy_between_kwh(a, b)
            rows.append(
                {
                    "vehicle": vehicle.name,
                    "scenario": name,
                    "ambient_c": t,
                    "consumption_dc_kwh_per_100km": e / d * 100.0,
                    "hvac_kw": run.schedule.steady_w / 1e3,
                    "range_km": available_kwh / (e / d),
                    "range_mi": available_kwh / (e / d) * 1e3 / M_PER_MI,
                }
            )
    return rows
