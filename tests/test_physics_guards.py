"""Physical guards: an empty pack delivers nothing, road load follows the ambient, packs have
a sourced discharge limit, preconditioning is reported, and impossible charging is refused."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

import evforge
from _factories import vehicle
from evforge.charging import charge, parse_charger
from evforge.charging.chargers import Charger
from evforge.charging.session import precondition_energy_j
from evforge.climate.params import Ambient
from evforge.cycles import Cycle, load_cycle
from evforge.enums import Chemistry
from evforge.errors import InputError
from evforge.performance import pack_limited, peak_electrical_demand_w, performance
from evforge.performance.forces import force_model
from evforge.physics import road_load as rl
from evforge.procedures import run_procedure
from evforge.procedures.common import repeat_cycle
from evforge.sim import simulate
from evforge.sim.ambient import road_load_at_ambient, run_at_ambient
from evforge.spec import defaults as d
from evforge.units import J_PER_KWH

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _car(name: str = "chevrolet_bolt_ev_2017") -> evforge.Vehicle:
    return evforge.load_vehicle(EXAMPLES / f"{name}.yaml")


# --- A. an empty pack ---------------------------------------------------------------------


def _long_route() -> Cycle:
    return repeat_cycle(load_cycle("hwfet"), 50)  # 10.6 h, ~830 km: far beyond the pack


def test_long_route_never_draws_past_the_usable_energy() -> None:
    car = _car()
    r = simulate(car, _long_route(), trace=True)[0]
    assert r.trace is not None
    soc = r.trace["soc"].to_numpy()
    assert soc.min() >= 0.0  # invariant: the state of charge never goes below empty
    # The charge drawn equals the usable charge; the energy ∫V_oc I dt equals the usable
    # energy to the quadrature of V_oc over a step (left point: 1e-4 relative at most).
    available = car.usable_energy_j * car.initial_soc / J_PER_KWH
    assert r.energy_kwh.battery == pytest.approx(available, rel=1e-4)
    assert r.battery_empty
    assert r.empty_time_s is not None
    assert r.empty_distance_km is not None
    assert 0.0 < r.empty_time_s < r.duration_s
    # After empty the car coasts: it falls behind and drives only a few km more.
    assert r.distance_km - r.empty_distance_km < 5.0
    after = r.trace["time_s"].to_numpy() > r.empty_time_s
    assert np.all(r.trace["battery_terminal_power_w"].to_numpy()[after] == 0.0)
    assert r.trace_miss_s > r.duration_s - r.empty_time_s - 600.0
    # The empty point in the trace: the distance at the step the pack ran empty.
    i = int(np.searchsorted(r.trace["time_s"].to_numpy(), r.empty_time_s))
    assert r.trace["distance_m"].iloc[i] / 1e3 == pytest.approx(r.empty_distance_km)


def test_auxiliaries_are_off_once_empty() -> None:
    car = dataclasses.replace(_car(), auxiliary_power_w=3000.0)
    r = simulate(car, _long_route())[0]
    assert r.empty_time_s is not None
    assert r.energy_kwh.auxiliary == pytest.approx(3000.0 * r.empty_time_s / J_PER_KWH, rel=1e-9)


def test_summary_reports_empty_and_is_json_ready() -> None:
    car = _car()
    short = simulate(car, "udds")[0].summary()
    assert short["battery_empty"] is False
    assert short["empty_time_s"] is None
    assert short["empty_distance_km"] is None
    long = simulate(car, _long_route())[0].summary()
    assert long["battery_empty"] is True
    assert isinstance(long["empty_time_s"], float)
    assert isinstance(long["empty_distance_km"], float)
    json.dumps(long)


def test_empty_in_a_batch_is_per_car() -> None:
    bolt, i4 = _car(), _car("bmw_i4_edrive40_2022")
    cycle = repeat_cycle(load_cycle("hwfet"), 30)  # the Bolt empties, the larger i4 too?
    both = simulate([bolt, i4], cycle)
    for car, r in zip((bolt, i4), both, strict=True):
        alone = simulate(car, cycle)[0]
        assert r.summary() == alone.summary()


def test_empty_at_ambient_and_time_counted_from_the_start() -> None:
    car = _car()
    r = simulate(car, _long_route(), ambient_c=-7.0)[0]
    assert r.battery_empty
    assert r.empty_time_s is not None
    assert r.empty_distance_km is not None
    warm = simulate(car, _long_route())[0]
    assert warm.empty_distance_km is not None
    assert r.empty_distance_km < warm.empty_distance_km  # cold: HVAC, road load, pack


def test_past_empty_keeps_the_procedures_break_off() -> None:
    """The procedures' mode (documented in simulate): the last step may overdraw."""
    car = _car()
    strict = simulate(car, _long_route())[0]
    legacy = simulate(car, _long_route(), past_empty=True)[0]
    assert legacy.empty_time_s == strict.empty_time_s
    assert legacy.energy_kwh.battery > strict.energy_kwh.battery
    with pytest.raises(ValueError, match="past_empty"):
        simulate(car, "udds", ambient_c=0.0, past_empty=True)


