"""Official-style range and consumption against the published figures of real cars.

For every car in ``validation/data/cars/published.csv`` (the bundled examples included) that
has an EPA, WLTP, CLTC or NEDC figure, run the matching procedure
(:func:`evforge.procedures.run.run_procedure`) on the car's spec and set the prediction beside
the published value. Nothing is fitted to these cars.

The EPA label is the route the maker may choose, the 0.7 factor or the car's simulated
5-cycle result, whichever is longer; the unadjusted city/highway MPGe are the 2-cycle lab
results, the like-for-like comparison. WLTP runs use the car's spec: where the spec gives
EPA coast-down coefficients, those stand in for the (unpublished) WLTP road load.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from evforge.procedures.run import run_procedure
from evforge.spec import build_vehicle, load_spec
from evforge.validation.published import load_published, spec_path

__all__ = ["PREDICTED", "compare_range"]

#: Published metric -> (procedure, key of the procedure's result).
PREDICTED: Final[dict[str, tuple[str, str]]] = {
    "epa_range_mi": ("epa", "range_mi"),
    "epa_ucity_mpge": ("epa", "unadjusted_mpge_city"),
    "epa_uhighway_mpge": ("epa", "unadjusted_mpge_highway"),
    "wltp_range_km": ("wltp", "range_km"),
    "wltp_consumption_kwh_per_100km": ("wltp", "consumption_ac_kwh_per_100km"),
    "cltc_range_km": ("cltc", "range_km"),
    "nedc_range_km": ("nedc", "range_km"),
}


def compare_range(published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Predicted vs published range and consumption, one row per (car, metric).

    Returns
    -------
    pandas.DataFrame
        Columns ``car, vehicle, metric, published, predicted, error_pct, method, source``;
        ``error_pct`` = 100 (predicted / published - 1).
    """
    table = load_published() if published is None else published
    table = table[table["metric"].isin(PREDICTED)]
    rows = []
    for car, group in table.groupby("car", sort=False):
        vehicle = build_vehicle(load_spec(spec_path(str(car))))
        results = {}
        for metric in group["metric"]:
            procedure = PREDICTED[metric][0]
            if procedure not in results:
                results[procedure] = run_procedure(vehicle, procedure)
        for metric, value, source in zip(
            group["metric"], group["value"].astype(float), group["source"], strict=True
        ):
            procedure, key = PREDICTED[str(metric)]
            predicted = float(results[procedure][key])
            rows.append(
                {
                    "car": car,
                    "vehicle": vehicle.name,
                    "metric": metric,
                    "published": value,
                    "predicted": predicted,
                    "error_pct": 100.0 * (predicted / value - 1.0),
                    "method": results[procedure]["method"],
                    "source": source,
                }
            )
    return pd.DataFrame(rows)
