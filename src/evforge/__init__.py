"""evforge: design a battery-electric car before anyone bends metal.

The public API, in the order data flows::

    car = evforge.load_vehicle("examples/chevrolet_bolt_ev_2017.yaml")
    evforge.simulate([car], "wltc_class3b")[0].consumption_dc_kwh_per_100km
    evforge.run_procedure(car, "wltp")["range_km"]          # EPA, WLTP, CLTC, NEDC
    evforge.perf(car).zero_to_100_kmh_s                     # acceleration, top speed
    evforge.charge(car, 0.10, 0.80).time_min                # DC fast charging
    evforge.report("examples/chevrolet_bolt_ev_2017.yaml")  # the headline sheet
    evforge.evaluate(["examples/chevrolet_bolt_ev_2017.yaml"])  # a table of designs -> results
    evforge.variant("examples/chevrolet_bolt_ev_2017.yaml", {"mass.curb": "1800 kg"})

Names are imported on first use (PEP 562), so ``evforge --help`` does not load numba,
pandas or pint.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.5.0"

# name -> module it lives in
_LAZY: dict[str, str] = {
    "Cycle": "evforge.cycles",
    "cycle_names": "evforge.cycles",
    "load_cycle": "evforge.cycles",
    "Axle": "evforge.enums",
    "Chemistry": "evforge.enums",
    "Layout": "evforge.enums",
    "EvforgeError": "evforge.errors",
    "InputError": "evforge.errors",
    "Problem": "evforge.errors",
    "BatchResult": "evforge.sim",
    "EnergyBreakdown": "evforge.sim",
    "SimResult": "evforge.sim",
    "simulate": "evforge.sim",
    "VehicleSpec": "evforge.spec",
    "build_vehicle": "evforge.spec",
    "load_spec": "evforge.spec",
    "parse_spec": "evforge.spec",
    "variant": "evforge.spec.variant",
    "variant_spec": "evforge.spec.variant",
    "AxleDrive": "evforge.vehicle",
    "Derived": "evforge.vehicle",
    "Vehicle": "evforge.vehicle",
    "run_procedure": "evforge.procedures",
    "perf": "evforge.performance",
    "PerfResult": "evforge.performance",
    "charge": "evforge.charging",
    "parse_charger": "evforge.charging",
    "ChargeResult": "evforge.charging",
    "report": "evforge.sheet",
    "evaluate": "evforge.evaluation",
    "Procedure": "evforge.evaluation",
    "DesignTable": "evforge.design",
    "Report": "evforge.sheet",
}

# top-level name -> name in its module, where they differ (evforge.performance is the package)
_ATTR: dict[str, str] = {"perf": "performance"}

__all__ = [
    "Axle",
    "AxleDrive",
    "BatchResult",
    "ChargeResult",
    "Chemistry",
    "Cycle",
    "Derived",
    "DesignTable",
    "EnergyBreakdown",
    "EvforgeError",
    "InputError",
    "Layout",
    "PerfResult",
    "Problem",
    "Procedure",
    "Report",
    "SimResult",
    "Vehicle",
    "VehicleSpec",
    "__version__",
    "build_vehicle",
    "charge",
    "cycle_names",
    "evaluate",
    "load_cycle",
    "load_spec",
    "load_vehicle",
    "parse_charger",
    "parse_spec",
    "perf",
    "report",
    "run_procedure",
    "simulate",
    "variant",
    "variant_spec",
]

if TYPE_CHECKING:
    from pathlib import Path

    from evforge.charging import ChargeResult, charge, parse_charger
    from evforge.cycles import Cycle, cycle_names, load_cycle
    from evforge.design import DesignTable
    from evforge.enums import Axle, Chemistry, Layout
    from evforge.errors import EvforgeError, InputError, Problem
    from evforge.evaluation import Procedure, evaluate
    from evforge.performance import PerfResult
    from evforge.performance import performance as perf
    from evforge.procedures import run_procedure
    from evforge.sheet import Report, report
    from evforge.sim import BatchResult, EnergyBreakdown, SimResult, simulate
    from evforge.spec import VehicleSpec, build_vehicle, load_spec, parse_spec
    from evforge.spec.variant import variant, variant_spec
    from evforge.vehicle import AxleDrive, Derived, Vehicle


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evforge' has no attribute {name!r}")
    value = getattr(import_module(module), _ATTR.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def load_vehicle(path: str | Path) -> Vehicle:
    """Read a spec file and build the vehicle, defaults filled (see ``evforge check``)."""
    from evforge.spec import build_vehicle, load_spec

    return build_vehicle(load_spec(path))
