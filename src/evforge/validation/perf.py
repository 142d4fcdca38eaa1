"""Predicted vs published acceleration and top speed (``evforge validate perf``).

The published figures are the rows of ``validation/data/cars/published.csv`` (columns car,
metric, value, unit, condition, source, note) whose metric is one :func:`evforge.performance.
performance` predicts; ``car`` is a spec file beside the CSV or, for the bundled
examples, ``examples/<file>.yaml`` in the source tree. Every car runs with the project's global
defaults.

**Training and held-out cars.** One global default, the launch ramp time
(``performance.launch_ramp_time``, :func:`evforge.performance.launch_phase`), is fitted to
published 0-100 km/h figures. Each car is assigned once and for all to the training or the
held-out split by its spec file name, not by its figures: training if the first hex digit of
the SHA-256 of the file's base name is even (:func:`split_of`). Adding cars never moves
another car between splits. :func:`fit_launch_ramp` minimises the mean absolute percentage
error of the training cars' 0-100 km/h (0-60 mph figures are left out of the fit because makers
differ on the 1-ft rollout); the held-out cars are only ever scored.
:func:`refit_parameter_set` writes a parameter set file (:mod:`evforge.params`) with the
fitted ramp.

The issue's targets: 0-100 km/h within 10 %, top speed within 5 %.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from evforge.errors import EvforgeError
from evforge.params import Fit, ParameterSet, load_parameters, write_parameter_set
from evforge.performance import (
    ForceModel,
    PerfResult,
    force_model,
    performance,
    standing_run,
    top_speed,
)
from evforge.spec import build_vehicle, load_spec
from evforge.units import KMH_PER_MPS
from evforge.validation import specsheet
from evforge.validation.published import load_published
from evforge.vehicle import Vehicle

__all__ = [
    "CARS_DIR",
    "METRICS",
    "LaunchFit",
    "PerfValidation",
    "compare_perf",
    "fit_launch_ramp",
    "parameter_set_from_launch",
    "refit_parameter_set",
    "split_of",
]

CARS_DIR: Final = Path(__file__).resolve().parent / "data" / "cars"
_REPO: Final = Path(__file__).resolve().parents[3]

#: metric -> (PerfResult field, target |error| in % or None, label)
METRICS: Final = {
    "zero_to_100_kmh_s": ("zero_to_100_kmh_s", 10.0, "0-100 km/h [s]"),
    "zero_to_60_mph_s": ("zero_to_60_mph_s", 10.0, "0-60 mph [s]"),
    "quarter_mile_s": ("quarter_mile_s", None, "quarter mile [s]"),
    "top_speed_kmh": ("top_speed_kmh", 5.0, "top speed [km/h]"),
}


@dataclass(frozen=True, slots=True)
class PerfValidation:
    """The comparison rows (one per published figure) and the model's results per car.

    In ``rows``, ``predicted``, ``error_pct``, ``target_pct`` and ``within_target`` are None
    where they do not apply.
    """

    rows: list[dict[str, Any]]
    results: dict[str, PerfResult]

    @property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame."""
        return pd.DataFrame.from_records(self.rows)

    def scores(self) -> pd.DataFrame:
        """Per metric with a target and per split: cars, how many within target, MAPE [%]."""
        table = self.table
        table = table[table["target_pct"].notna() & table["error_pct"].notna()]
        out = table.groupby(["label", "split"], sort=True).agg(
            n=("error_pct", "size"),
            within=("within_target", "sum"),
            mape_pct=("error_pct", lambda e: float(np.mean(np.abs(e)))),
            median_abs_pct=("error_pct", lambda e: float(np.median(np.abs(e)))),
            max_abs_pct=("error_pct", lambda e: float(np.max(np.abs(e)))),
            bias_pct=("error_pct", "mean"),
        )
        return out.reset_index()

    def to_markdown(self) -> str:
        """The table and the scores as GitHub-flavoured markdown (for docs/performance.md)."""
        head = (
            "| car | split | metric | published | predicted | error % | target | set by / note "
            "| source |\n|---|---|---|---|---|---|---|---|---|\n"
        )
        lines = []
        for r in self.rows:
            target = "" if r["target_pct"] is None else f"±{r['target_pct']:g} %"
            met = {None: "", True: " ✓", False: " ✗"}[r["within_target"]]
            predicted = "n/a" if r["predicted"] is None else f"{r['predicted']:.2f}"
            error = "" if r["error_pct"] is None else f"{r['error_pct']:+.1f}{met}"
            lines.append(
                f"| {r['vehicle']} | {r['split']} | {r['label']} | {r['published']:g} | "
                f"{predicted} | {error} | {target} | {r['detail']} | {r['source']} |"
            )
        scores = [
            "| metric | split | cars | within target | mean abs. error % | bias % |",
            "|---|---|---|---|---|---|",
        ]
        for sc in self.scores().to_dict(orient="records"):
            scores.append(
                f"| {sc['label']} | {sc['split']} | {sc['n']} | {int(sc['within'])} | "
                f"{sc['mape_pct']:.1f} | {sc['bias_pct']:+.1f} |"
            )
        return head + "\n".join(lines) + "\n\n" + "\n".join(scores) + "\n"


