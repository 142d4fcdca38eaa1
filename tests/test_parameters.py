"""Parameter sets (evforge.params): the shipped set, reading and writing, errors, passing a
set to build_vehicle and charge, and the refits writing a new set."""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from _factories import BASE_SPEC
from evforge.charging import charge
from evforge.enums import Chemistry, Layout, MotorTechnology
from evforge.errors import InputError
from evforge.params import (
    KEYS,
    SHIPPED_FILE,
    Fit,
    ParameterSet,
    load_parameters,
    parse_parameters,
    write_parameter_set,
)
from evforge.sim import simulate
from evforge.spec import build_vehicle, parse_spec
from evforge.spec import defaults as d
from evforge.vehicle import Vehicle

#: The coefficients fitted by the four refit commands.
FITTED = {
    "rolling_resistance": "evforge validate roadload --fit",
    "rolling_speed_coefficient": "evforge validate roadload --fit",
    "driveline_linear_drag": "evforge validate roadload --fit",
    "frontal_area_factor": "evforge validate roadload --fit",
    "motor_losses.pmsm.const": "evforge validate epa --refit",
    "motor_losses.induction.const": "evforge validate epa --refit",
    "motor_losses.eesm.const": "evforge validate epa --refit",
    "auxiliary_power": "evforge validate epa --refit",
    "motor_loss_size_exponent": "evforge validate epa --refit",
    "charge_knee_soc": "evforge validate charge --refit",
    "launch_ramp_time": "evforge validate perf --fit",
}

#: A spec whose road load, aero, losses and auxiliaries all come from the set.
PHYSICAL: dict[str, Any] = {
    "name": "Physical hatchback",
    "layout": "FWD",
    "mass": {"curb": "1600 kg"},
    "body": {"drag_coefficient": 0.28, "width": "1800 mm", "height": "1550 mm"},
    "motors": [{"axle": "front", "peak_power": "150 kW"}],
    "battery": {"usable_energy": "60 kWh"},
}


def _car(params: ParameterSet | None = None, spec: dict[str, Any] | None = None) -> Vehicle:
    return build_vehicle(parse_spec(copy.deepcopy(spec or PHYSICAL)), params)


def _udds_kwh_per_100km(car: Vehicle) -> float:
    return float(simulate([car], "udds")[0].consumption_dc_kwh_per_100km)


def _shipped_text() -> str:
    return (Path(d.__file__).parents[1] / "params" / SHIPPED_FILE).read_text(encoding="utf-8")


def _one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    lines = exc.value.lines()
    assert len(lines) == 1, lines
    return lines[0]


# --- the shipped set ----------------------------------------------------------------------


def test_shipped_set_is_named_versioned_and_read_once() -> None:
    p = load_parameters()
    assert (p.name, p.version) == ("evforge-default", "2026.12")
    assert p.label == "evforge-default 2026.12"
    assert p.path is not None
    assert p.path.name == SHIPPED_FILE == "evforge-default-2026.12.yaml"
    assert load_parameters() is p  # cached
    assert set(p.entries) == set(KEYS)


def test_every_fitted_coefficient_has_its_fit_record() -> None:
    p = load_parameters()
    for key, command in FITTED.items():
        fit = p[key].fit
        assert fit is not None, key
        assert fit.command == command
        assert fit.data
        assert fit.split
        assert len(fit.date) == 10  # ISO date
    unfitted = [k for k in KEYS if k not in FITTED]
    assert all(p[k].fit is None for k in unfitted)


def test_module_constants_are_the_shipped_set() -> None:
    p = load_parameters()
    assert p.default("rolling_resistance") == d.ROLLING_RESISTANCE
    assert d.ROLLING_RESISTANCE.value == 0.00734
    assert d.ROLLING_SPEED_COEFFICIENT.value == 7.03e-5
    assert d.DRIVELINE_LINEAR_DRAG.value == 1.18
    assert d.FRONTAL_AREA_FACTOR.value == 0.871
    assert d.AUXILIARY_POWER.value == 144.7
    assert d.MOTOR_LOSS_SIZE_EXPONENT.value == 0.543
    assert d.CHARGE_KNEE_SOC.value == 0.23
    assert d.LAUNCH_RAMP_TIME.value == 0.20
    assert "`evforge validate roadload --fit`" in d.ROLLING_RESISTANCE.source
    for t in MotorTechnology:
        parts = ("const", "iron", "windage", "copper")
        assert d.MOTOR_LOSSES[t] == tuple(p.default(f"motor_losses.{t.value}.{k}") for k in parts)
    assert d.MOTOR_LOSSES[MotorTechnology.EESM][0].value == 0.003501
    for c in Chemistry:
        assert d.DROP_AT_1C[c] == p.default(f"drop_at_1c.{c.value.lower()}")
        assert d.PEAK_DISCHARGE_C_RATE[c] == p.default(f"peak_discharge_c_rate.{c.value.lower()}")
    for layout in Layout:
        assert d.FRONT_AXLE_SHARE[layout] == p.default(f"front_axle_share.{layout.value.lower()}")
    # Every set key is a module constant of that name (or an entry of a per-member table).
    for key in KEYS:
        name = key.split(".")[0].upper()
        assert hasattr(d, name), key


