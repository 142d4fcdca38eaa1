"""Coupled mass and cost model (issue 12, item 1): evforge.sizing and the spec's design section.

Outside values asserted here: FASTSim's own mass formula and coefficients (NREL/fastsim,
run by the installed FASTSim 3.1.0 where present), the Del Pero et al. (2020) band of the
mass-to-consumption slope of EU BEVs, and the BNEF pack prices the shipped set carries.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

import evforge
from evforge.errors import InputError
from evforge.sizing import (
    Coefficient,
    SizingSet,
    closed_form_curb_mass,
    load_sizing,
    pack_mass,
    resolve_design,
    solve_curb_mass,
)
from evforge.sizing.coefficients import SCALARS

ROOT = Path(__file__).resolve().parents[1]
BOLT = ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml"
EV6 = ROOT / "examples" / "kia_ev6_long_range_awd_2023.yaml"

# FASTSim-2 vehicle file 2022_Tesla_Model_3_RWD.csv (NREL/fastsim, vehdb, commit bd9111bb,
# v2.1.2): the inputs of FASTSim's set_veh_mass (python/fastsim/vehicle.py).
M3 = {
    "glider_kg": 628.8332729551923,
    "cargo_kg": 136.0,
    "trans_kg": 114.0,
    "comp_mass_multiplier": 1.4,
    "ess_max_kwh": 54.0,
    "ess_kg_per_kwh": 8.0,
    "ess_base_kg": 75.0,
    "mc_max_kw": 239.0,
    "mc_pe_kg_per_kw": 0.833,
    "mc_pe_base_kg": 21.6,
}


def _fastsim_set() -> SizingSet:
    """FASTSim's mass coefficients as an evforge sizing set (an override of the shipped one)."""
    src = "NREL/fastsim vehdb 2022_Tesla_Model_3_RWD.csv (v2.1.2)"
    m = M3["comp_mass_multiplier"]
    return load_sizing().with_values(
        {
            "pack_specific_energy.NMC.module": Coefficient(
                1000.0 / M3["ess_kg_per_kwh"], "Wh/kg", f"{src}: essKgPerKwh 8.0", 2022
            ),
            "pack_base_mass": M3["ess_base_kg"],
            "motor_specific_power.2020": Coefficient(
                1.0 / M3["mc_pe_kg_per_kw"], "kW/kg", f"{src}: mcPeKgPerKw 0.833", 2022
            ),
            "motor_base_mass": M3["mc_pe_base_kg"],
            "inverter_mass": 0.0,  # FASTSim lumps the inverter into mcPeKgPerKw
            "onboard_charger_mass": 0.0,
            "reducer_mass": M3["trans_kg"],
            "secondary_mass_coefficient": 1.0 - 1.0 / m,
        },
        version="fastsim-compat",
    )


def _m3_spec(**design: Any) -> evforge.VehicleSpec:
    data = {
        "name": "FASTSim 2022 Tesla Model 3 RWD",
        "layout": "RWD",
        "body": {"drag_coefficient": 0.23},
        "motors": [{"axle": "rear", "peak_power": M3["mc_max_kw"]}],
        "battery": {"nominal_energy": M3["ess_max_kwh"], "chemistry": "NMC"},
        "design": {"size_class": "medium", "glider_mass": M3["glider_kg"], "year": 2024, **design},
    }
    return evforge.parse_spec(data)


def _bolt(**changes: Any) -> evforge.VehicleSpec:
    base = {"road_load": None, "mass.curb": None, "design": {"size_class": "small", "year": 2024}}
    return evforge.variant_spec(BOLT, {**base, **changes})


# --- FASTSim's mass formula ------------------------------------------------------------------


