"""Validation against the EPA Test Car List: unadjusted UDDS and HWFET results of BEVs.

For every battery-electric test vehicle with a usable result, the model predicts the
unadjusted (lab, wall-to-wheels) UDDS and highway MPGe from what the Test Car List row gives:
equivalent test weight, target road-load coefficients A/B/C, drive layout and rated power.
Everything else comes from the project's global defaults; nothing is set per vehicle or per
maker.

Data cleaning (explicit, reported):

1. **Units of the results.** ``RND_ADJ_FE`` is labelled MPG on every row, but BEV results
   are mostly unadjusted MPGe, some makers report kWh/100 mi, and 0/999 are placeholders.
   A value of 75-250 is read as MPGe, 10-50 as kWh/100 mi (MPGe = 3370.5 / value), 0, >= 900
   or missing as a placeholder. Anything else is ambiguous and kept only if a fueleconomy.gov
   ``UCity``/``UHighway`` value for the same model year and make lies within 3 % of it.
2. **Cross-check with fueleconomy.gov** (same model year, same make; the two data sets share
   no key). A value within 3 % of some ``UCity``/``UHighway`` (unadjusted MPGe) is
   ``confirmed``. A value that matches no unadjusted figure but lies within 3 % of a *label*
   (adjusted) MPGe ``city08``/``highway08`` of that make and year is a label value reported in
   the wrong column (GM's 2022-24 rows, for instance) and is excluded. Others are kept as
   ``unconfirmed``; metrics are reported for all kept rows and for the confirmed ones.
3. **Road load.** A target C coefficient implying C_dA above 2.5 m² (no passenger car comes
   close; a GMC Hummer EV is about 1.7 m²) is a typo in the list; the row is excluded.
4. **Carry-over vehicles.** The same test vehicle (ID, configuration, test weight and road
   load) appears in several yearly lists; only its first model year is kept, so no vehicle
   is in both the training and the test split.
5. **Driveline columns** (``epa_testcar_bev_driveline.csv``, same keys): ``N/V Ratio`` is the
   motor speed per vehicle speed [rpm/mph]; with the default tyre it gives the overall gear
   ratio of a single-speed car. A value outside 30-250 rpm/mph (0, 999 and 999.9 are
   placeholders; 1.1, 6.4, 9.7 and 10.5 look like a ratio typed in the wrong field) is not
   used, and neither is the N/V of a two-speed car (which gear it refers to is not said); the
   default gear ratio applies there (:func:`clean_nv_ratio`).
6. **Split.** By vehicle family (make + model, ``epa_testcar_bev_families.csv``, made by
   ``scripts/make_epa_families.py``): a family is in the training split when the first hex
   digit of the SHA-256 of its name is even (:func:`family_split`), so every model year and
   trim of one model is on one side. Global coefficients may be fitted on the training
   families; accuracy is reported on the held-out ones.
7. **Motor technology.** ``motor_technology.csv`` gives each family, model-year range and
   drive its machines per axle (permanent magnet, induction, separately excited), one
   source per row; rows without a match keep the default (permanent magnet) and are counted.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import numpy as np
import pandas as pd

from evforge.errors import InputError
from evforge.physics.tyres import rolling_radius_m
from evforge.sim import simulate
from evforge.spec import build_vehicle, parse_spec
from evforge.spec.defaults import TYRE_SIZE
from evforge.spec.schema import parse_tyre_size
from evforge.vehicle import Vehicle

__all__ = [
    "KWH_PER_GALLON_EQUIVALENT",
    "Metrics",
    "build_vehicles",
    "clean_results",
    "family_split",
    "load_rows",
    "metrics",
    "predict",
]

_DATA: Final = "evforge.validation.data"
#: EPA energy equivalence of a gallon of gasoline [kWh/gal] (see procedures/epa.py).
KWH_PER_GALLON_EQUIVALENT: Final = 33.705
CROSS_CHECK_TOLERANCE: Final = 0.03
#: Largest C_dA a target C coefficient may imply [m²] (air density 1.2 kg/m³).
MAX_CDA_M2: Final = 2.5
_LBF_PER_MPH2_TO_SI: Final = 4.4482216152605 / (1609.344 / 3600.0) ** 2  # N/(m/s)² per lbf/mph²
#: Share of an AWD car's rated power on the front axle (assumption: front motors are usually
#: the smaller, e.g. Kia EV6 AWD 74 + 165 kW = 31 %, Ford Mach-E AWD ~ 50 %).
AWD_FRONT_SHARE: Final = 0.4
#: Usable battery energy used for every row (the Test Car List does not give it). It sets the
#: battery resistance and OCV scale: 60 vs 100 kWh moves predicted MPGe by 0.9 % (UDDS) and
#: 0.6 % (HWFET) at the median, 1.6 % at most (measured over all rows, 2026-11).
ROW_USABLE_ENERGY_KWH: Final = 75.0

#: Plausible N/V band [rpm/mph] (see :func:`clean_nv_ratio`).
NV_MIN: Final = 30.0
NV_MAX: Final = 250.0
_MPS_PER_MPH: Final = 0.44704  # exact: 1609.344 m / 3600 s
_HP_W: Final = 745.69987158227022  # mechanical horsepower [W], exact by definition
CYCLES: Final = {"udds": "cd_udds_rnd_adj_fe", "hwfet": "cd_hwy_rnd_adj_fe"}
_FE_COLUMNS: Final = {"udds": "UCity", "hwfet": "UHighway"}
_LABEL_COLUMNS: Final = {"udds": "city08", "hwfet": "highway08"}


@cache
def _raw_rows() -> pd.DataFrame:
    with resources.files(_DATA).joinpath("epa_testcar_bev_summary.csv").open("rb") as f:
        return pd.read_csv(f)


@cache
def _driveline() -> pd.DataFrame:
    with resources.files(_DATA).joinpath("epa_testcar_bev_driveline.csv").open("rb") as f:
        return pd.read_csv(f)


@cache
def _families() -> pd.DataFrame:
    with resources.files(_DATA).joinpath("epa_testcar_bev_families.csv").open("rb") as f:
        return pd.read_csv(f, keep_default_na=False)


@cache
def _technology() -> pd.DataFrame:
    with resources.files(_DATA).joinpath("motor_technology.csv").open("rb") as f:
        return pd.read_csv(f, keep_default_na=False)


def family_split(families: pd.Series, strata: pd.Series) -> pd.Series:
    """Training / held-out split by vehicle family, stratified so both sides hold every
    stratum (here: the family's motor-technology mix).

    Within each stratum the families are ordered by the SHA-256 of their name and dealt
    alternately to ``"train"`` and ``"test"``, the first to ``"train"``; every row of a
    family goes where its family goes. Deterministic, and blind to the results.
    """
    first = pd.DataFrame({"family": families, "stratum": strata}).drop_duplicates("family")
    first["key"] = first["family"].map(lambda f: hashlib.sha256(f.encode()).hexdigest())
    first = first.sort_values(["stratum", "key"], kind="stable")
    first["split"] = (first.groupby("stratum").cumcount() % 2).map({0: "train", 1: "test"})
    return families.map(dict(zip(first["family"], first["split"], strict=True)))


def motor_technology(family: str, year: int, layout: str) -> tuple[str, str, str]:
    """(front, rear, source) machine technology of a family's model year and drive; blank
    strings when ``motor_technology.csv`` has no row for it."""
    t = _technology()
    hit = t[
        (t["family"] == family)
        & (t["year_from"].astype(int) <= year)
        & (t["year_to"].astype(int) >= year)
        & ((t["drive"] == layout) | (t["drive"] == "any"))
    ]
    if hit.empty:
        return "", "", ""
    r = hit.iloc[0]
    return str(r["front"]), str(r["rear"]), str(r["source"])


@cache
def _fueleconomy() -> pd.DataFrame:
    with resources.files(_DATA).joinpath("fueleconomy_ev_vehicles.csv").open("rb") as f:
        frame = pd.read_csv(f)
    frame["make_key"] = frame["make"].map(_make_key)
    return frame


def _make_key(make: object) -> str:
    """First five letters of the make: 'Tesla Model S' and 'TESLA' -> 'TESLA'."""
    return "".join(c for c in str(make).upper() if c.isalpha())[:5]


def clean_nv_ratio(nv_rpm_per_mph: float, gears: int) -> tuple[float, str]:
    """Read one ``N/V Ratio``: (overall gear ratio or NaN, how it was read).

    N/V = 60 G v / (2π r v) per mph, so G = N/V · 2π r / (60 s/min · 0.44704 m/s per mph)
    with r the default tyre's rolling radius (the row does not give the tyre). The plausible
    band, 30-250 rpm/mph, spans G = 2.3-19.5 (Chevrolet Spark EV 3.17, two-speed first gears
    up to about 16).

    Returns
    -------
    (float, str)
        The gear ratio [-] and one of ``"nv"``, ``"placeholder"``, ``"two-speed"``.
    """
    if not math.isfinite(nv_rpm_per_mph) or not NV_MIN <= nv_rpm_per_mph <= NV_MAX:
        return math.nan, "placeholder"
    if gears != 1:
        return math.nan, "two-speed"
    radius = rolling_radius_m(*parse_tyre_size(TYRE_SIZE))
    return nv_rpm_per_mph * 2.0 * math.pi * radius / (60.0 * _MPS_PER_MPH), "nv"


def clean_results(value: float) -> tuple[float, str]:
    """Read one ``RND_ADJ_FE`` value: (unadjusted MPGe or NaN, how it was read).

    Returns
    -------
    (float, str)
        MPGe and one of ``"mpge"``, ``"kwh_per_100mi"``, ``"placeholder"``, ``"ambiguous"``.
    """
    if value is None or not math.isfinite(value) or value <= 0 or value >= 900:
        return math.nan, "placeholder"
    if 75.0 <= value <= 250.0:
        return value, "mpge"
    if 10.0 <= value <= 50.0:
        return KWH_PER_GALLON_EQUIVALENT * 100.0 / value, "kwh_per_100mi"
    return math.nan, "ambiguous"


@cache
def _fueleconomy_values(year: int, key: str, column: str) -> np.ndarray:
    """One column of the fueleconomy.gov rows of a model year and make key (looked up once)."""
    fe = _fueleconomy()
    same = fe[(fe["year"] == year) & (fe["make_key"] == key)]
    return same[column].to_numpy(dtype=float)


def _matches(year: int, make: str, mpge: float, column: str) -> bool:
    key = _make_key(make)
    if not key:
        return False
    values = _fueleconomy_values(year, key, column)
    return bool(np.any(np.abs(values / mpge - 1.0) <= CROSS_CHECK_TOLERANCE))


def load_rows() -> pd.DataFrame:
    """The cleaned validation rows, one per test vehicle, with measured MPGe per cycle.

    Columns: ``model_year, make, model, test_vehicle_id, config, drive, layout, rated_hp,
    etw_lb, a_lbf, b_lbf_per_mph, c_lbf_per_mph2, split, gears, nv_rpm_per_mph, gear_ratio,
    nv_read_as`` and per cycle (udds, hwfet)
    ``<cycle>_raw, <cycle>_read_as, <cycle>_mpge, <cycle>_confirmed``.
    """
    raw = _raw_rows().sort_values(["Model Year", "source_file"], kind="stable")
    key = [
        "Test Vehicle ID",
        "Test Veh Configuration #",
        "etw_lbs",
        "target_a_lbf",
        "target_b_lbf_per_mph",
        "target_c_lbf_per_mph2",
    ]
    raw = raw.drop_duplicates(subset=key, keep="first")
    raw = raw.merge(
        _families(),
        on=["source_file", "Model Year", "Test Vehicle ID", "Test Veh Configuration #"],
        how="left",
        validate="one_to_one",
    )
    raw = raw.merge(
        _driveline(),
        on=["source_file", "Model Year", "Test Vehicle ID", "Test Veh Configuration #"],
        how="left",
        validate="one_to_one",
    )
    rows: list[dict[str, Any]] = []
    for r in raw.to_dict("records"):
        year = int(r["Model Year"])
        make = str(r["make"])
        row: dict[str, Any] = {
            "model_year": year,
            "make": make,
            "model": str(r["model"]),
            "test_vehicle_id": str(r["Test Vehicle ID"]),
            "config": int(r["Test Veh Configuration #"]),
            "drive": str(r["drive"]),
            "layout": _layout(str(r["drive"])),
            "rated_hp": float(r["rated_hp"]),
            "etw_lb": float(r["etw_lbs"]),
            "a_lbf": float(r["target_a_lbf"]),
            "b_lbf_per_mph": float(r["target_b_lbf_per_mph"]),
            "c_lbf_per_mph2": float(r["target_c_lbf_per_mph2"]),
            "family": str(r["family"]) if isinstance(r["family"], str) else "",
            "gears": int(r["# of Gears"]),
            "nv_rpm_per_mph": float(r["N/V Ratio"]),
        }
        family = row["family"] or f"{make.lower()} {str(r['model']).lower()}"
        row["family"] = family
        row["front_technology"], row["rear_technology"], row["technology_source"] = (
            motor_technology(family, year, row["layout"])
        )
        row["gear_ratio"], row["nv_read_as"] = clean_nv_ratio(row["nv_rpm_per_mph"], row["gears"])
        for cycle, column in CYCLES.items():
            value = float(r[column])
            mpge, read_as = clean_results(value)
            fe_column = _FE_COLUMNS[cycle]
            if read_as == "ambiguous" and _matches(year, make, value, fe_column):
                mpge, read_as = value, "mpge (confirmed ambiguous)"
            confirmed = bool(math.isfinite(mpge) and _matches(year, make, mpge, fe_column))
            if (
                math.isfinite(mpge)
                and not confirmed
                and _matches(year, make, mpge, _LABEL_COLUMNS[cycle])
            ):
                mpge, read_as = math.nan, "label value (excluded)"
            if row["c_lbf_per_mph2"] * _LBF_PER_MPH2_TO_SI / 0.6 > MAX_CDA_M2:
                mpge, read_as = math.nan, "implausible road load (excluded)"
            row[f"{cycle}_raw"] = value
            row[f"{cycle}_read_as"] = read_as
            row[f"{cycle}_mpge"] = mpge
            row[f"{cycle}_confirmed"] = confirmed
        rows.append(row)
    frame = pd.DataFrame(rows)
    strata = frame["front_technology"].str.cat(frame["rear_technology"], sep="/")
    # A family's stratum is the technology mix of its first row (in model-year order).
    first_mix = dict(zip(frame["family"][::-1], strata[::-1], strict=True))
    frame["technology_stratum"] = frame["family"].map(first_mix)
    frame["split"] = family_split(frame["family"], frame["technology_stratum"])
    return frame


def _layout(drive: str) -> str:
    if "Front" in drive:
        return "FWD"
    if "Rear" in drive:
        return "RWD"
    return "AWD"


def row_spec(row: pd.Series, *, nv_gear_ratio: bool = False) -> dict[str, Any]:
    """The spec (schema v1 dict) the model builds from one Test Car List row.

    With ``nv_gear_ratio``, a row's clean N/V sets the gear ratio (:func:`clean_nv_ratio`);
    otherwise, and where N/V is unusable, the default gear ratio applies.
    """
    power_kw = row["rated_hp"] * _HP_W / 1e3
    motors: list[dict[str, Any]]
    if row["layout"] == "AWD":
        motors = [
            {"axle": "front", "peak_power": f"{power_kw * AWD_FRONT_SHARE} kW"},
            {"axle": "rear", "peak_power": f"{power_kw * (1 - AWD_FRONT_SHARE)} kW"},
        ]
    else:
        axle = "front" if row["layout"] == "FWD" else "rear"
        motors = [{"axle": axle, "peak_power": f"{power_kw} kW"}]
    for motor in motors:
        technology = row.get(f"{motor['axle']}_technology", "")
        if isinstance(technology, str) and technology:
            motor["technology"] = technology
    spec: dict[str, Any] = {
        "name": f"{row['model_year']} {row['make']} {row['model']} [{row['test_vehicle_id']}]",
        "layout": row["layout"],
        "road_load": {
            "f0": f"{row['a_lbf']} lbf",
            "f1": f"{row['b_lbf_per_mph']} lbf/mph",
            "f2": f"{row['c_lbf_per_mph2']} lbf/mph^2",
            "test_mass": f"{row['etw_lb']} lb",
        },
        "motors": motors,
        "battery": {"usable_energy": f"{ROW_USABLE_ENERGY_KWH} kWh"},
    }
    if nv_gear_ratio and math.isfinite(row["gear_ratio"]):
        spec["gear_ratio"] = float(row["gear_ratio"])
    return spec


def build_vehicles(
    rows: pd.DataFrame, *, nv_gear_ratio: bool = False
) -> tuple[list[Vehicle], list[int], list[str]]:
    """Vehicles for the rows the schema accepts; (vehicles, row positions, rejections)."""
    vehicles, kept, rejected = [], [], []
    for i, (_, row) in enumerate(rows.iterrows()):
        try:
            vehicles.append(build_vehicle(parse_spec(row_spec(row, nv_gear_ratio=nv_gear_ratio))))
            kept.append(i)
        except InputError as exc:
            rejected.append(f"{row['model_year']} {row['make']} {row['model']}: {exc.lines()[0]}")
    return vehicles, kept, rejected


def predict(vehicles: Sequence[Vehicle]) -> dict[str, np.ndarray]:
    """Predicted unadjusted (wall) MPGe per cycle for each vehicle, one batch per cycle."""
    out = {}
    for cycle in CYCLES:
        results = simulate(list(vehicles), cycle)
        kwh_per_mi = np.array([r.consumption_ac_wh_per_mi / 1e3 for r in results])
        out[cycle] = KWH_PER_GALLON_EQUIVALENT / kwh_per_mi
    return out


@dataclass(frozen=True)
class Metrics:
    """Accuracy of predicted vs measured MPGe on one cycle and split."""

    cycle: str
    split: str
    n: int
    mape: float
    median_ape: float
    bias: float
    p90_ape: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "split": self.split,
            "n": self.n,
            "mape_pct": 100 * self.mape,
            "median_ape_pct": 100 * self.median_ape,
            "bias_pct": 100 * self.bias,
            "p90_ape_pct": 100 * self.p90_ape,
        }


def metrics(predicted: np.ndarray, measured: np.ndarray, cycle: str, split: str) -> Metrics:
    """MAPE, median absolute error, mean signed error (bias) of predicted vs measured."""
    ok = np.isfinite(measured)
    err = predicted[ok] / measured[ok] - 1.0
    ape = np.abs(err)
    return Metrics(
        cycle=cycle,
        split=split,
        n=int(ok.sum()),
        mape=float(ape.mean()),
        median_ape=float(np.median(ape)),
        bias=float(err.mean()),
        p90_ape=float(np.percentile(ape, 90)),
    )