# --- B. road load at the ambient ----------------------------------------------------------


def test_air_density_ideal_gas() -> None:
    # ρ = p / (R_d T), R_d = 287.05 J/(kg·K): 1.1884 kg/m³ at 20 °C and 100 kPa (GTR 15's 1.189).
    assert rl.air_density(20.0) == pytest.approx(100e3 / (287.05 * 293.15), rel=1e-4)
    assert rl.air_density(20.0) == pytest.approx(d.AIR_DENSITY.value, rel=1e-3)
    ratio = rl.air_density(-7.0) / rl.air_density(20.0)
    assert ratio == pytest.approx(293.15 / 266.15, rel=1e-12)
    assert rl.aero_density_factor(-7.0) == pytest.approx(ratio, rel=1e-12)
    # The figure: about +11 % at -7 °C against 23 °C.
    assert rl.aero_density_factor(-7.0) / rl.aero_density_factor(23.0) == pytest.approx(
        1.1127, abs=1e-4
    )
    assert rl.aero_density_factor(20.0) == 1.0


def test_rolling_temperature_factor_inverts_the_gtr15_correction() -> None:
    k0 = 8.6e-3
    for t in (-20.0, -7.0, 5.0, 20.0, 35.0):
        f = rl.rolling_temperature_factor(t)
        assert f * (1.0 + k0 * (t - 20.0)) == pytest.approx(1.0, rel=1e-12)
    assert rl.rolling_temperature_factor(20.0) == 1.0
    assert rl.rolling_temperature_factor(-7.0) > 1.0  # cold tyres roll harder
    with pytest.raises(ValueError, match="no rolling-resistance correction"):
        rl.rolling_temperature_factor(-100.0)  # 1 + K0 (T - 20) <= 0 below -96 °C


@pytest.mark.parametrize("name", ["chevrolet_bolt_ev_2017", "bmw_i4_edrive40_2022"])
def test_aero_and_rolling_energy_follow_the_ambient(name: str) -> None:
    car = _car(name)
    cycle = load_cycle("wltc_class3b")
    cold = run_at_ambient(car, cycle, Ambient(-7.0)).result.energy_kwh
    dyno = run_at_ambient(car, cycle, Ambient(-7.0), road_load=False).result.energy_kwh
    assert cold.aero / dyno.aero == pytest.approx(rl.aero_density_factor(-7.0), rel=1e-9)
    # rolling = f0 part (scaled) + f1 part (not): between 1 and the f0 factor
    assert 1.0 < cold.rolling / dyno.rolling < rl.rolling_temperature_factor(-7.0)
    ref = simulate(car, cycle)[0].energy_kwh
    assert dyno.aero == pytest.approx(ref.aero, rel=1e-12)


def test_road_load_unchanged_at_the_reference_temperature() -> None:
    car = _car()
    assert road_load_at_ambient(car, 20.0) is car
    cycle = load_cycle("udds")
    at_ref = run_at_ambient(car, cycle, Ambient(20.0)).result.energy_kwh
    dyno = run_at_ambient(car, cycle, Ambient(20.0), road_load=False).result.energy_kwh
    assert at_ref == dyno  # exactly