# --- reading and writing ------------------------------------------------------------------


def test_write_then_load_gives_an_equal_set(tmp_path: Path) -> None:
    p = load_parameters()
    out = write_parameter_set(p, tmp_path / "copy.yaml")
    back = load_parameters(out)
    assert back == p
    assert back.path == out.resolve()
    for key in KEYS:
        assert back.value(key).hex() == p.value(key).hex()
    changed = p.with_values({"motor_losses.pmsm.const": 0.004}, rolling_resistance=0.008)
    again = load_parameters(write_parameter_set(changed, tmp_path / "sub" / "changed.yaml"))
    assert again == changed
    assert again != p
    assert again.based_on == p.label
    assert again.version == "2026.12+modified"


def test_an_explicit_shipped_path_builds_the_same_car() -> None:
    p = load_parameters()
    assert p.path is not None
    same = load_parameters(p.path)
    assert same == p
    assert _car(same) == _car()  # Vehicle equality covers every parameter, not provenance


def test_the_car_records_its_parameter_set(tmp_path: Path) -> None:
    row = _car().provenance[0]
    assert (row.name, row.value, row.unit) == ("parameter_set", "evforge-default 2026.12", "")
    assert SHIPPED_FILE in row.source
    custom = load_parameters(
        write_parameter_set(
            load_parameters().with_values(name="mine", version="1", auxiliary_power=200.0),
            tmp_path / "mine.yaml",
        )
    )
    row = _car(custom).provenance[0]
    assert row.value == "mine 1"
    assert row.source == str((tmp_path / "mine.yaml").resolve())
    aux = {r.name: r for r in _car(custom).provenance}["auxiliary_power"]
    assert aux.value == 200.0
    assert "set to 200.0 in mine 1" in aux.source


# --- a changed coefficient changes the car ------------------------------------------------


def test_a_higher_rolling_resistance_raises_the_road_load_and_the_consumption() -> None:
    base = _car()
    p = load_parameters()
    more = _car(p.with_values(rolling_resistance=p.value("rolling_resistance") * 1.2))
    assert more.rolling_n == pytest.approx(base.rolling_n * 1.2, rel=1e-12)
    assert more.linear_n_per_mps == base.linear_n_per_mps
    assert _udds_kwh_per_100km(more) > _udds_kwh_per_100km(base)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"frontal_area_factor": 0.95}, "aero_n_per_mps2"),
        ({"driveline_linear_drag": 3.0}, "linear_n_per_mps"),
        ({"auxiliary_power": 400.0}, "auxiliary_power_w"),
        ({"motor_losses.pmsm.const": 0.006}, "front"),
        ({"gear_efficiency": 0.90}, "gear_efficiency"),
    ],
)
def test_each_coefficient_moves_the_car_and_its_consumption_the_expected_way(
    changes: dict[str, float], field: str
) -> None:
    base, changed = _car(), _car(load_parameters().with_values(changes))
    assert getattr(changed, field) != getattr(base, field)
    assert _udds_kwh_per_100km(changed) > _udds_kwh_per_100km(base)


def test_a_spec_value_still_wins_over_the_set() -> None:
    spec = copy.deepcopy(BASE_SPEC)  # gives C_rr 0.009 and 300 W
    car = _car(load_parameters().with_values(rolling_resistance=0.02, auxiliary_power=1.0), spec)
    assert car.rolling_resistance == 0.009
    assert car.auxiliary_power_w == 300.0


def test_charge_takes_the_set_of_its_knee_and_temperatures() -> None:
    car = _car()
    p = load_parameters()
    shipped = charge(car, 0.1, 0.8)
    assert charge(car, 0.1, 0.8, params=p).time_min == shipped.time_min
    low_knee = charge(car, 0.1, 0.8, params=p.with_values(charge_knee_soc=0.10))
    assert low_knee.time_min == charge(car, 0.1, 0.8, knee_soc=0.10).time_min
    assert low_knee.time_min > shipped.time_min  # the current starts to fall earlier
    lossy = charge(car, 0.1, 0.8, params=p.with_values(dc_charger_efficiency=0.80))
    assert lossy.energy_grid_kwh > shipped.energy_grid_kwh
    assert lossy.time_min == shipped.time_min