def test_fastsim_battery_mass_709_8_kg_with_fastsim_coefficients() -> None:
    """(54 kWh x 8 kg/kWh + 75 kg) x 1.4 = 709.8 kg (FASTSim set_veh_mass on its Model 3 file)."""
    fs = _fastsim_set()
    e_pack_j_per_kg = fs.value("pack_specific_energy.NMC.module") * 3600.0
    raw = pack_mass(M3["ess_max_kwh"] * 3.6e6, e_pack_j_per_kg, fs.value("pack_base_mass"))
    assert raw == pytest.approx(507.0, rel=1e-12)
    gamma = fs.value("secondary_mass_coefficient")
    assert raw / (1.0 - gamma) == pytest.approx(709.8, rel=1e-12)
    # through the spec path: the pack's share of secondary mass is gamma/(1-gamma) of it
    _, rep = resolve_design(_m3_spec(), fs)
    assert rep is not None
    assert rep.masses_kg["pack"] * M3["comp_mass_multiplier"] == pytest.approx(709.8, rel=1e-9)


def test_fastsim_vehicle_mass_matches_installed_fastsim() -> None:
    """The whole FASTSim mass sum (glider + 1.4 x (trans + ess + mc)) reproduced to 0.1 kg.

    The reference is computed by the installed FASTSim 3.1.0 from the FASTSim-2 inputs
    (Vehicle.from_f2_file runs FASTSim's set_veh_mass); without FASTSim, by its formula.
    """
    m = M3["comp_mass_multiplier"]
    ess = (M3["ess_max_kwh"] * M3["ess_kg_per_kwh"] + M3["ess_base_kg"]) * m
    mc = (M3["mc_pe_base_kg"] + M3["mc_pe_kg_per_kw"] * M3["mc_max_kw"]) * m
    formula = M3["cargo_kg"] + M3["glider_kg"] + M3["trans_kg"] * m + ess + mc
    assert formula == pytest.approx(1943.195, abs=1e-3)
    _, rep = resolve_design(_m3_spec(), _fastsim_set())
    assert rep is not None
    assert rep.converged
    assert rep.curb_mass_kg + M3["cargo_kg"] == pytest.approx(formula, abs=0.1)