def test_road_load_at_ambient_both_paths() -> None:
    physical = vehicle()  # spec-sheet road load: C_rr kept in step, so with_mass keeps it
    assert physical.rolling_resistance is not None
    cold = road_load_at_ambient(physical, -7.0)
    f = rl.rolling_temperature_factor(-7.0)
    assert cold.rolling_resistance == pytest.approx(physical.rolling_resistance * f)
    assert cold.with_mass(2000.0).rolling_n == pytest.approx(
        physical.with_mass(2000.0).rolling_n * f
    )
    coast = _car("kia_ev6_long_range_awd_2023")  # EPA coast-down f0, f1, f2
    assert coast.rolling_resistance is None
    cold = road_load_at_ambient(coast, -7.0)
    assert cold.rolling_n == pytest.approx(coast.rolling_n * f)
    assert cold.aero_n_per_mps2 == pytest.approx(
        coast.aero_n_per_mps2 * rl.aero_density_factor(-7.0)
    )
    assert cold.linear_n_per_mps == coast.linear_n_per_mps


def test_range_at_ambient_lower_with_the_road_load() -> None:
    car = _car()
    r = run_procedure(car, "wltp", ambient_c=-7.0)
    assert r["range_km"] < run_procedure(car, "wltp")["range_km"]


# --- C. pack discharge power --------------------------------------------------------------


def test_default_discharge_power_is_sourced_and_shown() -> None:
    car = _car("bmw_i4_edrive40_2022")  # no peak_discharge_power in its spec
    assert car.performance is not None
    rate = d.PEAK_DISCHARGE_C_RATE[car.chemistry]
    # Not stated: the pack delivers what the motors draw; the typical pack of the chemistry
    # and size is kept for the warning.
    assert car.performance.max_discharge_power_w is None
    assert car.performance.typical_discharge_power_w == pytest.approx(
        rate.value * car.usable_energy_j / 3600.0
    )
    row = next(p for p in car.provenance if p.name == "battery.typical_peak_discharge_power")
    assert rate.source in row.source
    assert row.unit == "kW"
    for chem in Chemistry:
        assert 1.0 < d.PEAK_DISCHARGE_C_RATE[chem].value < 10.0
        assert d.PEAK_DISCHARGE_C_RATE[chem].source
    # The Bolt's spec states GM's 160 kW: the spec value is kept.
    bolt = _car()
    assert bolt.performance is not None
    assert bolt.performance.max_discharge_power_w == pytest.approx(160e3)


def test_motors_beyond_a_typical_pack_get_a_warning() -> None:
    """The i4's 250 kW motor draws more than a typical 2.7C NMC pack of 81 kWh gives: the
    result assumes its pack delivers it, and says so."""
    car = _car("bmw_i4_edrive40_2022")
    message = pack_limited(car)
    assert message is not None
    assert "typical NMC pack" in message
    assert "battery.peak_discharge_power" in message
    # The C-rate it names is the default it applied (was printed x1000, "2700.0C").
    rate = next(v for k, v in d.PEAK_DISCHARGE_C_RATE.items() if k.value == "NMC").value
    assert f"({rate:.1f}C:" in message
    assert performance(car).warnings == (message,)
    small_motor = evforge.variant(
        str(Path(__file__).resolve().parents[1] / "examples" / "bmw_i4_edrive40_2022.yaml"),
        {"motors[0].peak_power": 120},
    )
    assert pack_limited(small_motor) is None


def test_pack_limited_warning_names_both_powers() -> None:
    car = _car("kia_ev6_long_range_awd_2023")
    assert car.performance is not None
    small = dataclasses.replace(
        car, performance=dataclasses.replace(car.performance, max_discharge_power_w=100e3)
    )
    message = pack_limited(small)
    assert message is not None
    assert "100 kW" in message
    demand = peak_electrical_demand_w(force_model(small))
    assert f"{demand / 1e3:.0f} kW" in message
    assert demand > car.peak_power_w  # electrical demand exceeds the shaft power
    result = performance(small)
    assert result.warnings == (message,)
    assert result.summary()["warnings"] == [message]
    big = dataclasses.replace(
        car, performance=dataclasses.replace(car.performance, max_discharge_power_w=2e6)
    )
    assert pack_limited(big) is None
    assert performance(big).summary()["warnings"] == []


