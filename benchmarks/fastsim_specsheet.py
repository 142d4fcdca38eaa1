"""evforge vs FASTSim 3.1.0 on the spec-sheet variants: official range, side by side, one run.

Run with ``python benchmarks/fastsim_specsheet.py [--limit N] [--out DIR] [--markets
epa,wltp,cltc]`` after ``pip install -e '.[fastsim]'`` (FASTSim 3.1.0 is an optional extra).
One run loads the spec-sheet validation set (:func:`evforge.validation.specsheet.load_variants`,
one schema-v1 spec per variant, and :func:`~evforge.validation.specsheet.load_official`),
predicts every variant's official range (and mains consumption) with both tools from the same
spec, and reports per market and split (test = held-out families, all) n / median |error| /
mean bias / max |error| of each tool on the variants both tools could model, every variant
FASTSim could not model and why, and the CPU and wall time per variant of each tool. A table is
printed; a per-variant CSV and a Markdown summary are written to ``--out`` (default
``benchmark-results/``). ``--limit N`` keeps the first N variants of each market.

evforge side: exactly what ``evforge validate specsheet`` runs per variant
(:func:`evforge.validation.specsheet.build` and its market rule: EPA label by the maker's
choice of route, WLTP, CLTC; range in km, consumption from the mains).

FASTSim side, built from the same spec the way its users build a car from a spec sheet: the
bundled ``2022 Tesla Model 3 RWD thrml.yaml`` as the base, the spec's values written over it,
everything else the base file's default (its cabin, HVAC and battery thermal models included:
the cycles' default ambient is 22 °C, the HVAC set point, so they draw nothing; removing them
gives the same numbers). Units are parsed by evforge (:func:`evforge.spec.parse_spec`):

* **Mass.** ``mass_kilograms`` = curb mass without driver (an EU mass in running order less
  the 75 kg driver, :func:`evforge.spec.derive.curb_without_driver`) + 136 kg: FASTSim's own
  convention (``vehicle_import``: vehicle mass = EPA test weight, ``cargo_kg`` = 136 kg,
  i.e. 300 lb of EPA loaded vehicle weight on a curb mass). FASTSim has no WLTP or CLTC test
  mass rule, so the same +136 kg is used in every market.
* **Body.** ``drag_coef`` = Cd; ``frontal_area`` = the spec's frontal area, else
  0.85 × width × height (FASTSim ``vehicle_import``), else the base file's 2.22 m².
* **Wheels.** ``wheel_radius`` = the ETRTO rolling radius of the spec tyre
  (:func:`evforge.physics.tyres.rolling_radius_m`); staggered sizes: the driven axle's, the
  mean of both for AWD; no tyre size: the base file's.
* **Powertrain.** ``drive_type`` = layout; motor ``pwr_out_max`` = sum of the motors' peak
  powers; battery ``pwr_out_max`` scaled with it by the base file's battery/motor ratio (as
  ``benchmarks/fastsim_compare.py`` does); ``energy_capacity`` such that the usable window
  (max_soc - min_soc of the base file) holds the spec's usable energy, or nominal energy ×
  evforge's default usable fraction (``evforge.spec.defaults.USABLE_FRACTION``) when only the
  nominal energy is given. No history saved.
* **EPA label range.** FASTSim's label method for a BEV (FASTSim 2 ``get_label_fe``; 3.1.0 has
  none in its Python API): battery-side ``energy_out_chemical`` per mile over the bundled
  ``udds.csv`` and ``hwfet.csv`` is the lab kWh/mi; lab MPGe = ``kwh_per_gge`` / lab kWh/mi;
  adjusted MPGe = max(1 / (intercept + slope / lab MPGe), 0.7 × lab MPGe) per cycle with the
  2017 derived 5-cycle coefficients of FASTSim's ``longparams.json`` (the 0.7 floor binds for
  every efficient BEV); wall kWh/mi = ``kwh_per_gge`` / adjusted MPGe / 0.86 (FASTSim's
  ``chg_eff``), combined 55/45; range = usable energy / (combined wall kWh/mi × 0.86)
  (FASTSim's ``net_range_miles`` with the usable rather than total energy).
* **WLTP / CLTC range.** usable energy / battery-side consumption over one WLTC class 3b /
  CLTC-P (evforge's bundled traces, ``evforge.cycles.load_cycle``; FASTSim 3.1.0 bundles only
  UDDS and HWFET); consumption from the mains = battery-side / 0.86. Default ``SimParams``
  (a trace miss is an error, reported as a failure).

Timing per variant: ``time.perf_counter`` (wall) and ``time.process_time`` (CPU of the
process, all threads). evforge: build + market procedure, after a warm-up variant per market
(numba compile or cache load, reported apart). FASTSim: vehicle construction + every cycle's
``SimDrive.run()`` + result extraction; ``SimDrive.run()`` alone is reported too.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import math
import sys
import time
from dataclasses import dataclass
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

from evforge.cycles import load_cycle
from evforge.errors import EvforgeError, InputError
from evforge.physics.tyres import rolling_radius_m
from evforge.spec import parse_spec
from evforge.spec.defaults import USABLE_FRACTION
from evforge.spec.derive import curb_without_driver
from evforge.spec.schema import StaggeredTyres, parse_tyre_size
from evforge.validation import specsheet
from fastsim_compare import BASES, FASTSIM_CHG_EFF, FASTSIM_KWH_PER_GGE, _reason

MARKETS = specsheet.MARKETS
BASE_FILE = BASES["model3"]
#: FASTSim vehicle_import: cargo_kg (EPA loaded vehicle weight = curb + 300 lb).
FASTSIM_CARGO_KG = 136.0
#: FASTSim vehicle_import: frontal area = 0.85 × width × height.
FASTSIM_AREA_FACTOR = 0.85
#: FASTSim SimDriveParams.max_epa_adj: a BEV's label figure is at most 30 % below the lab's.
FASTSIM_MAX_EPA_ADJ = 0.3
#: FASTSim longparams.json LD_FE_Adj_Coef "2017" (model years >= 2017).
FASTSIM_ADJ_2017 = {
    "udds": (0.004091, 1.1601),  # City Intercept, City Slope
    "hwfet": (0.003191, 1.2945),  # Highway Intercept, Highway Slope
}
CITY_SHARE = 0.55
KM_PER_MI = 1.609344
#: Cycles each market's FASTSim figure is built from (evforge names).
MARKET_CYCLES = {"epa": ("udds", "hwfet"), "wltp": ("wltc_class3b",), "cltc": ("cltc_p",)}
METRICS = ("range", "consumption")


# --------------------------------------------------------------------------------------------
# FASTSim
# --------------------------------------------------------------------------------------------


def base_dict() -> dict[str, Any]:
    """The bundled base vehicle as a plain dict, as shipped (thermal models kept), no history."""
    d = fastsim.Vehicle.from_resource(BASE_FILE).to_dict()
    d["save_interval"] = None
    return d


def fastsim_cycles() -> dict[str, Any]:
    """FASTSim cycles: its bundled UDDS and HWFET, evforge's WLTC class 3b and CLTC-P."""
    out = {
        "udds": fastsim.Cycle.from_resource("udds.csv"),
        "hwfet": fastsim.Cycle.from_resource("hwfet.csv"),
    }
    for name in ("wltc_class3b", "cltc_p"):
        c = load_cycle(name)
        out[name] = fastsim.Cycle.from_dict(
            {
                "time_seconds": c.time_s.tolist(),
                "speed_meters_per_second": c.speed_mps.tolist(),
                "grade": c.grade.tolist(),
            }
        )
    return out