def test_fastsim_installed_reproduces_its_formula(tmp_path: Path) -> None:
    import fastsim as fsim  # a dev dependency: the open peer (pyproject.toml)

    installed = fsim.Vehicle.from_resource("2022 Tesla Model 3 RWD thrml.yaml").to_dict()
    res = installed["pt_type"]["BEV"]["res"]
    assert res["energy_capacity_joules"] == pytest.approx(M3["ess_max_kwh"] * 3.6e6)
    assert installed["pt_type"]["BEV"]["em"]["pwr_out_max_watts"] == pytest.approx(239e3)
    f2 = tmp_path / "m3_f2.yaml"
    f2.write_text(yaml.safe_dump(_fastsim2_vehicle()), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # from_f2_file is deprecated in 3.1.0
        veh = fsim.Vehicle.from_f2_file(str(f2))
    fastsim_kg = veh.to_dict()["mass_kilograms"]
    _, rep = resolve_design(_m3_spec(), _fastsim_set())
    assert rep is not None
    assert rep.curb_mass_kg + M3["cargo_kg"] == pytest.approx(fastsim_kg, abs=0.1)


def _fastsim2_vehicle() -> dict[str, Any]:
    """A FASTSim-2 vehicle (RustVehicle) with the Model 3 RWD mass inputs; the non-mass fields
    are FASTSim-2 template values, needed only to parse."""
    arr = lambda xs: {"v": 1, "dim": [len(xs)], "data": xs}  # noqa: E731
    fc_perc = [0.0, 0.005, 0.015, 0.04, 0.06, 0.1, 0.14, 0.2, 0.4, 0.6, 0.8, 1.0]
    fc_eff = [0.1, 0.12, 0.16, 0.22, 0.28, 0.33, 0.35, 0.36, 0.35, 0.34, 0.32, 0.3]
    mc_perc = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0]
    mc_eff = [0.41, 0.45, 0.48, 0.54, 0.58, 0.62, 0.83, 0.93, 0.94, 0.93, 0.92]
    return {
        "scenario_name": "2022 Tesla Model 3 RWD", "veh_year": 2022, "veh_pt_type": "BEV",
        "drag_coef": 0.23, "frontal_area_m2": 2.22, "glider_kg": M3["glider_kg"],
        "veh_cg_m": -0.53, "drive_axle_weight_frac": 0.59, "wheel_base_m": 2.87528,
        "cargo_kg": M3["cargo_kg"], "comp_mass_multiplier": M3["comp_mass_multiplier"],
        "fs_max_kw": 0.0, "fs_secs_to_peak_pwr": 1.0, "fs_kwh": 0.0, "fs_kwh_per_kg": 9.89,
        "fc_max_kw": 0.0, "fc_pwr_out_perc": arr(fc_perc), "fc_eff_map": arr(fc_eff),
        "fc_eff_type": "SI", "fc_sec_to_peak_pwr": 6.0, "fc_base_kg": 61.0,
        "fc_kw_per_kg": 2.13, "min_fc_time_on": 30.0, "idle_fc_kw": 0.0,
        "mc_max_kw": M3["mc_max_kw"], "mc_pwr_out_perc": arr(mc_perc), "mc_eff_map": arr(mc_eff),
        "mc_sec_to_peak_pwr": 4.0, "mc_pe_kg_per_kw": M3["mc_pe_kg_per_kw"],
        "mc_pe_base_kg": M3["mc_pe_base_kg"], "ess_max_kw": 201.22742390120953,
        "ess_max_kwh": M3["ess_max_kwh"], "ess_kg_per_kwh": M3["ess_kg_per_kwh"],
        "ess_base_kg": M3["ess_base_kg"], "ess_round_trip_eff": 0.97, "ess_life_coef_a": 110.0,
        "ess_life_coef_b": -0.6811, "min_soc": 0.05, "max_soc": 0.98,
        "ess_dischg_to_fc_max_eff_perc": 0.0, "ess_chg_to_fc_max_eff_perc": 0.0,
        "wheel_inertia_kg_m2": 0.815, "num_wheels": 4.0, "wheel_rr_coef": 0.007,
        "wheel_radius_m": 0.33435, "wheel_coef_of_fric": 0.7, "max_accel_buffer_mph": 60.0,
        "max_accel_buffer_perc_of_useable_soc": 0.2, "perc_high_acc_buf": 0.0,
        "mph_fc_on": 1.0, "kw_demand_fc_on": 100.0, "max_regen": 0.98, "stop_start": False,
        "force_aux_on_fc": False, "alt_eff": 1.0, "chg_eff": 0.86, "aux_kw": 0.25,
        "trans_kg": M3["trans_kg"], "trans_eff": 0.98, "ess_to_fuel_ok_error": 0.005,
    }  # fmt: skip


# --- the mass spiral -------------------------------------------------------------------------


def test_fixed_point_converges_to_closed_form_in_at_most_20_iterations() -> None:
    """Invariant: the iteration meets m = m_g + m_c / (1 - s) to < 0.1 kg (design-exploration
    check case 3: <= 20 iterations), for FASTSim's s and for Alonso et al.'s 0.487."""
    for s in (1 - 1 / 1.4, 0.95 / 1.95, 0.0):
        sol = solve_curb_mass(1000.0, 500.0, s)
        assert sol.converged
        assert sol.iterations <= 20
        assert abs(sol.curb_kg - closed_form_curb_mass(1000.0, 500.0, s)) < 0.1


def test_divergent_compounding_is_flagged_infeasible() -> None:
    sol = solve_curb_mass(1000.0, 500.0, 1.05)
    assert not sol.converged
    assert math.isinf(closed_form_curb_mass(1000.0, 500.0, 1.05))
    sizing = load_sizing().with_values({"secondary_mass_coefficient": 1.05})
    with pytest.raises(InputError, match=r"^design: design: infeasible: the mass spiral"):
        resolve_design(_bolt(), sizing)


# --- coupling to consumption: Del Pero et al. 2020 --------------------------------------------


