"""The command line end to end: output formats, files written, exit codes."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from evforge.cli import app
from evforge.cycles import cycle_names, load_cycle

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))
runner = CliRunner()
REQUIRED_KEYS = {
    "vehicle",
    "cycle",
    "distance_km",
    "consumption_dc_kwh_per_100km",
    "consumption_ac_kwh_per_100km",
    "trace_miss_s",
    "energy_kwh",
}


def test_simulate_json_one_object_per_spec_in_order() -> None:
    result = runner.invoke(app, ["simulate", *map(str, EXAMPLES), "--cycle", "wltc", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == len(EXAMPLES)
    names = [r["vehicle"] for r in rows]
    import evforge

    assert names == [evforge.load_vehicle(p).name for p in EXAMPLES]
    for row in rows:
        assert row.keys() >= REQUIRED_KEYS
        assert row["cycle"] == "wltc_class3b"
        assert row["distance_km"] == pytest.approx(23.2663, abs=1e-4)
        values = [v for v in row.values() if isinstance(v, float)]
        values += list(row["energy_kwh"].values())
        assert all(math.isfinite(v) for v in values)
        assert {"aero", "rolling", "grade", "drivetrain_loss", "battery_loss", "auxiliary"} <= set(
            row["energy_kwh"]
        )
        assert {"regen_recovered", "friction_brake"} <= set(row["energy_kwh"])


def test_simulate_several_cycles_spec_major(tmp_path: Path) -> None:
    trace = tmp_path / "trace.parquet"
    args = ["simulate", str(EXAMPLES[0]), str(EXAMPLES[1]), "-c", "udds", "-c", "hwfet"]
    result = runner.invoke(app, [*args, "--json", "--trace", str(trace)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["cycle"] for r in rows] == ["udds", "hwfet", "udds", "hwfet"]
    frame = pd.read_parquet(trace)
    steps = load_cycle("udds").time_s.size + load_cycle("hwfet").time_s.size
    assert len(frame) == 2 * steps
    assert {"time_s", "speed_mps", "soc", "vehicle", "cycle"} <= set(frame.columns)


def test_simulate_table_output() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLES[0]), "-c", "cltc_p"])
    assert result.exit_code == 0, result.output
    assert "Consumption" in result.stdout
    assert "Energy breakdown" in result.stdout
    assert "cltc_p" in result.stdout


def test_simulate_custom_csv_cycle(tmp_path: Path) -> None:
    csv = tmp_path / "short.csv"
    csv.write_text("time_s,speed_kmh,grade\n0,0,0\n10,36,0.01\n20,36,0.01\n30,0,0\n")
    result = runner.invoke(app, ["simulate", str(EXAMPLES[0]), "-c", str(csv), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["cycle"] == "short"
    assert row["distance_km"] == pytest.approx(0.2)
    assert row["energy_kwh"]["grade"] > 0


def test_cycles_lists_all_sixteen() -> None:
    result = runner.invoke(app, ["cycles", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == cycle_names()
    assert len(rows) == 16
    udds = next(r for r in rows if r["name"] == "udds")
    assert udds["duration_s"] == 1369
    assert udds["distance_km"] == pytest.approx(11.9902, abs=1e-4)
    table = runner.invoke(app, ["cycles"])
    assert table.exit_code == 0
    assert "artemis_motorway_150" in table.stdout


def test_check_shows_every_default_and_its_source(tmp_path: Path) -> None:
    spec = tmp_path / "minimal.yaml"
    spec.write_text(
        "name: Minimal\nlayout: RWD\nmass: {curb: 1800 kg}\nbody: {drag_coefficient: 0.25}\n"
        "motors: [{axle: rear, peak_power: 200 kW}]\nbattery: {nominal_energy: 80 kWh}\n"
    )
    result = runner.invoke(app, ["check", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["parameter"]: r for r in json.loads(result.stdout)}
    for name in (
        "mass.payload",
        "body.frontal_area",
        "tyres.rolling_resistance",
        "air_density",
        "motors[0].peak_torque",
        "motors[0].max_speed",
        "gear_ratio",
        "battery.usable_energy",
        "battery.chemistry",
        "battery.nominal_voltage",
        "battery.resistance",
        "battery.peak_charge_power",
        "auxiliary_power",
        "charger_efficiency",
        "motor_loss_copper.rear",
        "motors[0].technology",
        "mass.curb_definition",
        "rolling_speed_coefficient",
        "driveline_linear_drag",
    ):
        assert name in rows, name
        assert rows[name]["source"] != "spec"
        assert len(rows[name]["source"]) > 10
    assert rows["battery.usable_energy"]["value"] == pytest.approx(80 * 0.93)
    # Frontal area from mass (no width/height): Wong's regression at 1800 kg.
    assert rows["body.frontal_area"]["value"] == pytest.approx(1.6 + 0.00056 * (1800 - 765))
    table = runner.invoke(app, ["check", str(spec)])
    assert table.exit_code == 0
    assert "valid" in table.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["simulate", "missing.yaml"], "missing.yaml: <file>: cannot be read"),
        (["simulate", str(EXAMPLES[0]), "-c", "wltc9"], "wltc9: is neither a bundled cycle"),
        (["simulate", str(EXAMPLES[0]), "-c", "nope.csv"], "nope.csv: <file>: cannot be read"),
        (["check", "missing.yaml"], "cannot be read"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.output


def test_installed_console_script_runs_and_fails_cleanly(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "evforge"
    ok = subprocess.run(
        [str(script), "simulate", str(EXAMPLES[0]), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)[0]["cycle"] == "wltc_class3b"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlayout: FWD\nmass: {curb: 5 kW}\n")
    fail = subprocess.run(
        [str(script), "simulate", str(bad)], capture_output=True, text=True, check=False
    )
    assert fail.returncode == 2
    assert "Traceback" not in fail.stderr
    assert "mass.curb: got '5 kW', a quantity of the wrong kind" in fail.stderr
