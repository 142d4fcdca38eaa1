"""evforge.evaluate and the design table: a table of designs in, a table of results out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import evforge
from evforge.cli import app
from evforge.design import DesignTable
from evforge.errors import InputError, Problem

ROOT = Path(__file__).resolve().parents[1]
BOLT = str(ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml")
EV6 = str(ROOT / "examples" / "kia_ev6_long_range_awd_2023.yaml")
COLUMNS = [
    "range_epa_km",
    "range_epa_mi",
    "range_wltp_km",
    "range_cltc_km",
    "consumption_epa_kwh_per_100km",
    "consumption_wltp_kwh_per_100km",
    "consumption_cltc_kwh_per_100km",
    "zero_to_100_kmh_s",
    "top_speed_kmh",
    "charge_10_80_min",
    "test_mass_wltp_kg",
]


def test_evaluate_specs_has_the_columns_and_agrees_with_the_single_calls() -> None:
    table = evforge.evaluate([BOLT, EV6])
    assert list(table["design_id"]) == [0, 1]
    for col in COLUMNS:
        assert col in table.columns
    assert table["error"].isna().all()
    car = evforge.load_vehicle(EV6)
    wltp = evforge.run_procedure(car, "wltp")
    epa = evforge.run_procedure(car, "epa")
    assert table.loc[1, "range_wltp_km"] == wltp["range_km"]  # same code path: exact
    assert table.loc[1, "consumption_epa_kwh_per_100km"] == epa["consumption_ac_kwh_per_100km"]
    assert table.loc[1, "zero_to_100_kmh_s"] == evforge.perf(car).zero_to_100_kmh_s
    assert table.loc[1, "charge_10_80_min"] == evforge.charge(car, 0.1, 0.8).time_min


def test_a_frame_of_field_paths_over_a_base() -> None:
    base = evforge.variant_spec(BOLT, {"road_load": None})
    frame = pd.DataFrame(
        {"body.drag_coefficient": [0.22, 0.32], "battery.usable_energy": [60, "80 kWh"]}
    )
    table = evforge.evaluate(frame, base=base, procedures=["wltp"])
    assert list(table["body.drag_coefficient"]) == [0.22, 0.32]
    assert list(table["battery.usable_energy"]) == [60.0, 80.0]  # documented unit, kWh
    # Less drag and the same battery size: a longer range per kWh.
    per_kwh = table["range_wltp_km"] / table["battery.usable_energy"]
    assert per_kwh[0] > per_kwh[1]
    assert "range_epa_km" not in table.columns


def test_rows_are_validated_like_spec_files() -> None:
    frame = pd.DataFrame({"body.drag_coefficient": [0.25, 2.0], "mass.curb": ["1800 kg", "5 kW"]})
    base = evforge.variant_spec(BOLT, {"road_load": None})
    with pytest.raises(InputError) as info:
        DesignTable.from_frame(frame, base=base, source="designs.csv")
    lines = info.value.lines()
    assert any(line.startswith("designs.csv row 2: body.drag_coefficient: got 2") for line in lines)
    assert any("designs.csv row 2: mass.curb" in line and "wrong kind" in line for line in lines)
    assert not any("row 1" in line for line in lines)


def test_a_design_variable_a_coast_down_would_override_is_refused() -> None:
    with pytest.raises(InputError, match="overrides this field"):
        DesignTable.from_frame(pd.DataFrame({"body.drag_coefficient": [0.2]}), base=BOLT)


def test_missing_design_fields_are_na_not_nan() -> None:
    frame = DesignTable.from_specs([BOLT, EV6]).to_frame()
    assert frame["battery.nominal_voltage"].dtype == "Float64"
    assert frame["battery.nominal_voltage"].isna().tolist() == [True, False]
    assert not any(isinstance(v, float) and v != v for v in frame.astype(object).to_numpy().ravel())


def test_vehicles_run_as_they_are() -> None:
    cars = [evforge.load_vehicle(BOLT)]
    table = evforge.evaluate(cars, procedures=["cltc"])
    assert table.loc[0, "name"] == "Chevrolet Bolt EV 2017"
    assert table.loc[0, "range_cltc_km"] == evforge.run_procedure(cars[0], "cltc")["range_km"]


def test_unknown_procedure() -> None:
    with pytest.raises(InputError, match="is not a procedure"):
        evforge.evaluate([BOLT], procedures=["wltp", "jc08"])


def test_cli_twin_reads_a_table_and_reports_failed_designs(tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text(
        "name,layout,mass.curb,body.drag_coefficient,body.width,body.height,"
        "motors[0].axle,motors[0].peak_power,battery.usable_energy\n"
        "A,FWD,1600,0.28,1800,1500,front,150,60\n"
        "B,RWD,9000,0.9,2000,2000,rear,1,20\n",
        encoding="utf-8-sig",  # what spreadsheet programs write
    )
    out = tmp_path / "r.parquet"
    result = CliRunner().invoke(
        app,
        [
            *("evaluate", str(csv), "--procedures", "wltp,perf", "--json", "--out", str(out)),
            *("--workers", "2"),  # two designs: too few for the workers, run here
        ],
    )
    assert result.exit_code == 1  # one design failed; the other ran
    rows = json.loads(result.stdout)
    assert rows[0]["name"] == "A"
    assert rows[0]["range_wltp_km"] > 300
    assert rows[0]["error"] is None
    assert rows[1]["range_wltp_km"] is None
    assert "did not move" in rows[1]["error"]
    assert "1 of 2 designs failed" in result.stderr
    back = pd.read_parquet(out)
    assert list(back["name"]) == ["A", "B"]


def test_cli_rejects_a_bad_table_in_one_line_per_problem(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("body.drag_coefficient\n0.3\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(csv), "--base", BOLT])
    assert result.exit_code == 2
    assert "bad.csv row 1: body.drag_coefficient" in result.stderr
    assert "Traceback" not in result.output


def test_a_table_from_built_vehicles_uses_their_specs() -> None:
    car = evforge.load_vehicle(EV6)
    table = DesignTable.from_vehicles([car])
    assert table.vehicles() == [car]
    # Changed after it was built: its spec no longer describes it, so it is refused.
    with pytest.raises(InputError, match=r"vehicles\[0\]: .* was changed after it was built"):
        DesignTable.from_vehicles([car.with_mass(2500.0)])


def test_worker_processes_give_the_same_table_bit_for_bit() -> None:
    """``workers=2``: the designs validated here, built and run in parts (blocks of 64) by
    two spawned processes; the table equals the one-process table exactly, a failing design
    included (its error is carried back), and built vehicles run the same way."""
    rng = np.random.default_rng(11)
    n = 150
    frame = pd.DataFrame(
        {
            "body.drag_coefficient": rng.uniform(0.22, 0.32, n).round(3),
            "battery.usable_energy": rng.uniform(40.0, 90.0, n).round(1),
            "motors[0].peak_power": np.where(np.arange(n) == 70, 1.0, 150.0),  # one cannot move
        }
    )
    base = evforge.variant_spec(BOLT, {"road_load": None})
    one = evforge.evaluate(frame, base=base, procedures=["wltp", "perf", "charge"])
    two = evforge.evaluate(frame, base=base, procedures=["wltp", "perf", "charge"], workers=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert two["error"].notna().sum() == 1
    assert "cannot" in two.loc[70, "error"], two.loc[70, "error"]
    cars = DesignTable.from_frame(frame.drop(index=70), base=base).vehicles()
    alone = evforge.evaluate(cars, procedures=["cltc"])
    pd.testing.assert_frame_equal(
        alone, evforge.evaluate(cars, procedures=["cltc"], workers=2), check_exact=True
    )


def test_worker_processes_name_every_bad_row_as_one_process_does() -> None:
    frame = pd.DataFrame({"body.drag_coefficient": np.full(150, 0.25)})
    frame.loc[[10, 140], "body.drag_coefficient"] = 2.0  # in the first part and the last
    base = evforge.variant_spec(BOLT, {"road_load": None})
    with pytest.raises(InputError) as one:
        evforge.evaluate(frame, base=base, procedures=["wltp"])
    with pytest.raises(InputError) as two:
        evforge.evaluate(frame, base=base, procedures=["wltp"], workers=2)
    assert two.value.lines() == one.value.lines()
    assert [line.split(":")[0] for line in two.value.lines()] == [
        "designs row 11",
        "designs row 141",
    ]


def test_a_table_runs_a_part_at_a_time_with_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table of field paths is validated, built and run a part of its rows at a time
    (memory flat in the rows): parts of 64 give the table a DesignTable of all rows gives,
    bit for bit, its design columns included, and every bad row of every part is named
    (a later part is still checked once an earlier one has a bad row)."""
    from evforge import evaluation

    rng = np.random.default_rng(5)
    n = 150
    frame = pd.DataFrame(
        {
            "body.drag_coefficient": rng.uniform(0.22, 0.32, n).round(3),
            "battery.usable_energy": rng.uniform(40.0, 90.0, n).round(1),
        }
    )
    frame.loc[[20, 120], "battery.chemistry"] = "LFP"  # a column some parts do not set
    base = evforge.variant_spec(BOLT, {"road_load": None})
    whole = evforge.evaluate(DesignTable.from_frame(frame, base=base), procedures=["cltc"])
    monkeypatch.setattr(evaluation, "BATCH", 64)
    seen: list[tuple[int, int]] = []
    parts = evforge.evaluate(
        frame, base=base, procedures=["cltc"], progress=lambda d, t: seen.append((d, t))
    )
    pd.testing.assert_frame_equal(parts, whole, check_exact=True)
    assert seen == [(64, n), (128, n), (150, n)]
    frame.loc[[10, 140], "body.drag_coefficient"] = 2.0  # in the first part and the last
    with pytest.raises(InputError) as bad:
        evforge.evaluate(frame, base=base, procedures=["cltc"])
    assert [line.split(":")[0] for line in bad.value.lines()] == [
        "designs row 11",
        "designs row 141",
    ]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_positive_integer(workers: object) -> None:
    with pytest.raises(InputError, match=r"^workers: .* expected a positive integer"):
        evforge.evaluate([BOLT], workers=workers)  # type: ignore[arg-type]


def test_an_input_error_survives_a_trip_between_processes() -> None:
    import pickle

    error = InputError("designs row 3", [Problem("mass.curb", "got -1 kg; expected > 0")])
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is InputError
    assert back.lines() == error.lines()