def _wltp_ac(spec: evforge.VehicleSpec) -> float:
    result = evforge.run_procedure(evforge.build_vehicle(spec), "wltp")
    return float(result["consumption_ac_kwh_per_100km"])


def _slopes(path: Path, size: str) -> tuple[float, float, float]:
    """(curb mass change [kg], total slope, mass-only slope) [kWh/100 km per 100 kg] when
    battery energy is added through the coupled model until the curb mass grows ~100 kg."""
    base = {"road_load": None, "mass.curb": None, "design": {"size_class": size, "year": 2024}}
    spec0 = evforge.variant_spec(path, base)
    s0, r0 = resolve_design(spec0)
    assert r0 is not None
    sizing = load_sizing()
    e_pack = sizing.value(f"pack_specific_energy.{r0.chemistry}.{r0.pack_technology}")
    gamma = sizing.value("secondary_mass_coefficient")
    d_nominal = 100.0 * (1.0 - gamma) * e_pack / 1000.0  # kWh nominal for +100 kg curb
    usable0 = spec0.battery.usable_energy
    assert usable0 is not None
    changes: dict[str, Any] = {
        **base,
        "battery.usable_energy": usable0 + d_nominal * usable0 / r0.nominal_energy_kwh,
    }
    if spec0.battery.nominal_energy is not None:
        changes["battery.nominal_energy"] = spec0.battery.nominal_energy + d_nominal
    s1, r1 = resolve_design(evforge.variant_spec(path, changes))
    assert r1 is not None
    dm = r1.curb_mass_kg - r0.curb_mass_kg
    c0 = _wltp_ac(s0)
    total = (_wltp_ac(s1) - c0) / (dm / 100.0)
    # the mass alone: the base car at the coupled model's new curb mass, same battery
    heavy = s0.model_copy(update={"mass": s0.mass.model_copy(update={"curb": r1.curb_mass_kg})})
    mass_only = (_wltp_ac(heavy) - c0) / (dm / 100.0)
    return dm, total, mass_only


@pytest.mark.parametrize(("path", "size"), [(BOLT, "small"), (EV6, "medium_suv")])
def test_added_energy_grows_curb_mass_by_design(path: Path, size: str) -> None:
    dm, total, mass_only = _slopes(path, size)
    assert dm == pytest.approx(100.0, abs=0.5)
    # invariant: more mass costs energy; a bigger pack (lower resistance per kWh) offsets a part
    assert 0.0 < total < mass_only


@pytest.mark.parametrize(("path", "size"), [(BOLT, "small"), (EV6, "medium_suv")])
def test_mass_to_consumption_slope_against_the_published_band(path: Path, size: str) -> None:
    """The issue's check: Del Pero, Berzi, Antonacci & Delogu (Machines 2020, 8(3), 51) give
    0.47-1.17 kWh/(100 km x 100 kg) for 2019 EU BEVs across models. evforge's WLTP slope of one
    car's own mass is below that band (measured 0.35-0.37 mass only; 0.29-0.31 with the bigger
    pack), which is NOT met: the cross-model band mixes size and frontal area with mass, and
    Weiss et al. (2024) find about 0.2 +- 0.1 per 100 kg at equal frontal area on certified
    values (docs/design-model.md). Asserted: inside Weiss's like-for-like range widened to its
    2-sigma (0.0-0.4), and below Del Pero's lower bound, so a change of either shows here."""
    _, _, mass_only = _slopes(path, size)
    assert 0.0 < mass_only <= 0.4, mass_only
    assert mass_only < 0.47, mass_only  # the band is not met (see the docstring)


# --- cost model -------------------------------------------------------------------------------


