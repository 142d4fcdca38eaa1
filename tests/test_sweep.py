"""Sweeps: the study file, the Parquet dataset, resume after kill -9, processes and Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from evforge.cli import app
from evforge.errors import InputError
from evforge.explore.study import load_study, parse_study
from evforge.explore.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BOLT = str(ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml")
STUDY = f"""\
base: {BOLT}
base_changes: {{road_load: null}}
vary:
  body.drag_coefficient: {{low: 0.22, high: 0.30}}
  battery.usable_energy: {{low: 50 kWh, high: 70 kWh}}
  battery.chemistry: {{choices: [LFP, NMC]}}
sampling: {{method: sobol, n: 8, seed: 3}}
outputs: [range_wltp_km, consumption_wltp_kwh_per_100km]
"""


def _study(tmp_path: Path, text: str = STUDY) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _dataset(folder: Path) -> pd.DataFrame:
    parts = sorted(folder.glob("part-*.parquet"))
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return frame.sort_values("design_id").reset_index(drop=True)


def test_the_sample_is_a_pure_function_of_the_study(tmp_path: Path) -> None:
    study = load_study(_study(tmp_path))
    whole = study.designs()
    halves = pd.concat([study.designs(0, 3), study.designs(3, 8)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, halves)
    assert list(whole["design_id"]) == list(range(8))
    assert whole["body.drag_coefficient"].between(0.22, 0.30).all()
    assert whole["battery.usable_energy"].between(50, 70).all()  # documented unit: kWh
    assert set(whole["battery.chemistry"]) <= {"LFP", "NMC"}


@pytest.mark.parametrize("method", ["grid", "random", "lhs", "sobol"])
def test_sampling_methods(tmp_path: Path, method: str) -> None:
    text = STUDY.replace("method: sobol, n: 8, seed: 3", f"method: {method}, n: 6, seed: 1")
    if method == "grid":
        text = text.replace("n: 6, seed: 1", "points: 3")
    study = load_study(_study(tmp_path, text))
    assert study.size == (3 * 3 * 2 if method == "grid" else 6)
    designs = study.designs()
    pd.testing.assert_frame_equal(designs.iloc[2:4].reset_index(drop=True), study.designs(2, 4))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"vary": {"body.drag_coefficient": {"low": 0.3, "high": 0.2}}}, "expected low < high"),
        ({"vary": {"body.drag_coefficient": {"low": 0.2, "high": 3.0}}}, "plausible range"),
        ({"vary": {"mass.curb": {"low": "5 kW", "high": "6 kW"}}}, "wrong kind"),
        ({"sampling": {"method": "halton", "n": 4}}, "expected one of grid, random, lhs, sobol"),
        ({"sampling": {"method": "sobol", "n": -1}}, "expected an integer >= 1"),
        ({"outputs": ["range_mars_km"]}, "expected some of"),
        ({"colour": "red"}, "is not a study key"),
    ],
)
def test_bad_study_files_give_one_line_each(change: dict[str, object], fragment: str) -> None:
    data: dict[str, object] = {
        "base": BOLT,
        "base_changes": {"road_load": None},
        "vary": {"body.drag_coefficient": {"low": 0.22, "high": 0.3}},
        "sampling": {"method": "sobol", "n": 4},
        "outputs": ["range_wltp_km"],
    }
    data.update(change)
    with pytest.raises(InputError) as info:
        parse_study(data, source="s.yaml")
    assert any(fragment in line for line in info.value.lines()), info.value.lines()


def test_a_coast_down_base_refuses_a_varied_drag_coefficient() -> None:
    data = {"base": BOLT, "vary": {"body.drag_coefficient": {"low": 0.2, "high": 0.3}}}
    with pytest.raises(InputError, match="overrides this field"):
        parse_study(data, source="s.yaml")


def test_sweep_dataset_columns_and_query(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["sweep", str(_study(tmp_path)), "--out", str(out), "--chunk", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["designs"] == 8
    assert summary["parts"] == 3
    frame = _dataset(out)
    assert list(frame.columns) == [
        "design_id",
        "body.drag_coefficient",
        "battery.usable_energy",
        "battery.chemistry",
        "range_wltp_km",
        "consumption_wltp_kwh_per_100km",
        "error",
    ]
    assert frame["error"].isna().all()
    assert (frame["range_wltp_km"] > 200).all()
    query = CliRunner().invoke(
        app, ["query", str(out), "select count(*) as n, max(design_id) as m from designs", "--json"]
    )
    assert query.exit_code == 0, query.output
    assert json.loads(query.stdout) == [{"n": 8, "m": 7}]
    bad = CliRunner().invoke(app, ["query", str(out), "select nope from designs"])
    assert bad.exit_code == 2
    assert "Binder Error" in bad.stderr


def test_resume_after_kill_9_gives_every_design_once_with_identical_values(
    tmp_path: Path,
) -> None:
    # 32 parts of one design: enough that the kill lands part-way, however fast a part is.
    study = _study(tmp_path, STUDY.replace("method: sobol, n: 8,", "method: sobol, n: 32,"))
    reference = tmp_path / "reference"
    run_sweep(load_study(study), reference, chunk=1)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "evforge.cli", "sweep", str(study), "--out", str(out)]
    command += ["--chunk", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("part-*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(out.glob("part-*.parquet")))
    assert 2 <= done < 32, done  # killed part-way
    result = run_sweep(load_study(study), out, chunk=1)
    assert result.parts_resumed == done
    assert result.parts_computed == 32 - done
    assert not list(out.glob(".*.tmp"))
    pd.testing.assert_frame_equal(_dataset(out), _dataset(reference))


def test_local_processes_and_a_dask_cluster_give_identical_results(tmp_path: Path) -> None:
    from distributed import LocalCluster

    study = load_study(_study(tmp_path))
    run_sweep(study, tmp_path / "serial", chunk=2)
    run_sweep(study, tmp_path / "processes", chunk=2, workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        run_sweep(study, tmp_path / "dask", chunk=2, cluster=cluster.scheduler_address)
    serial = _dataset(tmp_path / "serial")
    pd.testing.assert_frame_equal(_dataset(tmp_path / "processes"), serial)
    pd.testing.assert_frame_equal(_dataset(tmp_path / "dask"), serial)


def test_solve_reaches_its_target_and_the_solved_spec_reproduces_it(tmp_path: Path) -> None:
    out = tmp_path / "solved.yaml"
    args = ["solve", BOLT, "--set", "road_load=null", "--vary", "battery.usable_energy"]
    result = CliRunner().invoke(
        app, [*args, "--target", "range_cltc_km=700", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["feasible"] is True
    assert record["evaluations"] <= 30
    assert abs(record["achieved"] / 700 - 1) <= 1e-3
    check = CliRunner().invoke(app, ["range", str(out), "-p", "cltc", "--json"])
    assert abs(json.loads(check.stdout)[0]["range_km"] / 700 - 1) <= 1e-3


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (["--vary", "body.drag_coefficient", "--target", "range_wltp_km=2000"], 1, "out of reach"),
        (["--vary", "body.colour", "--target", "range_wltp_km=500"], 2, "not a numeric"),
        (["--vary", "body.drag_coefficient", "--target", "range_mars_km=5"], 2, "not an output"),
        (["--vary", "body.drag_coefficient", "--target", "500"], 2, "expected OUTPUT=VALUE"),
    ],
)
def test_solve_errors(args: list[str], status: int, fragment: str) -> None:
    result = CliRunner().invoke(app, ["solve", BOLT, "--set", "road_load=null", *args])
    assert result.exit_code == status, result.output
    assert fragment in result.stderr
    assert "Traceback" not in result.output
