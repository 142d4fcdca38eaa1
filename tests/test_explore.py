"""Sensitivity (SALib) and optimisation (pymoo NSGA-II) against analytic answers, and their
commands on the bundled example."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import evforge
from evforge.cli import app
from evforge.explore.optimize import nsga2
from evforge.explore.sensitivity import sobol_indices

ROOT = Path(__file__).resolve().parents[1]


def _ishigami(u: np.ndarray) -> dict[str, np.ndarray]:
    x = -math.pi + 2.0 * math.pi * u
    return {
        "y": np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    }


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values() -> None:
    """Ishigami & Homma (1990), a = 7, b = 0.1: V = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2;
    S1 = (1/2)(1 + b π⁴/5)² / V, S2 = (a²/8) / V, S3 = 0; ST3 = (8 b² π⁸/225) / V,
    ST1 = S1 + ST3, ST2 = S2 (Saltelli et al., Global Sensitivity Analysis: The Primer, 2008)."""
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    s1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2 / v
    s2 = a**2 / 8 / v
    st3 = 8 * b**2 * math.pi**8 / 225 / v
    table = sobol_indices(["x1", "x2", "x3"], _ishigami, n=4096, seed=1)["y"]
    for name, first, total in (("x1", s1, s1 + st3), ("x2", s2, s2), ("x3", 0.0, st3)):
        assert abs(table.loc[name, "S1"] - first) < 0.02, (name, table.loc[name, "S1"], first)
        assert abs(table.loc[name, "ST"] - total) < 0.02, (name, table.loc[name, "ST"], total)


def _zdt1(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ZDT1 with 3 variables (Zitzler, Deb & Thiele 2000): front f2 = 1 - sqrt(f1)."""
    g = 1.0 + 9.0 * u[:, 1:].mean(axis=1)
    f1 = u[:, 0]
    return np.column_stack([f1, g * (1.0 - np.sqrt(f1 / g))]), np.zeros((len(u), 0))


def test_nsga2_front_reaches_99_percent_of_an_exhaustive_grids_hypervolume() -> None:
    from pymoo.indicators.hv import HV
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    _, front, _ = nsga2(3, _zdt1, objectives=2, population=40, generations=80, seed=1)
    axes = [np.linspace(0.0, 1.0 - 1e-12, 30)] * 3
    grid = np.array(np.meshgrid(*axes)).reshape(3, -1).T
    f_grid, _ = _zdt1(grid)
    best = f_grid[NonDominatedSorting().do(f_grid, only_non_dominated_front=True)]
    hv = HV(ref_point=np.array([1.1, 1.1]))
    assert hv(front) >= 0.99 * hv(best), (hv(front), hv(best))


def test_nsga2_respects_constraints() -> None:
    def model(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f, _ = _zdt1(u)
        return f, (0.3 - u[:, :1])  # feasible where x1 >= 0.3

    x, _, g = nsga2(3, model, objectives=2, constraints=1, population=30, generations=30, seed=2)
    assert (x[:, 0] >= 0.3 - 1e-9).all()
    assert (g <= 1e-9).all()


STUDY = f"""\
base: {ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml"}
base_changes: {{road_load: null}}
vary:
  body.drag_coefficient: {{low: 0.22, high: 0.34}}
  battery.usable_energy: {{low: 45 kWh, high: 75 kWh}}
sampling: {{method: sobol, n: 8, seed: 1}}
outputs: [range_wltp_km]
"""


def test_sensitivity_command_on_the_bolt(tmp_path: Path) -> None:
    study = tmp_path / "s.yaml"
    study.write_text(STUDY, encoding="utf-8")
    plot = tmp_path / "s.png"
    result = CliRunner().invoke(
        app, ["sensitivity", str(study), "--n", "16", "--json", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    rows = {r["input"]: r for r in json.loads(result.stdout)}
    # Range scales with the battery over a 67 % span, drag over a smaller share of the
    # energy: the battery must matter more.
    assert rows["battery.usable_energy"]["ST"] > rows["body.drag_coefficient"]["ST"]
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_optimize_command_writes_a_front_and_reproducible_specs(tmp_path: Path) -> None:
    opt = tmp_path / "o.yaml"
    opt.write_text(
        STUDY.replace("outputs: [range_wltp_km]\n", "")
        + "objectives: {range_wltp_km: max, consumption_wltp_kwh_per_100km: min}\n"
        + 'constraints: ["range_wltp_km >= 250"]\n'
        + "algorithm: {population: 6, generations: 2, seed: 1}\n",
        encoding="utf-8",
    )
    out = tmp_path / "front"
    result = CliRunner().invoke(app, ["optimize", str(opt), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    front = pd.read_parquet(out / "pareto.parquet")
    assert len(front) >= 1
    assert (front["range_wltp_km"] >= 250).all()
    assert (out / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    first = front.iloc[0]
    spec = out / "specs" / f"point_{int(first['point']):04d}.yaml"
    again = evforge.run_procedure(evforge.load_vehicle(spec), "wltp")["range_km"]
    assert again == pytest.approx(first["range_wltp_km"], rel=1e-9)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("objectives: {range_wltp_km: most}\n", "expected min or max"),
        ("objectives: {range_mars_km: max}\n", "is not an output"),
        ('objectives: {range_wltp_km: max}\nconstraints: ["speed fast"]\n', "expected 'OUTPUT"),
    ],
)
def test_bad_optimisation_files(tmp_path: Path, extra: str, fragment: str) -> None:
    opt = tmp_path / "o.yaml"
    opt.write_text(STUDY.replace("outputs: [range_wltp_km]\n", "") + extra, encoding="utf-8")
    result = CliRunner().invoke(app, ["optimize", str(opt), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert fragment in result.stderr