def fastsim_inputs(spec: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The values written over the base vehicle, from one spec dict (units parsed by evforge)."""
    vs = parse_spec(spec)
    curb = curb_without_driver(vs)
    if curb is None:
        raise ValueError("no mass.curb")
    chassis = base["chassis"]
    body = vs.body
    if body.frontal_area is not None:
        area, area_src = body.frontal_area, "spec"
    elif body.width is not None and body.height is not None:
        area = FASTSIM_AREA_FACTOR * body.width * body.height / 1e6
        area_src = "0.85 W H"
    else:
        area, area_src = chassis["frontal_area_square_meters"], "base file"
    size = vs.tyres.size
    if size is None:
        radius, radius_src = chassis["wheel_radius_meters"], "base file"
    else:
        if isinstance(size, StaggeredTyres):
            r_front, r_rear = (
                rolling_radius_m(*parse_tyre_size(s)) for s in (size.front, size.rear)
            )
            radius = {"FWD": r_front, "RWD": r_rear}.get(vs.layout.value, (r_front + r_rear) / 2)
        else:
            radius = rolling_radius_m(*parse_tyre_size(size))
        radius_src = "spec tyre"
    b = vs.battery
    if b.usable_energy is not None:
        usable, usable_src = b.usable_energy, "spec usable"
    else:
        assert b.nominal_energy is not None  # guaranteed by VehicleSpec validation
        usable = b.nominal_energy * USABLE_FRACTION.value
        usable_src = f"nominal x {USABLE_FRACTION.value:g}"
    return {
        "fs_mass_kg": curb + FASTSIM_CARGO_KG,
        "fs_drag_coef": vs.body.drag_coefficient,
        "fs_frontal_area_m2": area,
        "fs_frontal_area_source": area_src,
        "fs_wheel_radius_m": radius,
        "fs_wheel_radius_source": radius_src,
        "fs_motor_kw": sum(m.peak_power for m in vs.motors),
        "fs_usable_kwh": usable,
        "fs_usable_source": usable_src,
        "fs_drive_type": vs.layout.value,
    }


def fastsim_vehicle(name: str, inp: dict[str, Any], base: dict[str, Any]) -> Any:
    """The base vehicle with the spec's values written over it."""
    d = copy.deepcopy(base)
    bev = d["pt_type"]["BEV"]
    chassis = d["chassis"]
    ratio = bev["res"]["pwr_out_max_watts"] / bev["em"]["pwr_out_max_watts"]
    d["name"] = name
    d["mass_kilograms"] = inp["fs_mass_kg"]
    for key in ("glider_mass_kilograms", "cargo_mass_kilograms", "mass_kilograms"):
        chassis[key] = None
    chassis["drag_coef"] = inp["fs_drag_coef"]
    chassis["frontal_area_square_meters"] = inp["fs_frontal_area_m2"]
    chassis["wheel_radius_meters"] = inp["fs_wheel_radius_m"]
    chassis["drive_type"] = inp["fs_drive_type"]
    bev["em"]["pwr_out_max_watts"] = inp["fs_motor_kw"] * 1e3
    bev["res"]["pwr_out_max_watts"] = inp["fs_motor_kw"] * 1e3 * ratio
    window = bev["res"]["max_soc"] - bev["res"]["min_soc"]
    bev["res"]["energy_capacity_joules"] = inp["fs_usable_kwh"] * 3.6e6 / window
    return fastsim.Vehicle.from_dict(d)


def fastsim_label(kwh_per_mi: dict[str, float], usable_kwh: float) -> tuple[float, float]:
    """(label range [km], label consumption [kWh/100 km from the mains]) from the battery-side
    lab kWh/mi over UDDS and HWFET, by FASTSim's BEV label rule (get_label_fe)."""
    wall = {}
    for cycle, (intercept, slope) in FASTSIM_ADJ_2017.items():
        lab_mpge = FASTSIM_KWH_PER_GGE / kwh_per_mi[cycle]
        adj_mpge = max(1.0 / (intercept + slope / lab_mpge), lab_mpge * (1 - FASTSIM_MAX_EPA_ADJ))
        wall[cycle] = FASTSIM_KWH_PER_GGE / adj_mpge / FASTSIM_CHG_EFF
    comb_wall = CITY_SHARE * wall["udds"] + (1 - CITY_SHARE) * wall["hwfet"]
    range_mi = usable_kwh / (comb_wall * FASTSIM_CHG_EFF)
    return range_mi * KM_PER_MI, 100 * comb_wall / KM_PER_MI


@dataclass
class FastsimResult:
    inputs: dict[str, Any]
    range_km: float = math.nan
    consumption: float = math.nan
    battery_kwh_per_100km: dict[str, float] | None = None
    wall_s: float = math.nan
    cpu_s: float = math.nan
    run_s: float = math.nan
    failure: str = ""


def run_fastsim_variant(
    variant: dict[str, Any], base: dict[str, Any], cycles: dict[str, Any]
) -> FastsimResult:
    """One variant through FASTSim: its market's cycles, range and mains consumption."""
    try:
        inp = fastsim_inputs(variant["spec"], base)
    except (InputError, ValueError) as exc:
        return FastsimResult({}, failure=f"inputs: {exc}")
    out = FastsimResult(inp)
    w0, c0 = time.perf_counter(), time.process_time()
    run_s = 0.0
    per_km: dict[str, float] = {}
    stage = "build"
    try:
        veh = fastsim_vehicle(variant["spec"].get("name", variant["variant"]), inp, base)
        for name in MARKET_CYCLES[variant["market"]]:
            stage = name
            sd = fastsim.SimDrive(veh, cycles[name])
            t0 = time.perf_counter()
            sd.run()
            run_s += time.perf_counter() - t0
            state = sd.to_dict()["veh"]
            battery_kwh = (
                state["pt_type"]["BEV"]["res"]["state"]["energy_out_chemical_joules"] / 3.6e6
            )
            per_km[name] = battery_kwh / (state["state"]["dist_meters"] / 1e3)
    except Exception as exc:  # FASTSim raises plain Exceptions (trace miss, bad input)
        out.failure = f"{stage}: {_reason(exc)}"
        return out
    out.wall_s = time.perf_counter() - w0
    out.cpu_s = time.process_time() - c0
    out.run_s = run_s
    out.battery_kwh_per_100km = {k: 100 * v for k, v in per_km.items()}
    usable = inp["fs_usable_kwh"]
    if variant["market"] == "epa":
        kwh_per_mi = {k: v * KM_PER_MI for k, v in per_km.items()}
        out.range_km, out.consumption = fastsim_label(kwh_per_mi, usable)
    else:
        (kwh_per_km,) = per_km.values()
        out.range_km = usable / kwh_per_km
        out.consumption = 100 * kwh_per_km / FASTSIM_CHG_EFF
    return out


# --------------------------------------------------------------------------------------------
# evforge
# --------------------------------------------------------------------------------------------


@dataclass
class EvforgeResult:
    range_km: float = math.nan
    consumption: float = math.nan
    wall_s: float = math.nan
    cpu_s: float = math.nan
    failure: str = ""


def run_evforge_variant(variant: dict[str, Any]) -> EvforgeResult:
    """One variant as ``evforge validate specsheet`` runs it: build, market procedure."""
    w0, c0 = time.perf_counter(), time.process_time()
    try:
        car = specsheet.build(pd.Series(variant))
        pred = specsheet.predict(variant["market"], car)
    except (InputError, EvforgeError) as exc:
        return EvforgeResult(failure=str(exc))
    return EvforgeResult(
        range_km=pred["range"],
        consumption=pred["consumption"],
        wall_s=time.perf_counter() - w0,
        cpu_s=time.process_time() - c0,
    )


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def official_table(variants: pd.DataFrame) -> pd.DataFrame:
    off = specsheet.load_official()
    off = off[off["metric"].isin(METRICS)]
    wide = off.pivot_table(index=["variant", "market"], columns="metric", values="value")
    wide = wide.reindex(columns=list(METRICS))
    keys = pd.MultiIndex.from_frame(variants[["variant", "market"]])
    return wide.reindex(keys).reset_index(drop=True)


def summary(rows: pd.DataFrame, markets: list[str]) -> pd.DataFrame:
    out = []
    for metric in METRICS:
        for market in markets:
            for split in ("test", "all"):
                sel = rows[rows["market"] == market]
                if split != "all":
                    sel = sel[sel["split"] == split]
                ev = sel[f"{metric}_evforge_err"]
                fs = sel[f"{metric}_fastsim_err"]
                both = ev.notna() & fs.notna()
                rec: dict[str, Any] = {
                    "metric": metric,
                    "market": market,
                    "split": split,
                    "n": int(both.sum()),
                    "n_official": int(sel[f"{metric}_official"].notna().sum()),
                }
                for tool, err in (("evforge", ev[both]), ("fastsim", fs[both])):
                    e = err.to_numpy(dtype=float)
                    ok = e.size > 0
                    rec[f"{tool}_median_abs_pct"] = (
                        100 * float(np.median(np.abs(e))) if ok else math.nan
                    )
                    rec[f"{tool}_bias_pct"] = 100 * float(e.mean()) if ok else math.nan
                    rec[f"{tool}_max_abs_pct"] = 100 * float(np.abs(e).max()) if ok else math.nan
                out.append(rec)
    return pd.DataFrame(out)


def timing(rows: pd.DataFrame, markets: list[str]) -> pd.DataFrame:
    out = []
    for market in [*markets, "all"]:
        sel = rows if market == "all" else rows[rows["market"] == market]
        for tool, cols in (
            ("evforge", ("evforge_wall_s", "evforge_cpu_s")),
            ("fastsim", ("fastsim_wall_s", "fastsim_cpu_s")),
            ("fastsim SimDrive.run() only", ("fastsim_run_s", None)),
        ):
            wall = sel[cols[0]].dropna().to_numpy(dtype=float)
            cpu = sel[cols[1]].dropna().to_numpy(dtype=float) if cols[1] else np.array([])
            out.append(
                {
                    "market": market,
                    "tool": tool,
                    "n": int(wall.size),
                    "wall_ms_median": 1e3 * float(np.median(wall)) if wall.size else math.nan,
                    "wall_ms_mean": 1e3 * float(wall.mean()) if wall.size else math.nan,
                    "cpu_ms_median": 1e3 * float(np.median(cpu)) if cpu.size else math.nan,
                    "cpu_ms_mean": 1e3 * float(cpu.mean()) if cpu.size else math.nan,
                    "wall_s_total": float(wall.sum()),
                }
            )
    return pd.DataFrame(out)


def _md_table(frame: pd.DataFrame, digits: int = 1) -> list[str]:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in frame.itertuples(index=False):
        cells = [
            (f"{x:.{digits}f}" if math.isfinite(x) else "-") if isinstance(x, float) else str(x)
            for x in r
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(
    rows: pd.DataFrame,
    summ: pd.DataFrame,
    tim: pd.DataFrame,
    warmup: dict[str, float],
    wall_s: float,
) -> str:
    fs_fail = rows[rows["fastsim_failure"] != ""]
    ev_fail = rows[rows["evforge_failure"] != ""]
    lines = [
        "# evforge vs FASTSim 3.1.0 on the spec-sheet variants",
        "",
        f"- date: {dt.date.today().isoformat()}",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- FASTSim {fastsim.__version__}, base vehicle `{BASE_FILE}` with the spec's mass"
        f" (curb without driver + {FASTSIM_CARGO_KG:g} kg), Cd, frontal area, wheel radius,"
        " motor power and usable energy written over it",
        f"- variants: {len(rows)} ("
        + ", ".join(f"{m} {n}" for m, n in rows.groupby("market", sort=False).size().items())
        + f"); FASTSim failures {len(fs_fail)}, evforge failures {len(ev_fail)}",
        f"- wall time of the whole run: {wall_s:.1f} s",
        "",
        "## Accuracy (error = predicted / official - 1; both tools on the same variants)",
        "",
        "n = variants both tools modelled and with an official figure; test = held-out families.",
        "",
    ]
    lines += _md_table(summ.rename(columns=lambda c: c.replace("_pct", " %").replace("_", " ")))
    lines += [
        "",
        "## Time per variant (build + the market's cycles; CPU = process time, all threads)",
        "",
    ]
    lines += _md_table(tim.rename(columns=lambda c: c.replace("_", " ")), digits=2)
    lines += [
        "",
        "evforge warm-up per market (first variant, numba compile or cache load; excluded): "
        + ", ".join(f"{m} {s:.2f} s" for m, s in warmup.items())
        + ".",
        "",
        "## Variants FASTSim could not model",
        "",
    ]
    if len(fs_fail):
        lines += [f"- {r.variant} ({r.market}): {r.fastsim_failure}" for r in fs_fail.itertuples()]
    else:
        lines.append("None.")
    if len(ev_fail):
        lines += ["", "## Variants evforge could not model", ""]
        lines += [f"- {r.variant} ({r.market}): {r.evforge_failure}" for r in ev_fail.itertuples()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N variants per market")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    parser.add_argument(
        "--markets", default=",".join(MARKETS), help="comma-separated, of " + ",".join(MARKETS)
    )
    args = parser.parse_args()
    markets = [m.strip() for m in args.markets.split(",") if m.strip()]
    unknown = sorted(set(markets) - set(MARKETS))
    if unknown:
        parser.error(f"unknown market(s) {unknown}; expected some of {list(MARKETS)}")

    t_start = time.perf_counter()
    variants = specsheet.load_variants()
    variants = variants[variants["market"].isin(markets)]
    if args.limit:
        variants = variants.groupby("market", sort=False).head(args.limit)
    variants = variants.reset_index(drop=True)
    print(
        f"{len(variants)} variants ("
        + ", ".join(f"{m} {n}" for m, n in variants.groupby("market", sort=False).size().items())
        + f"); FASTSim {fastsim.__version__}, base {BASE_FILE}"
    )
    base = base_dict()
    cycles = fastsim_cycles()
    records = variants.to_dict("records")

    warmup: dict[str, float] = {}
    for market in markets:
        first = next((v for v in records if v["market"] == market), None)
        if first is not None:
            t0 = time.perf_counter()
            run_evforge_variant(first)
            warmup[market] = time.perf_counter() - t0
            run_fastsim_variant(first, base, cycles)

    out_rows = []
    for k, v in enumerate(records):
        ev = run_evforge_variant(v)
        fs = run_fastsim_variant(v, base, cycles)
        rec: dict[str, Any] = {
            "variant": v["variant"],
            "market": v["market"],
            "family": v["family"],
            "split": v["split"],
            "range_evforge": ev.range_km,
            "range_fastsim": fs.range_km,
            "consumption_evforge": ev.consumption,
            "consumption_fastsim": fs.consumption,
            "evforge_wall_s": ev.wall_s,
            "evforge_cpu_s": ev.cpu_s,
            "fastsim_wall_s": fs.wall_s,
            "fastsim_cpu_s": fs.cpu_s,
            "fastsim_run_s": fs.run_s,
            **fs.inputs,
            **{
                f"fs_battery_kwh_per_100km_{c}": x
                for c, x in (fs.battery_kwh_per_100km or {}).items()
            },
            "evforge_failure": ev.failure,
            "fastsim_failure": fs.failure,
        }
        out_rows.append(rec)
        print(
            f"  [{k + 1}/{len(records)}] {v['variant']}: range evforge {ev.range_km:.0f} km,"
            f" FASTSim {fs.range_km:.0f} km" + (f" ({fs.failure[:80]})" if fs.failure else "")
        )
    rows = pd.DataFrame(out_rows)
    official = official_table(variants)
    for metric in METRICS:
        rows.insert(
            rows.columns.get_loc(f"{metric}_evforge"), f"{metric}_official", official[metric]
        )
        for tool in ("evforge", "fastsim"):
            rows[f"{metric}_{tool}_err"] = rows[f"{metric}_{tool}"] / rows[f"{metric}_official"] - 1
    last = ["evforge_failure", "fastsim_failure"]
    rows = rows[[c for c in rows.columns if c not in last] + last]
    summ = summary(rows, markets)
    tim = timing(rows, markets)
    wall = time.perf_counter() - t_start

    with pd.option_context("display.width", 160, "display.max_columns", 30):
        print("\nAccuracy (%; the same variants for both tools; error = predicted / official - 1)")
        print(summ.round(1).to_string(index=False))
        print("\nTime per variant (ms)")
        print(tim.round(2).to_string(index=False))
    print("evforge warm-up (excluded): " + ", ".join(f"{m} {s:.2f} s" for m, s in warmup.items()))
    fails = rows[(rows["fastsim_failure"] != "") | (rows["evforge_failure"] != "")]
    for r in fails.itertuples():
        print(f"  failure {r.variant}: evforge {r.evforge_failure!r} FASTSim {r.fastsim_failure!r}")

    args.out.mkdir(parents=True, exist_ok=True)
    rows.to_csv(args.out / "fastsim_specsheet.csv", index=False)
    md = args.out / "fastsim_specsheet.md"
    md.write_text(markdown(rows, summ, tim, warmup, wall))
    print(f"\nwrote {md} and {args.out / 'fastsim_specsheet.csv'} ({wall:.1f} s)")


if __name__ == "__main__":
    main()