def test_costs_add_up_and_each_line_has_a_source() -> None:
    _, rep = resolve_design(_bolt())
    assert rep is not None
    assert rep.cost_usd == pytest.approx(sum(line.cost_usd for line in rep.cost_lines))
    d = rep.as_dict()
    parts = [k for k in d if k.endswith("_cost_usd") and k != "cost_usd"]
    assert {"pack_cost_usd", "motors_cost_usd", "glider_cost_usd"} <= set(parts)
    assert d["cost_usd"] == pytest.approx(sum(float(d[k]) for k in parts))  # type: ignore[arg-type]
    assert all(line.source.strip() for line in rep.cost_lines)
    pack = next(line for line in rep.cost_lines if line.item == "pack")
    assert pack.cost_usd == pytest.approx(pack.quantity * pack.rate)
    assert "nominal" in pack.quantity_unit


def test_pack_price_is_bnef_by_year_and_held_at_the_latest_year() -> None:
    """BNEF BEV pack averages: 128 USD/kWh (2023), 97 USD/kWh (2024); a later design year uses
    the latest survey at or before it."""
    for year, price in ((2023, 128.0), (2024, 97.0), (2030, 97.0)):
        spec = evforge.variant_spec(
            BOLT,
            {
                "road_load": None,
                "battery.nominal_energy": 66.0,
                "design": {"size_class": "small", "year": year},
            },
        )
        _, rep = resolve_design(spec)
        assert rep is not None
        assert rep.as_dict()["pack_cost_usd"] == pytest.approx(66.0 * price)
    with pytest.raises(
        InputError, match=r"design.year: got 2019; .* pack_price.NMC for 2023, 2024"
    ):
        resolve_design(_bolt(design={"size_class": "small", "year": 2019}))


def test_spec_curb_wins_and_the_difference_is_reported() -> None:
    """Bolt: GM curb 3563 lb = 1616.2 kg kept; the report shows model and difference."""
    spec = evforge.variant_spec(BOLT, {"road_load": None, "design": {"size_class": "small"}})
    new, rep = resolve_design(spec)
    assert rep is not None
    assert new.mass.curb == spec.mass.curb == pytest.approx(3563 * 0.45359237)
    assert rep.curb_mass_difference_kg == pytest.approx(spec.mass.curb - rep.curb_mass_kg)
    # regression pin (model output, not an outside value): model within 5 % of GM's curb
    assert abs(rep.curb_mass_difference_kg) < 0.05 * spec.mass.curb  # type: ignore[operator]


def test_filled_spec_builds_and_battery_mass_is_the_pack() -> None:
    new, rep = resolve_design(_bolt())
    assert rep is not None
    assert new.mass.curb == pytest.approx(rep.curb_mass_kg)
    assert new.battery.mass == pytest.approx(rep.masses_kg["pack"])
    parts = sum(rep.masses_kg.values())
    assert parts == pytest.approx(rep.curb_mass_kg, abs=1e-9)  # invariant: parts add up
    car = evforge.build_vehicle(new)
    assert car is not None


def test_no_design_section_returns_spec_unchanged() -> None:
    spec = evforge.load_spec(BOLT)
    new, rep = resolve_design(spec)
    assert new is spec
    assert rep is None


# --- bad input: one-line errors ---------------------------------------------------------------


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    p = tmp_path / "sizing.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def _partial(**coefficients: Any) -> dict[str, Any]:
    return {
        "format": 1,
        "name": "mine",
        "version": "1",
        "based_on": "evforge-sizing 2026.12",
        "coefficients": coefficients,
    }


def test_override_file_based_on_shipped_changes_only_its_entries(tmp_path: Path) -> None:
    entry = {"value": 90.0, "unit": "USD/kWh", "source": "my quote", "year": 2025}
    s = load_sizing(_write(tmp_path, _partial(**{"pack_price.NMC.2025": entry})))
    assert s.value("pack_price.NMC.2025") == 90.0
    assert s.value("pack_price.NMC.2024") == load_sizing().value("pack_price.NMC.2024")
    spec = evforge.variant_spec(
        BOLT,
        {
            "road_load": None,
            "design": {
                "size_class": "small",
                "year": 2025,
                "coefficients": str(tmp_path / "sizing.yaml"),
            },
        },
    )
    _, rep = resolve_design(spec)
    assert rep is not None
    assert "my quote" in rep.cost_lines[0].source


