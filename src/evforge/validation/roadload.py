"""Road load from the spec sheet against the EPA Test Car List's measured coast-downs.

What a designer has before the first coast-down: drag coefficient, width and height, tyres
and mass. ``roadload/specs.csv`` joins EPA Test Car List BEV rows with sourced C_d, width,
height and tyre size (``roadload/PROVENANCE.md``). For each row the physical model of
:mod:`evforge.spec.derive` predicts the target coefficients

    A = C_rr m g,   B = c_v m g + b_d,   C = ½ ρ C_d k w h

(m the equivalent test weight; k the frontal-area factor) and they are compared with the
row's measured A, B, C, together with the UDDS and HWFET consumption each gives.

The global coefficients C_rr, c_v and b_d are fitted (``--fit``) by least squares on every
Test Car List row of the training families (A and B need only the mass); k on the joined
rows of the training families. Families are split as in :mod:`evforge.validation.epa`.
:func:`refit_parameter_set` writes a parameter set file (:mod:`evforge.params`) with them.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from evforge.output import atomic_write, atomic_write_text
from evforge.params import Fit, ParameterSet, load_parameters, write_parameter_set
from evforge.sim import simulate
from evforge.spec import build_vehicle, parse_spec
from evforge.spec import defaults as d
from evforge.units import G_STANDARD_MPS2
from evforge.validation import epa

__all__ = [
    "RoadLoadFit",
    "RoadLoadResult",
    "fit_coefficients",
    "load_joined",
    "parameter_set_from_fit",
    "refit_parameter_set",
    "run_roadload",
]

_DATA: Final = "evforge.validation.data"
_LBF: Final = 4.4482216152605  # N
_MPH: Final = 0.44704  # m/s
_LB: Final = 0.45359237  # kg
_KEY: Final = ["model_year", "test_vehicle_id", "config"]


@cache
def _specs() -> pd.DataFrame:
    with resources.files(_DATA).joinpath("roadload/specs.csv").open("rb") as f:
        return pd.read_csv(f, keep_default_na=False)


def _si(rows: pd.DataFrame) -> pd.DataFrame:
    """Measured A [N], B [N/(m/s)], C [N/(m/s)²] and mass [kg] of EPA rows."""
    return pd.DataFrame(
        {
            "mass_kg": rows["etw_lb"] * _LB,
            "a_n": rows["a_lbf"] * _LBF,
            "b_n_per_mps": rows["b_lbf_per_mph"] * _LBF / _MPH,
            "c_n_per_mps2": rows["c_lbf_per_mph2"] * _LBF / _MPH**2,
        },
        index=rows.index,
    )


@cache
def _epa_rows() -> pd.DataFrame:
    """Every Test Car List row of the summary (carry-overs included), with family and split
    (read once; callers take filtered copies)."""
    raw = epa._raw_rows().merge(
        epa._families(),
        on=["source_file", "Model Year", "Test Vehicle ID", "Test Veh Configuration #"],
        how="left",
    )
    rows = epa.load_rows()[["family", "split"]].drop_duplicates("family")
    split = dict(zip(rows["family"], rows["split"], strict=True))
    frame = pd.DataFrame(
        {
            "model_year": raw["Model Year"].astype(int),
            "test_vehicle_id": raw["Test Vehicle ID"].astype(str),
            "config": raw["Test Veh Configuration #"].astype(int),
            "family": raw["family"].fillna(""),
            "make": raw["make"],
            "model": raw["model"],
            "drive": raw["drive"],
            "rated_hp": raw["rated_hp"].astype(float),
            "etw_lb": raw["etw_lbs"].astype(float),
            "a_lbf": raw["target_a_lbf"].astype(float),
            "b_lbf_per_mph": raw["target_b_lbf_per_mph"].astype(float),
            "c_lbf_per_mph2": raw["target_c_lbf_per_mph2"].astype(float),
        }
    )
    frame["split"] = frame["family"].map(split).fillna("test")
    return frame


def load_joined() -> pd.DataFrame:
    """The joined rows: EPA row fields, measured A/B/C in SI, and the sourced spec values."""
    specs = _specs().rename(columns={"family": "spec_family"})
    specs["config"] = specs["config"].astype(int)
    specs["model_year"] = specs["model_year"].astype(int)
    rows = _epa_rows().drop_duplicates(_KEY)
    joined = specs.merge(rows, on=_KEY, how="inner", validate="one_to_one")
    joined["family"] = joined["spec_family"]
    # The split of a family follows the EPA validation's; a family the EPA rows do not name
    # is held out.
    split = dict(zip(rows["family"], rows["split"], strict=False))
    joined["split"] = joined["family"].map(split).fillna("test")
    for col in ("drag_coefficient", "width_mm", "height_mm"):
        joined[col] = pd.to_numeric(joined[col], errors="coerce")
    joined = joined.dropna(subset=["drag_coefficient", "width_mm", "height_mm"])
    return pd.concat([joined.reset_index(drop=True), _si(joined.reset_index(drop=True))], axis=1)


@dataclass(frozen=True)
class RoadLoadFit:
    """Fitted global road-load coefficients and the training-set sizes."""

    rolling_resistance: float
    speed_coefficient: float
    linear_drag: float
    frontal_area_factor: float
    n_rows_ab: int
    n_rows_c: int


def fit_coefficients() -> RoadLoadFit:
    """Least squares on the training families: A = C_rr m g; B = c_v m g + b_d (all Test Car
    List rows of those families with a plausible road load); C = ½ ρ C_d k w h (the joined
    rows)."""
    rows = _epa_rows()
    rows = rows[(rows["split"] == "train") & (rows["a_lbf"] > 0) & (rows["c_lbf_per_mph2"] > 0)]
    # One row per test vehicle (carry-overs repeat it in later lists), as in validate epa.
    rows = rows.drop_duplicates(
        ["test_vehicle_id", "config", "etw_lb", "a_lbf", "b_lbf_per_mph", "c_lbf_per_mph2"]
    )
    si = _si(rows)
    cda = si["c_n_per_mps2"] / (0.5 * 1.2)
    si = si[cda < epa.MAX_CDA_M2]
    weight = si["mass_kg"].to_numpy() * G_STANDARD_MPS2
    crr = float(np.sum(si["a_n"] * weight) / np.sum(weight**2))
    design = np.column_stack([weight, np.ones_like(weight)])
    (cv, bd), *_ = np.linalg.lstsq(design, si["b_n_per_mps"].to_numpy(), rcond=None)
    joined = load_joined()
    train = joined[joined["split"] == "train"]
    x = 0.5 * d.AIR_DENSITY.value * train["drag_coefficient"] * train["width_mm"] / 1e3
    x = x * train["height_mm"] / 1e3
    y = train["c_n_per_mps2"]
    k = float(np.sum(x * y) / np.sum(x * x))
    return RoadLoadFit(crr, float(cv), float(bd), k, len(si), len(train))


#: The fit record of :func:`refit_parameter_set` (its date is the day of the refit).
FIT_COMMAND: Final = "evforge validate roadload --fit"
FIT_DATA: Final = (
    "EPA Test Car List BEV coast-down targets and test weights "
    "(evforge/validation/data/epa_testcar_bev_summary.csv) joined with sourced C_d, width and "
    "height (evforge/validation/data/roadload/specs.csv)"
)
FIT_SPLIT: Final = "training families by SHA-256 of family"


def parameter_set_from_fit(
    fit: RoadLoadFit,
    base: ParameterSet | None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """``base`` (default the shipped set) with the four fitted road-load coefficients, each
    with its fit record."""
    p = base if base is not None else load_parameters()
    values = {
        "rolling_resistance": fit.rolling_resistance,
        "rolling_speed_coefficient": fit.speed_coefficient,
        "driveline_linear_drag": fit.linear_drag,
        "frontal_area_factor": fit.frontal_area_factor,
    }
    when = date or datetime.date.today().isoformat()
    return p.with_values(
        values,
        name=name,
        version=version,
        fit=Fit(FIT_COMMAND, FIT_DATA, FIT_SPLIT, when),
        detail=f"A and B on {fit.n_rows_ab} training test vehicles, C on {fit.n_rows_c}",
    )


def refit_parameter_set(
    out_path: str | Path,
    base: ParameterSet | None = None,
    *,
    fit: RoadLoadFit | None = None,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """Refit the road-load coefficients (:func:`fit_coefficients`, unless ``fit`` is given)
    and write ``base`` (default the shipped set) with them as a new parameter set file at
    ``out_path``. Returns the set written (its ``path`` is ``out_path``).

    The fit uses only the measured coast-downs and the air density, so ``base`` does not
    change the fitted values, only what the other entries of the new set are.
    """
    f = fit if fit is not None else fit_coefficients()
    new = parameter_set_from_fit(f, base, name=name, version=version, date=date)
    out = write_parameter_set(new, out_path)
    return dataclasses.replace(new, path=out.resolve())


def _spec(row: pd.Series, *, measured: bool) -> dict[str, Any]:
    spec = epa.row_spec(row)
    if not measured:
        spec.pop("road_load")
        spec["mass"] = {"curb": f"{row['mass_kg']} kg", "payload": 0.0}
        spec["body"] = {
            "drag_coefficient": float(row["drag_coefficient"]),
            "width": f"{row['width_mm']} mm",
            "height": f"{row['height_mm']} mm",
        }
    return spec


@dataclass(frozen=True)
class RoadLoadResult:
    """Per joined row: predicted and measured A, B, C and the consumption each gives."""

    rows: pd.DataFrame
    summary: pd.DataFrame


def run_roadload() -> RoadLoadResult:
    """Predict A, B, C of every joined row from its spec values and compare; simulate UDDS
    and HWFET with the measured and with the predicted road load (same powertrain)."""
    joined = load_joined()
    epa_like = joined.assign(
        layout=joined["drive"].map(epa._layout),
        gear_ratio=np.nan,
    )
    measured, predicted = [], []
    for _, row in epa_like.iterrows():
        measured.append(build_vehicle(parse_spec(_spec(row, measured=True))))
        predicted.append(build_vehicle(parse_spec(_spec(row, measured=False))))
    out = joined[
        ["family", "split", "model_year", "make", "model", "test_vehicle_id", "mass_kg"]
    ].copy()
    out["a_meas"] = joined["a_n"]
    out["b_meas"] = joined["b_n_per_mps"]
    out["c_meas"] = joined["c_n_per_mps2"]
    out["a_pred"] = [v.rolling_n for v in predicted]
    out["b_pred"] = [v.linear_n_per_mps for v in predicted]
    out["c_pred"] = [v.aero_n_per_mps2 for v in predicted]
    for cycle in ("udds", "hwfet"):
        m = simulate(measured, cycle)
        p = simulate(predicted, cycle)
        out[f"{cycle}_kwh_per_100km_meas_rl"] = [r.consumption_dc_kwh_per_100km for r in m]
        out[f"{cycle}_kwh_per_100km_pred_rl"] = [r.consumption_dc_kwh_per_100km for r in p]
        out[f"{cycle}_error"] = (
            out[f"{cycle}_kwh_per_100km_pred_rl"] / out[f"{cycle}_kwh_per_100km_meas_rl"] - 1
        )
    for k in ("a", "b", "c"):
        out[f"{k}_error"] = out[f"{k}_pred"] - out[f"{k}_meas"]
    summary = []
    for split in ("test", "train", "all"):
        sel = out if split == "all" else out[out["split"] == split]
        if sel.empty:
            continue
        rec: dict[str, Any] = {"split": split, "n": len(sel), "families": sel["family"].nunique()}
        for k, unit in (("a", "N"), ("b", "N/(m/s)"), ("c", "N/(m/s)^2")):
            err = sel[f"{k}_error"]
            rec[f"{k}_median_abs"] = float(err.abs().median())
            rec[f"{k}_bias"] = float(err.mean())
            rec[f"{k}_unit"] = unit
        rec["c_median_abs_pct"] = float((sel["c_error"] / sel["c_meas"]).abs().median() * 100)
        for cycle in ("udds", "hwfet"):
            e = sel[f"{cycle}_error"] * 100
            rec[f"{cycle}_median_abs_pct"] = float(e.abs().median())
            rec[f"{cycle}_bias_pct"] = float(e.mean())
        summary.append(rec)
    return RoadLoadResult(out, pd.DataFrame(summary))


def write_report(result: RoadLoadResult, out: Path) -> Path:
    """``roadload_validation.md`` and ``roadload_predictions.csv`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "roadload_predictions.csv", lambda p: result.rows.to_csv(p, index=False))
    s = result.summary
    lines = [
        "# Road load from the spec sheet vs EPA coast-downs",
        "",
        "A = C_rr m g, B = c_v m g + b_d, C = ½ ρ C_d k w h from sourced C_d, width, height "
        "and the test weight (`evforge/validation/data/roadload/`), against the EPA Test Car "
        "List target coefficients of the same test vehicles. Consumption: UDDS and HWFET DC "
        "consumption with the predicted road load / with the measured one - 1 (same "
        "powertrain model), i.e. the error a designer gets from the road load alone.",
        "",
        "| split | n | families | A med abs [N] | A bias [N] | B med abs [N/(m/s)] | "
        "B bias | C med abs [%] | C bias [N/(m/s)²] | UDDS med abs [%] | UDDS bias [%] | "
        "HWFET med abs [%] | HWFET bias [%] |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s.to_dict("records"):
        lines.append(
            f"| {r['split']} | {r['n']} | {r['families']} | {r['a_median_abs']:.1f} | "
            f"{r['a_bias']:+.1f} | {r['b_median_abs']:.2f} | {r['b_bias']:+.2f} | "
            f"{r['c_median_abs_pct']:.1f} | {r['c_bias']:+.3f} | {r['udds_median_abs_pct']:.1f} | "
            f"{r['udds_bias_pct']:+.1f} | {r['hwfet_median_abs_pct']:.1f} | "
            f"{r['hwfet_bias_pct']:+.1f} |"
        )
    lines += ["", "Reproduce: `evforge validate roadload`.", ""]
    md = out / "roadload_validation.md"
    atomic_write_text(md, "\n".join(lines))
    return md
