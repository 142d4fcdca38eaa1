"""Predicted vs published acceleration and top speed (``evforge validate perf``).

The published figures are the rows of ``validation/data/cars/published.csv`` (columns car,
metric, value, unit, condition, source, note) whose metric is one :func:`evforge.performance.
performance` predicts; ``car`` is a spec file beside the CSV or, for the bundled
examples, ``examples/<file>.yaml`` in the source tree. Every car runs with the project's global
defaults; nothing is fitted to these figures.

The issue's targets: 0-100 km/h within 10 %, top speed within 5 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from evforge.errors import EvforgeError
from evforge.performance import PerfResult, performance
from evforge.spec import build_vehicle, load_spec

__all__ = ["CARS_DIR", "METRICS", "PerfValidation", "compare_perf"]

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

    def to_markdown(self) -> str:
        """The table as GitHub-flavoured markdown (for docs/performance.md)."""
        head = (
            "| car | metric | published | predicted | error % | target | set by / note | "
            "source |\n|---|---|---|---|---|---|---|---|\n"
        )
        lines = []
        for r in self.rows:
            target = "" if r["target_pct"] is None else f"±{r['target_pct']:g} %"
            met = {None: "", True: " ✓", False: " ✗"}[r["within_target"]]
            predicted = "n/a" if r["predicted"] is None else f"{r['predicted']:.2f}"
            error = "" if r["error_pct"] is None else f"{r['error_pct']:+.1f}{met}"
            lines.append(
                f"| {r['vehicle']} | {r['label']} | {r['published']:g} | {predicted} | {error} | "
                f"{target} | {r['detail']} | {r['source']} |"
            )
        return head + "\n".join(lines) + "\n"


def _spec_path(car: str, folder: Path) -> Path:
    path = _REPO / car if car.startswith("examples/") else folder / car
    if not path.is_file():
        raise EvforgeError(f"published.csv names {car!r}, but {path} does not exist")
    return path


def compare_perf(published_csv: Path | None = None) -> PerfValidation:
    """Run every car of the published-figures table and compare (module notes).

    Parameters
    ----------
    published_csv : Path, optional
        The table of published figures; default ``validation/data/cars/published.csv``.
    """
    csv = published_csv if published_csv is not None else CARS_DIR / "published.csv"
    if not csv.is_file():
        raise EvforgeError(f"no published-figures table at {csv}")
    rows = pd.read_csv(csv, dtype=str, keep_default_na=False)
    rows = rows[rows["metric"].isin(METRICS)].reset_index(drop=True)
    results: dict[str, PerfResult] = {}
    for car in dict.fromkeys(rows["car"]):
        results[car] = performance(build_vehicle(load_spec(_spec_path(car, csv.parent))))
    records: list[dict[str, Any]] = []
    for r in rows.to_dict(orient="records"):
        field, target, label = METRICS[str(r["metric"])]
        res = results[str(r["car"])]
        predicted = getattr(res, field)
        published = float(r["value"])
        error = None if predicted is None else 100.0 * (predicted - published) / published
        detail = ""
        if field == "top_speed_kmh":
            detail = res.top_speed_limited_by
            if res.top_speed_limited_by == "electronic limit":
                detail += f" (spec); physics alone {res.top_speed_unlimited_kmh:.0f}"
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
            }
        )
    return PerfValidation(records, results)