@pytest.mark.parametrize(
    ("coefficients", "message"),
    [
        ({"pack_prise.NMC.2024": {"value": 1.0, "unit": "USD/kWh", "source": "x", "year": 2024}},
         "coefficients.pack_prise.NMC.2024: unknown coefficient"),
        ({"pack_price.NMC.2024": {"value": 97.0, "unit": "EUR/kWh", "source": "x", "year": 2024}},
         "coefficients.pack_price.NMC.2024.unit: 'EUR/kWh', expected 'USD/kWh'"),
        ({"inverter_mass": {"value": "heavy", "unit": "kg", "source": "x", "year": 2020}},
         "coefficients.inverter_mass.value: 'heavy' is not a finite number"),
        ({"inverter_mass": {"value": 9.0, "unit": "kg", "year": 2020}},
         "coefficients.inverter_mass.source: missing"),
        ({"inverter_mass": {"value": 9.0, "unit": "kg", "source": "x"}},
         "coefficients.inverter_mass.year: missing"),
        ({"usd_per_eur": {"value": -1.0, "unit": "USD/EUR", "source": "x", "year": 2023}},
         "coefficients.usd_per_eur.value: -1.0 is negative"),
    ],
)  # fmt: skip
def test_bad_coefficient_files_give_one_line_errors(
    tmp_path: Path, coefficients: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, _partial(**coefficients))
    with pytest.raises(InputError) as info:
        load_sizing(path)
    assert len(info.value.problems) == 1
    assert str(info.value) == f"{path}: {message}" or str(info.value).startswith(
        f"{path}: {message}"
    )
    assert "\n" not in str(info.value)


def test_incomplete_file_names_each_missing_key(tmp_path: Path) -> None:
    path = _write(tmp_path, {"format": 1, "name": "x", "version": "1", "coefficients": {}})
    with pytest.raises(InputError) as info:
        load_sizing(path)
    lines = info.value.lines()
    assert all(line.count("\n") == 0 for line in lines)
    assert sum("missing" in line for line in lines) == len(SCALARS) + 6


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"<file>: cannot be read"):
        load_sizing(tmp_path / "nope.yaml")
    fifo = tmp_path / "sizing.fifo"
    os.mkfifo(fifo)  # refused before it is read: nothing blocks
    with pytest.raises(InputError, match=r"<file>: cannot be read: not a regular file"):
        load_sizing(fifo)
    bad = tmp_path / "bad.yaml"
    bad.write_text("coefficients: [1, 2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"<file>: not valid YAML \(line"):
        load_sizing(bad)


def test_design_needs_a_coefficient_the_set_lacks() -> None:
    spec = _bolt(**{"battery.chemistry": "LFP", "design": {"size_class": "small"}})
    with pytest.raises(InputError, match=r"design.pack_technology: .* no pack_specific_energy.LFP"):
        resolve_design(spec)


@pytest.mark.parametrize(
    ("design", "path"),
    [
        ({"glider_mass": 900}, "design.size_class"),
        ({"size_class": "huge"}, "design.size_class"),
        ({"size_class": "small", "year": 1990}, "design.year"),
        ({"size_class": "small", "glider_mass": "9 t"}, "design.glider_mass"),
        ({"size_class": "small", "pack_technology": "pouch"}, "design.pack_technology"),
        ({"size_class": "small", "colour": "red"}, "design.colour"),
    ],
)
def test_design_section_validation(design: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as info:
        evforge.variant_spec(BOLT, {"road_load": None, "mass.curb": None, "design": design})
    assert any(p.path == path for p in info.value.problems), info.value.lines()


def test_shipped_set_entries_all_have_units_sources_and_years() -> None:
    s = load_sizing()
    assert s.label == "evforge-sizing 2026.12"
    for key, c in s.entries.items():
        assert c.source.strip(), key
        assert 1990 <= c.year <= 2100, key
