"""Range procedures: closed-form cases on a lossless car, consistency checks, time-step
stability, and the CLI output contract."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from _factories import vehicle
from evforge.cli import app
from evforge.cycles import Cycle, load_cycle
from evforge.procedures import cltc, epa, nedc, run_depletion, run_procedure, wltp
from evforge.procedures.common import wall_per_dc
from evforge.units import M_PER_MI
from evforge.vehicle import Vehicle

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


def lossless(car: Vehicle) -> Vehicle:
    """No drivetrain, battery or auxiliary losses, and regeneration of all braking energy."""
    zero = (0.0, 0.0, 0.0, 0.0)
    return dataclasses.replace(
        car,
        front=dataclasses.replace(car.front, loss_coefficients=zero),
        rear=dataclasses.replace(car.rear, loss_coefficients=zero),
        gear_efficiency=1.0,
        auxiliary_power_w=0.0,
        resistance_ohm=1e-9,
        regen_zero_speed_mps=0.0,
        regen_full_speed_mps=1e-9,
        max_charge_power_w=1e12,
    )


def road_load_energy_per_m(car: Vehicle, cycle: Cycle) -> float:
    """Hand calculation: with every loss removed and all braking regenerated, the battery
    supplies exactly the road-load work, Σ F(v̄) v̄ Δt, per metre driven."""
    v = cycle.speed_mps
    v_mean = 0.5 * (v[1:] + v[:-1])
    dt = np.diff(cycle.time_s)
    force = car.rolling_n + car.linear_n_per_mps * v_mean + car.aero_n_per_mps2 * v_mean**2
    force = np.where(v_mean > 0, force, 0.0)
    return float(np.sum(force * v_mean * dt) / np.sum(v_mean * dt))


@pytest.mark.parametrize(
    ("module", "cycle", "mass_rule", "method"),
    [
        (cltc, "cltc_p", lambda c: c + 100.0, "shortened"),  # GB/T 18386: curb + 100 kg
        (cltc, "cltc_p", lambda c: c + 100.0, "conventional"),
        (nedc, "nedc", lambda c: c + 100.0, None),  # R83 reference mass: curb + 100 kg
        (wltp, "wltc_class3b", lambda c: c + 75 + 25 + 0.15 * 450, "stp"),  # GTR 15 test mass
        (wltp, "wltc_class3b", lambda c: c + 75 + 25 + 0.15 * 450, "ccp"),
    ],
)
def test_lossless_car_range_in_closed_form(module, cycle, mass_rule, method) -> None:  # type: ignore[no-untyped-def]
    car = lossless(vehicle())
    result = module.run(car) if method is None else module.run(car, method)
    tested = car.with_mass(mass_rule(1600.0))
    ec = road_load_energy_per_m(tested, load_cycle(cycle))  # J/m
    assert result["test_mass_kg"] == pytest.approx(mass_rule(1600.0))
    assert result["consumption_dc_kwh_per_100km"] == pytest.approx(ec / 3.6e6 * 1e5, rel=1e-9)
    # UBE is the usable energy down to break-off (at most one step past empty).
    ube = result["usable_energy_kwh"]
    assert ube == pytest.approx(60.0, rel=1e-3)
    assert result["range_km"] == pytest.approx(ube * 3.6e6 / ec / 1e3, rel=1e-9)


@pytest.mark.parametrize("method", ["mct", "sct"])
def test_lossless_car_epa_label_arithmetic(method: str) -> None:
    car = lossless(vehicle())
    r = epa.run(car, method)
    # Loaded vehicle weight 1600 kg + 300 lb = 3827.4 lb; its inertia class is 3,875 lb
    # (40 CFR 1066.805 Table 1: 125-lb classes up to 4,000 lb).
    assert r["test_mass_kg"] == pytest.approx(3875 * 0.45359237, rel=1e-12)
    tested = car.with_mass(3875 * 0.45359237)
    dc = {
        k: road_load_energy_per_m(tested, load_cycle(c)) * M_PER_MI / 3.6e6
        for k, c in (("city", "udds"), ("highway", "hwfet"))
    }  # kWh/mi
    ratio = wall_per_dc(tested)
    for key in ("city", "highway"):
        unadjusted = 33.705 / (dc[key] * ratio)
        assert r[f"unadjusted_mpge_{key}"] == pytest.approx(unadjusted, rel=1e-9)
        assert r[f"mpge_{key}"] == pytest.approx(0.7 * unadjusted, rel=1e-9)
    harmonic = 1 / (0.55 / r["mpge_city"] + 0.45 / r["mpge_highway"])
    assert r["mpge_combined"] == pytest.approx(harmonic, rel=1e-12)
    assert r["range_mi"] == pytest.approx(
        0.55 * r["range_city_mi"] + 0.45 * r["range_highway_mi"], rel=1e-12
    )
    assert r["adjustment_factor"] == 0.7


@pytest.mark.parametrize("procedure", ["epa", "wltp", "cltc", "nedc"])
def test_ac_and_dc_consumption_are_kept_apart_consistently(procedure: str) -> None:
    # regulations.md §0/§4: the AC figure includes charging losses, so range x EC_AC is the
    # recharge energy, larger than the usable battery energy by E_AC/UBE.
    car = vehicle()
    r = run_procedure(car, procedure)
    ratio = r["consumption_ac_kwh_per_100km"] / r["consumption_dc_kwh_per_100km"]
    # EC_AC = E_AC / range and range = UBE / EC_DC, so the ratio is E_AC / UBE exactly (to
    # rounding) in every procedure.
    assert ratio == pytest.approx(wall_per_dc(car), rel=1e-9)
    assert 1.05 < ratio < 1.25
    # range x EC_DC = UBE exactly, except for EPA: its label weights ranges and consumptions
    # 55/45 separately, and the product of two weighted means differs from UBE by the spread
    # between city and highway (0.17 % for this car; 1 % allows any plausible spread).
    tolerance = 1e-2 if procedure == "epa" else 1e-9
    assert r["range_km"] * r["consumption_dc_kwh_per_100km"] / 100 == pytest.approx(
        r["usable_energy_kwh"], rel=tolerance
    )


def resample(cycle: Cycle, step_s: float) -> Cycle:
    t = np.arange(cycle.time_s[0], cycle.time_s[-1] + step_s / 2, step_s)
    v = np.interp(t, cycle.time_s, cycle.speed_mps)
    return Cycle(cycle.name, t, v, np.zeros_like(t), phases=cycle.phases)


def test_procedure_results_stable_to_the_time_step() -> None:
    # Linear interpolation of the trace to 0.5 s keeps the distance; consumption should not
    # depend on the solver step by more than the 1 % the loss terms' nonlinearity allows.
    car = vehicle()
    base = run_depletion(car, load_cycle("cltc_p"))
    fine = run_depletion(car, resample(load_cycle("cltc_p"), 0.5))
    ec_base = base.cycle_energy_j.sum() / base.cycle_distance_m.sum()
    ec_fine = fine.cycle_energy_j.sum() / fine.cycle_distance_m.sum()
    assert ec_fine == pytest.approx(ec_base, rel=0.01)
    assert fine.phase_distance_m["high"] == pytest.approx(base.phase_distance_m["high"], rel=1e-3)


def test_wltp_cycle_class_from_power_to_mass_ratio() -> None:
    # GTR 15 Annex 1 §2: PMR <= 22 W/kg class 1, <= 34 class 2, above class 3 (3b if
    # v_max >= 120 km/h).
    heavy_slow = vehicle(motors=[{"axle": "front", "peak_power": "30 kW"}])  # 30 kW / 1675 kg
    assert wltp.cycle_class(heavy_slow) == "wltc_class1"
    mid = vehicle(motors=[{"axle": "front", "peak_power": "50 kW"}])  # 29.9 W/kg
    assert wltp.cycle_class(mid) == "wltc_class2"
    assert wltp.cycle_class(vehicle()) == "wltc_class3b"
    capped = vehicle(motors=[{"axle": "front", "peak_power": "150 kW", "max_speed": "7000 rpm"}])
    assert wltp.cycle_class(capped) == "wltc_class3a"  # 7000 rpm / 9 -> 95 km/h


def test_range_cli_all_markets_in_seconds() -> None:
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["range", *map(str, EXAMPLES), "--procedure", "all", "--json"])
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["procedure"] for r in rows[:4]] == ["epa", "wltp", "cltc", "nedc"]
    assert len(rows) == 4 * len(EXAMPLES)
    common = {
        "vehicle",
        "procedure",
        "range_km",
        "consumption_ac_kwh_per_100km",
        "consumption_dc_kwh_per_100km",
    }
    for r in rows:
        assert common <= r.keys()
    epa_keys = {
        "range_mi",
        "mpge_city",
        "mpge_highway",
        "mpge_combined",
        "unadjusted_mpge_city",
        "unadjusted_mpge_highway",
        "adjustment_factor",
    }
    assert epa_keys <= rows[0].keys()
    assert "range_city_km" in rows[1]
    assert elapsed < 30  # "runs in seconds" (about 2 s here; generous for CI)
    table = CliRunner().invoke(app, ["range", str(EXAMPLES[0]), "-p", "wltp"])
    assert table.exit_code == 0
    assert "WLTP" in table.stdout


def test_range_cli_rejects_unknown_procedure() -> None:
    result = CliRunner().invoke(app, ["range", str(EXAMPLES[0]), "-p", "jc08"])
    assert result.exit_code == 2
    assert "jc08: is not a procedure" in result.stderr
