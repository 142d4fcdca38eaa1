"""DC fast charging: closed-form cases, invariants, published figures and the CLI."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import evforge
from _factories import vehicle
from evforge.charging import CHARGER_CLASSES, Charger, charge, parse_charger
from evforge.charging import physics as ph
from evforge.cli import app
from evforge.errors import InputError
from evforge.spec import defaults as d

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()
HUGE = Charger("huge", 1e9, 1e9, 1e9, "test")


def _ev6() -> evforge.Vehicle:
    return evforge.load_vehicle(EXAMPLES / "kia_ev6_long_range_awd_2023.yaml")


# --- closed form -----------------------------------------------------------------------------


def test_constant_power_charge_time_is_energy_over_power() -> None:
    # A 20 kW charger on a car that accepts far more: the charger's power is the only limit,
    # so t = (stored + battery loss + own draw) / P exactly (energy balance at the inlet).
    car = vehicle(battery={"usable_energy": "60 kWh", "peak_charge_power": "300 kW"})
    station = Charger("20kW", 20e3, 1e4, 1e4, "test")
    r = charge(car, 0.2, 0.5, charger=station)
    assert set(r.limit) == {"charger power"}
    assert r.energy_inlet_kwh / (20.0 / 60.0) == pytest.approx(r.time_min, rel=1e-9)
    # Stored energy is ∫V_oc dQ: 30 % of the window, within the OCV table's curvature.
    assert r.energy_stored_kwh == pytest.approx(
        0.3 * 60 * np.interp(0.35, car.ocv_soc, car.ocv_v) / np.mean(car.ocv_v), rel=0.02
    )
    assert r.mean_power_kw == pytest.approx(20.0, rel=1e-9)


def test_constant_current_region_time_is_charge_over_current() -> None:
    # Below the knee with a current-limited charger: t = ΔSOC · Q / I exactly.
    car = vehicle(battery={"usable_energy": "60 kWh", "peak_charge_power": "300 kW"})
    station = Charger("100A", 1e9, 100.0, 1e4, "test")
    r = charge(car, 0.05, 0.20, charger=station)
    assert set(r.limit) == {"charger current"}
    assert r.time_min * 60 == pytest.approx(0.15 * car.capacity_c / 100.0, rel=1e-12)


def test_power_limited_current_solves_the_circuit() -> None:
    i = ph.power_limited_current(100e3, 400.0, 0.1)
    assert (400.0 + 0.1 * i) * i == pytest.approx(100e3, rel=1e-12)
    assert ph.power_limited_current(100e3, 400.0, 0.0) == pytest.approx(250.0, rel=1e-15)


def test_bms_limit_is_flat_to_the_knee_then_proportional_to_headroom() -> None:
    ocv = np.array([350.0, 380.0, 390.0, 400.0])
    limit = ph.bms_current_limit(ocv, 300.0, 403.2, 380.0)
    np.testing.assert_allclose(limit[:2], 300.0)
    np.testing.assert_allclose(limit[2:], 300.0 * (403.2 - ocv[2:]) / 23.2)


def test_acceptance_factor_arrhenius_values() -> None:
    # exp(-(35000/8.314462618)(1/273.15 - 1/298.15)) = exp(-1.2922) = 0.2747 (hand computation).
    t_ref = 298.15
    assert ph.acceptance_factor(273.15, 35000.0, t_ref) == pytest.approx(0.2747, abs=1e-4)
    assert ph.acceptance_factor(310.0, 35000.0, t_ref) == 1.0


def test_step_convergence() -> None:
    # Midpoint rule: halving the default step changes the time by < 0.05 %, cold start with
    # the heater and the thermal state included.
    car = _ev6()
    a = charge(car, ambient_c=-10.0, preconditioned=False)
    b = charge(car, ambient_c=-10.0, preconditioned=False, soc_step=0.0005)
    assert a.time_min == pytest.approx(b.time_min, rel=5e-4)


def test_energy_balance_at_the_inlet() -> None:
    r = charge(_ev6(), ambient_c=0.0, preconditioned=False)
    car = _ev6()
    own = car.auxiliary_power_w * r.time_min * 60 / 3.6e6
    assert r.energy_inlet_kwh == pytest.approx(
        r.energy_stored_kwh + r.battery_loss_kwh + r.heater_kwh + own, rel=1e-9
    )
    assert r.energy_grid_kwh == pytest.approx(r.energy_inlet_kwh / 0.94, rel=1e-12)


# --- invariants ------------------------------------------------------------------------------


def test_time_monotonic_in_end_soc() -> None:
    car = _ev6()
    ends = np.round(np.arange(0.15, 1.0001, 0.05), 2)
    times = [charge(car, 0.10, float(e)).time_min for e in ends]
    assert np.all(np.diff(times) > 0)
    # And a session's trace agrees with shorter sessions (same start, same path).
    full = charge(car, 0.10, 1.0)
    assert full.time_to_min(0.8) == pytest.approx(charge(car, 0.10, 0.8).time_min, rel=1e-9)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_time_monotonic_in_charger_power(example: Path) -> None:
    car = evforge.load_vehicle(example)
    times = [charge(car, charger=parse_charger(f"{p} kW")).time_min for p in (25, 50, 100, 350)]
    assert all(a >= b for a, b in itertools.pairwise(times))


def test_colder_never_faster() -> None:
    car = _ev6()
    temps = [-30.0, -20.0, -10.0, 0.0, 10.0, 25.0]
    for pre in (False, True):
        times = [charge(car, ambient_c=t, preconditioned=pre).time_min for t in temps]
        assert all(a >= b - 1e-9 for a, b in itertools.pairwise(times))


def test_800v_car_on_a_500v_charger_is_limited_by_current_times_voltage() -> None:
    car = _ev6()  # 697 V nominal
    r = charge(car, charger=CHARGER_CLASSES["50kW"])
    assert r.peak_power_kw == pytest.approx(50.0, rel=1e-9)
    boost = charge(car, charger=Charger("500V 100A", 1e6, 100.0, 500.0, "test"))
    assert boost.peak_power_kw == pytest.approx(50.0, rel=1e-9)  # 100 A × 500 V


def test_no_nan_and_limits_named() -> None:
    r = charge(_ev6(), 0.0, 1.0, ambient_c=-30.0, preconditioned=False)
    for arr in (r.time_s, r.power_inlet_w, r.current_a, r.temperature_c):
        assert np.all(np.isfinite(arr))
    assert set(r.limit) <= {"battery", "car", "charger power", "charger current"}


# --- published figures -----------------------------------------------------------------------


def test_published_10_80_times_of_the_examples() -> None:
    # Makers' 10-80 % times (docs/example-cars.md; validation/data/cars/published.csv):
    # BMW i4 eDrive40 31 min (BMW via InsideEVs), Kia EV6 LR AWD 18 min (Kia, 350 kW
    # charger), Bolt EV 2017 73 min (InsideEVs measurement). The three are the training split
    # of the one global coefficient (knee SOC); the bands are the errors the report gives,
    # so a change to the model that worsens any of them fails here. The EV6 miss is physical
    # (its BMS holds the peak current to about 50 %; docs/charging.md).
    expected = {
        "bmw_i4_edrive40_2022": (31.0, -0.10, 0.0),
        "kia_ev6_long_range_awd_2023": (18.0, 0.0, 0.30),
        "chevrolet_bolt_ev_2017": (73.0, -0.05, 0.05),
    }
    for stem, (published, lo, hi) in expected.items():
        t = charge(evforge.load_vehicle(EXAMPLES / f"{stem}.yaml")).time_min
        assert published * (1 + lo) <= t <= published * (1 + hi), (stem, t)


def test_validation_table_held_out() -> None:
    # Held-out cars (validation/data/cars, maker figures in published.csv), all of which now
    # carry their published peak DC power. Measured: Polestar 2 -0.7 %, Taycan +7.3 %,
    # Mach-E +7.1 %, ID.4 +16.2 %, Ioniq 5 +22.9 % (mean |error| 10.8 %). The Ioniq 5, like
    # the EV6 on the same E-GMP platform (+27 %, training split), holds its peak to about
    # 50 % SOC, later than the single global knee; the bounds below state that spread.
    from evforge.validation.charge import run_charge_validation

    result = run_charge_validation()
    test = result.rows[result.rows["split"] == "test"]
    test = test[~test["car"].str.startswith("specsheet:")]  # scored separately (issue 9)
    known = test[test["published_peak_kw"].notna()]
    assert len(known) >= 4
    assert (known["error_pct"].abs() < 25.0).all(), known[["name", "error_pct"]]
    assert known["error_pct"].abs().mean() < 12.0
    assert d.CHARGE_KNEE_SOC.value == 0.23  # the refit's value (evforge validate charge --refit)


# --- input errors and the CLI ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--from", "80", "--to", "10"], "--from"),
        (["--from", "-5"], "--from"),
        (["--to", "120"], "--to"),
        (["--from", "ten"], "--from"),
        (["--ambient", "-60C"], "--ambient"),
        (["--ambient", "hot"], "--ambient"),
        (["--charger", "fast"], "--charger"),
        (["--charger", "0 kW"], "--charger"),
        (["--charger-voltage", "-400"], "--charger-voltage"),
    ],
)
def test_bad_input_one_line_exit_2(args: list[str], option: str) -> None:
    ev6 = str(EXAMPLES / "kia_ev6_long_range_awd_2023.yaml")
    result = runner.invoke(app, ["charge", ev6, "--no-range", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert option in lines[0]
    assert "Traceback" not in result.output


def test_api_rejects_bad_soc() -> None:
    with pytest.raises(InputError, match="--to"):
        charge(_ev6(), 0.1, math.nan)


def test_cli_json_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "curve.png"
    specs = [str(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    result = runner.invoke(
        app, ["charge", *specs, "--from", "10", "--to", "80", "--json", "--plot", str(png)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    for row in rows:
        assert {"vehicle", "time_min", "energy_kwh", "peak_power_kw", "mean_power_kw"} <= set(row)
        assert set(row["range_added_km_per_10min"]) == {"wltp", "cltc", "epa"}
        # Range per 10 min = stored energy per 10 min × the procedure's km per usable kWh.
        assert 0 < row["range_added_km_per_10min"]["epa"] < row["range_added_km_per_10min"]["cltc"]
    assert png.stat().st_size > 10_000


def test_spec_fields_battery_mass_and_current() -> None:
    car = vehicle(
        battery={"usable_energy": "60 kWh", "mass": "400 kg", "max_charge_current": "200 A"}
    )
    assert car.battery_mass_kg == 400.0
    assert car.max_charge_current_a == 200.0
    r = charge(car, 0.05, 0.15, charger=HUGE)
    assert r.current_a.max() == pytest.approx(200.0, rel=1e-12)
    lighter = dataclasses.replace(car, battery_mass_kg=100.0)
    hot = charge(lighter, 0.05, 0.15, charger=HUGE).temperature_c[-1]
    assert hot > r.temperature_c[-1]  # smaller heat capacity, same heat


def test_cli_validate_charge_json() -> None:
    result = runner.invoke(app, ["validate", "charge", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["split"] for r in rows} == {"train", "test"}
    assert all(math.isfinite(r["predicted_min"]) for r in rows)
