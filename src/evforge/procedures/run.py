"""Dispatch: run one or all procedures for a car and return uniform result records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from evforge.procedures import cltc, epa, nedc, wltp
from evforge.vehicle import Vehicle

__all__ = ["PROCEDURES", "RangeResult", "run_procedure"]

RangeResult = dict[str, Any]
PROCEDURES: Final[dict[str, Callable[[Vehicle], dict[str, Any]]]] = {
    "epa": epa.run,
    "wltp": wltp.run,
    "cltc": cltc.run,
    "nedc": nedc.run,
}


def run_procedure(
    vehicle: Vehicle, procedure: str, *, ambient_c: float | None = None
) -> RangeResult:
    """One (vehicle, procedure) record: ``vehicle``, ``procedure``, then the procedure's values.

    ``ambient_c`` runs the procedure's depletion test with the car soaked at that temperature
    and its climate control on (:func:`evforge.climate.model.procedure_vehicle`); omitted, at
    the procedure's own test-cell conditions. The EPA record also carries the vehicle-specific
    5-cycle adjustment (:mod:`evforge.procedures.epa_five_cycle`) at test-cell conditions.
    """
    car = vehicle
    if ambient_c is not None:
        from evforge.climate.model import procedure_vehicle
        from evforge.climate.params import Ambient

        car = procedure_vehicle(vehicle, Ambient(ambient_c))
    values = PROCEDURES[procedure](car)
    if procedure == "epa" and ambient_c is None:
        from evforge.procedures import epa_five_cycle

        values = {**values, **epa_five_cycle.run(vehicle, values)}
    extra = {} if ambient_c is None else {"ambient_c": ambient_c}
    return {"vehicle": vehicle.name, "procedure": procedure, **extra, **_clean(values)}


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return float(value) if isinstance(value, float) else value