# --- D. preconditioning -------------------------------------------------------------------


def test_precondition_energy_is_heat_capacity_times_rise() -> None:
    energy, time = precondition_energy_j(435e3, -10.0, 25.0, 0.0, 5e3)
    assert energy == pytest.approx(435e3 * 35.0)  # m c_p ΔT with a COP-1 heater
    assert time == pytest.approx(435e3 * 35.0 / 5e3)
    assert precondition_energy_j(435e3, 30.0, 25.0, 150.0, 5e3) == (0.0, 0.0)


def test_charge_reports_preconditioning() -> None:
    car = _car()
    cold = charge(car, ambient_c=-10.0)
    assert cold.precondition_energy_kwh > 0.0
    assert cold.precondition_time_min > 0.0
    warm = charge(car, ambient_c=25.0)
    assert warm.precondition_energy_kwh == 0.0
    assert warm.precondition_time_min == 0.0
    raw = charge(car, ambient_c=-10.0, preconditioned=False)
    assert raw.precondition_energy_kwh == 0.0
    s = cold.summary()
    assert s["precondition_energy_kwh"] == cold.precondition_energy_kwh
    assert s["precondition_time_min"] == cold.precondition_time_min
    assert cold.time_min == warm.time_min  # the session itself starts warm either way


# --- E. impossible charging ---------------------------------------------------------------


def test_charger_below_the_pack_voltage_is_refused() -> None:
    car = _car()  # 360 V nominal
    with pytest.raises(InputError) as err:
        charge(car, charger=parse_charger("50kW", max_voltage_v=100.0))
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert problem.path == "--charger-voltage"
    assert "100 V" in problem.message
    assert "10 % SOC" in problem.message
    assert "cannot charge a pack above its voltage" in problem.message
    # Above the pack's voltage at 10 % but below it at 80 %: cannot reach the end either.
    with pytest.raises(InputError, match="80 % SOC"):
        charge(car, charger=parse_charger("50kW", max_voltage_v=340.0))


def test_800v_car_steps_up_from_a_400v_class_charger_only() -> None:
    ev6 = _car("kia_ev6_long_range_awd_2023")
    assert charge(ev6, charger=parse_charger("50kW")).time_min > 0.0  # 500 V charger
    with pytest.raises(InputError, match="--charger-voltage"):
        charge(ev6, charger=parse_charger("50kW", max_voltage_v=150.0))


@pytest.mark.parametrize("value", [math.inf, math.nan, 0.0, -400.0])
@pytest.mark.parametrize("option", ["--charger-voltage", "--charger-current"])
def test_non_finite_or_non_positive_charger_limits(option: str, value: float) -> None:
    kwargs = {"max_voltage_v" if option == "--charger-voltage" else "max_current_a": value}
    with pytest.raises(InputError) as err:
        parse_charger("150kW", **kwargs)
    assert err.value.source == option
    assert len(err.value.problems) == 1


@pytest.mark.parametrize(
    "charger",
    [
        Charger("x", math.inf, 100.0, 500.0, "test"),
        Charger("x", 50e3, math.nan, 500.0, "test"),
        Charger("x", 50e3, 100.0, -1.0, "test"),
    ],
)
def test_charge_rejects_bad_charger_objects(charger: Charger) -> None:
    with pytest.raises(InputError):
        charge(_car(), charger=charger)


@pytest.mark.parametrize(
    ("soc_from", "soc_to", "option"),
    [
        (0.8, 0.1, "--from"),
        (0.5, 0.5, "--from"),
        (-0.1, 0.8, "--from"),
        (0.1, 1.2, "--to"),
        (math.nan, 0.8, "--from"),
        (0.1, math.nan, "--to"),
    ],
)
def test_charge_rejects_bad_soc(soc_from: float, soc_to: float, option: str) -> None:
    with pytest.raises(InputError) as err:
        charge(_car(), soc_from, soc_to)
    assert err.value.problems[0].path == option
