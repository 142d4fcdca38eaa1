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


def run_procedure(vehicle: Vehicle, procedure: str) -> RangeResult:
    """One (vehicle, procedure) record: ``vehicle``, ``procedure``, then the procedure's values."""
    values = PROCEDURES[procedure](vehicle)
    clean = {k: float(v) if isinstance(v, float) else v for k, v in values.items()}
    return {"vehicle": vehicle.name, "procedure": procedure, **clean}