Split = Literal["train", "test"]


def split_of(car: str) -> Split:
    """The split of a car (module notes): by the SHA-256 of its spec file's base name."""
    digest = hashlib.sha256(Path(car).name.encode()).hexdigest()
    return "train" if int(digest[0], 16) % 2 == 0 else "test"


def _spec_path(car: str, folder: Path) -> Path:
    path = _REPO / car if car.startswith("examples/") else folder / car
    if not path.is_file():
        raise EvforgeError(f"published.csv names {car!r}, but {path} does not exist")
    return path


def uses_rollout(condition: str) -> bool:
    """Whether a published 0-60 mph time subtracts the 1-ft rollout (US magazines' and Tesla's
    Performance/Plaid convention): its ``condition`` says "with 1-ft rollout" (not "without")."""
    text = condition.lower()
    return "with 1-ft rollout" in text or "rollout subtracted" in text


def compare_perf(published_csv: Path | None = None) -> PerfValidation:
    """Run every car of the published-figures table and compare (module notes).

    Parameters
    ----------
    published_csv : Path, optional
        The table of published figures; default ``validation/data/cars/published.csv``.
    """
    rows, csv = _published_rows(published_csv)
    if published_csv is None:
        rows = pd.concat([rows, _specsheet_rows()], ignore_index=True)
    results: dict[str, PerfResult] = {}
    for car in dict.fromkeys(rows["car"]):
        results[car] = performance(_vehicle(str(car), csv.parent))
    records: list[dict[str, Any]] = []
    for r in rows.to_dict(orient="records"):
        field, target, label = METRICS[str(r["metric"])]
        res = results[str(r["car"])]
        predicted = getattr(res, field)
        if field == "zero_to_60_mph_s" and uses_rollout(str(r["condition"])):
            predicted = res.zero_to_60_mph_rollout_s  # compared the way it was published
        published = float(r["value"])
        error = None if predicted is None else 100.0 * (predicted - published) / published
        detail = ""
        if field == "top_speed_kmh":
            detail = res.top_speed_limited_by
            if res.top_speed_limited_by == "electronic limit":
                detail += f" (spec); physics alone {res.top_speed_unlimited_kmh:.0f}"
        elif field == "zero_to_60_mph_s" and uses_rollout(str(r["condition"])):
            detail = f"published with 1-ft rollout; from standstill {res.zero_to_60_mph_s:.2f}"
        elif field == "zero_to_60_mph_s" and res.zero_to_60_mph_rollout_s is not None:
            detail = f"with 1-ft rollout {res.zero_to_60_mph_rollout_s:.2f}"
        elif field == "zero_to_100_kmh_s":
            below = res.traction_limited_below_kmh
            detail = f"tyre-limited below {below:.0f} km/h" if below > 0 else "motor-limited"
        records.append(
            {
                "car": r["car"],
                "vehicle": res.vehicle,
                "metric": r["metric"],
                "label": label,
                "published": published,
                "predicted": predicted,
                "error_pct": error,
                "target_pct": target,
                "within_target": None
                if target is None or error is None
                else bool(abs(error) <= target),
                "detail": detail,
                "condition": r["condition"],
                "source": r["source"],
                "split": r["split"] if isinstance(r.get("split"), str) else split_of(str(r["car"])),
            }
        )
    return PerfValidation(records, results)


def _vehicle(car: str, folder: Path) -> Vehicle:
    """A car of the tables: a spec file, or a spec-sheet variant (``specsheet:<variant>``)."""
    if car.startswith(specsheet.CAR_PREFIX):
        return specsheet.vehicle_of(car)
    return build_vehicle(load_spec(_spec_path(car, folder)))


def _specsheet_rows() -> pd.DataFrame:
    """The spec-sheet set's published acceleration and top-speed figures (split by family)."""
    return specsheet.published_rows(
        {
            "zero_to_100_kmh": ("zero_to_100_kmh_s", "s"),
            "zero_to_60_mph": ("zero_to_60_mph_s", "s"),
            "top_speed": ("top_speed_kmh", "km/h"),
        }
    )