# --- bad files and bad changes: one line each, naming the key -----------------------------


def _mutated(edit: Any) -> str:
    data = yaml.safe_load(_shipped_text())
    edit(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _set(data: dict[str, Any], key: str, field: str, value: object) -> None:
    data["parameters"][key][field] = value


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda x: x["parameters"].pop("charge_knee_soc"), "parameters.charge_knee_soc: missing"),
        (
            lambda x: x["parameters"].update(
                rolling_resistence={"value": 0.007, "unit": "1", "source": "typo"}
            ),
            "parameters.rolling_resistence: unknown parameter (did you mean 'rolling_resistance'?)",
        ),
        (
            lambda x: _set(x, "auxiliary_power", "unit", "kW"),
            "parameters.auxiliary_power.unit: 'kW', expected 'W'",
        ),
        (
            lambda x: _set(x, "launch_ramp_time", "value", math.nan),
            "parameters.launch_ramp_time.value: nan is not a finite number",
        ),
        (
            lambda x: _set(x, "gear_efficiency", "value", math.inf),
            "parameters.gear_efficiency.value: inf is not a finite number",
        ),
        (
            lambda x: _set(x, "gear_efficiency", "value", "0.97"),
            "parameters.gear_efficiency.value: '0.97' is not a finite number",
        ),
        (
            lambda x: _set(x, "wheelbase", "source", ""),
            "parameters.wheelbase.source: missing",
        ),
        (
            lambda x: x["parameters"]["charge_knee_soc"]["fit"].pop("date"),
            "parameters.charge_knee_soc.fit.date: missing",
        ),
        (lambda x: x.update(version=2027.1), "version: 2027.1 is not a string (quote it)"),
        (lambda x: x.update(format=2), "format: 2, expected 1"),
    ],
)
def test_a_bad_file_gives_one_line_naming_the_key(tmp_path: Path, edit: Any, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(_mutated(edit), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_parameters(path)
    line = _one_line(exc)
    assert line.startswith(f"{path}: ")
    assert expected in line


def test_not_yaml_or_no_file_gives_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        parse_parameters("name: [unclosed\n", source="x.yaml")
    assert _one_line(exc).startswith("x.yaml: <file>: not valid YAML (line ")
    with pytest.raises(InputError) as exc:
        load_parameters(tmp_path / "missing.yaml")
    assert "<file>: cannot be read (No such file or directory)" in _one_line(exc)
    # A FIFO (or a device) is refused before it is read: nothing blocks.
    fifo = tmp_path / "params.fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as exc:
        load_parameters(fifo)
    assert "<file>: cannot be read: not a regular file" in _one_line(exc)
    with pytest.raises(InputError) as exc:
        parse_parameters("- 1\n", source="x.yaml")
    assert _one_line(exc) == "x.yaml: <file>: expected a mapping at the top level"


def test_a_yaml_nan_in_the_file_is_refused() -> None:
    text = _shipped_text().replace("    value: 0.23\n", "    value: .nan\n", 1)
    assert text != _shipped_text()
    with pytest.raises(InputError) as exc:
        parse_parameters(text, source="s.yaml")
    assert _one_line(exc) == "s.yaml: parameters.charge_knee_soc.value: nan is not a finite number"


def test_with_values_refuses_unknown_keys_and_non_finite_values() -> None:
    p = load_parameters()
    with pytest.raises(InputError) as exc:
        p.with_values(rolling_resistanse=0.008)
    assert "parameters.rolling_resistanse: unknown parameter" in _one_line(exc)
    with pytest.raises(InputError) as exc:
        p.with_values({"drop_at_1c.nmc": math.inf})
    assert "parameters.drop_at_1c.nmc: value inf is not a finite number" in _one_line(exc)
    with pytest.raises(KeyError, match="did you mean"):
        p.value("rolling_resistanc")


# --- refits write a new set ---------------------------------------------------------------


def test_roadload_refit_writes_a_set_with_the_fitted_values(tmp_path: Path) -> None:
    from evforge.validation.roadload import fit_coefficients, refit_parameter_set

    out = tmp_path / "roadload.yaml"
    written = refit_parameter_set(out, date="2027-01-05")
    back = load_parameters(out)
    assert back == written
    assert back.path == out.resolve()
    f = fit_coefficients()
    assert back.value("rolling_resistance") == f.rolling_resistance
    assert back.value("frontal_area_factor") == f.frontal_area_factor
    fit = back["rolling_resistance"].fit
    assert isinstance(fit, Fit)
    assert fit.command == "evforge validate roadload --fit"
    assert fit.split == "training families by SHA-256 of family"
    assert fit.date == "2027-01-05"
    assert "roadload/specs.csv" in fit.data
    assert back.version == "2026.12+refit.2027-01-05"
    assert back.based_on == "evforge-default 2026.12"
    assert "refitted 2027-01-05" in back["rolling_resistance"].source
    # Everything not refitted is the shipped set's, unchanged.
    shipped = load_parameters()
    refitted = [k for k, command in FITTED.items() if "roadload" in command]
    assert all(back[k] == shipped[k] for k in KEYS if k not in refitted)
    assert all(back[k] != shipped[k] for k in refitted)
    # The shipped values are that fit, rounded: the built cars barely differ.
    assert _car(back).rolling_n == pytest.approx(_car().rolling_n, rel=1e-3)


def test_epa_charge_and_perf_refits_write_their_coefficients(tmp_path: Path) -> None:
    from evforge.validation import charge as charge_validation
    from evforge.validation import fit, perf

    coefficients = fit.Coefficients(
        inverter_const=0.0035,
        always_on_w=160.0,
        excitation={MotorTechnology.INDUCTION: 0.0, MotorTechnology.EESM: 0.0004},
        size_exponent=0.6,
    )
    result = fit.FitResult(coefficients, n_train_rows=343, cost=1.0)
    epa_set = fit.refit_parameter_set(tmp_path / "epa.yaml", fitted=result, version="x")
    assert load_parameters(tmp_path / "epa.yaml") == epa_set
    assert epa_set.value("motor_losses.pmsm.const") == 0.0035
    assert epa_set.value("motor_losses.eesm.const") == 0.0035 + 0.0004
    assert epa_set.value("auxiliary_power") == 160.0
    assert epa_set.value("motor_loss_size_exponent") == 0.6
    assert fit.Coefficients.from_parameters(epa_set).always_on_w == 160.0
    assert epa_set["auxiliary_power"].fit is not None
    assert epa_set["auxiliary_power"].fit.command == "evforge validate epa --refit"
    assert _car(epa_set).auxiliary_power_w == 160.0

    knee_set = charge_validation.refit_parameter_set(
        tmp_path / "knee.yaml", epa_set, knee=(0.31, 0.12), version="y"
    )
    assert load_parameters(tmp_path / "knee.yaml") == knee_set
    assert knee_set.value("charge_knee_soc") == 0.31
    assert knee_set.value("auxiliary_power") == 160.0  # chained on the EPA refit
    assert knee_set.based_on == "evforge-default x"

    launch = perf.LaunchFit(ramp_s=0.25, train_cars=["a.yaml"], mape_pct=4.0)
    ramp_set = perf.refit_parameter_set(tmp_path / "ramp.yaml", launch=launch)
    assert load_parameters(tmp_path / "ramp.yaml") == ramp_set
    assert ramp_set.value("launch_ramp_time") == 0.25
    car = _car(ramp_set)
    assert car.performance is not None
    assert car.performance.launch_ramp_s == 0.25


def test_shipped_coefficients_give_the_shipped_fit_defaults() -> None:
    from evforge.validation.fit import Coefficients

    assert Coefficients.from_parameters(load_parameters()) == Coefficients()


def test_evforge_check_shows_the_parameter_set() -> None:
    import json

    from typer.testing import CliRunner

    from evforge.cli import app

    spec = Path(__file__).resolve().parents[1] / "examples" / "chevrolet_bolt_ev_2017.yaml"
    result = CliRunner().invoke(app, ["check", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["parameter"]: r for r in json.loads(result.stdout)}
    assert rows["parameter_set"]["value"] == "evforge-default 2026.12"
    assert SHIPPED_FILE in rows["parameter_set"]["source"]


def test_the_epa_refit_builds_its_training_cars_with_the_base_set() -> None:
    from evforge.validation import epa, fit

    rows = epa.load_rows()
    shipped, kept, _ = epa.build_vehicles(rows)
    again, kept_again = fit._build_epa(rows, load_parameters())
    assert kept_again == kept
    assert again == shipped
    cases = fit.specsheet_training_cases(load_parameters())
    assert [c[1] for c in cases] == [c[1] for c in fit.specsheet_training_cases()]
    heavier = fit.specsheet_training_cases(load_parameters().with_values(rolling_resistance=0.01))
    assert all(a[1].rolling_n >= b[1].rolling_n for a, b in zip(heavier, cases, strict=True))
