"""``evforge.evaluate``: a table of designs in, a table of results out.

One public function that the CLI (``evforge evaluate``), sweeps and the web workbench call.
Each design runs the procedures asked for; the result is a pandas DataFrame with one row per
design in input order: the design's columns (spec field paths in their documented units),
then the results, units in the column names, and an ``error`` column (empty when the design
ran). A design that cannot be built or run does not stop the others: its result cells are
missing (pandas ``<NA>``, never NaN) and ``error`` says why.

Procedures (:class:`Procedure`):

- ``epa``: EPA label range and consumption (the route the maker may choose: 0.7 factor or the
  vehicle-specific 5-cycle, 40 CFR 600.210-12), MCT or SCT;
- ``wltp``: WLTP combined range and consumption (STP, or CCP for short-range cars), test mass;
- ``cltc``: CLTC-P range and consumption (GB/T 18386.1-2021);
- ``perf``: 0-100 km/h and top speed;
- ``charge``: 10-80 % DC at a 350 kW-class charger, preconditioned, 25 °C;
- ``mass``: the curb mass the design is built with.

Status: the designs are validated and compiled as a table, but the procedures still run one
design at a time above the batched kernel (about 1 s per design for all five procedures on
this project's 2-core machine); batching them is the work of the "million designs" issue.

Examples
--------
>>> import evforge
>>> table = evforge.evaluate(["examples/chevrolet_bolt_ev_2017.yaml"], procedures=["wltp"])
>>> round(table.loc[0, "range_wltp_km"])
449
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from evforge.design import DesignTable

if TYPE_CHECKING:
    import pandas as pd

    from evforge.vehicle import Vehicle

__all__ = ["OUTPUTS", "Procedure", "evaluate"]


class Procedure(StrEnum):
    """What :func:`evaluate` can run."""

    EPA = "epa"
    WLTP = "wltp"
    CLTC = "cltc"
    PERF = "perf"
    CHARGE = "charge"
    MASS = "mass"


#: Result columns, by procedure, with their meaning.
OUTPUTS: Final[dict[Procedure, dict[str, str]]] = {
    Procedure.EPA: {
        "range_epa_km": "EPA label range [km] (maker's choice of route)",
        "range_epa_mi": "EPA label range [mi]",
        "consumption_epa_kwh_per_100km": "EPA label consumption from the wall [kWh/100 km]",
        "epa_label_route": "which route the label takes (0.7 factor or 5-cycle)",
    },
    Procedure.WLTP: {
        "range_wltp_km": "WLTP combined range [km]",
        "consumption_wltp_kwh_per_100km": "WLTP combined consumption from the wall [kWh/100 km]",
        "test_mass_wltp_kg": "WLTP test mass [kg]",
    },
    Procedure.CLTC: {
        "range_cltc_km": "CLTC range [km]",
        "consumption_cltc_kwh_per_100km": "CLTC consumption from the wall [kWh/100 km]",
    },
    Procedure.PERF: {
        "zero_to_100_kmh_s": "0-100 km/h [s] (missing: not reached)",
        "top_speed_kmh": "top speed [km/h]",
    },
    Procedure.CHARGE: {
        "charge_10_80_min": "DC 10-80 % at a 350 kW-class charger, preconditioned [min]",
    },
    Procedure.MASS: {
        "curb_mass_kg": "curb mass without driver [kg] (as built from the spec)",
        "cost_usd": "bill-of-materials cost [USD] (specs with a design: section)",
    },
}


def _procedures(procedures: Iterable[str | Procedure] | None) -> list[Procedure]:
    from evforge.errors import InputError, Problem

    if procedures is None:
        return list(Procedure)
    out = []
    for p in procedures:
        try:
            out.append(Procedure(str(p).strip().lower()))
        except ValueError:
            known = ", ".join(x.value for x in Procedure)
            raise InputError(
                "procedures", [Problem(str(p), f"is not a procedure; expected one of {known}")]
            ) from None
    return list(dict.fromkeys(out))


def _run_one(vehicle: Vehicle, procedures: Sequence[Procedure]) -> dict[str, Any]:
    from evforge.procedures import run_procedure

    row: dict[str, Any] = {}
    if Procedure.EPA in procedures:
        epa = run_procedure(vehicle, "epa")
        row["range_epa_km"] = epa["range_km"]
        row["range_epa_mi"] = epa["range_mi"]
        row["consumption_epa_kwh_per_100km"] = epa["consumption_ac_kwh_per_100km"]
        row["epa_label_route"] = epa["label_route"]
    if Procedure.WLTP in procedures:
        wltp = run_procedure(vehicle, "wltp")
        row["range_wltp_km"] = wltp["range_km"]
        row["consumption_wltp_kwh_per_100km"] = wltp["consumption_ac_kwh_per_100km"]
        row["test_mass_wltp_kg"] = wltp["test_mass_kg"]
    if Procedure.CLTC in procedures:
        cltc = run_procedure(vehicle, "cltc")
        row["range_cltc_km"] = cltc["range_km"]
        row["consumption_cltc_kwh_per_100km"] = cltc["consumption_ac_kwh_per_100km"]
    if Procedure.PERF in procedures:
        from evforge.performance import performance

        perf = performance(vehicle)
        row["zero_to_100_kmh_s"] = perf.zero_to_100_kmh_s
        row["top_speed_kmh"] = perf.top_speed_kmh
    if Procedure.CHARGE in procedures:
        from evforge.charging import charge

        row["charge_10_80_min"] = charge(vehicle, 0.10, 0.80).time_min
    if Procedure.MASS in procedures:
        row["curb_mass_kg"] = vehicle.curb_mass_kg
        cost = next((d.value for d in vehicle.provenance if d.name == "design.cost"), None)
        row["cost_usd"] = cost
    return row


def evaluate(
    designs: DesignTable | pd.DataFrame | Sequence[str | Path | Vehicle],
    *,
    procedures: Iterable[str | Procedure] | None = None,
    params: Any = None,
    base: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Evaluate designs: one row of results per design, in input order.

    Parameters
    ----------
    designs : DesignTable, DataFrame, or sequence of spec paths or Vehicles
        A :class:`~evforge.design.DesignTable`; a table whose columns are spec field paths
        (with ``base`` a spec the rows override); spec files; or built vehicles (run as they
        are; their design columns are then just ``name``).
    procedures : iterable of str, optional
        Any of ``epa, wltp, cltc, perf, charge`` (:class:`Procedure`); default all.
    params : parameter set, optional
        The model coefficients; default the shipped set.
    base : spec file, optional
        For a DataFrame of field paths: the spec each row starts from.
    progress : callable(done, total), optional
        Called after each design.

    Returns
    -------
    pandas.DataFrame
        ``design_id`` (0..n-1), the design columns, the result columns of :data:`OUTPUTS`
        for the procedures run, and ``error``. Missing results are ``<NA>``.

    Raises
    ------
    InputError
        If a design row or spec file is invalid (all rows are checked, every bad one named),
        or a procedure name is unknown.
    """
    import pandas as pd

    from evforge.vehicle import Vehicle

    wanted = _procedures(procedures)
    vehicles: list[Vehicle | None]
    errors: list[str | None]
    if isinstance(designs, pd.DataFrame):
        designs = DesignTable.from_frame(designs, base=base)
    if isinstance(designs, DesignTable):
        table = designs
        frame = table.to_frame()
        vehicles, errors = _compile(table, params)
    else:
        items = list(designs)
        if all(isinstance(x, Vehicle) for x in items):
            vehicles = list(items)  # type: ignore[arg-type]
            errors = [None] * len(items)
            frame = pd.DataFrame(
                {"design_id": range(len(items)), "name": [v.name for v in vehicles if v]}
            )
        else:
            table = DesignTable.from_specs([Path(str(x)) for x in items])
            frame = table.to_frame()
            vehicles, errors = _compile(table, params)
    columns = [c for p in wanted for c in OUTPUTS[p]]
    results: list[dict[str, Any]] = []
    total = len(vehicles)
    for i, vehicle in enumerate(vehicles):
        row: dict[str, Any] = {}
        if vehicle is not None:
            try:
                row = _run_one(vehicle, wanted)
            except Exception as exc:
                errors[i] = _message(exc)
        results.append(row)
        if progress is not None:
            progress(i + 1, total)
    out = pd.DataFrame(results, columns=columns)
    for col in columns:
        if col == "epa_label_route":
            out[col] = out[col].astype("string")
        else:
            out[col] = pd.to_numeric(out[col]).astype("Float64")
    out["error"] = pd.Series(errors, dtype="string")
    return pd.concat([frame.reset_index(drop=True), out], axis=1)


def _compile(table: DesignTable, params: Any) -> tuple[list[Vehicle | None], list[str | None]]:
    from evforge.spec.derive import build_vehicle

    vehicles: list[Vehicle | None] = []
    errors: list[str | None] = []
    for spec in table.specs:
        try:
            built = build_vehicle(spec) if params is None else build_vehicle(spec, params=params)
            vehicles.append(built)
            errors.append(None)
        except Exception as exc:
            vehicles.append(None)
            errors.append(_message(exc))
    return vehicles, errors


def _message(exc: BaseException) -> str:
    from evforge.errors import EvforgeError, InputError

    if isinstance(exc, InputError):
        return "; ".join(exc.lines())
    if isinstance(exc, EvforgeError):
        return str(exc)
    return f"internal error ({type(exc).__name__}: {one_line(str(exc))})"


def one_line(text: str, limit: int = 300) -> str:
    """A message as one plain line: terminal colour codes removed, the first line kept."""
    import re

    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."
