"""Real cars with published figures: spec files and a table of what their makers publish.

The package folder ``evforge/validation/data/cars/`` holds spec files (schema v1, every value
with its ``# source:`` comment) of real cars, and ``published.csv``: one row per (car, metric)
with the published figure, its unit, the test condition, the source (URL or document) and a
note on how good the source is. ``PROVENANCE.md`` in that folder tells how each car and figure
was found and what is uncertain. The three bundled examples (``examples/*.yaml``) have rows too;
their ``car`` entries start with ``examples/`` and resolve against a source checkout.

These figures are for checking models (acceleration, top speed, fast charging, WLTP/EPA/CLTC
range): never for fitting anything to a single car.

Examples
--------
>>> from evforge.validation.published import load_published, car_spec_paths
>>> table = load_published()
>>> sorted(table.columns)[:3]
['car', 'condition', 'metric']
>>> len(car_spec_paths()) >= 8
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import pandas as pd

from evforge.errors import InputError, Problem

__all__ = [
    "COLUMNS",
    "EXAMPLES_PREFIX",
    "METRICS",
    "Metric",
    "car_spec_paths",
    "cars_dir",
    "load_published",
    "published_csv_path",
    "spec_path",
]

COLUMNS: Final = ("car", "metric", "value", "unit", "condition", "source", "note")
#: ``car`` entries with this prefix name the bundled examples, relative to the repository root.
EXAMPLES_PREFIX: Final = "examples/"
_REPO_ROOT: Final = Path(__file__).resolve().parents[3]


@dataclass(frozen=True, slots=True)
class Metric:
    """A published metric: its unit and the range a road car's figure must lie in.

    The ranges catch unit slips (a time in minutes typed as seconds, a range in miles filed
    as km), not unusual cars: 0-100 km/h of 1.8-25 s spans a Rimac Nevera to a quadricycle.
    """

    unit: str
    lo: float
    hi: float
    description: str


METRICS: Final[dict[str, Metric]] = {
    "zero_to_100_kmh_s": Metric("s", 1.8, 25.0, "0-100 km/h time (maker's, no rollout)"),
    "zero_to_60_mph_s": Metric("s", 1.8, 25.0, "0-60 mph time (as the maker publishes it)"),
    "top_speed_kmh": Metric("km/h", 80.0, 420.0, "top speed (limited where stated)"),
    "system_power_kw": Metric("kW", 10.0, 1500.0, "maker's system power (all motors)"),
    "dc_10_80_min": Metric("min", 5.0, 120.0, "DC fast charge 10-80 % state of charge"),
    "dc_5_80_min": Metric("min", 5.0, 120.0, "DC fast charge 5-80 % state of charge"),
    "dc_20_80_min": Metric("min", 5.0, 120.0, "DC fast charge 20-80 % state of charge"),
    "dc_30_80_min": Metric("min", 5.0, 120.0, "DC fast charge 30-80 % state of charge"),
    "peak_dc_kw": Metric("kW", 20.0, 500.0, "peak DC charging power"),
    "wltp_range_km": Metric("km", 50.0, 1200.0, "WLTP combined range"),
    "wltp_consumption_kwh_per_100km": Metric(
        "kWh/100km", 8.0, 40.0, "WLTP combined consumption (AC, from the socket)"
    ),
    "epa_range_mi": Metric("mi", 30.0, 700.0, "EPA label range (adjusted)"),
    "epa_ucity_mpge": Metric("MPGe", 60.0, 260.0, "EPA unadjusted city (UDDS) MPGe, wall energy"),
    "epa_uhighway_mpge": Metric(
        "MPGe", 60.0, 260.0, "EPA unadjusted highway (HWFET) MPGe, wall energy"
    ),
    "cltc_range_km": Metric("km", 50.0, 1500.0, "CLTC range (GB/T 18386.1-2021)"),
    "nedc_range_km": Metric("km", 50.0, 1500.0, "NEDC range (UN R101)"),
}


def cars_dir() -> Path:
    """The package folder with the car spec files, ``published.csv`` and ``PROVENANCE.md``."""
    return Path(str(resources.files("evforge.validation.data").joinpath("cars")))


def published_csv_path() -> Path:
    """Path of ``published.csv``."""
    return cars_dir() / "published.csv"


def car_spec_paths() -> list[Path]:
    """The spec files of the real cars shipped with the package, sorted by file name.

    Returns
    -------
    list of Path
        ``*.yaml`` files in :func:`cars_dir` (the bundled examples are not included).
    """
    return sorted(cars_dir().glob("*.yaml"))


def spec_path(car: str) -> Path:
    """Resolve a ``car`` entry of ``published.csv`` to its spec file.

    Parameters
    ----------
    car : str
        A file name in :func:`cars_dir`, or ``examples/<file>`` for a bundled example (found
        only in a source checkout, where ``examples/`` sits beside ``src/``).

    Returns
    -------
    Path
        The path; it is not checked for existence.
    """
    if car.startswith(EXAMPLES_PREFIX):
        return _REPO_ROOT / car
    return cars_dir() / car


def load_published(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the table of published figures.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of :data:`COLUMNS`; the bundled ``published.csv`` by default.

    Returns
    -------
    pandas.DataFrame
        One row per (car, metric) with columns ``car, metric, value, unit, condition, source,
        note``; ``value`` is float, the others str (``condition`` and ``note`` may be empty).

    Raises
    ------
    InputError
        If a column is missing, a metric is unknown, a unit is not the metric's, a value is
        not a finite number in the metric's plausible range (:data:`METRICS`), a source is
        empty, or a (car, metric) pair appears twice. Every bad row is named.
    """
    path = published_csv_path() if path is None else Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    source = str(path)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            source,
            [Problem("<file>", f"missing columns {missing}; expected columns {list(COLUMNS)}")],
        )
    frame = frame.loc[:, list(COLUMNS)]
    problems: list[Problem] = []
    values: list[float] = []
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(frame.itertuples(index=False), start=2):  # line 1 is the header
        where = f"line {i} ({row.car}, {row.metric})"
        values.append(_check_row(row, where, problems))
        key = (str(row.car), str(row.metric))
        if key in seen:
            problems.append(Problem(where, "duplicate (car, metric); expected one row each"))
        seen.add(key)
    if problems:
        raise InputError(source, problems)
    frame["value"] = values
    return frame


def _check_row(row: object, where: str, problems: list[Problem]) -> float:
    """Check one row; append what is wrong to ``problems``; return the value (NaN if bad)."""
    car = str(getattr(row, "car", "")).strip()
    metric_name = str(getattr(row, "metric", "")).strip()
    unit = str(getattr(row, "unit", "")).strip()
    text = str(getattr(row, "value", "")).strip()
    if not car.endswith(".yaml"):
        problems.append(Problem(where, f"car: got {car!r}; expected a spec file name (*.yaml)"))
    if not str(getattr(row, "source", "")).strip():
        problems.append(Problem(where, "source: is empty; expected a URL or document"))
    metric = METRICS.get(metric_name)
    if metric is None:
        problems.append(
            Problem(where, f"metric: got {metric_name!r}; expected one of {sorted(METRICS)}")
        )
        return math.nan
    if unit != metric.unit:
        problems.append(Problem(where, f"unit: got {unit!r}; expected {metric.unit!r}"))
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(where, f"value: got {text!r}; expected a number"))
        return math.nan
    if not (math.isfinite(value) and metric.lo <= value <= metric.hi):
        problems.append(
            Problem(
                where,
                f"value: got {text} {unit}, outside the plausible range "
                f"{metric.lo:g}-{metric.hi:g} {metric.unit}",
            )
        )
    return value
