"""Small builders shared by the tests: specs as dicts, vehicles, synthetic cycles."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from evforge.cycles import Cycle
from evforge.spec import build_vehicle, parse_spec
from evforge.vehicle import Vehicle

BASE_SPEC: dict[str, Any] = {
    "name": "Test hatchback",
    "layout": "FWD",
    "mass": {"curb": "1600 kg", "payload": "100 kg"},
    "body": {"drag_coefficient": 0.30, "frontal_area": "2.2 m^2"},
    "tyres": {"size": "215/55 R17", "rolling_resistance": 0.009},
    "motors": [{"axle": "front", "peak_power": "150 kW", "peak_torque": "300 N*m"}],
    "gear_ratio": 9.0,
    "battery": {"usable_energy": "60 kWh", "chemistry": "NMC"},
    "auxiliary_power": "300 W",
}


#: Every field of schema v1 filled (the bad-input table and the fuzzers mutate it).
FULL_SPEC: dict[str, Any] = {
    "name": "Test hatchback",
    "layout": "FWD",
    "mass": {"curb": "1600 kg", "payload": "100 kg", "front_axle_share": 0.55},
    "body": {
        "drag_coefficient": 0.28,
        "frontal_area": "2.3 m^2",
        "width": "1800 mm",
        "height": "1550 mm",
        "wheelbase": "2700 mm",
        "cog_height": "520 mm",
    },
    "tyres": {"size": "215/55 R17", "rolling_resistance": 0.008, "friction_coefficient": 0.9},
    "motors": [
        {
            "axle": "front",
            "peak_power": "150 kW",
            "peak_torque": "310 N*m",
            "max_speed": "16000 rpm",
        }
    ],
    "gear_ratio": 9.1,
    "battery": {
        "usable_energy": "58 kWh",
        "nominal_energy": "62 kWh",
        "nominal_voltage": "400 V",
        "chemistry": "NMC",
        "peak_charge_power": "150 kW",
        "peak_discharge_power": "200 kW",
    },
    "auxiliary_power": "300 W",
    "performance": {"top_speed_limit": "180 km/h", "test_soc": 0.9, "payload": "75 kg"},
}


def spec_dict(**changes: Any) -> dict[str, Any]:
    """A deep copy of the base spec with top-level keys replaced."""
    data = copy.deepcopy(BASE_SPEC)
    data.update(changes)
    return data


def vehicle(**changes: Any) -> Vehicle:
    """A vehicle from the base spec with top-level keys replaced."""
    return build_vehicle(parse_spec(spec_dict(**changes)))


def constant_speed_cycle(speed_mps: float, duration_s: float = 100.0) -> Cycle:
    """A trace already at ``speed_mps`` that holds it (no acceleration at all)."""
    t = np.arange(0.0, duration_s + 1.0)
    v = np.full_like(t, speed_mps)
    return Cycle("constant", t, v, np.zeros_like(t))
