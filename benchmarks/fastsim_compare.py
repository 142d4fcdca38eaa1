"""evforge vs FASTSim 3.1.0 on the EPA Test Car List BEV rows: accuracy and time per simulation.

Run with ``python benchmarks/fastsim_compare.py [--limit N] [--out DIR]`` after
``pip install -e '.[fastsim]'`` (FASTSim 3.1.0 is an optional extra). One run loads the
cleaned validation rows (:func:`evforge.validation.epa.load_rows`), predicts the unadjusted
UDDS and HWFET MPGe of every row with both tools, and reports n / MAPE / bias per tool, cycle
and split (test = the held-out vehicle families of :func:`evforge.validation.epa.family_split`,
and all rows) on the rows both tools could model, the rows FASTSim could not model and why,
and the time per simulation (one vehicle over one cycle) of each tool. A table is printed;
a Markdown summary and a per-row CSV are written to ``--out`` (default ``benchmark-results/``).

FASTSim side, built from the same row fields evforge gets (ETW, target A/B/C, drive layout,
rated power); everything else is the FASTSim default of the base vehicle:

* **Base vehicle.** FASTSim's bundled ``2022 Tesla Model 3 RWD thrml.yaml`` (``--base
  model3``, default) with its cabin, HVAC and battery thermal models removed (the two-cycle
  lab test runs at 20-30 °C with the climate control off), or the bundled
  ``2022_Renault_Zoe_ZE50_R135.yaml`` (``--base zoe``), which has no thermal models.
* **Overrides.** Vehicle mass = ETW; ``drive_type`` = layout; motor ``pwr_out_max`` = rated
  power; battery ``pwr_out_max`` scaled with the motor power by the base vehicle's ratio;
  battery energy such that the usable energy is the 75 kWh evforge uses for every row;
  ``drag_coef`` and ``wheel_rr_coef`` from the road-load conversion below; no history saved.
* **Road load.** FASTSim 3.1.0 has no A/B/C conversion in its Python API; FASTSim 2's
  ``abc_to_drag_coeffs`` (``fastsim-core/src/vehicle_utils.rs``, ``simdrive_optimize=True``)
  is ported here: Nelder-Mead from the same initial simplex ((0, 0), (0.5, 0), (0.5, 0.1)),
  100 iterations, minimising the time-averaged absolute difference between the model's road
  load (C_d·A·ρ/2·v² + C_rr·m·g, no linear term) and the target A + B·v + C·v² along the
  model's own coast-down from 70 mph (at most 300 s), with ρ = 1.2 kg/m³ (FASTSim's
  ``f2_const_air_density``, on by default) and the base vehicle's frontal area and wheel
  inertia. FASTSim 2 integrates the coast with its SimDrive; here it is integrated over speed.
* **MPGe.** As FASTSim's label code (``get_label_fe``) does for a BEV: battery energy
  ``energy_out_chemical`` / distance is the lab kWh/mi, wall energy is that divided by its
  ``DEFAULT_CHG_EFF`` = 0.86, and MPGe = ``kwh_per_gge`` / wall kWh/mi with FASTSim's
  ``kwh_per_gge`` = 33.7 kWh/gal × 3.79 / 3.785411784 = 33.741 (EPA: 33.705, 0.1 % apart).
  The label code itself reports ``lab_udds_mpgge = 0`` for BEVs, hence the explicit formula.
* **Cycles.** FASTSim's bundled ``udds.csv`` and ``hwfet.csv`` (identical to evforge's to
  within 0.0005 m/s), default ``SimParams`` (a trace miss is an error).

Timing (``time.perf_counter``): evforge, one batch per cycle divided by n, after a warm-up
call that compiles the kernel or loads it from numba's cache; also one single-vehicle call
(median of repeats). FASTSim: ``SimDrive.run()`` per vehicle and cycle, excluding vehicle
construction, road-load fitting and result extraction (timed separately).
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import fastsim
except ImportError:
    print(
        "fastsim is not installed: pip install 'fastsim==3.1.0' (or pip install -e '.[fastsim]')",
        file=sys.stderr,
    )
    sys.exit(2)

from scipy.optimize import minimize

import evforge
from evforge.validation import epa

CYCLES = {"udds": "udds.csv", "hwfet": "hwfet.csv"}
BASES = {
    "model3": "2022 Tesla Model 3 RWD thrml.yaml",
    "zoe": "2022_Renault_Zoe_ZE50_R135.yaml",
}
N_PER_LBF = 4.4482216152605
MPS_PER_MPH = 0.44704
G = 9.80665
#: FASTSim's constant air density (SimParams.f2_const_air_density, default on) [kg/m³].
RHO_F2 = 1.2
#: FASTSim label code: charger efficiency and kWh per gallon of gasoline equivalent.
FASTSIM_CHG_EFF = 0.86
FASTSIM_KWH_PER_GGE = 33.7 * 3.79e-3 / 3.785411784e-3
HP_W = 745.69987158227022
USABLE_KWH = epa.ROW_USABLE_ENERGY_KWH


# --------------------------------------------------------------------------------------------
# FASTSim vehicles
# --------------------------------------------------------------------------------------------


def base_dict(base: str) -> dict[str, Any]:
    """The base vehicle as a plain dict, thermal models removed, no history saved."""
    d = fastsim.Vehicle.from_resource(BASES[base]).to_dict()
    d["cabin"] = "None"
    d["hvac"] = "None"
    d["pt_type"]["BEV"]["res"]["thrml"] = "None"
    d["save_interval"] = None
    return d


def abc_to_drag_coeffs(
    a_lbf: float,
    b_lbf_per_mph: float,
    c_lbf_per_mph2: float,
    mass_kg: float,
    frontal_area_m2: float,
    wheel_mass_kg: float,
) -> tuple[float, float, float]:
    """(drag_coef, wheel_rr_coef, mean |force error| [N]): port of FASTSim 2's conversion.

    FASTSim 2 simulates a free coast from 70 mph (300 one-second steps) for every trial
    (C_d, C_rr) and averages |model force - target force| over the coast's time until the
    speed falls below 0.1 m/s. Here the coast time is integrated over speed
    (dt = m_eff·dv / F_model(v)), which is the same average without the time stepping.
    """
    v = np.linspace(70.0 * MPS_PER_MPH, 0.1, 600)  # coast speeds, high to low [m/s]
    mph = v / MPS_PER_MPH
    target = (a_lbf + b_lbf_per_mph * mph + c_lbf_per_mph2 * mph**2) * N_PER_LBF
    m_eff = mass_kg + wheel_mass_kg
    dv = -np.diff(v)

    def cost(x: np.ndarray) -> float:
        cd, crr = float(x[0]), float(x[1])
        model = 0.5 * RHO_F2 * cd * frontal_area_m2 * v**2 + crr * mass_kg * G
        if np.any(model <= 0):
            return 1e9
        rate = m_eff / model  # dt/dv [s per m/s]
        dt = 0.5 * (rate[1:] + rate[:-1]) * dv
        t = np.concatenate([[0.0], np.cumsum(dt)])
        keep = t <= 299.0  # FASTSim 2's coast cycle is 300 s long
        err = np.abs(model - target)[keep]
        tk = t[keep]
        if tk.size < 2:
            return float(err[0])
        return float(np.trapezoid(err, tk) / (tk[-1] - tk[0]))

    res = minimize(
        cost,
        x0=np.array([0.0, 0.0]),
        method="Nelder-Mead",
        options={
            "initial_simplex": np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 0.1]]),
            "maxiter": 100,
        },
    )
    return float(res.x[0]), float(res.x[1]), float(res.fun)


def fastsim_vehicle(row: pd.Series, base: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    """A FASTSim Vehicle for one Test Car List row and the converted road-load parameters."""
    d = _deepcopy(base)
    bev = d["pt_type"]["BEV"]
    chassis = d["chassis"]
    mass_kg = row["etw_lb"] * 0.45359237
    wheel_mass = (
        chassis["num_wheels"]
        * chassis["wheel_inertia_kilogram_square_meters"]
        / chassis["wheel_radius_meters"] ** 2
    )
    t0 = time.perf_counter()
    cd, crr, fit_err = abc_to_drag_coeffs(
        row["a_lbf"],
        row["b_lbf_per_mph"],
        row["c_lbf_per_mph2"],
        mass_kg,
        chassis["frontal_area_square_meters"],
        wheel_mass,
    )
    fit_s = time.perf_counter() - t0
    motor_w = row["rated_hp"] * HP_W
    ratio = bev["res"]["pwr_out_max_watts"] / bev["em"]["pwr_out_max_watts"]
    d["mass_kilograms"] = mass_kg
    for key in ("glider_mass_kilograms", "cargo_mass_kilograms", "mass_kilograms"):
        chassis[key] = None
    chassis["drag_coef"] = cd
    chassis["wheel_rr_coef"] = crr
    chassis["drive_type"] = row["layout"]
    bev["em"]["pwr_out_max_watts"] = motor_w
    bev["res"]["pwr_out_max_watts"] = motor_w * ratio
    bev["res"]["energy_capacity_joules"] = (
        USABLE_KWH * 3.6e6 / (bev["res"]["max_soc"] - bev["res"]["min_soc"])
    )
    veh = fastsim.Vehicle.from_dict(d)
    fit = {"drag_coef": cd, "wheel_rr_coef": crr, "fit_mean_abs_err_n": fit_err, "fit_s": fit_s}
    return veh, fit


def _deepcopy(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _deepcopy(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_deepcopy(v) for v in d]
    return d


def _reason(exc: BaseException) -> str:
    """The innermost message of a FASTSim error, with its time step, on one line."""
    text = str(exc).split("Stack backtrace")[0]
    step = re.search(r"time step: (\d+)", text)
    inner = text.split("originating error")[-1]
    inner = re.sub(r"\[fastsim-core/[^\]]*\]", "", inner)
    inner = " ".join(inner.replace("[", " ").replace("]", " ").split()).lstrip(": ")
    return (f"t = {step.group(1)} s: " if step else "") + inner[:300]


def _row_info(row: pd.Series) -> dict[str, Any]:
    return {
        "rated_hp": float(row["rated_hp"]),
        "split": row["split"],
        "measured": {c: round(float(row[f"{c}_mpge"]), 1) for c in CYCLES},
    }


@dataclass
class FastsimRun:
    mpge: dict[str, np.ndarray]
    fit: pd.DataFrame
    failures: list[dict[str, Any]] = field(default_factory=list)
    run_s: dict[str, list[float]] = field(default_factory=dict)
    build_s: list[float] = field(default_factory=list)
    fit_s: list[float] = field(default_factory=list)
    extract_s: list[float] = field(default_factory=list)


def run_fastsim(rows: pd.DataFrame, base: str) -> FastsimRun:
    """FASTSim MPGe per row and cycle (NaN where it could not model the row)."""
    bdict = base_dict(base)
    cycles = {name: fastsim.Cycle.from_resource(res) for name, res in CYCLES.items()}
    n = len(rows)
    out = FastsimRun(
        mpge={c: np.full(n, np.nan) for c in CYCLES},
        fit=pd.DataFrame(index=range(n), columns=["drag_coef", "wheel_rr_coef"], dtype=float),
        run_s={c: [] for c in CYCLES},
    )
    fit_rows = []
    for i, (_, row) in enumerate(rows.iterrows()):
        label = f"{row['model_year']} {row['make']} {row['model']} [{row['test_vehicle_id']}]"
        t0 = time.perf_counter()
        try:
            veh, fit = fastsim_vehicle(row, bdict)
        except Exception as exc:
            out.failures.append(
                {
                    "row": i,
                    "vehicle": label,
                    "cycle": "build",
                    "reason": _reason(exc),
                    **_row_info(row),
                }
            )
            fit_rows.append({})
            continue
        out.build_s.append(time.perf_counter() - t0)
        out.fit_s.append(fit.pop("fit_s"))
        fit_rows.append(fit)
        for cycle, cyc in cycles.items():
            sd = fastsim.SimDrive(veh, cyc)
            t0 = time.perf_counter()
            try:
                sd.run()
            except Exception as exc:
                out.failures.append(
                    {
                        "row": i,
                        "vehicle": label,
                        "cycle": cycle,
                        "reason": _reason(exc),
                        **_row_info(row),
                    }
                )
                continue
            out.run_s[cycle].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            state = sd.to_dict()["veh"]
            out.extract_s.append(time.perf_counter() - t0)
            battery_kwh = (
                state["pt_type"]["BEV"]["res"]["state"]["energy_out_chemical_joules"] / 3.6e6
            )
            miles = state["state"]["dist_meters"] / 1609.344
            lab_kwh_per_mi = battery_kwh / miles  # FASTSim label: lab_<cycle>_kwh_per_mi
            out.mpge[cycle][i] = FASTSIM_KWH_PER_GGE * FASTSIM_CHG_EFF / lab_kwh_per_mi
    out.fit = pd.DataFrame(fit_rows, index=range(n))
    return out


# --------------------------------------------------------------------------------------------
# evforge
# --------------------------------------------------------------------------------------------


@dataclass
class EvforgeRun:
    mpge: dict[str, np.ndarray]
    rejected: list[str]
    batch_s: dict[str, float]
    n: int
    single_s: dict[str, float]
    warmup_s: float


def run_evforge(rows: pd.DataFrame, repeat: int) -> EvforgeRun:
    vehicles, kept, rejected = epa.build_vehicles(rows)
    t0 = time.perf_counter()
    evforge.simulate(vehicles[:1], "udds")  # compile or load numba's cached kernel
    warmup = time.perf_counter() - t0
    cycles = {c: evforge.load_cycle(c) for c in CYCLES}
    batch_s, single_s = {}, {}
    for c, cyc in cycles.items():
        evforge.simulate(vehicles[:1], cyc)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            evforge.simulate(vehicles, cyc)
            times.append(time.perf_counter() - t0)
        batch_s[c] = statistics.median(times)
        singles = []
        for _ in range(max(20, repeat)):
            t0 = time.perf_counter()
            evforge.simulate(vehicles[0], cyc)
            singles.append(time.perf_counter() - t0)
        single_s[c] = statistics.median(singles)
    pred = epa.predict(vehicles)
    mpge = {c: np.full(len(rows), np.nan) for c in CYCLES}
    for c in CYCLES:
        mpge[c][kept] = pred[c]
    return EvforgeRun(mpge, rejected, batch_s, len(vehicles), single_s, warmup)


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def accuracy(rows: pd.DataFrame, ev: EvforgeRun, fs: FastsimRun) -> pd.DataFrame:
    out = []
    for split in ("test", "all"):
        in_split = (
            (rows["split"] == split).to_numpy() if split != "all" else np.ones(len(rows), bool)
        )
        for cycle in CYCLES:
            meas = rows[f"{cycle}_mpge"].to_numpy(dtype=float)
            ok = in_split & np.isfinite(meas)
            both = ok & np.isfinite(ev.mpge[cycle]) & np.isfinite(fs.mpge[cycle])
            for tool, pred, mask, rowset in (
                ("evforge", ev.mpge[cycle], both, "both"),
                ("FASTSim", fs.mpge[cycle], both, "both"),
                ("evforge", ev.mpge[cycle], ok & np.isfinite(ev.mpge[cycle]), "own"),
                ("FASTSim", fs.mpge[cycle], ok & np.isfinite(fs.mpge[cycle]), "own"),
            ):
                if not mask.any():
                    out.append(
                        {"split": split, "cycle": cycle, "tool": tool, "rows": rowset, "n": 0}
                    )
                    continue
                m = epa.metrics(pred[mask], meas[mask], cycle, split)
                out.append(
                    {
                        "split": split,
                        "cycle": cycle,
                        "tool": tool,
                        "rows": rowset,
                        "n": m.n,
                        "mape_pct": 100 * m.mape,
                        "bias_pct": 100 * m.bias,
                        "median_ape_pct": 100 * m.median_ape,
                        "p90_ape_pct": 100 * m.p90_ape,
                    }
                )
    return pd.DataFrame(out)


def timing(ev: EvforgeRun, fs: FastsimRun) -> pd.DataFrame:
    rows = []
    for c in CYCLES:
        rows.append(
            {
                "tool": "evforge",
                "cycle": c,
                "how": f"batch of {ev.n} / n",
                "per_sim_ms": 1e3 * ev.batch_s[c] / ev.n,
            }
        )
        rows.append(
            {
                "tool": "evforge",
                "cycle": c,
                "how": "single-vehicle call (median)",
                "per_sim_ms": 1e3 * ev.single_s[c],
            }
        )
        runs = fs.run_s[c]
        rows.append(
            {
                "tool": "FASTSim",
                "cycle": c,
                "how": f"SimDrive.run() mean of {len(runs)}",
                "per_sim_ms": 1e3 * statistics.fmean(runs) if runs else math.nan,
            }
        )
    return pd.DataFrame(rows)


def markdown(
    args: argparse.Namespace,
    rows: pd.DataFrame,
    acc: pd.DataFrame,
    tim: pd.DataFrame,
    ev: EvforgeRun,
    fs: FastsimRun,
    wall_s: float,
) -> str:
    def fmt(x: Any) -> str:
        return f"{x:.1f}" if isinstance(x, float) and math.isfinite(x) else str(x)

    lines = [
        "# evforge vs FASTSim on the EPA Test Car List BEV rows",
        "",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- FASTSim {fastsim.__version__}, base vehicle `{BASES[args.base]}` (thermal removed)",
        f"- rows: {len(rows)} (test split {int((rows['split'] == 'test').sum())});"
        f" evforge modelled {ev.n}, FASTSim failures: {len(fs.failures)} row-cycles",
        f"- wall time of the whole run: {wall_s:.1f} s",
        "",
        "## Accuracy (unadjusted MPGe vs measured; bias = mean signed error)",
        "",
        "Rows: `both` = rows both tools modelled (the comparison); `own` = every row the tool"
        " modelled.",
        "",
        "| split | cycle | rows | tool | n | MAPE % | bias % | median APE % | P90 APE % |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in acc.to_dict("records"):
        lines.append(
            f"| {r['split']} | {r['cycle']} | {r['rows']} | {r['tool']} | {r['n']} | "
            f"{fmt(r.get('mape_pct'))} | {fmt(r.get('bias_pct'))} | "
            f"{fmt(r.get('median_ape_pct'))} | {fmt(r.get('p90_ape_pct'))} |"
        )
    lines += [
        "",
        "## Time per simulation (one vehicle over one cycle)",
        "",
        "| tool | cycle | how | ms per simulation |",
        "|---|---|---|---:|",
    ]
    for r in tim.to_dict("records"):
        lines.append(f"| {r['tool']} | {r['cycle']} | {r['how']} | {r['per_sim_ms']:.3f} |")
    lines += [
        "",
        f"evforge kernel warm-up (compile or cache load, excluded): {ev.warmup_s:.2f} s.",
        f"FASTSim vehicle construction incl. road-load fit (excluded): "
        f"{1e3 * statistics.fmean(fs.build_s):.2f} ms per vehicle, of which the A/B/C fit "
        f"{1e3 * statistics.fmean(fs.fit_s):.2f} ms; result extraction (to_dict): "
        f"{1e3 * statistics.fmean(fs.extract_s):.2f} ms per simulation.",
        "",
        "## Rows FASTSim could not model",
        "",
    ]
    if fs.failures:
        lines += [
            "| row | vehicle | split | rated hp | cycle | measured MPGe | FASTSim error |",
            "|---:|---|---|---:|---|---:|---|",
        ]
        for f in fs.failures:
            reason = f["reason"].replace("|", "/")
            meas = f["measured"].get(f["cycle"], math.nan)
            lines.append(
                f"| {f['row']} | {f['vehicle']} | {f['split']} | {f['rated_hp']:g} | "
                f"{f['cycle']} | {meas} | {reason} |"
            )
    else:
        lines.append("None.")
    if ev.rejected:
        lines += ["", "## Rows evforge rejected", ""] + [f"- {r}" for r in ev.rejected]
    fit = fs.fit.dropna()
    if len(fit):
        lines += [
            "",
            "## Converted road load (FASTSim)",
            "",
            f"drag_coef median {fit['drag_coef'].median():.3f} "
            f"(range {fit['drag_coef'].min():.3f}..{fit['drag_coef'].max():.3f}), "
            f"wheel_rr_coef median {fit['wheel_rr_coef'].median():.4f} "
            f"(range {fit['wheel_rr_coef'].min():.4f}..{fit['wheel_rr_coef'].max():.4f}); "
            f"mean |force error| of the fit median {fit['fit_mean_abs_err_n'].median():.1f} N "
            f"(max {fit['fit_mean_abs_err_n'].max():.1f} N).",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N rows only")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    parser.add_argument("--base", choices=sorted(BASES), default="model3")
    parser.add_argument("--repeat", type=int, default=5, help="evforge timing repeats")
    args = parser.parse_args()

    t_start = time.perf_counter()
    rows = epa.load_rows()
    if args.limit:
        rows = rows.head(args.limit)
    rows = rows.reset_index(drop=True)
    print(f"{len(rows)} rows; FASTSim {fastsim.__version__}, base {BASES[args.base]}")
    ev = run_evforge(rows, args.repeat)
    fs = run_fastsim(rows, args.base)
    acc = accuracy(rows, ev, fs)
    tim = timing(ev, fs)
    wall = time.perf_counter() - t_start

    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print("\nAccuracy (rows='both': rows both tools modelled)")
        print(acc.round(2).to_string(index=False))
        print("\nTime per simulation")
        print(tim.round(4).to_string(index=False))
    print(f"\nFASTSim could not model {len(fs.failures)} row-cycles:")
    for f in fs.failures:
        print(f"  row {f['row']} {f['vehicle']} ({f['rated_hp']:g} hp) {f['cycle']}: {f['reason']}")

    args.out.mkdir(parents=True, exist_ok=True)
    md = args.out / f"fastsim_compare_{args.base}.md"
    md.write_text(markdown(args, rows, acc, tim, ev, fs, wall))
    per_row = rows[["model_year", "make", "model", "test_vehicle_id", "split", "layout"]].copy()
    for c in CYCLES:
        per_row[f"{c}_measured"] = rows[f"{c}_mpge"]
        per_row[f"{c}_evforge"] = ev.mpge[c]
        per_row[f"{c}_fastsim"] = fs.mpge[c]
    per_row = pd.concat([per_row, fs.fit.reindex(per_row.index)], axis=1)
    per_row.to_csv(args.out / f"fastsim_compare_{args.base}.csv", index=False)
    print(f"\nwrote {md} ({wall:.1f} s)")


if __name__ == "__main__":
    main()
