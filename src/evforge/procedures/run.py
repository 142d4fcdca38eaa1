"""Dispatch: run one or all procedures for a car and return uniform result records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np

from evforge.procedures import cltc, epa, nedc, wltp
from evforge.procedures.batch import RangeBatch, first_error
from evforge.vehicle import Vehicle

__all__ = ["PROCEDURES", "RangeResult", "run_procedure", "run_procedure_batch"]

RangeResult = dict[str, Any]
#: The two EPA label routes (:func:`label_by_maker_choice`).
FIVE_CYCLE_ROUTE: Final = "vehicle-specific 5-cycle (40 CFR 600.114-12)"
FACTOR_ROUTE: Final = "0.7 factor (derived 5-cycle)"
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
    and its climate control on (:func:`evforge.climate.model.procedure_vehicle`), and its
    road load at that temperature as on the road
    (:func:`evforge.sim.ambient.road_load_at_ambient`); omitted, at the procedure's own
    test-cell conditions. The EPA record also carries the vehicle-specific
    5-cycle adjustment (:mod:`evforge.procedures.epa_five_cycle`) at test-cell conditions.
    """
    car = vehicle
    if ambient_c is not None:
        from evforge.climate.model import procedure_vehicle
        from evforge.climate.params import Ambient
        from evforge.sim.ambient import road_load_at_ambient

        car = road_load_at_ambient(procedure_vehicle(vehicle, Ambient(ambient_c)), ambient_c)
    values = PROCEDURES[procedure](car)
    if procedure == "epa" and ambient_c is None:
        from evforge.procedures import epa_five_cycle

        values = label_by_maker_choice({**values, **epa_five_cycle.run(vehicle, values)})
    extra = {} if ambient_c is None else {"ambient_c": ambient_c}
    return {"vehicle": vehicle.name, "procedure": procedure, **extra, **_clean(values)}


BATCHES: Final[dict[str, Callable[[Sequence[Vehicle]], RangeBatch]]] = {
    "epa": epa.run_batch,
    "wltp": wltp.run_batch,
    "cltc": cltc.run_batch,
    "nedc": nedc.run_batch,
}
#: Keys of the EPA record the chosen label route sets (:func:`label_by_maker_choice`):
#: (key, the 5-cycle route's key).
_ROUTE_KEYS: Final = (
    ("range_km", "range_5cycle_km"),
    ("range_mi", "range_5cycle_mi"),
    ("consumption_ac_kwh_per_100km", "consumption_ac_kwh_per_100km_5cycle"),
    ("consumption_dc_kwh_per_100km", "consumption_dc_kwh_per_100km_5cycle"),
    ("consumption_ac_kwh_per_100mi", "consumption_ac_kwh_per_100mi_5cycle"),
    ("mpge_city", "mpge_city_5cycle"),
    ("mpge_highway", "mpge_highway_5cycle"),
    ("mpge_combined", "mpge_combined_5cycle"),
)


def run_procedure_batch(
    vehicles: Sequence[Vehicle], procedure: str, *, ambient_c: float | None = None
) -> RangeBatch:
    """:func:`run_procedure` for a batch of cars: the procedure's columns, one entry per car.

    The EPA batch at test-cell conditions carries the 5-cycle columns and the label by the
    maker's choice (:func:`label_by_maker_choice`: ``label_route`` a label per car, the
    ``*_0p7`` columns the default route's), as the one-car record does.
    """
    cars = list(vehicles)
    if ambient_c is not None:
        from evforge.climate.model import procedure_vehicle
        from evforge.climate.params import Ambient
        from evforge.sim.ambient import road_load_at_ambient

        amb = Ambient(ambient_c)
        cars = [road_load_at_ambient(procedure_vehicle(v, amb), ambient_c) for v in vehicles]
    if procedure != "epa" or ambient_c is not None:
        return BATCHES[procedure](cars)
    from evforge.procedures import epa_five_cycle

    # The cars at their test weight, made once for the 2-cycle and the 5-cycle tests.
    tested = epa.test_cars(vehicles)
    result = epa.run_batch(cars, cars=tested)
    five, errors = epa_five_cycle.run_batch(vehicles, result.columns, cars=tested)
    two = result.columns
    longer = five["range_5cycle_km"] > two["range_km"]
    columns = {**two, **five}
    for key in ("range_km", "range_mi", "consumption_ac_kwh_per_100km"):
        columns[f"{key}_0p7"] = two[key]
    columns["consumption_dc_kwh_per_100km_0p7"] = two["consumption_dc_kwh_per_100km"]
    for key, five_key in _ROUTE_KEYS:
        columns[key] = np.where(longer, five[five_key], two[key])
    route = [FIVE_CYCLE_ROUTE if x else FACTOR_ROUTE for x in longer.tolist()]
    return RangeBatch(
        columns,
        result.method,
        first_error(result.error, errors),
        labels={**result.labels, "label_route": route},
        integers=result.integers,
    )


def label_by_maker_choice(values: dict[str, Any]) -> dict[str, Any]:
    """The EPA label a maker may choose: the default 0.7 factor or the vehicle-specific
    5-cycle result, whichever gives the longer range.

    40 CFR 600.210-12(a) lets a manufacturer label a BEV either from the derived 5-cycle
    (the 0.7 factor of EPA guidance) or from its own 5-cycle tests (600.114-12); EPA's
    guidance letters describe the 0.7 route as an option, not a ceiling (regulations.md
    §1.2; docs/regulations-verified.md). Both routes stay in the record (``*_0p7``,
    ``*_5cycle``); ``range_km``, ``range_mi`` and the label consumption and MPGe are the
    chosen route's, named in ``label_route``.
    """
    out = dict(values)
    out["range_km_0p7"] = values["range_km"]
    out["range_mi_0p7"] = values["range_mi"]
    out["consumption_ac_kwh_per_100km_0p7"] = values["consumption_ac_kwh_per_100km"]
    out["consumption_dc_kwh_per_100km_0p7"] = values["consumption_dc_kwh_per_100km"]
    if values["range_5cycle_km"] > values["range_km"]:
        out["label_route"] = FIVE_CYCLE_ROUTE
        out["range_km"] = values["range_5cycle_km"]
        out["range_mi"] = values["range_5cycle_mi"]
        out["consumption_ac_kwh_per_100km"] = values["consumption_ac_kwh_per_100km_5cycle"]
        out["consumption_dc_kwh_per_100km"] = values["consumption_dc_kwh_per_100km_5cycle"]
        out["consumption_ac_kwh_per_100mi"] = values["consumption_ac_kwh_per_100mi_5cycle"]
        out["mpge_city"] = values["mpge_city_5cycle"]
        out["mpge_highway"] = values["mpge_highway_5cycle"]
        out["mpge_combined"] = values["mpge_combined_5cycle"]
    else:
        out["label_route"] = FACTOR_ROUTE
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return float(value) if isinstance(value, float) else value