def _published_rows(published_csv: Path | None) -> tuple[pd.DataFrame, Path]:
    csv = published_csv if published_csv is not None else CARS_DIR / "published.csv"
    if not csv.is_file():
        raise EvforgeError(f"no published-figures table at {csv}")
    rows = load_published(csv)  # checked: units, plausible ranges, sources, duplicates
    return rows[rows["metric"].isin(METRICS)].reset_index(drop=True), csv


@dataclass(frozen=True, slots=True)
class LaunchFit:
    """The fitted launch ramp time and the training cars' 0-100 km/h score.

    Attributes
    ----------
    ramp_s : float
        Fitted ramp time [s].
    train_cars : list of str
        The training cars (spec files) whose 0-100 km/h figures were fitted.
    mape_pct : float
        Their mean absolute percentage error at ``ramp_s``.
    """

    ramp_s: float
    train_cars: list[str]
    mape_pct: float


def fit_launch_ramp(
    published_csv: Path | None = None,
    bounds: tuple[float, float] = (0.0, 2.0),
    params: ParameterSet | None = None,
) -> LaunchFit:
    """Fit the global launch ramp time to the training cars' published 0-100 km/h.

    Minimises the mean absolute percentage error over the training split (module notes)
    with a bounded scalar search (Brent); every other default stays as it is (the cars are
    built with ``params``, default the shipped set).
    """
    rows, csv = _published_rows(published_csv)
    rows = rows[rows["metric"] == "zero_to_100_kmh_s"]
    rows = rows[[split_of(c) == "train" for c in rows["car"]]]
    # The spec-sheet variants take no part in the fit (it predates them); they are scored.
    if rows.empty:
        raise EvforgeError("no training car has a published 0-100 km/h figure to fit")
    # The ramp changes only the standing-start run: the force model and the top speed (where
    # each run ends) are built once per car, not once per trial ramp time.
    runs: list[tuple[ForceModel, float]] = []
    for car in rows["car"]:
        model = force_model(build_vehicle(load_spec(_spec_path(str(car), csv.parent)), params))
        runs.append((model, top_speed(model)[0]))
    published = rows["value"].astype(float).to_numpy()
    v100 = 100.0 / KMH_PER_MPS

    def mape(ramp: float) -> float:
        times = [standing_run(model, v_top, ramp).time_to_speed(v100) for model, v_top in runs]
        predicted = np.array([np.inf if t is None else t for t in times])
        return float(100.0 * np.mean(np.abs(predicted / published - 1.0)))

    best = minimize_scalar(mape, bounds=bounds, method="bounded", options={"xatol": 1e-3})
    return LaunchFit(float(best.x), [str(c) for c in rows["car"]], float(best.fun))


#: The fit record of :func:`refit_parameter_set` (its date is the day of the refit).
FIT_COMMAND: Final = "evforge validate perf --fit"
FIT_DATA: Final = "published 0-100 km/h figures (evforge/validation/data/cars/published.csv)"
FIT_SPLIT: Final = "training cars by SHA-256 of the spec file's base name (first hex digit even)"


def parameter_set_from_launch(
    launch: LaunchFit,
    base: ParameterSet | None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """``base`` (default the shipped set) with ``launch_ramp_time`` = ``launch.ramp_s`` and
    its fit record."""
    p = base if base is not None else load_parameters()
    when = date or datetime.date.today().isoformat()
    return p.with_values(
        {"launch_ramp_time": launch.ramp_s},
        name=name,
        version=version,
        fit=Fit(FIT_COMMAND, FIT_DATA, FIT_SPLIT, when),
        detail=f"{len(launch.train_cars)} training cars, MAPE {launch.mape_pct:.2f} %",
    )


def refit_parameter_set(
    out_path: str | Path,
    base: ParameterSet | None = None,
    *,
    launch: LaunchFit | None = None,
    published_csv: Path | None = None,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """Refit the launch ramp (:func:`fit_launch_ramp` with ``base``, unless ``launch`` is
    given) and write ``base`` (default the shipped set) with it as a new parameter set file
    at ``out_path``. Returns the set written (its ``path`` is ``out_path``)."""
    fit = launch if launch is not None else fit_launch_ramp(published_csv, params=base)
    new = parameter_set_from_launch(fit, base, name=name, version=version, date=date)
    out = write_parameter_set(new, out_path)
    return dataclasses.replace(new, path=out.resolve())
