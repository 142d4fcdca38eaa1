"""Climate: closed-form cabin and COP checks, invariants, the EPA 5-cycle factor and its
regulatory bounds, and comparison with published figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import evforge
from _factories import spec_dict, vehicle
from evforge.cli import app
from evforge.climate import physics as ph
from evforge.climate.model import AIR_SPECIFIC_HEAT, hvac_schedule, procedure_vehicle
from evforge.climate.params import Ambient
from evforge.errors import InputError
from evforge.procedures import epa, epa_five_cycle
from evforge.procedures.climate_range import real_world
from evforge.spec import defaults as d
from evforge.units import QuantityError, parse_temperature_c

ROOT = Path(__file__).resolve().parents[1]
BOLT = ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
runner = CliRunner()


# --- closed-form physics --------------------------------------------------------------------
def test_steady_heater_power_is_the_cabin_heat_balance() -> None:
    # Q = (UA + ṁ c_p)(T_set - T_amb) - gains; resistive heater COP 1, plus the blower.
    car = vehicle()
    p = car.climate
    assert p is not None
    g = p.envelope_w_per_k + p.ventilation_kg_per_s * AIR_SPECIFIC_HEAT
    expected = g * (p.setpoint_c - (-7.0)) - p.occupant_gain_w + p.blower_w
    schedule = hvac_schedule(p, Ambient(-7.0), cabin_start_c=p.setpoint_c)
    assert schedule.steady_w == pytest.approx(expected, rel=1e-12)
    assert schedule.steps == ((math.inf, schedule.steady_w),)  # already warm: no transient


def test_heat_pump_cop_endpoints_match_their_sources() -> None:
    eta, supply, approach = (
        d.HEAT_PUMP_SECOND_LAW.value,
        d.HEAT_PUMP_SUPPLY.value,
        d.EVAPORATOR_APPROACH.value,
    )
    # Qin et al. (2014): COP "over 1.7" at -20 °C, all fresh air; η_II was set from it, to
    # the 0.01 the published figure is given to.
    assert ph.heat_pump_cop(-20.0, supply, approach, eta) == pytest.approx(1.7, abs=0.01)
    # Closed form at 0 °C: 0.40 × 318.15 / (318.15 - 263.15).
    assert ph.heat_pump_cop(0.0, supply, approach, eta) == pytest.approx(0.4 * 318.15 / 55.0)
    cops = [ph.heat_pump_cop(t, supply, approach, eta) for t in np.arange(-40.0, 21.0, 1.0)]
    assert np.all(np.diff(cops) >= 0.0)  # never better when colder
    assert min(cops) >= 1.0  # falls back to resistive heating, never below COP 1
    # A/C: 1.8 at 45.4 °C condenser air (doi:10.1177/1687814019845806), falling with heat.
    ac = d.AC_SECOND_LAW.value, d.AC_EVAPORATOR.value, d.CONDENSER_APPROACH.value
    assert ph.cooling_cop(45.4, ac[1], ac[2], ac[0]) == pytest.approx(1.8, abs=0.01)
    assert ph.cooling_cop(35.0, ac[1], ac[2], ac[0]) > ph.cooling_cop(45.0, ac[1], ac[2], ac[0])


def test_warm_up_time_solves_the_lumped_cabin() -> None:
    args = (-7.0, 6000.0, 100.0, 80.0, 60e3)  # ambient, heater, gain, G, C
    t = ph.time_to_reach_s(22.0, -7.0, *args)
    assert ph.cabin_temperature_c(t, -7.0, *args) == pytest.approx(22.0, abs=1e-9)
    # Explicit Euler of C dT/dt = Q + gain - G (T - T_amb) agrees to the step's accuracy.
    temp, dt, n = -7.0, 0.01, round(t / 0.01)
    for _ in range(n):
        temp += dt * (6000.0 + 100.0 - 80.0 * (temp + 7.0)) / 60e3
    assert temp == pytest.approx(22.0, abs=0.01)
    assert ph.time_to_reach_s(22.0, -7.0, -7.0, 1000.0, 0.0, 80.0, 60e3) == math.inf  # too weak


def test_arrhenius_resistance_factor() -> None:
    ea, ref = d.BATTERY_ACTIVATION_ENERGY.value, d.BATTERY_REFERENCE_TEMPERATURE.value
    assert ph.arrhenius_factor(ref, ea, ref) == 1.0
    # docs/defaults-research.md §11: the DFN pulses rise ×1.6-2.2 at -10 °C.
    assert 1.6 <= ph.arrhenius_factor(-10.0, ea, ref) <= 2.2


# --- invariants -----------------------------------------------------------------------------
def test_reference_temperature_without_hvac_is_the_no_climate_result() -> None:
    car = evforge.load_vehicle(BOLT)
    # The road load follows the ambient on the road (issue B: air density and tyre
    # temperature, reference 20 °C, not the pack's 25 °C): compare with that car.
    from evforge.sim.ambient import road_load_at_ambient

    base = evforge.simulate(road_load_at_ambient(car, 25.0), "udds")[0]
    at_ref = evforge.simulate(car, "udds", ambient_c=25.0, hvac=False)[0]
    assert at_ref.energy_kwh == base.energy_kwh  # bit-identical: nothing else changed
    assert at_ref.summary()["ambient_c"] == 25.0


def test_colder_never_gives_more_range_with_heating_on() -> None:
    car = vehicle()
    temps = (20.0, 10.0, 0.0, -10.0, -20.0)
    rows = real_world(car, temps)
    for scenario in {r["scenario"] for r in rows}:
        ranges = [r["range_km"] for r in rows if r["scenario"] == scenario]
        assert np.all(np.diff(ranges) < 0.0), scenario


def test_heat_pump_beats_resistive_heating_in_the_cold() -> None:
    resistive = vehicle(climate={"heating": "resistive"})
    heat_pump = vehicle(climate={"heating": "heat_pump"})
    r = evforge.simulate([resistive, heat_pump], "udds", ambient_c=-7.0)
    assert r[1].energy_kwh.battery < r[0].energy_kwh.battery


def test_procedure_at_ambient_takes_the_warm_up_from_the_charge() -> None:
    car = vehicle()
    cold = procedure_vehicle(car, Ambient(-7.0))
    assert cold.initial_soc < car.initial_soc
    assert cold.resistance_ohm > car.resistance_ohm
    assert cold.auxiliary_power_w > car.auxiliary_power_w


# --- EPA 5-cycle ----------------------------------------------------------------------------
def test_five_cycle_equations_reduce_to_the_on_road_factor() -> None:
    # Every supplementary test equal to the 2-cycle consumption c (no start, A/C or cold
    # penalty): city = c / 0.905, highway = 1.007 c / 0.905 (40 CFR 600.114-08(a),(b)).
    c = 0.25
    t = epa_five_cycle.FiveCycleTests(c, c, c, c, c, c, c, c, c, c, c)
    city, highway = epa_five_cycle.five_cycle_consumption(t)
    assert city == pytest.approx(c / 0.905, rel=1e-12)
    assert highway == pytest.approx(1.007 * c / 0.905, rel=1e-12)


@pytest.fixture(scope="module")
def bolt_epa() -> dict[str, object]:
    car = evforge.load_vehicle(BOLT)
    from evforge.procedures import run_procedure

    return run_procedure(car, "epa")


def test_five_cycle_factor_is_bounded_and_keys_are_kept(bolt_epa: dict[str, object]) -> None:
    f = bolt_epa["adjustment_factor_5cycle"]
    assert isinstance(f, float)
    # With every 5-cycle test at least as costly as its 2-cycle counterpart the factor cannot
    # exceed 0.905 (previous test); well below 0.5 would mean a modelling fault.
    assert 0.5 < f < 0.905
    assert bolt_epa["adjustment_factor"] == epa.DEFAULT_ADJUSTMENT  # existing key unchanged
    assert bolt_epa["range_5cycle_mi"] == pytest.approx(
        0.55 * bolt_epa["adjustment_factor_5cycle_city"] * bolt_epa["unadjusted_range_city_mi"]
        + 0.45
        * bolt_epa["adjustment_factor_5cycle_highway"]
        * bolt_epa["unadjusted_range_highway_mi"]
    )


def test_five_cycle_factor_against_fueleconomy_gov(bolt_epa: dict[str, object]) -> None:
    # fueleconomy.gov vehicles.csv (validation data) for the 2017 Bolt: label / unadjusted
    # = 128/182.2 (city) and 110/157.4 (highway), i.e. 0.70 combined; GM used the default
    # 0.7 route, so this is a weak check. Tolerance 0.03: the label MPGe is rounded to the
    # unit (±0.004 here) and the 5-cycle route is at most a few points from 0.7 for most cars.
    data = Path(epa.__file__).parents[1] / "validation" / "data" / "fueleconomy_ev_vehicles.csv"
    rows = pd.read_csv(data)
    bolt = rows[(rows.year == 2017) & (rows.model == "Bolt EV")].iloc[0]
    measured = (
        1.0
        / (0.55 / bolt.city08 + 0.45 / bolt.highway08)
        / (1.0 / (0.55 / bolt.UCity + 0.45 / bolt.UHighway))
    )
    assert bolt_epa["adjustment_factor_5cycle"] == pytest.approx(measured, abs=0.03)


def test_temperature_range_losses_against_aaa() -> None:
    # AAA dynamometer studies, fleet averages, combined city/highway, HVAC at 72 °F vs 75 °F:
    # 2019 (five BEVs incl. the Bolt): -41 % at 20 °F with heat, -17 % at 95 °F with A/C;
    # 2023 update: -39.0 % and -8.5 %. Per-car spreads are not published.
    car = evforge.load_vehicle(BOLT)

    def combined(amb: Ambient) -> float:
        r = epa.run(procedure_vehicle(car, amb))
        return 0.55 * r["unadjusted_range_city_mi"] + 0.45 * r["unadjusted_range_highway_mi"]

    warm = combined(Ambient(epa_five_cycle.FTP_C, hvac=False))
    hot = 1.0 - combined(Ambient(epa_five_cycle.SC03_C)) / warm
    cold = 1.0 - combined(Ambient(epa_five_cycle.COLD_C)) / warm
    assert 0.085 <= hot <= 0.17  # between the two AAA averages
    # Known bias (docs/climate.md): the model loses 34 %, below both AAA averages; it has no
    # cold driveline friction and no automatic pack heating. Pinned so a change shows.
    assert 0.28 <= cold < 0.39


# --- input handling -------------------------------------------------------------------------
def test_temperature_parsing() -> None:
    assert parse_temperature_c("-7C") == -7.0
    assert parse_temperature_c("20F") == pytest.approx(-6.6667, abs=1e-4)
    assert parse_temperature_c("266.15 K") == pytest.approx(-7.0)
    assert parse_temperature_c("-7") == -7.0
    for bad in ("-7 coulomb", "hot", "200C", "nan C"):
        with pytest.raises(QuantityError):
            parse_temperature_c(bad)


def test_climate_spec_errors_name_the_field() -> None:
    with pytest.raises(InputError, match=r"climate\.heating"):
        evforge.parse_spec(spec_dict(climate={"heating": "gas"}))
    with pytest.raises(InputError, match=r"climate\.heater_power"):
        evforge.parse_spec(spec_dict(climate={"heater_power": "6 kg"}))


def test_cli_ambient() -> None:
    ok = runner.invoke(app, ["simulate", str(BOLT), "-c", "udds", "--ambient", "-7C", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)[0]["ambient_c"] == -7.0
    bad = runner.invoke(app, ["range", str(BOLT), "-p", "epa", "--ambient", "-7 Q"])
    assert bad.exit_code == 2
    assert bad.output.strip().count("\n") == 0
    assert "--ambient" in bad.output


def test_cli_climate_procedures_json() -> None:
    result = runner.invoke(app, ["range", str(BOLT), "-p", "gbt-annex-a", "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)[0]
    assert row["ambient_c"] == -7.0
    assert 0.0 < row["range_ratio"] < 1.0
