"""Fast-charging times predicted vs published: every car in ``published.csv`` with a DC time.

Each published ``dc_<from>_80_min`` figure (10-80 %, 5-80 %, ...) is predicted with the
global defaults on the 350 kW charger class, the battery preconditioned at 25 °C ambient (the
conditions makers quote). The split is by origin: the three bundled example cars are the
training split of the one global charging coefficient (``CHARGE_KNEE_SOC``, refitted by
:func:`refit_knee`); the cars of ``evforge/validation/data/cars/`` are held out.
:func:`refit_parameter_set` writes a parameter set file (:mod:`evforge.params`) with the
refitted knee.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from evforge.charging import CHARGER_CLASSES, charge
from evforge.params import Fit, ParameterSet, load_parameters, write_parameter_set
from evforge.spec import build_vehicle, load_spec
from evforge.validation import specsheet
from evforge.validation.published import EXAMPLES_PREFIX, load_published, spec_path
from evforge.vehicle import Vehicle

__all__ = [
    "ChargeValidation",
    "parameter_set_from_knee",
    "refit_knee",
    "refit_parameter_set",
    "run_charge_validation",
]

_TIME_RE: Final = re.compile(r"^dc_(?P<start>\d+)_(?P<end>\d+)_min$")
CHARGER: Final = "350kW"
#: Knee values the refit scans [-].
KNEE_GRID: Final = tuple(round(0.05 + 0.01 * k, 2) for k in range(66))


@dataclass(frozen=True)
class ChargeValidation:
    """One row per published charging time; metrics per split."""

    rows: pd.DataFrame
    metrics: pd.DataFrame


def _cases() -> pd.DataFrame:
    table = load_published()
    times = table[table["metric"].str.match(_TIME_RE)].copy()
    peaks = table[table["metric"] == "peak_dc_kw"].set_index("car")["value"]
    bounds = [_TIME_RE.fullmatch(str(m)) for m in times["metric"]]
    times["start"] = [int(b["start"]) if b else 0 for b in bounds]
    times["end"] = [int(b["end"]) if b else 0 for b in bounds]
    times["published_peak_kw"] = [peaks.get(c, math.nan) for c in times["car"]]
    times["split"] = ["train" if c.startswith(EXAMPLES_PREFIX) else "test" for c in times["car"]]
    # The spec-sheet set's 10-80 % times: held out (the knee fit predates them).
    sheet = specsheet.published_rows(
        {"charge_10_80": ("dc_10_80_min", "min"), "charge_peak_power": ("peak_dc_kw", "kW")}
    )
    sheet_peaks = sheet[sheet["metric"] == "peak_dc_kw"].set_index("car")["value"]
    sheet = sheet[sheet["metric"] == "dc_10_80_min"].copy()
    sheet["start"], sheet["end"] = 10, 80
    sheet["published_peak_kw"] = [sheet_peaks.get(c, math.nan) for c in sheet["car"]]
    sheet["split"] = "test"
    return pd.concat([times, sheet], ignore_index=True)


def _vehicle(car: str, params: ParameterSet | None = None) -> Vehicle:
    if car.startswith(specsheet.CAR_PREFIX):
        return specsheet.vehicle_of(car)  # held out; built with the shipped set
    return build_vehicle(load_spec(spec_path(car)), params)


def _predict(
    cases: pd.DataFrame, knee_soc: float | None, params: ParameterSet | None = None
) -> tuple[list[float], list[float]]:
    minutes, peaks = [], []
    for car, start, end in zip(cases["car"], cases["start"], cases["end"], strict=True):
        vehicle = _vehicle(str(car), params)
        result = charge(
            vehicle,
            int(start) / 100,
            int(end) / 100,
            charger=CHARGER_CLASSES[CHARGER],
            knee_soc=knee_soc,
            params=params,
        )
        minutes.append(result.time_min)
        peaks.append(result.peak_power_kw)
    return minutes, peaks


def _metrics(rows: pd.DataFrame) -> pd.DataFrame:
    out = []
    for split in ("train", "test", "all"):
        sub = rows if split == "all" else rows[rows["split"] == split]
        err = sub["error_pct"].to_numpy()
        if err.size == 0:
            continue
        out.append(
            {
                "split": split,
                "n": int(err.size),
                "mape_pct": float(np.mean(np.abs(err))),
                "median_abs_pct": float(np.median(np.abs(err))),
                "bias_pct": float(np.mean(err)),
                "max_abs_pct": float(np.max(np.abs(err))),
            }
        )
    return pd.DataFrame(out)


def run_charge_validation(knee_soc: float | None = None) -> ChargeValidation:
    """Predict every published DC charging time (global defaults unless ``knee_soc``)."""
    rows = _cases()
    minutes, peaks = _predict(rows, knee_soc)
    rows["predicted_min"] = minutes
    rows["predicted_peak_kw"] = peaks
    rows["error_pct"] = (rows["predicted_min"] / rows["value"] - 1.0) * 100.0
    rows["name"] = [_vehicle(str(c)).name for c in rows["car"]]
    keep = [
        "name",
        "car",
        "split",
        "metric",
        "value",
        "predicted_min",
        "error_pct",
        "published_peak_kw",
        "predicted_peak_kw",
        "condition",
        "source",
        "note",
    ]
    rows = rows[keep].rename(columns={"value": "published_min"})
    return ChargeValidation(rows=rows, metrics=_metrics(rows))


def refit_knee(params: ParameterSet | None = None) -> tuple[float, float]:
    """The knee state of charge that minimises the training split's mean |log error|.

    The training cars are built, and charged, with ``params`` (default the shipped set).

    Returns
    -------
    (knee, mean absolute log error) : tuple of float
        Scanned over :data:`KNEE_GRID`; held-out cars take no part.
    """
    cases = _cases()
    train = cases[cases["split"] == "train"].reset_index(drop=True)
    published = train["value"].to_numpy(dtype=float)
    best = (math.nan, math.inf)
    for knee in KNEE_GRID:
        minutes, _ = _predict(train, knee, params)
        score = float(np.mean(np.abs(np.log(np.asarray(minutes) / published))))
        if score < best[1]:
            best = (knee, score)
    return best


#: The fit record of :func:`refit_parameter_set` (its date is the day of the refit).
FIT_COMMAND: Final = "evforge validate charge --refit"
FIT_DATA: Final = (
    "published DC charging times (evforge/validation/data/cars/published.csv) of the bundled "
    "example cars, 350 kW class, preconditioned, 25 °C"
)
FIT_SPLIT: Final = (
    "training: the three bundled example cars (examples/); held out: the validation cars and "
    "the spec-sheet set"
)


def parameter_set_from_knee(
    knee: float,
    score: float,
    base: ParameterSet | None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """``base`` (default the shipped set) with ``charge_knee_soc`` = ``knee`` and its fit
    record (``score``: the training split's mean |log error|)."""
    p = base if base is not None else load_parameters()
    when = date or datetime.date.today().isoformat()
    return p.with_values(
        {"charge_knee_soc": knee},
        name=name,
        version=version,
        fit=Fit(FIT_COMMAND, FIT_DATA, FIT_SPLIT, when),
        detail=f"scanned {KNEE_GRID[0]}-{KNEE_GRID[-1]}, mean |log error| {score:.3f}",
    )


def refit_parameter_set(
    out_path: str | Path,
    base: ParameterSet | None = None,
    *,
    knee: tuple[float, float] | None = None,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """Refit the knee (:func:`refit_knee` with ``base``, unless ``knee`` = (knee, score) is
    given) and write ``base`` (default the shipped set) with it as a new parameter set file
    at ``out_path``. Returns the set written (its ``path`` is ``out_path``)."""
    value, score = knee if knee is not None else refit_knee(base)
    new = parameter_set_from_knee(value, score, base, name=name, version=version, date=date)
    out = write_parameter_set(new, out_path)
    return dataclasses.replace(new, path=out.resolve())
