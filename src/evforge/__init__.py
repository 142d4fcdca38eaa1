"""evforge: design a battery-electric car before anyone bends metal.

The public API, in the order data flows::

    vehicle = evforge.load_vehicle("examples/chevrolet_bolt_ev_2017.yaml")
    result = evforge.simulate([vehicle], "wltc_class3b")
    result[0].consumption_dc_kwh_per_100km
"""

from __future__ import annotations

from pathlib import Path

from evforge.cycles import Cycle, cycle_names, load_cycle
from evforge.enums import Axle, Chemistry, Layout
from evforge.errors import EvforgeError, InputError, Problem
from evforge.sim import BatchResult, EnergyBreakdown, SimResult, simulate
from evforge.spec import VehicleSpec, build_vehicle, load_spec, parse_spec
from evforge.vehicle import AxleDrive, Derived, Vehicle

__all__ = [
    "Axle",
    "AxleDrive",
    "BatchResult",
    "Chemistry",
    "Cycle",
    "Derived",
    "EnergyBreakdown",
    "EvforgeError",
    "InputError",
    "Layout",
    "Problem",
    "SimResult",
    "Vehicle",
    "VehicleSpec",
    "__version__",
    "build_vehicle",
    "cycle_names",
    "load_cycle",
    "load_spec",
    "load_vehicle",
    "parse_spec",
    "simulate",
]

__version__ = "0.1.0"


def load_vehicle(path: str | Path) -> Vehicle:
    """Read a spec file and build the vehicle, defaults filled (see ``evforge check``)."""
    return build_vehicle(load_spec(path))
