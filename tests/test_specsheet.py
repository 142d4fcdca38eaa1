"""The spec-sheet validation set and command, the road-load validation, and the shipped fits."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from evforge.cli import app
from evforge.spec import defaults as d
from evforge.validation import specsheet
from evforge.validation.roadload import fit_coefficients, load_joined

runner = CliRunner()


def test_every_variant_is_sourced_and_builds() -> None:
    variants = specsheet.load_variants()
    assert set(variants["market"]) == set(specsheet.MARKETS)
    assert variants["variant"].is_unique
    for v in variants.to_dict("records"):
        assert v["family"], v["variant"]
        assert all(str(s).strip() for s in v["sources"].values()), v["variant"]
        specsheet.build(pd.Series(v))  # raises on any invalid value
    # A family is on one side of the split in every market.
    assert (variants.groupby("family")["split"].nunique() == 1).all()


def test_official_figures_in_canonical_units() -> None:
    official = specsheet.load_official()
    bolt = official[(official["variant"] == "chevrolet_bolt_ev_2017_us")]
    rng = bolt[bolt["metric"] == "range"]["value"].iloc[0]
    use = bolt[bolt["metric"] == "consumption"]["value"].iloc[0]
    assert rng == pytest.approx(238 * 1.609344)  # fueleconomy.gov: 238 mi
    assert use == pytest.approx(28.3007 / 1.609344)  # 28.3 kWh/100 mi
    variants = set(specsheet.load_variants()["variant"])
    assert set(official["variant"]) <= variants
    assert official["value"].gt(0).all()


def test_variant_spec_pivots_field_paths() -> None:
    fields = pd.DataFrame(
        {
            "field": ["name", "motors[1].peak_power", "motors[0].axle", "tyres.size.front"],
            "value": ["X", "150", "front", "235/45 R18"],
            "unit": ["", "kW", "", ""],
        }
    )
    spec = specsheet.variant_spec(fields)
    assert spec["motors"][1] == {"peak_power": "150 kW"}
    assert spec["motors"][0] == {"axle": "front"}
    assert spec["tyres"] == {"size": {"front": "235/45 R18"}}


def test_validate_specsheet_writes_report_and_plot(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "specsheet", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    markets = {(r["metric"], r["market"]) for r in summary if r["split"] == "all"}
    assert {("range", m) for m in specsheet.MARKETS} <= markets
    md = (tmp_path / "specsheet_validation.md").read_text()
    assert md.startswith("# evforge from spec sheets")
    assert "ten largest errors" in md
    assert (tmp_path / "specsheet_scatter.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "specsheet_predictions.csv").exists()


def test_validate_specsheet_rejects_an_unknown_market(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "specsheet", "--market", "nedc"])
    assert result.exit_code == 2
    assert "--market" in result.output


def test_roadload_join_and_command(tmp_path: Path) -> None:
    joined = load_joined()
    assert len(joined) >= 65
    assert joined["family"].nunique() >= 20
    result = runner.invoke(app, ["validate", "roadload", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["split"]: r for r in json.loads(result.stdout)}
    assert rows["all"]["n"] == len(joined)
    assert (tmp_path / "roadload_validation.md").exists()


def test_shipped_road_load_coefficients_are_the_fit() -> None:
    f = fit_coefficients()
    assert f.rolling_resistance == pytest.approx(d.ROLLING_RESISTANCE.value, abs=5e-6)
    assert f.speed_coefficient == pytest.approx(d.ROLLING_SPEED_COEFFICIENT.value, abs=5e-8)
    assert f.linear_drag == pytest.approx(d.DRIVELINE_LINEAR_DRAG.value, abs=5e-3)
    assert f.frontal_area_factor == pytest.approx(d.FRONTAL_AREA_FACTOR.value, abs=5e-4)
